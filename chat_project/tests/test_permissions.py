"""The one moderator rule (chat_project/permissions.py): active, staff, and the permission."""

import pytest
from django.core.exceptions import PermissionDenied

from accounts.tests.factories import UserFactory, staff_with
from chat_project.permissions import SUPERUSER, has_permission, require_permission

pytestmark = pytest.mark.django_db

BAN = "accounts.ban_user"


def test_staff_with_the_permission_may():
    assert has_permission(staff_with(BAN), BAN)
    assert has_permission(staff_with(BAN), "messaging.redact_message", BAN)  # any one of them


@pytest.mark.parametrize(
    "actor",
    [
        lambda: UserFactory(),
        lambda: UserFactory(is_staff=True),
        lambda: staff_with(BAN, is_active=False),
        lambda: staff_with("messaging.redact_message"),
    ],
    ids=["user", "bare staff", "inactive", "another permission"],
)
def test_anyone_else_may_not(actor):
    user = actor()
    assert not has_permission(user, BAN)
    with pytest.raises(PermissionDenied, match=r"^Not you\.$"):
        require_permission(user, BAN, message="Not you.")


def test_a_permission_without_staff_status_is_not_enough():
    holder = staff_with(BAN)
    holder.is_staff = False
    assert not has_permission(holder, BAN)


def test_superuser_only_is_for_active_staff_superusers():
    root = UserFactory(is_staff=True, is_superuser=True)
    assert has_permission(root, SUPERUSER) and has_permission(root, BAN)
    assert not has_permission(staff_with(BAN), SUPERUSER)
    assert not has_permission(UserFactory(is_superuser=True), SUPERUSER)  # not staff
    inactive = UserFactory(is_staff=True, is_superuser=True, is_active=False)
    assert not has_permission(inactive, SUPERUSER)
