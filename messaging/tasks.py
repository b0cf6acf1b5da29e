"""Messaging's background work (chat_project/tasks.py runs it on the worker)."""

from datetime import timedelta

from chat_project.tasks import background
from messaging import services


@background(attempts=3, backoff=60, every=timedelta(hours=1))
def attachments_purge() -> int:
    """Hourly: uploads never attached within UPLOAD_UNUSED_TTL and the files of deleted
    messages (`manage.py purge_attachments` does the same once, for cron or by hand)."""
    return services.attachments_purge()
