"""The data export: exactly the owner's data, built in the background, served to the
owner only, announced live, constant queries."""

import io
import json
from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from accounts.models import Notification
from accounts.tests.factories import UserFactory, staff_with
from chat_project.settings.base import tasks_config
from conversations.tests.factories import direct_conversation, group_with
from friends.tests.factories import block, make_friends
from leaving import archive, services
from leaving.models import Export
from leaving.tasks import EXPORT_ATTEMPTS, build_export
from messaging import services as messaging_services
from messaging.tests.factories import AttachmentFactory, MessageFactory
from payments.services.staff import money_issue
from payments.services.transfers import transfer_send

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_users_overlapping(user, other_user):
    """alice and bob share a group and a direct chat, both write, react and upload."""
    carol = UserFactory(username="carol")
    make_friends(user, other_user)
    group = group_with(user, other_user, carol, name="Trip")
    direct = direct_conversation(user, other_user)
    mine = [
        MessageFactory(conversation=group, sender=user, content="alice in group"),
        MessageFactory(conversation=direct, sender=user, content="alice in direct"),
    ]
    theirs = [
        MessageFactory(conversation=group, sender=other_user, content="bob in group"),
        MessageFactory(conversation=direct, sender=other_user, content="bob secret"),
        MessageFactory(conversation=group, sender=carol, content="carol in group"),
    ]
    AttachmentFactory(message=mine[0], name="mine.png")
    AttachmentFactory(message=theirs[0], name="bobs.png")
    messaging_services.reaction_add(actor=user, message_id=theirs[0].id, emoji="👍")
    messaging_services.reaction_add(actor=other_user, message_id=mine[0].id, emoji="🎉")
    block(user, UserFactory(username="spammer"))
    treasurer = staff_with("payments.issue_money")
    money_issue(actor=treasurer, user_id=user.id, amount=5000, reason="test", currency="EUR")
    money_issue(actor=treasurer, user_id=other_user.id, amount=7000, reason="test", currency="EUR")
    transfer_send(
        actor=user, to_user_id=other_user.id, amount=1250, idempotency_key="k1", note="lunch"
    )
    return {"group": group, "direct": direct, "mine": mine, "theirs": theirs, "carol": carol}


def _build(user, capture):
    with capture(execute=True):
        with_file = services.export_request(actor=user)[0]
    with_file.refresh_from_db()
    assert with_file.status == Export.Status.READY
    with default_storage.open(with_file.file) as handle:
        return with_file, json.loads(handle.read())


def test_the_export_holds_exactly_the_users_data(
    user, other_user, two_users_overlapping, media_root, django_capture_on_commit_callbacks
):
    _export, data = _build(user, django_capture_on_commit_callbacks)
    mine, theirs = two_users_overlapping["mine"], two_users_overlapping["theirs"]
    assert data["format"] == "chat-export/1"
    assert data["profile"]["username"] == "alice"
    assert data["profile"]["email"] == "alice@example.com"
    texts = [m for m in data["messages"] if m["message_type"] == "text"]
    assert [m["id"] for m in texts] == [m.id for m in mine]
    assert {m["content"] for m in texts} == {"alice in group", "alice in direct"}
    # her payment's announcement in the direct chat is her message too
    assert [m["message_type"] for m in data["messages"][2:]] == ["transfer"]
    assert [f["id"] for f in data["friends"]] == [other_user.id]
    assert [b["user"]["username"] for b in data["blocks"]] == ["spammer"]
    conversations = {c["id"]: c for c in data["conversations"]}
    assert set(conversations) == {
        two_users_overlapping["group"].id,
        two_users_overlapping["direct"].id,
    }
    assert conversations[two_users_overlapping["group"].id]["role"] == "owner"
    assert [(a["name"], a["size"]) for a in data["attachments"]] == [("mine.png", 1234)]
    assert data["attachments"][0]["url"].startswith(f"/files/{mine[0].attachments.get().id}/")
    assert [(r["message_id"], r["emoji"]) for r in data["reactions"]] == [(theirs[0].id, "👍")]
    balances = {b["currency"]: b["balance"] for b in data["payments"]["balances"]}
    assert balances == {"EUR": 5000 - 1250}
    assert sorted(t["amount"] for t in data["payments"]["transactions"]) == [-1250, 5000]
    assert {t["note"] for t in data["payments"]["transactions"]} == {"", "lunch"}
    text = json.dumps(data, ensure_ascii=False)
    assert all(t["amount"] != 7000 for t in data["payments"]["transactions"])  # bob's money
    for foreign in ("bob secret", "bob in group", "carol in group", "bobs.png", "🎉"):
        assert foreign not in text
    assert "bob@example.com" not in text  # a friend's email is not the user's data
    # bob's archive is his own, the same way round
    _, bobs = _build(other_user, django_capture_on_commit_callbacks)
    assert {m["content"] for m in bobs["messages"] if m["message_type"] == "text"} == {
        "bob in group",
        "bob secret",
    }
    assert "alice in direct" not in json.dumps(bobs)


def test_export_ready_goes_to_the_owner_live_with_a_notification(
    user, media_root, sent_events, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        export, created = services.export_request(actor=user)
    export.refresh_from_db()
    assert created and export.status == "ready" and export.size > 0
    assert export.expires_at - export.finished_at == timedelta(days=7)
    ready = [(g, e) for g, e in sent_events if e["type"] == "export_ready"]
    assert ready == [
        (
            f"user.{user.id}",
            {
                "type": "export_ready",
                "export": {
                    "id": export.id,
                    "status": "ready",
                    "size": export.size,
                    "created_at": export.created_at.isoformat(),
                    "finished_at": export.finished_at.isoformat(),
                    "expires_at": export.expires_at.isoformat(),
                    "download_url": f"/api/account/exports/{export.id}/download",
                },
            },
        )
    ]
    assert Notification.objects.filter(recipient=user, type="export_ready").count() == 1


def test_a_pending_export_is_reused_not_doubled(user):
    first = Export.objects.create(user=user)
    again, created = services.export_request(actor=user)
    assert (again.pk, created) == (first.pk, False)


def test_expired_exports_lose_their_file(user, media_root, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        export, _ = services.export_request(actor=user)
    export.refresh_from_db()
    name = export.file
    Export.objects.filter(pk=export.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("purge_exports", stdout=out)
    assert out.getvalue() == "1 expired export(s) purged.\n"
    export.refresh_from_db()
    assert (export.status, export.file) == ("expired", "")
    assert not default_storage.exists(name)


def _rows(user, n):
    others = [UserFactory() for _ in range(n)]
    make_friends(user, *others)
    group = group_with(user, *others)
    for other in others:
        message = MessageFactory(conversation=group, sender=user)
        AttachmentFactory(message=message)
        direct = direct_conversation(user, other)
        MessageFactory(conversation=direct, sender=user)
        messaging_services.reaction_add(actor=user, message_id=message.id, emoji="👍")
        Notification.objects.create(recipient=user, actor=other, type="friend_request")


@pytest.mark.parametrize("n", [3, 6])
def test_the_archive_costs_the_same_queries_at_n_and_2n_rows(
    user, n, django_assert_num_queries, tmp_path
):
    _rows(user, n)
    # friends 1, requests 2, blocks 1, conversations 2 (memberships, rows), messages 1,
    # attachments 1, reactions 1, notifications 1, balances 2, transactions 1: 13
    with open(tmp_path / "archive.json", "wb") as out, django_assert_num_queries(13):
        archive.write(user, out, timezone.now())
    data = json.loads((tmp_path / "archive.json").read_text())
    assert len(data["messages"]) == 2 * n
    assert len(data["attachments"]) == n


# --- a build that fails ------------------------------------------------------------------


def broken_archive(monkeypatch, failures=None):
    """archive.write fails (the first `failures` times, or always)."""
    calls = []
    real_write = archive.write

    def write(*args, **kwargs):
        calls.append(1)
        if failures is None or len(calls) <= failures:
            raise RuntimeError("the storage said no")
        return real_write(*args, **kwargs)

    monkeypatch.setattr(archive, "write", write)
    return calls


def test_a_failed_build_is_marked_failed_and_its_task_result_says_why(
    user, media_root, sent_events, monkeypatch, django_capture_on_commit_callbacks
):
    """Inline (the immediate backend cannot retry): one attempt, which marks the export
    failed, tells the owner, and raises, so the task's result is FAILED with the error."""
    broken_archive(monkeypatch)
    export = Export.objects.create(user=user)
    with django_capture_on_commit_callbacks(execute=True):
        result = build_export.enqueue(export.pk)
    assert result.status == "FAILED"
    assert [error.exception_class_path for error in result.errors] == ["builtins.RuntimeError"]
    assert "the storage said no" in result.errors[0].traceback
    export.refresh_from_db()
    assert (export.status, export.attempts, export.file) == ("failed", 1, "")
    assert [e["export"]["status"] for _, e in sent_events if e["type"] == "export_ready"] == [
        "failed"
    ]
    assert not Notification.objects.filter(type="export_ready").exists()


def run_worker_batch():
    """What `manage.py worker` does, in this process: run every task that is due."""
    Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-worker",
        excluded_queue_names=[],
    ).run()


@pytest.mark.needs_services
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("failures", [1, None])
def test_a_failing_build_is_retried_with_backoff_and_shows_in_the_task_admin(
    user, media_root, monkeypatch, settings, admin_client, failures
):
    """With the database backend and its worker: a failed attempt is retried after 60 s,
    then 120 s; the export stays pending meanwhile and is marked failed after the third
    failure. Every attempt is a task result in the admin ("retried", then "gave up")."""
    settings.TASKS = tasks_config("database")
    calls = broken_archive(monkeypatch, failures)
    export, _ = services.export_request(actor=user)
    rows = DBTaskResult.objects.filter(task_path=build_export.module_path).order_by("enqueued_at")
    for attempt in range(1, EXPORT_ATTEMPTS + 1):
        run_worker_batch()
        export.refresh_from_db()
        assert export.attempts == attempt
        if export.status != "pending":
            break
        waiting = rows.get(status="READY")
        assert waiting.args_kwargs["kwargs"] == {"_attempt": attempt + 1}
        failed = rows.filter(status="FAILED").latest("finished_at")
        wait = (waiting.run_after - failed.finished_at).total_seconds()
        # Backoff: 60 s after the first failure, 120 s after the second.
        assert 60 * 2 ** (attempt - 1) - 5 <= wait <= 60 * 2 ** (attempt - 1) + 5
        rows.filter(status="READY").update(run_after=timezone.now())  # time passes
    statuses = [(r.status, r.exception_class_path) for r in rows]
    retried = ("FAILED", "chat_project.tasks.RetryScheduled")
    if failures == 1:  # a passing hiccup: the second attempt builds it
        assert export.status == "ready" and export.file
        assert statuses == [retried, ("SUCCESSFUL", "")]
        assert len(calls) == 2
        return
    assert (export.status, export.attempts, export.file) == ("failed", 3, "")
    assert statuses == [retried, retried, ("FAILED", "builtins.RuntimeError")]
    assert len(calls) == 3
    page = admin_client.get("/admin/django_tasks_database/dbtaskresult/", {"outcome": "gave_up"})
    assert page.status_code == 200
    assert "build_export" in page.content.decode() and "gave up" in page.content.decode()
