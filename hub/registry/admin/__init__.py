"""The registry admin (in French), one module per concern; every face reads persons through
the disclosure gate (``hub.registry.admin.gate`` on top of ``consent.gate``) and writes through
services (``hub.registry.config``, ``hub.registry.households``, ``exchanges.merges``).

Django's autodiscovery imports this package; importing it registers every ModelAdmin.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from hub.registry.admin import (  # noqa: F401 (registration)
    clients,
    dedupe,
    households,
    merges,
    organizations,
    persons,
    records,
    review,
)

admin.site.site_header = _("Passerelle — administration")
admin.site.site_title = _("Passerelle — administration")
admin.site.index_title = _("Administration")
admin.site.site_url = None  # no public site: hide "Voir le site"
