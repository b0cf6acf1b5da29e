"""Messaging's background work (chat_project/tasks.py runs it on the worker)."""

from datetime import timedelta

from django.conf import settings

from chat_project.tasks import background
from messaging import push, services


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


# One attempt: each browser's failure is handled inside (404/410 delete, others logged),
# and a retry of the whole task would push twice to the browsers that got it.
@background(attempts=1)
def send_message_push(*, message_id: int, user_ids: list[int], mentioned_ids: list[int]) -> int:
    """Web push of one message to the offline people it is for (messaging.push)."""
    return push.push_message(message_id, user_ids, mentioned_ids)
