"""Security of the portal's pages (/citoyen/ only, the other faces keep their own rules).

* A form body larger than PORTAL_MAX_BODY_BYTES answers 413 before anything reads it.
* A strict Content-Security-Policy: scripts, styles, fonts and images from the hub's own static
  files only, no inline script or style, no framing, forms posted only to the hub.
* The referrer only to the hub itself (a withdrawal link's token never leaves in a Referer
  header; ``no-referrer`` would make browsers send ``Origin: null`` with the forms, which the
  CSRF check rightly refuses), no caching (an acknowledgment page shows a reference), no
  browser feature the pages do not use.
"""

from __future__ import annotations

from django.conf import settings

from portal import errors

CSP = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "manifest-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    )
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
}


def _too_large(request) -> bool:
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return False
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return True
    return length > settings.PORTAL_MAX_BODY_BYTES


class PortalMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith(errors.PREFIX):
            return self.get_response(request)
        too_large = _too_large(request)
        response = errors.page(request, 413) if too_large else self.get_response(request)
        if response.status_code in errors.PAGES and not getattr(response, "portal_page", False):
            # An error drawn elsewhere (Django's 405, the hub's 400 for a malformed body): the
            # portal's own French page, under the same policy (the hub's has an inline style).
            kept = {name: response[name] for name in ("Allow", "Retry-After") if name in response}
            response = errors.page(request, response.status_code)
            for name, value in kept.items():
                response[name] = value
        for name, value in HEADERS.items():
            response[name] = value
        return response
