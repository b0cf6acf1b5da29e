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


def test_unticking_active_on_the_user_page_is_a_ban(
    other_user, sent_events, django_capture_on_commit_callbacks
):
    """The admin's change form goes through the service: sockets close, the log has it."""
    admin_user = UserFactory(username="root", is_staff=True, is_superuser=True)
    web = Client()
    web.force_login(admin_user)
    joined = other_user.date_joined
    data = {
        "username": other_user.username,
        "email": other_user.email or "",
        "first_name": "",
        "last_name": "",
        # "is_active" left out: the box is unticked
        "date_joined_0": joined.strftime("%Y-%m-%d"),
        "date_joined_1": joined.strftime("%H:%M:%S"),
        "display_name": other_user.display_name or "",
        "bio": "",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = web.post(f"/admin/accounts/user/{other_user.pk}/change/", data)
    assert response.status_code == 302, response.content[:2000]
    other_user.refresh_from_db()
    assert not other_user.is_active
    assert (f"user.{other_user.id}", {"type": "disconnect", "reason": "account_disabled"}) in (
        sent_events
    )
    assert ModerationLog.objects.filter(action="ban_user", target_id=other_user.id).exists()
