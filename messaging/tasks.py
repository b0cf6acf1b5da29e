"""Background work of messaging, through Django's tasks framework (settings.TASKS)."""

from django.tasks import task

from messaging import push


@task
def send_message_push(*, message_id: int, user_ids: list[int], mentioned_ids: list[int]) -> int:
    """Web push of one message to the offline people it is for (messaging.push)."""
    return push.push_message(message_id, user_ids, mentioned_ids)
