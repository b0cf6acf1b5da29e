"""Moderators' view of messages: find, read, redact.

Moderators redact, they do not rewrite: every field is read-only, nothing is added here, and
rows are never hard-deleted (that would punch a hole in the gapless `seq` and skip the
event). "Delete (redact)" goes through `services.message_redact`, so live clients get
`message_deleted`. The original text of a deleted message stays visible *here only*, for
moderation; REST, WebSocket and search never show it.
"""

from django.contrib import admin, messages
from django.contrib.admin import ActionLocation
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.utils.text import Truncator

from . import services
from .models import Message


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "conversation",
        "seq",
        "sender",
        "preview",
        "is_deleted",
        "created_at",
        "edited_at",
    ]
    list_display_links = ["id", "preview"]
    list_filter = ["is_deleted", "message_type", "created_at"]
    search_fields = ["content", "sender__username", "conversation__name"]
    list_select_related = ["sender", "conversation"]
    autocomplete_fields = ["sender", "conversation"]
    date_hierarchy = "created_at"
    ordering = ["-id"]
    show_full_result_count = False  # COUNT(*) over all messages is not worth it per page
    fields = [
        "conversation",
        "seq",
        "sender",
        "message_type",
        "content",
        "client_id",
        "created_at",
        "edited_at",
        "is_deleted",
        "deleted_at",
        "deleted_by",
    ]
    readonly_fields = fields
    actions = ["redact_messages"]

    @admin.display(description="content")
    def preview(self, obj: Message) -> str:
        return Truncator(obj.content).chars(80)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Message | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Message | None = None) -> bool:
        return False

    def has_redact_permission(self, request: HttpRequest) -> bool:
        """Who may redact: staff holding the model's change permission (or superusers)."""
        user = request.user
        return bool(user.is_active and user.is_staff and user.has_perm("messaging.change_message"))

    @admin.action(
        description="Delete (redact) selected messages",
        permissions=["redact"],
        location=[ActionLocation.CHANGE_LIST, ActionLocation.CHANGE_FORM],
    )
    def redact_messages(self, request: HttpRequest, queryset: QuerySet[Message]) -> None:
        redacted = 0
        for message_id in queryset.filter(is_deleted=False).values_list("id", flat=True):
            try:
                services.message_redact(actor=request.user, message_id=message_id)
            except (PermissionDenied, Http404) as exc:
                self.message_user(request, f"Message {message_id}: {exc}", messages.ERROR)
                continue
            redacted += 1
        self.message_user(request, f"Redacted {redacted} message(s).", messages.SUCCESS)
