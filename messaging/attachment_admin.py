"""Moderators' view of attachments: who uploaded what, where, how large; remove one, or
purge every upload of a banned user.

Read-only like the message admin: rows change only through the actions, which call the
services (`attachment_remove`, `user_uploads_purge`), so the files go too, the message's
members are told (`message_updated`) and the moderation log gets the entry. The files
themselves are not shown or linked here: a picture in a private conversation is as
private as its text (messaging/admin.py).
"""

from django.contrib import admin, messages
from django.contrib.admin import ActionLocation
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.template.defaultfilters import filesizeformat

from accounts.admin import ModerationActionForm, action_reason, error_text
from accounts.request_user import request_user
from chat_project.permissions import has_permission

from . import services
from .models import Attachment


class AttachedFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list:
        return [
            ("attached", "in a message"),
            ("unattached", "not attached"),
            ("banned", "uploader banned"),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "attached":
            return queryset.filter(attached_at__isnull=False)
        if self.value() == "unattached":
            return queryset.filter(attached_at__isnull=True)
        if self.value() == "banned":
            return queryset.filter(uploader__is_active=False)
        return queryset


@admin.register(Attachment)
class AttachmentAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "name",
        "uploader",
        "conversation",
        "message_id",
        "human_size",
        "content_type",
        "created_at",
    ]
    list_filter = [AttachedFilter, "content_type", "created_at"]
    search_fields = ["name", "uploader__username"]
    list_select_related = ["uploader", "message__conversation"]
    date_hierarchy = "created_at"
    ordering = ["-id"]
    show_full_result_count = False
    fields = [
        "name",
        "uploader",
        "conversation",
        "message_id",
        "human_size",
        "content_type",
        "width",
        "height",
        "created_at",
        "attached_at",
    ]
    readonly_fields = fields  # type: ignore[assignment]  # every field is read-only
    action_form = ModerationActionForm
    actions = ["remove_attachments", "purge_uploaders"]

    @admin.display(description="conversation")
    def conversation(self, obj: Attachment) -> str:
        message = obj.message
        return str(message.conversation) if message is not None else "—"

    @admin.display(description="size", ordering="size")
    def human_size(self, obj: Attachment) -> str:
        return filesizeformat(obj.size)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Attachment | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Attachment | None = None) -> bool:
        return False  # the actions below remove, through the services

    def has_remove_permission(self, request: HttpRequest) -> bool:
        return has_permission(request.user, *services.REMOVE_ATTACHMENT_PERMISSIONS)

    @admin.action(
        description="Remove selected attachments (files and rows)",
        permissions=["remove"],
        location=[ActionLocation.CHANGE_LIST, ActionLocation.CHANGE_FORM],
    )
    def remove_attachments(self, request: HttpRequest, queryset: QuerySet[Attachment]) -> None:
        reason = action_reason(request)
        removed = 0
        for attachment_id in queryset.values_list("id", flat=True):
            try:
                services.attachment_remove(
                    actor=request_user(request), attachment_id=attachment_id, reason=reason
                )
            except (PermissionDenied, Http404) as exc:
                self.message_user(request, f"Attachment {attachment_id}: {exc}", messages.ERROR)
                continue
            removed += 1
        self.message_user(request, f"Removed {removed} attachment(s).", messages.SUCCESS)

    @admin.action(
        description="Purge every upload of the selected attachments' uploaders (banned only)",
        permissions=["remove"],
        location=[ActionLocation.CHANGE_LIST, ActionLocation.CHANGE_FORM],
    )
    def purge_uploaders(self, request: HttpRequest, queryset: QuerySet[Attachment]) -> None:
        reason = action_reason(request)
        uploader_ids = set(queryset.exclude(uploader=None).values_list("uploader_id", flat=True))
        for uploader_id in sorted(uploader_ids):
            try:
                count = services.user_uploads_purge(
                    actor=request_user(request), user_id=uploader_id, reason=reason
                )
            except (PermissionDenied, ValidationError, Http404) as exc:
                self.message_user(request, f"User {uploader_id}: {error_text(exc)}", messages.ERROR)
                continue
            self.message_user(
                request, f"Purged {count} upload(s) of user {uploader_id}.", messages.SUCCESS
            )
