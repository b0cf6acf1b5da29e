"""Reads of the leaving app: a user's exports (someone else's is "not found")."""

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from accounts.models import User
from chat_project.ids import id_or_404

from .models import Export

EXPORT_NOT_FOUND = "Export not found."


def export_list_for_user(*, user: User) -> QuerySet[Export]:
    return Export.objects.filter(user_id=user.pk).order_by("-id")


def export_get_for_user(*, user: User, export_id: object) -> Export:
    try:
        return Export.objects.get(pk=id_or_404(export_id, EXPORT_NOT_FOUND), user_id=user.pk)
    except Export.DoesNotExist as exc:
        raise Http404(EXPORT_NOT_FOUND) from exc


def export_is_expired(export: Export) -> bool:
    return export.status == Export.Status.EXPIRED or (
        export.expires_at is not None and export.expires_at <= timezone.now()
    )
