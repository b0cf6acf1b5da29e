"""The one moderator rule: who may run a moderation service, see a staff-only read.

Moderation services check it themselves, whatever the caller (admin actions, reports,
tests), so nobody can skip it; the admin only hides what a user may not do. The rule is
Django's permission system behind two conditions: the account is active, and it is staff
(allowed into the admin at all). A superuser holds every permission; `SUPERUSER` names what
only superusers may do (read a private conversation), which no group can grant.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractUser, AnonymousUser

    Actor = AbstractUser | AnonymousUser

#: Not a permission a group can hold: only active staff superusers have it.
SUPERUSER = "superuser"


def has_permission(actor: Actor, *permissions: str) -> bool:
    """Whether `actor` (a user) may do what any one of `permissions` ("app.codename", or
    `SUPERUSER`) allows."""
    if not (actor.is_active and actor.is_staff):
        return False
    if SUPERUSER in permissions and actor.is_superuser:
        return True
    return any(actor.has_perm(p) for p in permissions if p != SUPERUSER)


def require_permission(actor: Actor, *permissions: str, message: str = "") -> None:
    """PermissionDenied unless `has_permission(actor, *permissions)`."""
    if not has_permission(actor, *permissions):
        raise PermissionDenied(message or "You are not allowed to do this.")
