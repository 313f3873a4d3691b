"""Optional FranceConnect login for the citizen portal: it only prefills the forms.

For the portal's views: ``identity(request) -> dict | None`` (the claims FranceConnect gave in
this session) and ``prefill(request) -> dict`` (the forms' initial values in the record body's
field names). The button is ``{% include "portal/franceconnect/button.html" %}``.
"""

from portal.franceconnect.session import identity, prefill

__all__ = ["identity", "prefill"]
