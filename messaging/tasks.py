"""Messaging's background work (chat_project/tasks.py runs it on the worker)."""

from datetime import timedelta

from django.conf import settings

from chat_project.tasks import background
from messaging import services


@background(attempts=3, backoff=60, every=timedelta(hours=1))
def attachments_purge() -> int:
    """Hourly: uploads never attached within UPLOAD_UNUSED_TTL and the files of deleted
    messages (`manage.py purge_attachments` does the same once, for cron or by hand)."""
    return services.attachments_purge()


@background(attempts=2, backoff=60, every=timedelta(seconds=settings.EMAIL_DIGEST_SWEEP_SECONDS))
def email_digests() -> int:
    """Mail the digests of unread direct messages and mentions (messaging/digest.py)."""
    from messaging import digest

    return digest.digests_send()
