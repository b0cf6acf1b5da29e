"""Moderators' view of conversations: look, search, remove members, delete.

Every change goes through the services, so members' live clients hear about it
(`removed_from_conversation`, `conversation_deleted`) and the group keeps an admin.
Nothing is edited in place: conversations and memberships are read-only here.
"""

from django.contrib import admin, messages
from django.contrib.admin import ActionLocation
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, QuerySet
from django.http import Http404, HttpRequest

from . import services
from .models import Conversation, ConversationMember


class ReadOnlyMixin:
    """Rows are changed only by the services (actions / delete below), never by a form."""

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class ConversationMemberInline(ReadOnlyMixin, admin.TabularInline):
    model = ConversationMember
    fields = ["user", "role", "joined_at", "last_read_seq"]
    readonly_fields = fields
    can_delete = False
    show_change_link = True  # the membership page has the "remove" that notifies clients
    extra = 0

    def get_queryset(self, request: HttpRequest) -> QuerySet[ConversationMember]:
        return super().get_queryset(request).select_related("user")


@admin.register(Conversation)
class ConversationAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = [
        "id",
        "__str__",
        "type",
        "is_public",
        "member_count",
        "max_participants",
        "created_by",
        "created_at",
        "last_message_at",
    ]
    list_filter = ["type", "is_public", "created_at"]
    search_fields = ["name", "private_pair_key", "memberships__user__username"]
    list_select_related = ["created_by"]
    raw_id_fields = ["created_by"]
    date_hierarchy = "created_at"
    inlines = [ConversationMemberInline]
    actions = ["delete_through_service"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Conversation]:
        return super().get_queryset(request).annotate(member_total=Count("memberships"))

    def get_actions(
        self, request: HttpRequest, action_location: ActionLocation = ActionLocation.CHANGE_LIST
    ) -> dict:
        actions = super().get_actions(request, action_location=action_location)
        actions.pop("delete_selected", None)  # it would skip the events
        return actions

    @admin.display(description="members", ordering="member_total")
    def member_count(self, obj: Conversation) -> int:
        return obj.member_total

    def delete_model(self, request: HttpRequest, obj: Conversation) -> None:
        services.conversation_moderate_delete(actor=request.user, conversation_id=obj.id)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Conversation]) -> None:
        for conversation_id in queryset.values_list("id", flat=True):
            services.conversation_moderate_delete(
                actor=request.user, conversation_id=conversation_id
            )

    @admin.action(description="Delete (members are notified)", permissions=["delete"])
    def delete_through_service(
        self, request: HttpRequest, queryset: QuerySet[Conversation]
    ) -> None:
        count = 0
        for conversation_id in queryset.values_list("id", flat=True):
            try:
                services.conversation_moderate_delete(
                    actor=request.user, conversation_id=conversation_id
                )
            except Http404:
                continue  # deleted meanwhile (its last member left)
            count += 1
        self.message_user(request, f"Deleted {count} conversation(s).", messages.SUCCESS)


@admin.register(ConversationMember)
class ConversationMemberAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["id", "conversation", "user", "role", "joined_at"]
    list_filter = ["role", "conversation__type", "conversation__is_public", "joined_at"]
    search_fields = ["user__username", "conversation__name", "conversation__private_pair_key"]
    list_select_related = ["conversation", "user"]
    raw_id_fields = ["conversation", "user"]
    actions = ["remove_members"]

    def get_actions(
        self, request: HttpRequest, action_location: ActionLocation = ActionLocation.CHANGE_LIST
    ) -> dict:
        actions = super().get_actions(request, action_location=action_location)
        actions.pop("delete_selected", None)
        return actions

    def _remove(self, request: HttpRequest, membership: ConversationMember) -> bool:
        try:
            services.conversation_member_moderate_remove(
                actor=request.user,
                conversation_id=membership.conversation_id,
                user_id=membership.user_id,
            )
        except (ValidationError, PermissionDenied, Http404) as exc:
            text = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            self.message_user(request, f"{membership}: {text}", messages.ERROR)
            return False
        return True

    def delete_model(self, request: HttpRequest, obj: ConversationMember) -> None:
        self._remove(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[ConversationMember]) -> None:
        for membership in list(queryset):
            self._remove(request, membership)

    @admin.action(
        description="Remove from the conversation (notifies live clients)", permissions=["delete"]
    )
    def remove_members(self, request: HttpRequest, queryset: QuerySet[ConversationMember]) -> None:
        removed = sum(self._remove(request, m) for m in list(queryset))
        self.message_user(request, f"Removed {removed} member(s).", messages.SUCCESS)
