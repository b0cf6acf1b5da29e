"""Reports grouped into cases, reporters told the outcome, redactions undone, and the
report queue/case file in the admin (through Django's test client, as a moderator of the
migration's group), with query counts at N and 2N rows."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts import services as accounts_services
from accounts.models import ModerationLog, Notification
from accounts.tests.factories import UserFactory
from conversations.tests.factories import group_with
from messaging import services
from messaging.models import Message, Report
from messaging.tests.factories import MessageFactory

pytestmark = pytest.mark.django_db

QUEUE = reverse("admin:messaging_report_changelist")


@pytest.fixture
def carol(user_factory):
    return user_factory(username="carol")


@pytest.fixture
def dave(user_factory):
    return user_factory(username="dave")


@pytest.fixture
def hike(user, carol, dave):
    return group_with(user, carol, dave, name="Weekend hike")


@pytest.fixture
def rude(hike, carol):
    return MessageFactory(conversation=hike, sender=carol, content="you are all idiots")


@pytest.fixture
def two_reports(user, dave, rude):
    return [
        services.message_report(actor=user, message_id=rude.id, reason="insult"),
        services.message_report(actor=dave, message_id=rude.id, reason="rude"),
    ]


def confirm(client, url, action, *objects, **data):
    return client.post(
        url,
        {"action": action, "_selected_action": [o.pk for o in objects], "confirm": "yes", **data},
        follow=True,
    )


# --- services --------------------------------------------------------------------------


def test_acting_on_one_report_closes_its_case_and_tells_every_reporter(
    moderator, user, dave, rude, two_reports, sent_events, django_capture_on_commit_callbacks
):
    first, second = two_reports
    unrelated = services.user_report(actor=user, user_id=dave.id, reason="other")
    with django_capture_on_commit_callbacks(execute=True):
        assert services.report_redact_message(actor=moderator, report_id=second.id, note="slur")
    statuses = dict(Report.objects.values_list("id", "status"))
    assert statuses == {first.id: "resolved", second.id: "resolved", unrelated.id: "open"}
    notes = Notification.objects.filter(type="report_handled").order_by("recipient_id")
    assert [(n.recipient_id, n.outcome) for n in notes] == sorted(
        [(user.id, "action_taken"), (dave.id, "action_taken")]
    )
    told = {group: event for group, event in sent_events if event["type"] == "notification"}
    payload = told[f"user.{user.id}"]["notification"]
    # the outcome, never the moderator or the sanction
    assert payload["actor"] is None and payload["outcome"] == "action_taken"
    assert payload["type"] == "report_handled" and payload["message_id"] == rude.id
    assert "redact" not in str(payload)
    entry = ModerationLog.objects.get(action="resolve_report")
    assert entry.target_repr == (
        f"Report #{second.id}: message by carol in Weekend hike (with #{first.id})"
    )
    # a second action on the closed case does nothing
    assert not services.report_dismiss(actor=moderator, report_id=first.id)


def test_dismissing_tells_no_action_and_the_rest_api_shows_it(
    moderator, user, two_reports, client_for
):
    services.report_dismiss(actor=moderator, report_id=two_reports[0].id)
    body = client_for(user).get("/api/notifications").json()
    handled = [n for n in body if n["type"] == "report_handled"]
    assert handled and handled[0]["outcome"] == "no_action" and handled[0]["actor"] is None
    assert Report.objects.filter(status="dismissed").count() == 2


def test_user_reports_group_by_user(moderator, user, dave, carol):
    a = services.user_report(actor=user, user_id=carol.id, reason="stalks me")
    b = services.user_report(actor=dave, user_id=carol.id, reason="stalks me too")
    until = timezone.now() + timedelta(days=3)
    services.report_suspend_user(actor=moderator, report_id=a.id, until=until, note="stalking")
    carol.refresh_from_db()
    assert carol.suspended_until == until
    assert set(Report.objects.filter(pk__in=[a.pk, b.pk]).values_list("status", flat=True)) == {
        "resolved"
    }


def test_a_redaction_can_be_undone_and_is_logged(
    moderator, user, hike, rude, two_reports, sent_events, django_capture_on_commit_callbacks
):
    services.report_redact_message(actor=moderator, report_id=two_reports[0].id, note="x")
    with django_capture_on_commit_callbacks(execute=True):
        assert services.message_unredact(actor=moderator, message_id=rude.id, reason="appeal")
    rude.refresh_from_db()
    assert not rude.is_deleted and rude.deleted_by is None
    event = sent_events[-1]
    assert event[0] == f"conversation.{hike.id}"
    assert event[1]["type"] == "message_updated"
    assert event[1]["message"]["content"] == "you are all idiots"
    assert event[1]["message"]["is_deleted"] is False
    assert ModerationLog.objects.filter(action="unredact_message", reason="appeal").exists()
    # nothing to undo now; a message its sender deleted is not restored by moderators
    assert not services.message_unredact(actor=moderator, message_id=rude.id, reason="again")
    own = MessageFactory(conversation=hike, sender=user, content="oops")
    services.message_delete(actor=user, message_id=own.id)
    with pytest.raises(ValidationError) as error:
        services.message_unredact(actor=moderator, message_id=own.id, reason="no")
    assert "Only a moderator's redaction" in str(error.value)
    with pytest.raises(PermissionDenied):
        services.message_unredact(actor=user, message_id=rude.id, reason="no")


# --- the admin -------------------------------------------------------------------------


@pytest.mark.usefixtures("moderator_client")
def test_the_queue_opens_on_open_with_counts_and_cases(client, moderator, user, two_reports, dave):
    closed = services.user_report(actor=user, user_id=dave.id, reason="meh")
    services.report_dismiss(actor=moderator, report_id=closed.id)
    response = client.get(QUEUE)
    assert list(response.context["cl"].result_list) == list(reversed(two_reports))
    html = response.content.decode()
    assert "Open (2)" in html and "Dismissed (1)" in html and "All (3)" in html
    assert "<strong>2 reports</strong>" in html  # one case
    everything = client.get(QUEUE, {"status__exact": "all"})
    assert len(everything.context["cl"].result_list) == 3


@pytest.mark.usefixtures("moderator_client")
def test_the_report_page_is_a_case_file(client, moderator, user, dave, carol, hike, two_reports):
    earlier = MessageFactory(conversation=hike, sender=carol, content="earlier insult")
    old = services.message_report(actor=dave, message_id=earlier.id, reason="before")
    services.report_dismiss(actor=moderator, report_id=old.id)
    accounts_services.moderator_note_add(actor=moderator, user_id=carol.id, text="warned in DM")
    page = client.get(reverse("admin:messaging_report_change", args=[two_reports[0].id]))
    html = page.content.decode()
    assert "This case: 2 reports" in html
    assert f"Report #{old.id}: message by carol in Weekend hike" in html  # earlier reports
    assert "warned in DM" in html  # notes
    assert "1 dismissed" in html  # carol's earlier report was dismissed
    assert reverse("admin:accounts_user_change", args=[carol.id]) in html
    assert "you are all idiots" in html  # the window around the message
    title = f"Report #{two_reports[0].id}: message by carol in Weekend hike"
    assert title in html


@pytest.mark.usefixtures("moderator_client")
def test_sanctions_need_a_confirmation_with_a_reason(client, moderator, carol, two_reports):
    report = two_reports[0]
    first = client.post(QUEUE, {"action": "ban_and_resolve", "_selected_action": [report.pk]})
    assert first.status_code == 200
    assert "admin/moderation/confirm.html" in [t.name for t in first.templates]
    assert "carol" in first.content.decode()
    no_reason = confirm(client, QUEUE, "ban_and_resolve", report, reason="  ")
    assert "This field is required." in no_reason.content.decode()
    carol.refresh_from_db()
    assert carol.is_active
    confirm(client, QUEUE, "ban_and_resolve", report, reason="hate speech")
    carol.refresh_from_db()
    assert not carol.is_active
    assert ModerationLog.objects.get(action="ban_user").reason == "hate speech"


@pytest.mark.usefixtures("moderator_client")
def test_select_all_across_pages_is_refused_for_sanctions(client, carol, two_reports):
    response = confirm(
        client,
        QUEUE,
        "ban_and_resolve",
        two_reports[0],
        reason="x",
        select_across="1",
    )
    assert "never applied to “all” across pages" in response.content.decode()
    carol.refresh_from_db()
    assert carol.is_active and not ModerationLog.objects.exists()
    users = reverse("admin:accounts_user_changelist")
    confirm(client, users, "suspend_users", carol, reason="x", duration="24h", select_across="1")
    carol.refresh_from_db()
    assert carol.suspended_until is None


@pytest.mark.usefixtures("moderator_client")
def test_suspend_and_mute_from_the_queue(client, carol, hike, two_reports):
    report = two_reports[0]
    confirm(client, QUEUE, "mute_and_resolve", report, reason="cool down", duration="1h")
    from conversations.models import Mute

    mute = Mute.objects.get()
    assert (mute.user, mute.conversation) == (carol, hike)
    assert Report.objects.filter(status="open").count() == 0
    fresh = services.user_report(actor=UserFactory(), user_id=carol.id, reason="again")
    confirm(client, QUEUE, "suspend_and_resolve", fresh, reason="repeat", duration="72h")
    carol.refresh_from_db()
    assert carol.suspended_until > timezone.now() + timedelta(hours=71)


@pytest.mark.usefixtures("moderator_client")
def test_undo_redaction_from_the_message_admin(client, moderator, rude, two_reports):
    services.report_redact_message(actor=moderator, report_id=two_reports[0].id, note="x")
    url = reverse("admin:messaging_message_changelist")
    confirm(client, url, "unredact_messages", rude, reason="mistake")
    assert not Message.objects.get(pk=rude.pk).is_deleted
