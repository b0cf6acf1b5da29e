"""Leaving with your data: the export archive and the deletion of an account.

This app sits above every other (`accounts` ← … ← `payments` ← `leaving`) because both
need all of them: the archive reads every app's rows of the user, and deleting an account
ends friendships (friends), memberships (conversations) and erases the person (accounts)
through each app's own services, so the usual events and system lines go out.
"""

import contextlib
import logging
import tempfile
from datetime import timedelta

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import Http404
from django.utils import timezone

from accounts import services as accounts_services
from accounts.models import Notification, User
from chat_project import realtime
from chat_project.tasks import enqueue
from conversations import services as conversations_services
from conversations.models import Conversation, ConversationMember
from friends import services as friends_services
from friends.models import Block, Friendship

from . import archive, events
from .models import Export

logger = logging.getLogger(__name__)


def _delete_file_on_commit(name: str) -> None:
    if name:
        transaction.on_commit(lambda: default_storage.delete(name))


@transaction.atomic
def export_request(*, actor: User) -> tuple[Export, bool]:
    """Start building an archive of the actor's data in the background; returns it and
    whether it is new (one already being built is returned as it is)."""
    from .tasks import build_export  # the task module imports these services

    exports_purge_expired(user=actor)
    pending = Export.objects.filter(user_id=actor.pk, status=Export.Status.PENDING).first()
    if pending is not None:
        return pending, False
    try:
        with transaction.atomic():
            export = Export.objects.create(user=actor)
    except IntegrityError:  # a concurrent click won: the constraint allows one pending
        return Export.objects.get(user_id=actor.pk, status=Export.Status.PENDING), False
    enqueue(build_export, export.pk)  # after commit
    return export, True


def export_build(*, export_id: int, attempts: int = 1) -> Export | None:
    """Write the archive to storage, mark it ready, tell the owner (event + notification).

    Runs in the worker (or inline with the immediate backend), as one attempt of the
    `build_export` task, which makes `attempts` in all. The file is written before the
    row says ready. A failing attempt re-raises, so the task's result shows the error:
    with attempts left the export stays pending (the task tries again after a backoff);
    the last one first marks it failed and tells the owner.
    """
    if not Export.objects.filter(pk=export_id, status=Export.Status.PENDING).update(
        attempts=F("attempts") + 1
    ):
        return Export.objects.filter(pk=export_id).first()  # gone, or finished already
    export = Export.objects.select_related("user").get(pk=export_id)
    user = export.user
    now = timezone.now()
    name = ""
    try:
        with tempfile.TemporaryFile() as handle:
            archive.write(user, handle, now)
            size = handle.tell()
            handle.seek(0)
            stamp = now.strftime("%Y%m%d-%H%M%S")
            name = default_storage.save(
                f"exports/{user.pk}/chat-export-{stamp}-{export.pk}.json", File(handle)
            )
    except Exception:
        if export.attempts < attempts:
            logger.warning(
                "export %s: attempt %d of %d failed", export_id, export.attempts, attempts
            )
            raise
        logger.exception("export %s failed after %d attempt(s)", export_id, export.attempts)
        _finish(export_id, Export.Status.FAILED, "", 0)
        raise
    return _finish(export_id, Export.Status.READY, name, size)


@transaction.atomic
def _finish(export_id: int, status: str, name: str, size: int) -> Export | None:
    export = Export.objects.select_for_update().select_related("user").filter(pk=export_id).first()
    if export is None or export.status != Export.Status.PENDING:  # the account went meanwhile
        _delete_file_on_commit(name)
        return export
    now = timezone.now()
    export.status, export.file, export.size, export.finished_at = status, name, size, now
    if status == Export.Status.READY:
        export.expires_at = now + timedelta(days=settings.EXPORT_RETENTION_DAYS)
    export.save()
    realtime.broadcast_on_commit(realtime.user_group(export.user_id), events.export_ready(export))
    if status == Export.Status.READY:
        accounts_services.notification_to_self(
            user=export.user, type=Notification.Type.EXPORT_READY
        )
    return export


@transaction.atomic
def exports_purge_expired(*, user: User | None = None) -> int:
    """Delete the files of exports past their expiry (of one user, or all); the rows stay
    as `expired` so the list still says what happened. Returns how many."""
    expired = Export.objects.select_for_update().filter(
        status=Export.Status.READY, expires_at__lte=timezone.now()
    )
    if user is not None:
        expired = expired.filter(user_id=user.pk)
    count = 0
    for export in expired:
        _delete_file_on_commit(export.file)
        export.status, export.file = Export.Status.EXPIRED, ""
        export.save(update_fields=["status", "file"])
        count += 1
    return count


# --- Deleting an account ---------------------------------------------------------------


@transaction.atomic
def account_delete(*, actor: User, password: str) -> None:
    """Delete the actor's own account, once they typed their password.

    Friendships end (each friend hears `friend_removed`), pending requests are withdrawn
    or declined, blocks they made are lifted, every group and room is left (a system line,
    `member_removed`; an owner hands over to the oldest admin, else the oldest member, and
    a group left empty is deleted — `conversation_leave`'s rules). Direct chats stay, so
    the other side keeps the history, now from "Deleted user". Then the account becomes a
    tombstone (`accounts.services.user_erase`): personal data erased, tokens revoked,
    sessions ended, sockets closed, the deletion in the moderation log. Messages,
    reactions and reports stay as they are, pointing at the tombstone.
    """
    # FOR NO KEY UPDATE, like friends' pair locks: it serialises deletions and every change
    # to this user, but lets a transaction that is only inserting rows pointing at the user
    # (a payment holding its friendship row's lock, which the unfriending below waits on)
    # finish instead of deadlocking against it.
    user = User.objects.select_for_update(no_key=True).get(pk=actor.pk)
    accounts_services.check_password_confirmation(user=user, password=password)
    for friendship in Friendship.objects.filter(
        requester_id=user.pk, status=Friendship.Status.PENDING
    ):
        friends_services.friend_request_cancel(actor=user, request_id=friendship.pk)
    for friendship in Friendship.objects.filter(
        receiver_id=user.pk, status=Friendship.Status.PENDING
    ):
        friends_services.friend_request_reject(actor=user, request_id=friendship.pk)
    accepted = Friendship.objects.filter(status=Friendship.Status.ACCEPTED)
    friend_ids = [
        *accepted.filter(requester_id=user.pk).values_list("receiver_id", flat=True),
        *accepted.filter(receiver_id=user.pk).values_list("requester_id", flat=True),
    ]
    for friend_id in friend_ids:
        friends_services.friendship_remove(actor=user, user_id=friend_id)
    for blocked_id in Block.objects.filter(blocker_id=user.pk).values_list("blocked_id", flat=True):
        with contextlib.suppress(Http404):  # lifted meanwhile
            friends_services.user_unblock(actor=user, user_id=blocked_id)
    groups = ConversationMember.objects.filter(user_id=user.pk).exclude(
        conversation__type=Conversation.Type.DIRECT
    )
    for conversation_id in groups.order_by("conversation_id").values_list(
        "conversation_id", flat=True
    ):
        conversations_services.conversation_leave(actor=user, conversation_id=conversation_id)
    for export in Export.objects.filter(user_id=user.pk):
        _delete_file_on_commit(export.file)
    Export.objects.filter(user_id=user.pk).delete()
    accounts_services.user_erase(user=user)
