"""The user admin shows nobody a password hash (algorithm, iterations, salt, fragments)."""

import pytest
from django.contrib.auth.hashers import identify_hasher
from django.contrib.auth.models import Group
from django.urls import reverse

from accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def hash_parts(user) -> list[str]:
    """What Django's ReadOnlyPasswordHashWidget would print of the user's stored hash."""
    summary = identify_hasher(user.password).safe_summary(user.password)
    return [str(value) for value in summary.values()] + [user.password]


def test_a_moderator_sees_no_password_hash(client, other_user):
    mod = UserFactory(username="mod", is_staff=True)
    mod.groups.add(Group.objects.get(name="moderators"))
    client.force_login(mod)
    response = client.get(reverse("admin:accounts_user_change", args=[other_user.id]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "field-password" not in page
    for label in ("algorithm", "iterations", "salt", "<strong>hash</strong>"):
        assert label not in page
    for part in hash_parts(other_user):
        assert part not in page, part
    assert "bob" in page  # the rest of the user's page is still there


def test_a_superuser_keeps_the_change_password_link_but_sees_no_hash(admin_client, other_user):
    page = admin_client.get(reverse("admin:accounts_user_change", args=[other_user.id]))
    html = page.content.decode()
    assert page.status_code == 200 and "field-password" in html
    assert 'href="../password/"' in html and "A password is set." in html
    for label in ("algorithm", "iterations", "salt", "<strong>hash</strong>"):
        assert label not in html
    for part in hash_parts(other_user):
        assert part not in html, part
    password_page = reverse("admin:auth_user_password_change", args=[other_user.id])
    assert admin_client.get(password_page).status_code == 200


def test_a_user_without_password_is_shown_as_such(admin_client):
    nobody = UserFactory(username="sso")
    nobody.set_unusable_password()
    nobody.save()
    html = admin_client.get(reverse("admin:accounts_user_change", args=[nobody.id])).content
    assert b"No password set." in html and b"Set password" in html
