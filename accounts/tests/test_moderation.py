"""accounts moderation services: ban / unban and the audit log."""

import pytest
from django.contrib.auth.models import Permission
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.test import Client

from accounts import services
from accounts.models import ModerationLog
from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def test_ban_is_logged_once_and_unban_lifts_it(
    moderator, other_user, sent_events, django_capture_on_commit_callbacks
):
    web = Client()
    assert web.login(username="bob", password=DEFAULT_PASSWORD)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.user_ban(actor=moderator, user_id=other_user.id, reason="spam")
        assert not services.user_ban(actor=moderator, user_id=other_user.id)  # already banned
    other_user.refresh_from_db()
    assert not other_user.is_active
    assert sent_events == [
        (f"user.{other_user.id}", {"type": "disconnect", "reason": "account_disabled"})
    ]
    assert not Session.objects.filter(pk=web.session.session_key).exists()  # logged out
    assert services.user_unban(actor=moderator, user_id=other_user.id, reason="appeal")
    other_user.refresh_from_db()
    assert other_user.is_active
    log = list(ModerationLog.objects.order_by("id").values_list("action", "target_id", "reason"))
    assert log == [("ban_user", other_user.id, "spam"), ("unban_user", other_user.id, "appeal")]


def test_ban_needs_the_permission(user, other_user):
    staff = UserFactory(is_staff=True)
    for actor in (user, staff):
        with pytest.raises(PermissionDenied):
            services.user_ban(actor=actor, user_id=other_user.id)
    not_staff = UserFactory()
    not_staff.user_permissions.add(Permission.objects.get(codename="ban_user"))
    with pytest.raises(PermissionDenied):
        services.user_ban(actor=not_staff, user_id=other_user.id)
    other_user.refresh_from_db()
    assert other_user.is_active


def test_ban_refuses_self_staff_and_unknown(moderator):
    with pytest.raises(ValidationError):
        services.user_ban(actor=moderator, user_id=moderator.id)
    with pytest.raises(PermissionDenied):
        services.user_ban(actor=moderator, user_id=UserFactory(is_staff=True).id)
    with pytest.raises(Http404):
        services.user_ban(actor=moderator, user_id=999_999)
    superuser = UserFactory(is_staff=True, is_superuser=True)
    staff = UserFactory(is_staff=True)
    assert services.user_ban(actor=superuser, user_id=staff.id)  # superusers may
    assert not ModerationLog.objects.exclude(moderator=superuser).exists()


def test_sessions_end_only_for_that_user(user, other_user):
    mine, theirs = Client(), Client()
    assert mine.login(username="alice", password=DEFAULT_PASSWORD)
    assert theirs.login(username="bob", password=DEFAULT_PASSWORD)
    assert services.user_sessions_end(user=other_user) == 1
    assert services.user_sessions_end(user=other_user) == 0
    assert services.user_sessions_end(user=user) == 1


def test_active_is_read_only_on_the_user_page_and_points_to_the_ban_actions(
    other_user, sent_events, django_capture_on_commit_callbacks
):
    """Unticking "Active" used to ban with no confirmation and a canned reason: the box is
    read-only now (the Ban / Unban actions ask for the reason), so a saved form leaves it."""
    admin_user = UserFactory(username="root", is_staff=True, is_superuser=True)
    web = Client()
    web.force_login(admin_user)
    url = f"/admin/accounts/user/{other_user.pk}/change/"
    page = web.get(url).content.decode()
    assert 'name="is_active"' not in page  # no checkbox to untick
    assert "field-is_active" in page
    assert "use the Ban or Unban action above" in page
    joined = other_user.date_joined
    data = {
        "username": other_user.username,
        "email": other_user.email or "",
        "first_name": "",
        "last_name": "",
        # "is_active" left out: what an unticked box posts
        "date_joined_0": joined.strftime("%Y-%m-%d"),
        "date_joined_1": joined.strftime("%H:%M:%S"),
        "display_name": "Bobby",
        "bio": "",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = web.post(url, data)
    assert response.status_code == 302, response.content[:2000]
    other_user.refresh_from_db()
    assert other_user.display_name == "Bobby"  # the rest of the form saves
    assert other_user.is_active
    assert not sent_events
    assert not ModerationLog.objects.exists()
    # Banning from that page is the action, through the confirmation page.
    ban = {"action": "deactivate_users", "_selected_action": [other_user.pk]}
    confirm = web.post("/admin/accounts/user/", ban)
    assert confirm.status_code == 200 and b"sanction_form" in confirm.content
    other_user.refresh_from_db()
    assert other_user.is_active
    with django_capture_on_commit_callbacks(execute=True):
        web.post("/admin/accounts/user/", {**ban, "confirm": "yes", "reason": "spam"})
    other_user.refresh_from_db()
    assert not other_user.is_active
    assert list(ModerationLog.objects.values_list("action", "reason")) == [("ban_user", "spam")]
