"""Reports: users report messages they can see, or users; moderators resolve or dismiss."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from accounts.models import ModerationLog
from accounts.tests.factories import UserFactory
from chat_project.exceptions import Conflict
from messaging import services
from messaging.models import Message, Report
from messaging.tests.factories import MessageFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def rude(other_user, group):
    return MessageFactory(conversation=group, sender=other_user, content="you are awful")


# --- services ------------------------------------------------------------------------------


def test_message_report_keeps_a_snapshot(user, other_user, group, rude):
    report = services.message_report(actor=user, message_id=rude.id, reason="  insult  ")
    Message.objects.filter(pk=rude.pk).update(content="edited away")
    report.refresh_from_db()
    assert (report.target_type, report.status, report.reason) == ("message", "open", "insult")
    assert (report.message_id, report.user_id, report.conversation_id) == (
        rude.id,
        other_user.id,
        group.id,
    )
    assert report.message_text == "you are awful"


def test_message_report_needs_membership(outsider, rude):
    with pytest.raises(Http404):
        services.message_report(actor=outsider, message_id=rude.id, reason="x")


def test_one_open_report_per_reporter_and_target(user, other_user, rude, moderator):
    first = services.message_report(actor=user, message_id=rude.id, reason="x")
    with pytest.raises(Conflict):
        services.message_report(actor=user, message_id=rude.id, reason="again")
    services.user_report(actor=user, user_id=other_user.id, reason="x")  # another target
    with pytest.raises(Conflict):
        services.user_report(actor=user, user_id=other_user.id, reason="again")
    services.report_dismiss(actor=moderator, report_id=first.id)
    services.message_report(actor=user, message_id=rude.id, reason="it goes on")  # closed: ok


def test_reporting_yourself_is_invalid(user, group):
    mine = MessageFactory(conversation=group, sender=user)
    with pytest.raises(ValidationError):
        services.message_report(actor=user, message_id=mine.id, reason="x")
    with pytest.raises(ValidationError):
        services.user_report(actor=user, user_id=user.id, reason="x")


@pytest.mark.parametrize("reason", ["", "   ", "x" * 1001, None, 5])
def test_reason_is_1_to_1000_characters(user, rude, reason):
    with pytest.raises(ValidationError):
        services.message_report(actor=user, message_id=rude.id, reason=reason)


def test_user_report_of_unknown_or_inactive_user_is_404(user, other_user):
    other_user.is_active = False
    other_user.save()
    for user_id in (other_user.id, 999_999, "abc"):
        with pytest.raises(Http404):
            services.user_report(actor=user, user_id=user_id, reason="x")


def test_resolve_and_dismiss_are_logged_once(user, other_user, rude, moderator):
    a = services.message_report(actor=user, message_id=rude.id, reason="x")
    b = services.user_report(actor=user, user_id=other_user.id, reason="y")
    assert services.report_resolve(actor=moderator, report_id=a.id, note="warned")
    assert not services.report_resolve(actor=moderator, report_id=a.id)  # no longer open
    assert services.report_dismiss(actor=moderator, report_id=b.id)
    a.refresh_from_db()
    assert (a.status, a.handled_by) == ("resolved", moderator)
    log = list(ModerationLog.objects.order_by("id").values_list("action", "target_id", "reason"))
    assert log == [("resolve_report", a.id, "warned"), ("dismiss_report", b.id, "")]


def test_only_moderators_handle_reports(user, other_user, rude):
    report = services.message_report(actor=user, message_id=rude.id, reason="x")
    staff_without_group = UserFactory(is_staff=True)
    for actor in (other_user, staff_without_group):
        with pytest.raises(PermissionDenied):
            services.report_resolve(actor=actor, report_id=report.id)
    with pytest.raises(Http404):
        services.report_resolve(actor=UserFactory(is_superuser=True, is_staff=True), report_id=0)


def test_report_redact_message_redacts_resolves_and_logs(
    user, group, rude, moderator, sent_events, django_capture_on_commit_callbacks
):
    report = services.message_report(actor=user, message_id=rude.id, reason="x")
    with django_capture_on_commit_callbacks(execute=True):
        assert services.report_redact_message(actor=moderator, report_id=report.id, note="gone")
    rude.refresh_from_db()
    report.refresh_from_db()
    assert rude.is_deleted and rude.deleted_by == moderator and rude.content == "you are awful"
    assert report.status == "resolved"
    assert sent_events[0] == (
        f"conversation.{group.id}",
        {
            "type": "message_deleted",
            "conversation_id": group.id,
            "message_id": rude.id,
            "change_seq": 2,  # sent (1), redacted (2)
        },
    )
    # then the reporter's `report_handled` notification (test_report_cases.py)
    assert [(name, e["type"]) for name, e in sent_events[1:]] == [
        (f"user.{user.id}", "notification")
    ]
    assert list(ModerationLog.objects.order_by("id").values_list("action", flat=True)) == [
        "redact_message",
        "resolve_report",
    ]


def test_report_redact_of_a_user_report_is_invalid(user, other_user, moderator):
    report = services.user_report(actor=user, user_id=other_user.id, reason="x")
    with pytest.raises(ValidationError):
        services.report_redact_message(actor=moderator, report_id=report.id)


def test_report_ban_user_bans_the_author(user, other_user, rude, moderator):
    report = services.message_report(actor=user, message_id=rude.id, reason="x")
    assert services.report_ban_user(actor=moderator, report_id=report.id, note="repeat")
    other_user.refresh_from_db()
    report.refresh_from_db()
    assert not other_user.is_active
    assert report.status == "resolved"
    assert set(ModerationLog.objects.values_list("action", flat=True)) == {
        "ban_user",
        "resolve_report",
    }


def test_report_survives_its_conversation(user, group, rude):
    report = services.message_report(actor=user, message_id=rude.id, reason="x")
    group_id = group.id
    group.delete()
    report.refresh_from_db()
    assert report.message_id is None
    assert (report.conversation_id, report.message_text) == (group_id, "you are awful")


# --- REST ----------------------------------------------------------------------------------


def test_api_report_message_201(client_for, user, other_user, rude):
    response = client_for(user).post(f"/api/messages/{rude.id}/report", {"reason": "insult"})
    assert response.status_code == 201
    report = Report.objects.get()
    assert response.json() == {
        "id": report.id,
        "target_type": "message",
        "message_id": rude.id,
        "user_id": other_user.id,
        "reason": "insult",
        "status": "open",
        "created_at": response.json()["created_at"],
    }
    again = client_for(user).post(f"/api/messages/{rude.id}/report/", {"reason": "x"})
    assert again.status_code == 409
    assert again.json()["code"] == "already_reported"


def test_api_report_user_201(client_for, user, other_user):
    response = client_for(user).post(
        f"/api/users/{other_user.id}/report", {"reason": "spam"}, format="json"
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["target_type"], body["message_id"], body["user_id"]) == (
        "user",
        None,
        other_user.id,
    )


def test_api_report_errors(client_for, api_client, user, outsider, rude):
    client = client_for(user)
    assert (
        client_for(outsider).post(f"/api/messages/{rude.id}/report", {"reason": "x"}).status_code
        == 404
    )
    assert client.post("/api/messages/999999/report", {"reason": "x"}).status_code == 404
    assert client.post("/api/messages/abc/report", {"reason": "x"}).status_code == 404
    assert client.post(f"/api/users/{user.id}/report", {"reason": "x"}).status_code == 400
    assert client.post("/api/users/999999/report", {"reason": "x"}).status_code == 404
    for body in ({}, {"reason": ""}, {"reason": "x" * 1001}, {"reason": 5}):
        response = client.post(f"/api/messages/{rude.id}/report", body, format="json")
        assert response.status_code == 400
        assert "reason" in response.json()
    assert api_client.post(f"/api/messages/{rude.id}/report", {"reason": "x"}).status_code == 401
    assert Report.objects.count() == 0
