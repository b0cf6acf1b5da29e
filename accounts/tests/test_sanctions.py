"""Timed suspensions and private moderator notes (accounts.services.moderation): who may,
what the suspended user is told wherever they try (REST login, the token endpoints, an
access token they still hold, the web login page), and that it lifts by itself."""

from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from accounts import services
from accounts.models import ModerationLog, ModeratorNote
from accounts.tests.conftest import login
from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def soon(hours: int = 24):
    return timezone.now() + timedelta(hours=hours)


def test_suspension_closes_sockets_ends_tokens_and_sessions_and_is_logged(
    moderator, other_user, sent_events, django_capture_on_commit_callbacks
):
    browser = Client()
    assert browser.login(username=other_user.username, password=DEFAULT_PASSWORD)
    refresh = RefreshToken.for_user(other_user)
    until = soon(24)
    with django_capture_on_commit_callbacks(execute=True):
        services.user_suspend(actor=moderator, user_id=other_user.id, until=until, reason="spam")
    other_user.refresh_from_db()
    assert other_user.suspended_until == until and other_user.is_active
    assert sent_events == [
        (f"user.{other_user.id}", {"type": "disconnect", "reason": "account_suspended"})
    ]
    assert not [
        s
        for s in Session.objects.all()
        if s.get_decoded().get("_auth_user_id") == str(other_user.pk)
    ]
    response = APIClient().post("/api/auth/refresh", {"refresh_token": str(refresh)}, format="json")
    assert response.status_code == 401
    entry = ModerationLog.objects.get()
    assert (entry.action, entry.target_id, entry.subject_user_id, entry.reason) == (
        "suspend_user",
        other_user.id,
        other_user.id,
        "spam",
    )
    assert "until" in entry.target_repr


def test_a_suspended_user_is_told_until_when_and_it_lifts_by_itself(moderator, other_user):
    until = soon(3)
    services.user_suspend(actor=moderator, user_id=other_user.id, until=until, reason="cool off")
    response = login(APIClient(), other_user.username)
    assert response.status_code == 401
    body = response.json()
    assert body["code"] == "account_suspended"
    assert body["detail"] == f"This account is suspended until {until:%Y-%m-%d %H:%M} UTC."
    # a wrong password is not told about the suspension
    wrong = login(APIClient(), other_user.username, "not-the-password")
    assert wrong.status_code == 401 and wrong.json()["code"] == "invalid_credentials"
    # the web login page says the same
    page = Client().post(
        reverse("login"), {"username": other_user.username, "password": DEFAULT_PASSWORD}
    )
    assert page.status_code == 200
    assert f"suspended until {until:%Y-%m-%d %H:%M} UTC" in page.content.decode()
    # once the time has passed, the same credentials work again
    type(other_user).objects.filter(pk=other_user.pk).update(
        suspended_until=timezone.now() - timedelta(seconds=1)
    )
    assert login(APIClient(), other_user.username).status_code == 200


def test_an_access_token_held_from_before_is_refused_with_the_reason(moderator, other_user):
    access = str(RefreshToken.for_user(other_user).access_token)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    assert client.get("/api/auth/me").status_code == 200
    services.user_suspend(actor=moderator, user_id=other_user.id, until=soon(), reason="x")
    response = client.get("/api/auth/me")
    assert response.status_code == 401
    assert response.json()["code"] == "account_suspended"
    assert "suspended until" in response.json()["detail"]


def test_suspension_needs_permission_reason_and_a_sane_end(moderator, user, other_user):
    with pytest.raises(PermissionDenied):
        services.user_suspend(actor=user, user_id=other_user.id, until=soon(), reason="x")
    for reason in ("", "   ", None):
        with pytest.raises(ValidationError) as error:
            services.user_suspend(
                actor=moderator, user_id=other_user.id, until=soon(), reason=reason
            )
        assert "reason" in error.value.message_dict
    for until in (timezone.now() - timedelta(minutes=1), soon(24 * 400), "tomorrow"):
        with pytest.raises(ValidationError) as error:
            services.user_suspend(actor=moderator, user_id=other_user.id, until=until, reason="x")
        assert "until" in error.value.message_dict
    with pytest.raises(ValidationError):
        services.user_suspend(actor=moderator, user_id=moderator.id, until=soon(), reason="x")
    with pytest.raises(PermissionDenied):
        staff = UserFactory(is_staff=True)
        services.user_suspend(actor=moderator, user_id=staff.id, until=soon(), reason="x")
    assert not ModerationLog.objects.exists()


def test_lifting_a_suspension_early(moderator, other_user):
    assert not services.user_unsuspend(actor=moderator, user_id=other_user.id, reason="none")
    services.user_suspend(actor=moderator, user_id=other_user.id, until=soon(), reason="x")
    assert services.user_unsuspend(actor=moderator, user_id=other_user.id, reason="appeal")
    assert login(APIClient(), other_user.username).status_code == 200
    assert list(ModerationLog.objects.order_by("id").values_list("action", flat=True)) == [
        "suspend_user",
        "unsuspend_user",
    ]


def test_moderator_notes_are_private_and_logged(moderator, user, other_user):
    note = services.moderator_note_add(actor=moderator, user_id=other_user.id, text=" warned ")
    assert (note.user, note.author, note.text) == (other_user, moderator, "warned")
    assert ModerationLog.objects.get().action == "note_user"
    with pytest.raises(PermissionDenied):
        services.moderator_note_add(actor=user, user_id=other_user.id, text="x")
    with pytest.raises(ValidationError):
        services.moderator_note_add(actor=moderator, user_id=other_user.id, text="  ")
    assert ModeratorNote.objects.count() == 1
    # never shown to the user: no API exposes notes
    me = APIClient()
    me.force_authenticate(other_user)
    assert "warned" not in me.get("/api/auth/me").content.decode()
