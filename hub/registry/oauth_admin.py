"""django-oauth-toolkit's admin of OAuth2 applications (superusers only), without its "Voir sur
le site" link: the toolkit's management pages are not mounted (partners are onboarded through
``onboard_partner`` and the partner clients' admin), so ``Application.get_absolute_url`` has no
URL to reverse and the link answered 500. Named by ``OAUTH2_PROVIDER["APPLICATION_ADMIN_CLASS"]``.
"""

from oauth2_provider.admin import ApplicationAdmin as ToolkitApplicationAdmin


class ApplicationAdmin(ToolkitApplicationAdmin):
    view_on_site = False
