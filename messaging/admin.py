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

from collections.abc import Callable
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin import ActionLocation
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import (
    Case,
    Count,
    IntegerField,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator, smart_split, unescape_string_literal

from accounts.admin import (
    ModerationActionForm,
    MuteForm,
    SanctionForm,
    Target,
    TimedSanctionForm,
    action_reason,
    confirm_sanction,
    error_text,
)
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
    actions = ["redact_messages", "unredact_messages"]
    action_form = ModerationActionForm

    def get_queryset(self, request: HttpRequest) -> QuerySet[Message]:
        """Every row carries `staff_text`: its content if this viewer may read it, else None."""
        return selectors.message_list_for_staff(
            viewer=request.user,
            queryset=super().get_queryset(request).select_related("sender", "conversation"),
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

    def _redaction(
        self,
        request: HttpRequest,
        queryset: QuerySet[Message],
        *,
        service: Callable[..., object],
        done: str,
        title: str,
        effect: str,
        deleted: bool,
    ) -> HttpResponse | None:
        def perform(form: Any) -> None:
            count = 0
            reason = form.cleaned_data["reason"]
            for message_id in queryset.filter(is_deleted=deleted).values_list("id", flat=True):
                try:
                    count += bool(
                        service(actor=request_user(request), message_id=message_id, reason=reason)
                    )
                except (PermissionDenied, Http404, ValidationError) as exc:
                    self.message_user(
                        request, f"Message {message_id}: {error_text(exc)}", messages.ERROR
                    )
            self.message_user(request, f"{done} {count} message(s).", messages.SUCCESS)

        return confirm_sanction(
            self,
            request,
            queryset,
            title=title,
            effect=effect,
            verb=title,
            perform=perform,
            targets=lambda qs: [
                Target(str(m), reverse("admin:messaging_message_change", args=[m.pk]))
                for m in qs.select_related("sender", "conversation")
            ],
        )

    @admin.action(
        description="Delete (redact) selected messages",
        permissions=["redact"],
        location=[ActionLocation.CHANGE_LIST, ActionLocation.CHANGE_FORM],
    )
    def redact_messages(
        self, request: HttpRequest, queryset: QuerySet[Message]
    ) -> HttpResponse | None:
        return self._redaction(
            request,
            queryset,
            service=lambda **kw: services.message_redact(**kw) or True,
            done="Redacted",
            title="Redact",
            effect="The messages disappear from every open chat, history and search; the "
            "text stays here for the record, and a moderator can undo it.",
            deleted=False,
        )

    @admin.action(
        description="Undo the redaction",
        permissions=["redact"],
        location=[ActionLocation.CHANGE_LIST, ActionLocation.CHANGE_FORM],
    )
    def unredact_messages(
        self, request: HttpRequest, queryset: QuerySet[Message]
    ) -> HttpResponse | None:
        return self._redaction(
            request,
            queryset,
            service=services.message_unredact,
            done="Restored",
            title="Undo the redaction",
            effect="The messages come back for every member (open chats get "
            "`message_updated`). Only a moderator's redaction is undone.",
            deleted=True,
        )


@admin.register(Reaction)
class ReactionAdmin(admin.ModelAdmin):
    """Who reacted with what to which message: read-only (reactions change through the
    services only, so live clients hear about it). The message is named by its number, not
    its text, so a private conversation's words stay private here too."""

    list_display = ["id", "emoji", "user", "message", "created_at"]
    list_select_related = ["user", "message__sender", "message__conversation"]
    list_filter = ["created_at"]
    search_fields = ["=emoji", "user__username", "=message__id"]
    ordering = ["-id"]
    date_hierarchy = "created_at"
    show_full_result_count = False
    fields = ["message", "user", "emoji", "created_at"]
    readonly_fields = fields  # type: ignore[assignment]  # plain field names

    def get_queryset(self, request: HttpRequest) -> QuerySet[Reaction]:
        """With the user and the message's sender and conversation: a reaction's title
        names them."""
        return (
            super()
            .get_queryset(request)
            .select_related("user", "message__sender", "message__conversation")
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Reaction | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Reaction | None = None) -> bool:
        return False


class ReportStatusFilter(admin.SimpleListFilter):
    """Status with counts; the queue opens on "Open" (no parameter means open)."""

    title = "status"
    parameter_name = "status__exact"
    ALL = "all"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list:
        counts = dict(Report.objects.values_list("status").annotate(n=Count("id")).order_by())
        choices = [
            (status, f"{label} ({counts.get(status, 0)})")
            for status, label in Report.Status.choices
        ]
        return [*choices, (self.ALL, f"All ({sum(counts.values())})")]

    def value(self) -> str:
        return super().value() or Report.Status.OPEN

    def choices(self, changelist):  # no "All" entry of Django's own: ours has a count
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == str(lookup),
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request: HttpRequest, queryset: QuerySet[Report]) -> QuerySet[Report]:
        if self.value() == self.ALL:
            return queryset
        return queryset.filter(status=self.value())


def _case_size() -> Case:
    """How many open reports share each row's target (its case)."""
    open_reports = Report.objects.filter(status=Report.Status.OPEN).order_by()
    by_message = open_reports.filter(
        target_type=Report.TargetType.MESSAGE, message_id=OuterRef("message_id")
    )
    by_user = open_reports.filter(target_type=Report.TargetType.USER, user_id=OuterRef("user_id"))

    def count(qs: QuerySet[Report]) -> Subquery:
        return Subquery(qs.values("target_type").annotate(n=Count("id")).values("n")[:1])

    return Case(
        When(
            target_type=Report.TargetType.MESSAGE, message_id__isnull=False, then=count(by_message)
        ),
        When(target_type=Report.TargetType.USER, then=count(by_user)),
        default=Value(0),
        output_field=IntegerField(),
    )


def _report_targets(queryset: QuerySet[Report]) -> list[Target]:
    rows = queryset.select_related("user", "message__conversation")
    return [Target(str(r), reverse("admin:messaging_report_change", args=[r.pk])) for r in rows]


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    """The report queue: opens on the open reports, newest first, with counts per status.

    Reports of one target (the same message, the same user) are one case: the "case"
    column counts its open reports and links to them, and acting on any of them closes
    the whole case and tells every reporter the outcome (messaging.services.reports).
    Read-only: a report changes only through the actions, which call the services (so the
    redaction reaches live clients and every step lands in the audit log). Sanctions (ban,
    suspend, mute, redact) go through a confirmation page with a required reason.
    """

    list_display = [
        "id",
        "created_at",
        "status",
        "target_type",
        "reporter",
        "user",
        "case",
        "snapshot",
        "reason_preview",
        "message_link",
        "conversation_link",
    ]
    list_display_links = ["id", "created_at"]
    list_filter = [ReportStatusFilter, "target_type", "created_at"]
    search_fields = ["reason", "message_text", "reporter__username", "user__username"]
    list_select_related = ["reporter", "user", "message__conversation"]
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
    actions = [
        "resolve_reports",
        "dismiss_reports",
        "redact_and_resolve",
        "ban_and_resolve",
        "suspend_and_resolve",
        "mute_and_resolve",
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Report]:
        return (
            super()
            .get_queryset(request)
            .select_related("reporter", "user", "handled_by", "message__conversation")
            .annotate(case_open=_case_size())
        )

    def lookup_allowed(self, lookup: str, value: str, request: HttpRequest) -> bool:
        """A case's link filters by its target; a user's page links to reports about them."""
        if lookup in {"message__id__exact", "user__id__exact", "reporter__id__exact"}:
            return True
        return super().lookup_allowed(lookup, value, request)

    # --- columns ---------------------------------------------------------------------

    @admin.display(description="case")
    def case(self, obj: Report) -> str:
        size = obj.case_open or 0  # type: ignore[attr-defined]  # annotated by get_queryset
        if size <= 1:
            return "—" if size == 0 else "1 report"
        url = reverse("admin:messaging_report_changelist") + (
            f"?message__id__exact={obj.message_id}"
            if obj.target_type == Report.TargetType.MESSAGE
            else f"?user__id__exact={obj.user_id}&target_type__exact=user"
        )
        return format_html('<a href="{}"><strong>{} reports</strong></a>', url, size)

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
        name = obj.message.conversation if obj.message else f"conversation {obj.conversation_id}"
        return format_html('<a href="{}">{}</a>', url, name)

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict,
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: Report | None = None,
    ) -> HttpResponse:
        """A report's page is the case file: the conversation around the reported message
        (the one way moderators read a private conversation: the message admin hides it),
        the other reports of the case, the reported user's record and the reporter's."""
        if obj is not None:
            if obj.target_type == Report.TargetType.MESSAGE:
                context["report_context"] = selectors.report_context_for_staff(
                    viewer=request.user, report=obj
                )
                context["report_context_radius"] = selectors.REPORT_CONTEXT_RADIUS
            context.update(selectors.report_case_file(viewer=request.user, report=obj))
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

    def has_suspend_permission(self, request: HttpRequest) -> bool:
        return self.has_resolve_permission(request) and has_permission(
            request.user, "accounts.suspend_user"
        )

    def has_mute_permission(self, request: HttpRequest) -> bool:
        return self.has_resolve_permission(request) and has_permission(
            request.user, "accounts.mute_user"
        )

    # --- actions ---------------------------------------------------------------------

    def _each(
        self,
        request: HttpRequest,
        queryset: QuerySet[Report],
        service: Callable[..., bool],
        done: str,
        note: str | None = None,
        **options: object,
    ) -> None:
        note = action_reason(request) if note is None else note
        count = 0
        for report_id in queryset.filter(status=Report.Status.OPEN).values_list("id", flat=True):
            try:
                count += service(actor=request.user, report_id=report_id, note=note, **options)
            except (ValidationError, PermissionDenied, Http404) as exc:
                self.message_user(request, f"Report {report_id}: {error_text(exc)}", messages.ERROR)
        self.message_user(request, f"{done} {count} case(s).", messages.SUCCESS)

    def _sanction(
        self,
        request: HttpRequest,
        queryset: QuerySet[Report],
        *,
        service: Callable[..., bool],
        done: str,
        title: str,
        effect: str,
        form_class: type = SanctionForm,
    ) -> HttpResponse | None:
        def perform(form: Any) -> None:
            options: dict[str, object] = {}
            if isinstance(form, TimedSanctionForm):
                options["until"] = form.until()
            if isinstance(form, MuteForm):
                options["everywhere"] = form.cleaned_data["everywhere"]
            self._each(request, queryset, service, done, form.cleaned_data["reason"], **options)

        return confirm_sanction(
            self,
            request,
            queryset,
            title=title,
            effect=effect,
            verb=title,
            perform=perform,
            targets=_report_targets,
            form_class=form_class,
        )

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
    def redact_and_resolve(
        self, request: HttpRequest, queryset: QuerySet[Report]
    ) -> HttpResponse | None:
        return self._sanction(
            request,
            queryset,
            service=services.report_redact_message,
            done="Redacted and resolved",
            title="Redact the message",
            effect="The reported messages disappear from every open chat and from history "
            "and search (a moderator can undo it). Their cases are resolved and the "
            "reporters told that action was taken.",
        )

    @admin.action(
        description="Ban the reported user and resolve",
        permissions=["ban"],
        location=[ActionLocation.CHANGE_LIST, ActionLocation.CHANGE_FORM],
    )
    def ban_and_resolve(
        self, request: HttpRequest, queryset: QuerySet[Report]
    ) -> HttpResponse | None:
        return self._sanction(
            request,
            queryset,
            service=services.report_ban_user,
            done="Banned and resolved",
            title="Ban the reported user",
            effect="The reported users are deactivated: tokens and sessions end, sockets "
            "close at once, until a moderator unbans them.",
        )

    @admin.action(
        description="Suspend the reported user and resolve",
        permissions=["suspend"],
        location=[ActionLocation.CHANGE_LIST, ActionLocation.CHANGE_FORM],
    )
    def suspend_and_resolve(
        self, request: HttpRequest, queryset: QuerySet[Report]
    ) -> HttpResponse | None:
        return self._sanction(
            request,
            queryset,
            service=services.report_suspend_user,
            done="Suspended and resolved",
            title="Suspend the reported user",
            effect="Their sockets close and logging in is refused (they are told until "
            "when) for the time below.",
            form_class=TimedSanctionForm,
        )

    @admin.action(
        description="Mute the reported user and resolve",
        permissions=["mute"],
        location=[ActionLocation.CHANGE_LIST, ActionLocation.CHANGE_FORM],
    )
    def mute_and_resolve(
        self, request: HttpRequest, queryset: QuerySet[Report]
    ) -> HttpResponse | None:
        return self._sanction(
            request,
            queryset,
            service=services.report_mute_user,
            done="Muted and resolved",
            title="Mute the reported user",
            effect="They keep reading but cannot send, in the reported message's "
            "conversation (or everywhere), for the time below.",
            form_class=MuteForm,
        )


from . import (  # noqa: E402
    attachment_admin,  # noqa: F401  (the attachments' admin, its own module)
    webhook_admin,  # noqa: F401  (incoming webhooks)
)
