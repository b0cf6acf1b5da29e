"""The moderators' console (Django admin) as a real moderator sees it: staff + the
`moderators` group created by messaging/migrations/0006_moderators_group.py."""

import pytest
from django.contrib.auth.models import Group
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.models import ModerationLog, User
from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from messaging import services
from messaging.tests.factories import MessageFactory

pytestmark = pytest.mark.django_db

QUEUE = reverse("admin:messaging_report_changelist")
USERS = reverse("admin:accounts_user_changelist")
LOG = reverse("admin:accounts_moderationlog_changelist")


@pytest.fixture
def rude(other_user, group):
    return MessageFactory(conversation=group, sender=other_user, content="you are awful")


@pytest.fixture
def report(user, rude):
    return services.message_report(actor=user, message_id=rude.id, reason="insulting me")


def act(client, url, action, *objects, reason="", **extra):
    """Run an action and, for a sanction, confirm it on its page (`confirm=yes`: the
    confirmation page posts that back with the reason, docs/moderation.md)."""
    return client.post(
        url,
        {
            "action": action,
            "_selected_action": [o.pk for o in objects],
            "reason": reason,
            "confirm": "yes",
            **extra,
        },
        follow=True,
    )


def test_the_group_has_exactly_the_moderation_permissions():
    perms = set(
        Group.objects.get(name="moderators").permissions.values_list(
            "content_type__app_label", "codename"
        )
    )
    assert perms == {
        ("accounts", "view_user"),
        ("accounts", "ban_user"),
        ("accounts", "view_moderationlog"),
        # messaging/migrations/0013: suspend, mute, notes, remove members, delete rooms.
        ("accounts", "suspend_user"),
        ("accounts", "mute_user"),
        ("accounts", "add_moderatornote"),
        ("accounts", "view_moderatornote"),
        ("conversations", "view_conversation"),
        ("conversations", "view_conversationmember"),
        ("conversations", "delete_conversation"),
        ("conversations", "delete_conversationmember"),
        ("conversations", "view_mute"),
        ("messaging", "view_message"),
        ("messaging", "view_reaction"),
        ("messaging", "redact_message"),
        ("messaging", "view_report"),
        ("messaging", "resolve_report"),
        ("messaging", "view_attachment"),
        ("messaging", "remove_attachment"),
        # payments/migrations/0002: moderators may look at the ledger, not move money.
        ("payments", "view_wallet"),
        ("payments", "view_transfer"),
        ("payments", "view_ledgerentry"),
    }


@pytest.mark.usefixtures("moderator_client")
def test_the_queue_renders_newest_first_with_snapshot_and_links(
    client, moderator, user, other_user, group, rude, report
):
    older = report
    newer = services.user_report(actor=user, user_id=other_user.id, reason="spams everyone")
    response = client.get(QUEUE)
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [newer, older]
    html = response.content.decode()
    assert "you are awful" in html and "insulting me" in html
    assert reverse("admin:messaging_message_change", args=[rude.id]) in html
    assert reverse("admin:conversations_conversation_change", args=[group.id]) in html
    # the links lead somewhere a moderator may look
    assert client.get(reverse("admin:messaging_message_change", args=[rude.id])).status_code == 200
    conversation_page = reverse("admin:conversations_conversation_change", args=[group.id])
    assert client.get(conversation_page).status_code == 200
    detail = client.get(reverse("admin:messaging_report_change", args=[older.id]))
    assert detail.status_code == 200 and "you are awful" in detail.content.decode()


@pytest.mark.usefixtures("moderator_client")
def test_the_queue_filters_by_status(client, moderator, user, other_user, report):
    dismissed = services.user_report(actor=user, user_id=other_user.id, reason="meh")
    services.report_dismiss(actor=moderator, report_id=dismissed.id)
    for status, expected in (("open", [report]), ("dismissed", [dismissed]), ("resolved", [])):
        response = client.get(QUEUE, {"status__exact": status})
        assert list(response.context["cl"].result_list) == expected


@pytest.mark.usefixtures("moderator_client")
def test_the_queue_query_count_is_constant(client, moderator, group, django_assert_max_num_queries):
    def fill(n: int) -> None:
        for _ in range(n):
            reporter, author = UserFactory(), UserFactory()
            group.memberships.create(user=reporter)
            message = MessageFactory(conversation=group, sender=author)
            services.message_report(actor=reporter, message_id=message.id, reason="bad")

    fill(3)
    with django_assert_max_num_queries(20) as first:
        assert client.get(QUEUE).status_code == 200
    fill(3)
    with django_assert_max_num_queries(len(first.captured_queries)):
        assert client.get(QUEUE).status_code == 200


@pytest.mark.usefixtures("moderator_client")
def test_resolve_and_dismiss_actions(client, moderator, user, other_user, report):
    other = services.user_report(actor=user, user_id=other_user.id, reason="meh")
    response = act(client, QUEUE, "resolve_reports", report, reason="talked to them")
    assert response.status_code == 200
    act(client, QUEUE, "dismiss_reports", other)
    report.refresh_from_db()
    other.refresh_from_db()
    assert (report.status, other.status) == ("resolved", "dismissed")
    entry = ModerationLog.objects.get(action="resolve_report")
    assert (entry.moderator, entry.target_id, entry.reason) == (
        moderator,
        report.id,
        "talked to them",
    )


@pytest.mark.usefixtures("moderator_client")
def test_redact_action_reaches_live_clients(
    client, moderator, group, rude, report, sent_events, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        act(client, QUEUE, "redact_and_resolve", report, reason="insult")
    rude.refresh_from_db()
    report.refresh_from_db()
    assert rude.is_deleted and report.status == "resolved"
    assert sent_events[0] == (
        f"conversation.{group.id}",
        {
            "type": "message_deleted",
            "conversation_id": group.id,
            "message_id": rude.id,
            "change_seq": 2,  # sent (1), redacted (2)
        },
    )
    # and the reporter hears the outcome (messaging/tests/test_report_cases.py)
    assert [(group_name, e["type"]) for group_name, e in sent_events[1:]] == [
        (f"user.{report.reporter_id}", "notification")
    ]
    assert ModerationLog.objects.get(action="redact_message").reason == "insult"


@pytest.mark.usefixtures("moderator_client")
def test_redact_from_the_message_admin_too(
    client, moderator, group, rude, sent_events, django_capture_on_commit_callbacks
):
    url = reverse("admin:messaging_message_changelist")
    with django_capture_on_commit_callbacks(execute=True):
        act(client, url, "redact_messages", rude, reason="spam")
    rude.refresh_from_db()
    assert rude.is_deleted
    assert [event["type"] for _, event in sent_events] == ["message_deleted"]
    assert ModerationLog.objects.get().action == "redact_message"


@pytest.mark.usefixtures("moderator_client")
def test_ban_ends_tokens_sockets_and_sessions_and_unban_lifts_it(
    client, moderator, other_user, sent_events, django_capture_on_commit_callbacks
):
    browser = Client()
    assert browser.login(username="bob", password=DEFAULT_PASSWORD)
    RefreshToken.for_user(other_user)
    bystander = Client()
    assert bystander.login(username=moderator.username, password=DEFAULT_PASSWORD)
    with django_capture_on_commit_callbacks(execute=True):
        act(client, USERS, "deactivate_users", other_user, reason="harassment")
    other_user.refresh_from_db()
    assert not other_user.is_active
    live = OutstandingToken.objects.filter(user=other_user, blacklistedtoken__isnull=True)
    assert not live.exists()
    assert sent_events == [
        (f"user.{other_user.id}", {"type": "disconnect", "reason": "account_disabled"})
    ]
    remaining = [s.get_decoded().get("_auth_user_id") for s in Session.objects.all()]
    assert str(other_user.id) not in remaining
    assert str(moderator.id) in remaining  # only the banned user's sessions end
    assert browser.get("/admin/").status_code == 302  # logged out
    entry = ModerationLog.objects.get()
    assert (entry.action, entry.target_id, entry.reason) == (
        "ban_user",
        other_user.id,
        "harassment",
    )

    act(client, USERS, "reactivate_users", other_user)
    other_user.refresh_from_db()
    assert other_user.is_active
    assert ModerationLog.objects.filter(action="unban_user", target_id=other_user.id).exists()


@pytest.mark.usefixtures("moderator_client")
def test_a_moderator_cannot_ban_staff_or_themselves(client, moderator):
    colleague = UserFactory(is_staff=True)
    act(client, USERS, "deactivate_users", colleague, moderator, reason="try")
    assert User.objects.filter(pk__in=[colleague.pk, moderator.pk], is_active=True).count() == 2
    assert not ModerationLog.objects.exists()


@pytest.mark.usefixtures("moderator_client")
def test_ban_from_the_queue(client, moderator, other_user, report):
    act(client, QUEUE, "ban_and_resolve", report, reason="slurs")
    other_user.refresh_from_db()
    report.refresh_from_db()
    assert not other_user.is_active and report.status == "resolved"


@pytest.mark.usefixtures("moderator_client")
def test_a_moderator_cannot_edit_message_text(client, moderator, rude):
    url = reverse("admin:messaging_message_change", args=[rude.id])
    page = client.get(url)
    assert page.status_code == 200
    assert 'name="content"' not in page.content.decode()
    assert client.post(url, {"content": "rewritten"}).status_code == 403
    rude.refresh_from_db()
    assert rude.content == "you are awful"


@pytest.mark.usefixtures("moderator_client")
def test_a_moderator_cannot_edit_or_delete_users_or_permissions(client, moderator, other_user):
    url = reverse("admin:accounts_user_change", args=[other_user.id])
    page = client.get(url).content.decode()
    for field in ("is_staff", "is_superuser", "groups", "user_permissions", "username"):
        assert f'name="{field}"' not in page
    assert client.post(url, {"username": "bob", "is_staff": "on"}).status_code == 403
    assert (
        client.get(reverse("admin:accounts_user_delete", args=[other_user.id])).status_code == 403
    )
    assert (
        client.post(
            reverse("admin:accounts_user_delete", args=[other_user.id]), {"post": "yes"}
        ).status_code
        == 403
    )
    choices = dict(client.get(USERS).context["action_form"].fields["action"].choices)
    assert "delete_selected" not in choices and "deactivate_users" in choices
    assert client.get(reverse("admin:auth_group_changelist")).status_code == 403
    assert client.get(reverse("admin:accounts_user_add")).status_code == 403
    other_user.refresh_from_db()
    assert not other_user.is_staff


@pytest.mark.usefixtures("moderator_client")
def test_a_moderator_cannot_change_or_delete_reports(client, moderator, report):
    url = reverse("admin:messaging_report_change", args=[report.id])
    assert client.post(url, {"status": "resolved"}).status_code == 403
    assert client.get(reverse("admin:messaging_report_delete", args=[report.id])).status_code == 403
    report.refresh_from_db()
    assert report.status == "open"


@pytest.mark.usefixtures("moderator_client")
def test_the_audit_log_is_visible_and_read_only(client, moderator, report, admin_client):
    services.report_resolve(actor=moderator, report_id=report.id, note="done")
    entry = ModerationLog.objects.get()
    response = client.get(LOG)
    assert response.status_code == 200 and "resolve report" in response.content.decode()
    change = reverse("admin:accounts_moderationlog_change", args=[entry.id])
    assert client.get(change).status_code == 200
    for c in (client, admin_client):  # not even a superuser edits history
        assert c.post(change, {"reason": "rewritten"}).status_code == 403
        assert c.get(reverse("admin:accounts_moderationlog_add")).status_code == 403
        delete = reverse("admin:accounts_moderationlog_delete", args=[entry.id])
        assert c.post(delete, {"post": "yes"}).status_code == 403
    entry.refresh_from_db()
    assert entry.reason == "done"


def test_staff_outside_the_group_sees_no_queue(client, report):
    client.force_login(UserFactory(is_staff=True))
    assert client.get(QUEUE).status_code == 403
    assert client.get(LOG).status_code == 403
