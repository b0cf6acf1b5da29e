"""Moderators' view of messages and reports: find, read, redact, work off the report queue.

Moderators redact, they do not rewrite: every field is read-only, nothing is added here, and
rows are never hard-deleted (that would punch a hole in the gapless `seq` and skip the
event). "Delete (redact)" goes through `services.message_redact`, so live clients get
`message_deleted`. Pins and reactions are shown (a filter for pinned messages, each
message's reaction counts, and the reactions list) and, like messages, only read. The
original text of a deleted message stays visible *here only*, for moderation; REST,
WebSocket and search never show it.

Privacy from staff: the text of messages in private conversations (direct chats, private
groups) is not shown here — neither in the list, on a message's page nor through search —
but replaced by `selectors.PRIVATE_PLACEHOLDER`. Staff read it through a report (the
report's page shows the reported message with the messages around it) or, superusers only,
by opening the conversation with a logged reason (conversations/admin.py).
"""

from django.contrib import admin, messages
from django.contrib.admin import ActionLocation
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Min, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator, smart_split, unescape_string_literal

from accounts.admin import ModerationActionForm, action_reason, error_text
from accounts.request_user import request_user
from chat_project.permissions import has_permission

from . import selectors, services
from .models import Message, Reaction, Report


def _staff_text(message: Message) -> str | None:
    """The content this viewer may read, else None (annotated by `get_queryset`)."""
    return message.staff_text  # type: ignore[attr-defined]


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
    list_filter = [
        "is_deleted",
        ("pinned_at", admin.EmptyFieldListFilter),
        "message_type",
        "created_at",
    ]
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
        "text",
        "client_id",
        "created_at",
        "edited_at",
        "is_deleted",
        "deleted_at",
        "deleted_by",
        "reply_to",
        "pinned_at",
        "pinned_by",
        "reaction_counts",
        "change_seq",
    ]
    readonly_fields = fields  # type: ignore[assignment]  # plain field names
    actions = ["redact_messages"]
    action_form = ModerationActionForm

    def get_queryset(self, request: HttpRequest) -> QuerySet[Message]:
        """Every row carries `staff_text`: its content if this viewer may read it, else None."""
        return selectors.message_list_for_staff(
            viewer=request.user, queryset=super().get_queryset(request)
        )

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Message], search_term: str
    ) -> tuple[QuerySet[Message], bool]:
        """Like the admin's search (every word must match a field), except that the text
        matches only in conversations the viewer may read: searching the words of a direct
        message must not find it (its sender and conversation name still match)."""
        readable = selectors.staff_can_read_messages_q(viewer=request.user)
        for word in smart_split(search_term):
            if word[:1] in {'"', "'"} and word[-1:] == word[0]:
                word = unescape_string_literal(word)
            queryset = queryset.filter(
                (Q(content__icontains=word) & readable)
                | Q(sender__username__icontains=word)
                | Q(conversation__name__icontains=word)
            )
        return queryset, False

    @admin.display(description="content")
    def preview(self, obj: Message) -> str:
        text = _staff_text(obj)
        if text is None:
            return selectors.PRIVATE_PLACEHOLDER
        return Truncator(text).chars(80)

    @admin.display(description="content")
    def text(self, obj: Message) -> str:
        text = _staff_text(obj)
        if text is not None:
            return text
        reports = obj.reports.order_by("id").values_list("id", flat=True)
        if not reports:
            return selectors.PRIVATE_PLACEHOLDER
        links = format_html_join(
            ", ",
            '<a href="{}">report #{}</a>',
            ((reverse("admin:messaging_report_change", args=[pk]), pk) for pk in reports),
        )
        return format_html("{} — reported: {}", selectors.PRIVATE_PLACEHOLDER, links)

    @admin.display(description="reactions")
    def reaction_counts(self, obj: Message) -> str:
        """Each emoji with its count, in the order of first use (who: the reactions list)."""
        counts = (
            Reaction.objects.filter(message_id=obj.pk)
            .values("emoji")
            .annotate(count=Count("id"), first=Min("id"))
            .order_by("first")
        )
        if not counts:
            return "—"
        url = reverse("admin:messaging_reaction_changelist") + f"?message__id__exact={obj.pk}"
        text = ", ".join(f"{row['emoji']} {row['count']}" for row in counts)
        return format_html('<a href="{}">{}</a>', url, text)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Message | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Message | None = None) -> bool:
        return False

    def has_redact_permission(self, request: HttpRequest) -> bool:
        """Who may redact: staff holding `redact_message` (the moderators group) or the
        model's change permission (or superusers)."""
        return has_permission(request.user, *services.REDACT_PERMISSIONS)

    @admin.action(
        description="Delete (redact) selected messages",
        permissions=["redact"],
        location=[ActionLocation.CHANGE_LIST, ActionLocation.CHANGE_FORM],
    )
    def redact_messages(self, request: HttpRequest, queryset: QuerySet[Message]) -> None:
        redacted = 0
        reason = action_reason(request)
        for message_id in queryset.filter(is_deleted=False).values_list("id", flat=True):
            try:
                services.message_redact(
                    actor=request_user(request), message_id=message_id, reason=reason
                )
            except (PermissionDenied, Http404) as exc:
                self.message_user(request, f"Message {message_id}: {exc}", messages.ERROR)
                continue
            redacted += 1
        self.message_user(request, f"Redacted {redacted} message(s).", messages.SUCCESS)


@admin.register(Reaction)
class ReactionAdmin(admin.ModelAdmin):
    """Who reacted with what to which message: read-only (reactions change through the
    services only, so live clients hear about it). The message is named by its number, not
    its text, so a private conversation's words stay private here too."""

    list_display = ["id", "emoji", "user", "message", "created_at"]
    list_select_related = ["user", "message"]
    list_filter = ["created_at"]
    search_fields = ["=emoji", "user__username", "=message__id"]
    ordering = ["-id"]
    date_hierarchy = "created_at"
    show_full_result_count = False
    fields = ["message", "user", "emoji", "created_at"]
    readonly_fields = fields  # type: ignore[assignment]  # plain field names

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Reaction | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Reaction | None = None) -> bool:
        return False


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    """The report queue: open reports first by default filter, newest first.

    Read-only: a report changes only through the actions, which call the services (so the
    redaction reaches live clients and every step lands in the audit log).
    """

    list_display = [
        "id",
        "created_at",
        "status",
        "target_type",
        "reporter",
        "user",
        "snapshot",
        "reason_preview",
        "message_link",
        "conversation_link",
    ]
    list_display_links = ["id", "created_at"]
    list_filter = ["status", "target_type", "created_at"]
    search_fields = ["reason", "message_text", "reporter__username", "user__username"]
    list_select_related = ["reporter", "user", "message"]
    ordering = ["-id"]
    date_hierarchy = "created_at"
    fields = [
        "status",
        "target_type",
        "reporter",
        "user",
        "message_link",
        "conversation_link",
        "message_text",
        "live_text",
        "reason",
        "created_at",
        "handled_by",
        "handled_at",
    ]
    readonly_fields = fields  # type: ignore[assignment]  # plain field names
    action_form = ModerationActionForm
    actions = ["resolve_reports", "dismiss_reports", "redact_and_resolve", "ban_and_resolve"]

    # --- columns ---------------------------------------------------------------------

    @admin.display(description="reported text")
    def snapshot(self, obj: Report) -> str:
        return Truncator(obj.message_text).chars(80) if obj.target_type == "message" else "—"

    @admin.display(description="reason")
    def reason_preview(self, obj: Report) -> str:
        return Truncator(obj.reason).chars(60)

    @admin.display(description="message")
    def message_link(self, obj: Report) -> str:
        if obj.message_id is None:
            return "—"
        url = reverse("admin:messaging_message_change", args=[obj.message_id])
        state = " (deleted)" if obj.message and obj.message.is_deleted else ""
        return format_html('<a href="{}">message {}</a>{}', url, obj.message_id, state)

    @admin.display(description="conversation")
    def conversation_link(self, obj: Report) -> str:
        if obj.conversation_id is None:
            return "—"
        url = reverse("admin:conversations_conversation_change", args=[obj.conversation_id])
        return format_html('<a href="{}">conversation {}</a>', url, obj.conversation_id)

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict,
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: Report | None = None,
    ) -> HttpResponse:
        """A message report's page shows the conversation around the reported message: the
        one way moderators read a private conversation (the message admin hides it)."""
        if obj is not None and obj.target_type == Report.TargetType.MESSAGE:
            context["report_context"] = selectors.report_context_for_staff(
                viewer=request.user, report=obj
            )
            context["report_context_radius"] = selectors.REPORT_CONTEXT_RADIUS
        return super().render_change_form(request, context, add, change, form_url, obj)

    @admin.display(description="text now")
    def live_text(self, obj: Report) -> str:
        if obj.message is None:
            return "(message gone)"
        state = "[deleted] " if obj.message.is_deleted else ""
        return f"{state}{obj.message.content}"

    # --- permissions -----------------------------------------------------------------

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Report | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Report | None = None) -> bool:
        return False

    def has_resolve_permission(self, request: HttpRequest) -> bool:
        return has_permission(request.user, "messaging.resolve_report")

    def has_redact_permission(self, request: HttpRequest) -> bool:
        return self.has_resolve_permission(request) and has_permission(
            request.user, "messaging.redact_message"
        )

    def has_ban_permission(self, request: HttpRequest) -> bool:
        return self.has_resolve_permission(request) and has_permission(
            request.user, "accounts.ban_user"
        )

    # --- actions ---------------------------------------------------------------------

    def _each(self, request: HttpRequest, queryset: QuerySet[Report], service, done: str) -> None:
        note = action_reason(request)
        count = 0
        for report_id in queryset.filter(status=Report.Status.OPEN).values_list("id", flat=True):
            try:
                count += service(actor=request.user, report_id=report_id, note=note)
            except (ValidationError, PermissionDenied, Http404) as exc:
                self.message_user(request, f"Report {report_id}: {error_text(exc)}", messages.ERROR)
        self.message_user(request, f"{done} {count} report(s).", messages.SUCCESS)

    @admin.action(
        description="Resolve",
        permissions=["resolve"],
        location=[ActionLocation.CHANGE_LIST, ActionLocation.CHANGE_FORM],
    )
    def resolve_reports(self, request: HttpRequest, queryset: QuerySet[Report]) -> None:
        self._each(request, queryset, services.report_resolve, "Resolved")

    @admin.action(
        description="Dismiss",
        permissions=["resolve"],
        location=[ActionLocation.CHANGE_LIST, ActionLocation.CHANGE_FORM],
    )
    def dismiss_reports(self, request: HttpRequest, queryset: QuerySet[Report]) -> None:
        self._each(request, queryset, services.report_dismiss, "Dismissed")

    @admin.action(
        description="Redact the message and resolve",
        permissions=["redact"],
        location=[ActionLocation.CHANGE_LIST, ActionLocation.CHANGE_FORM],
    )
    def redact_and_resolve(self, request: HttpRequest, queryset: QuerySet[Report]) -> None:
        self._each(request, queryset, services.report_redact_message, "Redacted and resolved")

    @admin.action(
        description="Ban the reported user and resolve",
        permissions=["ban"],
        location=[ActionLocation.CHANGE_LIST, ActionLocation.CHANGE_FORM],
    )
    def ban_and_resolve(self, request: HttpRequest, queryset: QuerySet[Report]) -> None:
        self._each(request, queryset, services.report_ban_user, "Banned and resolved")


from . import (  # noqa: E402
    attachment_admin,  # noqa: F401  (the attachments' admin, its own module)
    webhook_admin,  # noqa: F401  (incoming webhooks)
)
