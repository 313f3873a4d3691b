"""Former home of the admin scoping and of the role groups, kept for importers not yet moved.

New code imports ``hub.registry.admin.scoping`` (admin base classes) and ``hub.registry.roles``
(role groups). ``consent/admin.py``, ``exchanges/admin.py`` and ``fixtures/demo.py`` still import
from here; delete this module once they have moved.
"""

from hub.registry.admin.scoping import (  # noqa: F401
    OrganizationScopedAdmin,
    ScopedInlineMixin,
    ScopedPermissionsMixin,
    actor_for_request,
    has_scope,
    user_organizations,
)
from hub.registry.roles import (  # noqa: F401
    ROLE_GROUPS,
    ROLE_PERMISSIONS,
    ensure_role_groups,
    sync_user_role_groups,
)
