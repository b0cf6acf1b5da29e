"""chat_project.tasks: work is queued after commit, retried with doubling backoff (the
worker's side is tests/e2e/test_task_worker.py), and runs inline in the tests."""

import pytest
from django.db import transaction

from chat_project import tasks
from chat_project.settings.base import tasks_config
from tests.e2e import worker_tasks

pytestmark = pytest.mark.django_db(transaction=True)


def test_backoff_doubles_up_to_an_hour():
    assert [tasks.backoff_seconds(n, 30) for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert tasks.backoff_seconds(20, 30) == tasks.MAX_BACKOFF_SECONDS


def test_work_is_queued_only_when_the_transaction_commits(tmp_path, settings):
    settings.TASKS = tasks_config("database")
    from django_tasks_db.models import DBTaskResult

    out = tmp_path / "notes.txt"
    with pytest.raises(RuntimeError), transaction.atomic():
        tasks.enqueue(worker_tasks.note, str(out), "rolled back")
        raise RuntimeError("the request failed")
    assert not DBTaskResult.objects.exists()
    with transaction.atomic():
        tasks.enqueue(worker_tasks.note, str(out), "kept")
        assert not DBTaskResult.objects.exists()  # not before the commit
    (row,) = DBTaskResult.objects.all()
    assert row.args_kwargs == {"args": [str(out), "kept"], "kwargs": {}}
    assert row.status == "READY" and not out.exists()


def test_the_immediate_backend_runs_at_once_and_does_not_retry(tmp_path):
    assert not tasks.uses_database()
    out = tmp_path / "attempts.txt"
    tasks.enqueue(worker_tasks.always_fails, str(out))  # the backend records the failure
    assert out.read_text() == "attempt\n"
    tasks.enqueue(worker_tasks.note, str(out), "later", delay=None)
    assert out.read_text().endswith("later\n")


def test_a_delay_on_a_backend_that_cannot_wait_runs_now(tmp_path):
    from datetime import timedelta

    out = tmp_path / "notes.txt"
    tasks.enqueue(worker_tasks.note, str(out), "now", delay=timedelta(minutes=15))
    assert out.read_text() == "now\n"


def test_every_background_task_declares_its_policy():
    tasks.ensure_periodic()  # imports every app's tasks module (no database backend: no rows)
    assert tasks.POLICIES["chat_project.mail.mail_send"].attempts == 5
    periodic = {task.module_path for task, _ in tasks.periodic_tasks()}
    assert periodic >= {
        "chat_project.tasks.task_results_prune",
        "messaging.tasks.attachments_purge",
        "messaging.tasks.email_digests",
    }
