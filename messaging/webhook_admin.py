"""Incoming webhooks in the admin: who made which, where they post, when last used; staff
revoke one (a leaked URL) through the service."""

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext, gettext_lazy

from . import services
from .models import Webhook

#: The webhook's record, shown as a list and as a read-only page alike.
COLUMNS = (
    "name",
    "conversation",
    "bot",
    "prefix",
    "created_by",
    "created_at",
    "last_used_at",
    "revoked_at",
)


@admin.register(Webhook)
class WebhookAdmin(admin.ModelAdmin):
    list_display = COLUMNS
    list_select_related = ["conversation", "bot", "created_by"]
    list_filter = ["revoked_at"]
    search_fields = ["name", "prefix", "conversation__name", "bot__username"]
    readonly_fields = COLUMNS
    fields = COLUMNS
    actions = ["revoke_webhooks"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Webhook]:
        """With the conversation: a webhook's title names it."""
        return super().get_queryset(request).select_related("conversation", "bot", "created_by")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # made by a group's admins, who get the URL (docs/api.md)

    def has_delete_permission(self, request: HttpRequest, obj: Webhook | None = None) -> bool:
        return False  # revoke instead: the row is the record of what posted

    @admin.action(description=gettext_lazy("Revoke the selected webhooks"), permissions=["change"])
    def revoke_webhooks(self, request: HttpRequest, queryset: QuerySet[Webhook]) -> None:
        for webhook in queryset.filter(revoked_at__isnull=True).select_related("bot"):
            services.webhook_revoke_by_staff(webhook=webhook)
        self.message_user(request, gettext("Revoked."))
