"""Moderators' view of conversations: look, search, remove members, delete.

Every change goes through the services, so members' live clients hear about it
(`removed_from_conversation`, `conversation_deleted`) and the group keeps an admin.
Nothing is edited in place: conversations and memberships are read-only here.

Messages of a private conversation are not shown to staff (messaging/admin.py). A superuser
who must read one anyway opens it here ("Open this conversation"): a reason is required, the
opening is written to the audit log, and access lasts `services.STAFF_ACCESS_DURATION`.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import ActionLocation
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import (
    Case,
    CharField,
    Count,
    OuterRef,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Concat
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone

from accounts.admin import (
    Target,
    TimedSanctionForm,
    confirm_sanction,
    error_text,
)
from accounts.request_user import request_user
from accounts.services import REASON_MAX_LENGTH
from chat_project.permissions import SUPERUSER, has_permission

from . import selectors, services
from .models import Conversation, ConversationBan, ConversationInvite, ConversationMember, Mute


class ReadOnlyMixin:
    """Rows are changed only by the services (actions / delete below), never by a form."""

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


#: Members shown per page on a conversation's admin page (a room may have 100,000).
MEMBERS_PER_PAGE = 50


class OpenConversationForm(forms.Form):
    reason = forms.CharField(
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        label="Why do you need to read it? (audit log)",
    )


def direct_names() -> Case:
    """For a direct chat, its two members' usernames ("alice & bob"); None for a group.
    Two subqueries of the same query (the first and the last name in order), run for
    direct chats only: portable, where an ordered string aggregate is PostgreSQL's own
    (SQLite, what `make run` uses, refuses it)."""
    members = ConversationMember.objects.filter(conversation=OuterRef("pk"))
    first = Subquery(members.order_by("user__username").values("user__username")[:1])
    last = Subquery(members.order_by("-user__username").values("user__username")[:1])
    return Case(
        When(type=Conversation.Type.DIRECT, then=Concat(first, Value(" & "), last)),
        default=None,
        output_field=CharField(),
    )


def conversation_title(conversation: Conversation) -> str:
    """What the admin calls a conversation: "Direct: alice & bob" for a direct chat read
    through `ConversationAdmin.get_queryset` (which annotates the names), else its name.

    Admin-only: `Conversation.__str__` stays the name or the pair key ("direct:1:2"), which
    the services write into the audit log's snapshots and which costs no query."""
    names = getattr(conversation, "direct_names", None)
    if conversation.type == Conversation.Type.DIRECT and names:
        return f"Direct: {names}"
    return str(conversation)


def messages_url(conversation_id: int) -> str:
    """The message admin, filtered to one conversation."""
    changelist = reverse("admin:messaging_message_changelist")
    return f"{changelist}?conversation__id__exact={conversation_id}"


@admin.register(Conversation)
class ConversationAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = [
        "id",
        "title",
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
    actions = ["delete_through_service"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Conversation]:
        return (
            super()
            .get_queryset(request)
            .annotate(member_total=Count("memberships"), direct_names=direct_names())
        )

    @admin.display(description="conversation", ordering="name")
    def title(self, obj: Conversation) -> str:
        return conversation_title(obj)

    def members_page(self, request: HttpRequest, conversation: Conversation) -> Page:
        """One page of members (`?members_page=`), oldest first: a room of 100,000 members
        is never rendered whole (an inline of 2,000 took 1.7 s and 2.6 MB)."""
        members = (
            ConversationMember.objects.filter(conversation=conversation)
            .select_related("user")
            .order_by("joined_at", "id")
        )
        paginator = Paginator(members, MEMBERS_PER_PAGE)
        paginator.count = conversation.member_total  # type: ignore[attr-defined]  # annotated
        return paginator.get_page(request.GET.get("members_page"))

    # --- opening a private conversation (superusers) -------------------------------------

    def get_urls(self) -> list:
        opening = path(
            "<path:object_id>/open/",
            self.admin_site.admin_view(self.open_view),
            name="conversations_conversation_open",
        )
        return [opening, *super().get_urls()]

    def has_open_permission(self, request: HttpRequest) -> bool:
        return has_permission(request.user, SUPERUSER)

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict | None = None,
    ) -> HttpResponse:
        extra_context = {**(extra_context or {}), "can_open": self.has_open_permission(request)}
        return super().change_view(request, object_id, form_url, extra_context)

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict,
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: Conversation | None = None,
    ) -> HttpResponse:
        if obj is not None:
            context["subtitle"] = context["conversation_title"] = conversation_title(obj)
            context["messages_url"] = messages_url(obj.pk)
            context["members_page"] = self.members_page(request, obj)
            context["members_url"] = (
                reverse("admin:conversations_conversationmember_changelist")
                + f"?conversation__id__exact={obj.pk}"
            )
            context["staff_access_until"] = (
                None
                if obj.is_public
                else selectors.staff_access_until(viewer=request.user, conversation_id=obj.pk)
            )
        return super().render_change_form(request, context, add, change, form_url, obj)

    def open_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Ask a superuser why, then grant them an hour to read this private conversation."""
        if not self.has_open_permission(request):
            raise PermissionDenied("Only a superuser can open a private conversation.")
        conversation = self.get_object(request, unquote(object_id))
        if conversation is None:
            raise Http404(selectors.NOT_FOUND)
        form = OpenConversationForm(request.POST if request.method == "POST" else None)
        if form.is_valid():
            try:
                grant = services.conversation_staff_open(
                    actor=request_user(request),
                    conversation_id=conversation.pk,
                    reason=form.cleaned_data["reason"],
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                until = timezone.localtime(grant.expires_at)
                self.message_user(
                    request,
                    f"You may read {conversation_title(conversation)} until {until:%H:%M} "
                    "(written to the audit log).",
                    messages.SUCCESS,
                )
                return redirect(messages_url(conversation.pk))
        context = {
            **self.admin_site.each_context(request),
            "title": f"Open {conversation_title(conversation)}",
            "conversation_title": conversation_title(conversation),
            "subtitle": None,
            "opts": self.opts,
            "original": conversation,
            "form": form,
            "duration_minutes": int(services.STAFF_ACCESS_DURATION.total_seconds() // 60),
            "staff_access_until": selectors.staff_access_until(
                viewer=request.user, conversation_id=conversation.pk
            ),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/conversations/conversation/open.html", context)

    def get_actions(
        self, request: HttpRequest, action_location: ActionLocation = ActionLocation.CHANGE_LIST
    ) -> dict:
        actions = super().get_actions(request, action_location=action_location)
        actions.pop("delete_selected", None)  # it would skip the events
        return actions

    @admin.display(description="members", ordering="member_total")
    def member_count(self, obj: Conversation) -> int:
        return obj.member_total  # type: ignore[attr-defined]  # annotated by get_queryset

    def delete_model(self, request: HttpRequest, obj: Conversation) -> None:
        services.conversation_moderate_delete(actor=request_user(request), conversation_id=obj.id)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Conversation]) -> None:
        for conversation_id in queryset.values_list("id", flat=True):
            services.conversation_moderate_delete(
                actor=request_user(request), conversation_id=conversation_id
            )

    @admin.action(description="Delete (members are notified)", permissions=["delete"])
    def delete_through_service(
        self, request: HttpRequest, queryset: QuerySet[Conversation]
    ) -> None:
        count = 0
        for conversation_id in queryset.values_list("id", flat=True):
            try:
                services.conversation_moderate_delete(
                    actor=request_user(request), conversation_id=conversation_id
                )
            except Http404:
                continue  # deleted meanwhile (its last member left)
            count += 1
        self.message_user(request, f"Deleted {count} conversation(s).", messages.SUCCESS)


@admin.register(ConversationMember)
class ConversationMemberAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = [
        "id",
        "conversation",
        "user",
        "role",
        "joined_at",
        "notification_level",
        "muted_until",
    ]
    list_filter = [
        "role",
        "conversation__type",
        "conversation__is_public",
        "notification_level",
        "joined_at",
    ]
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

    def get_queryset(self, request: HttpRequest) -> QuerySet[ConversationMember]:
        """With the user and conversation: a membership's title names both."""
        return super().get_queryset(request).select_related("conversation", "user")

    def lookup_allowed(self, lookup: str, value: str, request: HttpRequest) -> bool:
        """A conversation's page and a user's page link here filtered to them."""
        if lookup in {"conversation__id__exact", "user__id__exact"}:
            return True
        return super().lookup_allowed(lookup, value, request)

    def _remove(self, request: HttpRequest, membership: ConversationMember, reason: str) -> bool:
        try:
            services.conversation_member_moderate_remove(
                actor=request_user(request),
                conversation_id=membership.conversation_id,
                user_id=membership.user_id,
                reason=reason,
            )
        except (ValidationError, PermissionDenied, Http404) as exc:
            self.message_user(request, f"{membership}: {error_text(exc)}", messages.ERROR)
            return False
        return True

    def delete_view(
        self, request: HttpRequest, object_id: str, extra_context: dict | None = None
    ) -> HttpResponse:
        """A membership's "Delete" is the removal: the same confirmation page as the
        action (what happens, a required reason), posting to the action; never Django's
        "Are you sure?", which asks no reason."""
        membership = self.get_object(request, unquote(object_id))
        if membership is None:  # removed meanwhile (or never was): back to the list
            return redirect(reverse("admin:conversations_conversationmember_changelist"))
        if not self.has_delete_permission(request, membership):
            raise PermissionDenied
        queryset = self.get_queryset(request).filter(pk=membership.pk)
        response = self.remove_members(request, queryset, action="remove_members")
        return response or redirect(reverse("admin:conversations_conversationmember_changelist"))

    @admin.action(
        description="Remove from the conversation (notifies live clients)",
        permissions=["delete"],
        location=[ActionLocation.CHANGE_LIST, ActionLocation.CHANGE_FORM],
    )
    def remove_members(
        self, request: HttpRequest, queryset: QuerySet[ConversationMember], action: str = ""
    ) -> HttpResponse | None:
        def perform(form: forms.Form) -> None:
            reason = form.cleaned_data["reason"]
            removed = sum(self._remove(request, m, reason) for m in list(queryset))
            self.message_user(request, f"Removed {removed} member(s).", messages.SUCCESS)

        return confirm_sanction(
            self,
            request,
            queryset,
            title="Remove from the conversation",
            effect="They are removed as if they had left: their devices are told at once, "
            "the others see a “was removed” line, and an owner's ownership passes on.",
            verb="Remove",
            perform=perform,
            targets=membership_targets,
            action=action,
        )


def membership_targets(queryset: QuerySet[ConversationMember]) -> list[Target]:
    return [
        Target(str(m), reverse("admin:accounts_user_change", args=[m.user_id]))
        for m in queryset.select_related("user", "conversation")
    ]


class LookOnlyMixin(ReadOnlyMixin):
    """Bans and links are the group admins' business (their REST and web UI): moderators
    look them up here, and act on people through the reports and the member removal."""

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(ConversationBan)
class ConversationBanAdmin(LookOnlyMixin, admin.ModelAdmin):
    list_display = ["id", "conversation", "user", "banned_by", "reason", "created_at"]
    list_filter = ["created_at"]
    search_fields = ["user__username", "conversation__name", "reason"]
    list_select_related = ["conversation", "user", "banned_by"]
    readonly_fields = ["conversation", "user", "banned_by", "reason", "created_at"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[ConversationBan]:
        return super().get_queryset(request).select_related("conversation", "user", "banned_by")


class MuteAddForm(TimedSanctionForm):
    """Mute someone (a user page's "Mute…"): everywhere, or in one conversation."""

    user = forms.IntegerField(min_value=1, label="User id")
    conversation = forms.IntegerField(
        min_value=1,
        required=False,
        label="Conversation id",
        help_text="Empty: everywhere. Otherwise only in this conversation.",
    )
    field_order = ["user", "conversation", "duration", "reason"]


@admin.register(Mute)
class MuteAdmin(admin.ModelAdmin):
    """Mutes: who may read but not send, where, until when. Added through the form below
    (`services.user_mute`), lifted through the action (`services.user_unmute`); never
    edited or deleted (the audit log keeps the story)."""

    list_display = ["id", "user", "where", "ends_at", "state", "created_by", "created_at", "reason"]
    list_filter = ["created_at", "ends_at", ("lifted_at", admin.EmptyFieldListFilter)]
    search_fields = ["user__username", "conversation__name", "reason"]
    list_select_related = ["user", "conversation", "created_by"]
    ordering = ["-id"]
    fields = [
        "user",
        "where",
        "ends_at",
        "state",
        "reason",
        "created_by",
        "created_at",
        "lifted_at",
    ]
    readonly_fields = fields  # type: ignore[assignment]  # plain field names
    actions = ["lift"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Mute]:
        return super().get_queryset(request).select_related("user", "conversation", "created_by")

    def lookup_allowed(self, lookup: str, value: str, request: HttpRequest) -> bool:
        return lookup == "user__id__exact" or super().lookup_allowed(lookup, value, request)

    @admin.display(description="where")
    def where(self, obj: Mute) -> str:
        return str(obj.conversation) if obj.conversation_id else "everywhere"

    @admin.display(description="state")
    def state(self, obj: Mute) -> str:
        if obj.lifted_at is not None:
            return "lifted"
        return "running" if obj.ends_at > timezone.now() else "ended"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return has_permission(request.user, "accounts.mute_user")

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_mute_permission(self, request: HttpRequest) -> bool:
        return has_permission(request.user, "accounts.mute_user")

    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: dict | None = None
    ) -> HttpResponse:
        """The mute form (reason and duration required), through the service."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        data = request.POST if request.method == "POST" else None
        form = MuteAddForm(data, initial={"user": request.GET.get("user")})
        if form.is_valid():
            try:
                services.user_mute(
                    actor=request_user(request),
                    user_id=form.cleaned_data["user"],
                    conversation_id=form.cleaned_data["conversation"],
                    until=form.until(),
                    reason=form.cleaned_data["reason"],
                )
            except (ValidationError, PermissionDenied, Http404) as exc:
                form.add_error(None, error_text(exc))
            else:
                self.message_user(request, "Muted (written to the audit log).", messages.SUCCESS)
                return redirect(
                    reverse("admin:accounts_user_change", args=[form.cleaned_data["user"]])
                )
        context = {
            **self.admin_site.each_context(request),
            "title": "Mute",
            "subtitle": None,
            "opts": self.opts,
            "effect": "They keep reading but cannot send (REST and WebSocket sends are "
            "refused with the end time; the composer says so) until the time below.",
            "verb": "Mute",
            "targets": [],
            "form": form,
            "selected": [],
            "action": "",
            "index": None,
            "form_url": "",
            "cancel_url": request.META.get("HTTP_REFERER")
            or reverse("admin:conversations_mute_changelist"),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/moderation/confirm.html", context)

    @admin.action(description="Lift the mute", permissions=["mute"])
    def lift(self, request: HttpRequest, queryset: QuerySet[Mute]) -> HttpResponse | None:
        def perform(form: forms.Form) -> None:
            count = 0
            for mute_id in queryset.values_list("pk", flat=True):
                count += services.user_unmute(
                    actor=request_user(request), mute_id=mute_id, reason=form.cleaned_data["reason"]
                )
            self.message_user(request, f"Lifted {count} mute(s).", messages.SUCCESS)

        return confirm_sanction(
            self,
            request,
            queryset,
            title="Lift the mute",
            effect="They can send again at once.",
            verb="Lift",
            perform=perform,
            targets=lambda qs: [Target(str(m)) for m in qs.select_related("user", "conversation")],
        )


@admin.register(ConversationInvite)
class ConversationInviteAdmin(LookOnlyMixin, admin.ModelAdmin):
    list_display = [
        "code",
        "conversation",
        "created_by",
        "created_at",
        "expires_at",
        "uses",
        "max_uses",
        "revoked_at",
    ]
    list_filter = ["created_at", "revoked_at"]
    search_fields = ["code", "conversation__name", "created_by__username"]
    list_select_related = ["conversation", "created_by"]
    readonly_fields = list_display  # type: ignore[assignment]  # plain field names
