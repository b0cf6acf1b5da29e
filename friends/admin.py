"""Moderators' view of the social graph. Every change goes through friends.services,
so removing a friendship in the admin also updates the users' open clients."""

import contextlib

from django.contrib import admin, messages
from django.contrib.admin import ActionLocation
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import Http404, HttpRequest

from accounts.request_user import request_user

from . import services
from .models import Block, Friendship


@admin.register(Friendship)
class FriendshipAdmin(admin.ModelAdmin):
    list_display = ["id", "requester", "receiver", "status", "created_at", "updated_at"]
    list_filter = ["status", "created_at", "updated_at"]
    search_fields = ["requester__username", "receiver__username"]
    list_select_related = ["requester", "receiver"]
    autocomplete_fields = ["requester", "receiver"]
    readonly_fields = ["requester", "receiver", "status", "created_at", "updated_at"]
    date_hierarchy = "created_at"
    ordering = ["-created_at"]
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Relations are made by the two users, never on their behalf.
        return False

    def has_change_permission(self, request: HttpRequest, obj: Friendship | None = None) -> bool:
        return False

    def delete_model(self, request: HttpRequest, obj: Friendship) -> None:
        services.friendship_moderate_delete(actor=request_user(request), friendship=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Friendship]) -> None:
        """The bulk "delete selected" action, one service call per row (events included)."""
        for friendship in queryset.select_related("requester", "receiver"):
            services.friendship_moderate_delete(actor=request_user(request), friendship=friendship)


@admin.register(Block)
class BlockAdmin(admin.ModelAdmin):
    list_display = ["id", "blocker", "blocked", "created_at"]
    list_filter = ["created_at"]
    search_fields = ["blocker__username", "blocked__username"]
    list_select_related = ["blocker", "blocked"]
    autocomplete_fields = ["blocker", "blocked"]
    date_hierarchy = "created_at"
    ordering = ["-created_at"]
    actions = ["lift_blocks"]
    show_full_result_count = False

    def get_readonly_fields(self, request: HttpRequest, obj: Block | None = None) -> list[str]:
        # A block is made or lifted, never edited into a block of someone else.
        return ["blocker", "blocked", "created_at"] if obj else ["created_at"]

    def get_actions(
        self, request: HttpRequest, action_location: ActionLocation = ActionLocation.CHANGE_LIST
    ) -> dict:
        actions = super().get_actions(request, action_location=action_location)
        actions.pop("delete_selected", None)  # "lift_blocks" does it through the service
        return actions

    def save_model(self, request: HttpRequest, obj: Block, form: ModelForm, change: bool) -> None:
        """Adding a block on a user's behalf (harassment report) ends their relations too."""
        if change:
            return
        # The form has already refused self-blocks and duplicates (model constraints).
        block, _ = services.user_block(actor=obj.blocker, user_id=obj.blocked_id)
        obj.pk, obj.created_at = block.pk, block.created_at

    def delete_model(self, request: HttpRequest, obj: Block) -> None:
        self._lift(obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Block]) -> None:
        for block in queryset:
            self._lift(block)

    @admin.action(
        description="Lift selected blocks",
        location=[ActionLocation.CHANGE_LIST, ActionLocation.CHANGE_FORM],
    )
    def lift_blocks(self, request: HttpRequest, queryset: QuerySet[Block]) -> None:
        count = 0
        for block in queryset.select_related("blocker"):
            self._lift(block)
            count += 1
        self.message_user(request, f"Lifted {count} block(s).", messages.SUCCESS)

    @staticmethod
    def _lift(block: Block) -> None:
        with contextlib.suppress(Http404):  # lifted meanwhile: the moderator's goal is reached
            services.user_unblock(actor=block.blocker, user_id=block.blocked_id)
