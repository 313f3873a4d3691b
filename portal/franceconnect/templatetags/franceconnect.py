"""``{% franceconnect_button as fc %}``: what button.html needs, from the request alone."""

from urllib.parse import urlencode

from django import template
from django.conf import settings
from django.urls import reverse

from portal.franceconnect.session import identity

register = template.Library()


@register.simple_tag(takes_context=True)
def franceconnect_button(context) -> dict:
    request = context.get("request")
    if not settings.FRANCECONNECT_ENABLED or request is None:
        return {"enabled": False}
    query = urlencode({"next": request.get_full_path()})
    return {
        "enabled": True,
        "identified": identity(request) is not None,
        "login_url": f"{reverse('portal:franceconnect:login')}?{query}",
        "logout_url": reverse("portal:franceconnect:logout"),
    }
