"""The moderators' console for accounts: users (ban / unban) and the audit log.

A moderator is staff (needed to log in to the admin) and in the `moderators` group (see
messaging/migrations/0006_moderators_group.py and docs/moderation.md). The group only
*views* users, so the user form is read-only for them (no is_staff, groups, permissions,
no delete); banning goes through `services.user_ban`, which also closes sockets and ends
sessions, and writes the audit log.

Nobody sees password hashes here: Django's user form shows the hash's algorithm,
iterations and salt and hash fragments. Moderators get no password field at all;
superusers get only the link to set a new password.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import ActionLocation, helpers
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import ReadOnlyPasswordHashWidget, UserChangeForm
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext

from chat_project.permissions import has_permission

from . import services
from .models import ModerationLog, ModeratorNote, Notification, PushSubscription, User
from .request_user import request_user


class ModerationActionForm(helpers.ActionForm):
    """The action bar with a "reason" box: it goes into the audit log."""

    reason = forms.CharField(
        required=False,
        max_length=services.REASON_MAX_LENGTH,
        label="Reason (audit log):",
        widget=forms.TextInput(attrs={"size": 40}),
    )


def action_reason(request: HttpRequest) -> str:
    """The reason typed next to the action (change list or change form action bar)."""
    for key in ("reason", "CHANGE_FORM-reason", "CHANGE_LIST-reason"):
        if request.POST.get(key):
            return request.POST[key].strip()[: services.REASON_MAX_LENGTH]
    return ""


def error_text(exc: Exception) -> str:
    return "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)


class SanctionForm(forms.Form):
    """The confirmation page's form: a required reason (the audit log, and what the next
    moderator reads)."""

    reason = forms.CharField(
        max_length=services.REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        label="Reason (audit log, required)",
    )


class TimedSanctionForm(SanctionForm):
    """A suspension or mute: the reason and how long."""

    DURATIONS = [
        ("1h", "1 hour"),
        ("24h", "24 hours"),
        ("72h", "3 days"),
        ("168h", "7 days"),
        ("720h", "30 days"),
    ]
    duration = forms.ChoiceField(choices=DURATIONS, initial="24h", label="For")

    def until(self) -> datetime:
        hours = int(self.cleaned_data["duration"].removesuffix("h"))
        return timezone.now() + timedelta(hours=hours)


class MuteForm(TimedSanctionForm):
    everywhere = forms.BooleanField(
        required=False,
        label="Everywhere",
        help_text="Unticked: only in the reported message's conversation.",
    )


@dataclass(frozen=True)
class Target:
    label: str
    url: str = ""


SELECT_ACROSS_REFUSED = (
    "Sanctions are never applied to “all” across pages: select the rows on this page "
    "(each one is a decision). Nothing was changed."
)


def confirm_sanction(
    modeladmin: admin.ModelAdmin,
    request: HttpRequest,
    queryset: QuerySet,
    *,
    title: str,
    effect: str,
    verb: str,
    perform: Callable[[forms.Form], None],
    targets: Callable[[QuerySet], list[Target]],
    form_class: type[forms.Form] = SanctionForm,
    action: str = "",
) -> HttpResponse | None:
    """The one way a sanction runs from the admin: refused for "select all" across pages,
    else a confirmation page naming every target, with a required reason (and a duration
    for timed sanctions); `perform(form)` runs once it is posted back valid.

    Posts back to the change list (whether the action came from there or from an object's
    page), with the selected ids and the action (`action` names it for a page that is no
    action's, such as a delete view)."""
    if request.POST.get("select_across") == "1":
        modeladmin.message_user(request, SELECT_ACROSS_REFUSED, messages.ERROR)
        return None
    form = form_class(request.POST if request.POST.get("confirm") == "yes" else None)
    if form.is_valid():
        perform(form)
        return None
    opts = modeladmin.model._meta
    action = action or request.POST.get("action") or request.POST.get("CHANGE_FORM-action", "")
    selected = [str(pk) for pk in queryset.values_list("pk", flat=True)]
    changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": title,
        "subtitle": None,
        "opts": opts,
        "effect": effect,
        "verb": verb,
        "targets": targets(queryset),
        "form": form,
        "selected": selected,
        "action": action,
        "index": None,
        # The form posts to the change list: an object page's action bar posts elsewhere.
        "form_url": changelist,
        "cancel_url": request.META.get("HTTP_REFERER") or changelist,
    }
    request.current_app = modeladmin.admin_site.name
    return TemplateResponse(request, "admin/moderation/confirm.html", context)


class NoteForm(forms.Form):
    reason = forms.CharField(
        max_length=services.NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        label="Note (seen by moderators only)",
    )


def user_targets(queryset: QuerySet) -> list[Target]:
    return [
        Target(f"{u.username} ({u.name})", reverse("admin:accounts_user_change", args=[u.pk]))
        for u in queryset.only("pk", "username", "display_name")
    ]


def user_record(user_id: int, *, limit: int = 20) -> dict:
    """A user's moderation record for the admin pages: the audit-log rows about them
    (bans, suspensions, mutes, removals, redactions of their messages, notes, handled
    reports), their private notes, and whether a suspension runs. A fixed number of
    queries whatever the record's length."""
    entries = list(
        ModerationLog.objects.filter(subject_user_id=user_id)
        .select_related("moderator")
        .order_by("-id")[:limit]
    )
    notes = list(
        ModeratorNote.objects.filter(user_id=user_id)
        .select_related("author")
        .order_by("-id")[:limit]
    )
    return {"entries": entries, "notes": notes}


class PasswordLinkWidget(ReadOnlyPasswordHashWidget):
    """Whether a password is set and the link to change it; not the hash's parameters.

    Rendered here rather than from a template: the form renderer only reads apps' template
    folders, and the point is to print less than Django's widget template does.
    """

    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        usable = bool(value) and not value.startswith(UNUSABLE_PASSWORD_PREFIX)
        return format_html(
            '<div><p><strong>{}</strong></p><p><a role="button" class="button" href="{}">{}</a>'
            "</p></div>",
            gettext("A password is set.") if usable else gettext("No password set."),
            "../password/",
            gettext("Reset password") if usable else gettext("Set password"),
        )


#: What the read-only "Active" says on a user's page: the flag changes only through the
#: actions, which ask for a reason on the confirmation page.
ACTIVE_HELP = (
    "Read-only here: use the Ban or Unban action above (a confirmation page with a "
    "required reason, written to the audit log; a ban also closes sockets and ends "
    "sessions and tokens)."
)


class UserChangeFormWithoutHash(UserChangeForm):
    class Meta(UserChangeForm.Meta):
        help_texts = {"is_active": ACTIVE_HELP}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "password" in self.fields:
            self.fields["password"].widget = PasswordLinkWidget()


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = [
        "username",
        "email",
        "display_name",
        "is_active",
        "suspended_until",
        "is_staff",
        "date_joined",
    ]
    list_filter = [
        "is_active",
        ("suspended_until", admin.EmptyFieldListFilter),
        "is_staff",
        "is_superuser",
        # "Deleted by its owner": the tombstones of deleted accounts (docs/api.md, "Leaving").
        ("deleted_at", admin.EmptyFieldListFilter),
        "status",
        "date_joined",
    ]
    search_fields = ["username", "email", "display_name"]
    ordering = ["-date_joined"]
    fieldsets = (
        *(BaseUserAdmin.fieldsets or ()),
        ("Profile", {"fields": ("display_name", "bio", "avatar", "language", "deleted_at")}),
        # Chosen by the user (friends.status, with its events): shown, never edited here.
        ("Status", {"fields": ("status", "idle", "last_seen_at")}),
    )
    actions = [
        "deactivate_users",
        "reactivate_users",
        "suspend_users",
        "unsuspend_users",
        "add_note",
    ]
    action_form = ModerationActionForm
    form = UserChangeFormWithoutHash
    readonly_fields = ["suspended_until", "deleted_at", "status", "idle", "last_seen_at"]

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict,
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: User | None = None,
    ) -> HttpResponse:
        """A user's page shows their moderation record (sanctions, notes, reports) with
        the tools: ban/unban, suspend/lift and notes are this page's actions; mutes and
        removals are on the conversations' side (links)."""
        if obj is not None and has_permission(request.user, "accounts.view_moderationlog"):
            context["record"] = user_record(obj.pk)
            context["suspended_now"] = obj.suspended_at(timezone.now())
        return super().render_change_form(request, context, add, change, form_url, obj)

    def get_fieldsets(self, request: HttpRequest, obj: User | None = None):
        """Without the password for anyone but superusers (who keep the change link)."""
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or request.user.is_superuser:
            return fieldsets
        return [
            (name, {**options, "fields": [f for f in options["fields"] if f != "password"]})
            for name, options in fieldsets
        ]

    def get_readonly_fields(self, request: HttpRequest, obj: User | None = None):
        """ "Active" is read-only on an existing user: banning and unbanning are the
        actions (confirmation page, required reason, the service's sockets, tokens,
        sessions and audit log), never a checkbox saved with the rest of the form."""
        fields = list(super().get_readonly_fields(request, obj))
        return fields if obj is None else [*fields, "is_active"]

    def has_ban_permission(self, request: HttpRequest) -> bool:
        return has_permission(request.user, "accounts.ban_user")

    def has_suspend_permission(self, request: HttpRequest) -> bool:
        return has_permission(request.user, "accounts.suspend_user")

    def has_note_permission(self, request: HttpRequest) -> bool:
        return has_permission(request.user, "accounts.add_moderatornote")

    def _each(
        self, request: HttpRequest, queryset: QuerySet[User], service, reason: str | None = None
    ) -> int:
        done = 0
        reason = action_reason(request) if reason is None else reason
        for user_id in queryset.values_list("pk", flat=True):
            try:
                done += bool(service(actor=request.user, user_id=user_id, reason=reason))
            except (ValidationError, PermissionDenied, Http404) as exc:
                self.message_user(request, f"User {user_id}: {error_text(exc)}", messages.ERROR)
        return done

    @admin.action(
        description="Ban: deactivate, revoke tokens, close sockets, end sessions",
        permissions=["ban"],
        location=[ActionLocation.CHANGE_LIST, ActionLocation.CHANGE_FORM],
    )
    def deactivate_users(
        self, request: HttpRequest, queryset: QuerySet[User]
    ) -> HttpResponse | None:
        def perform(form: forms.Form) -> None:
            reason = form.cleaned_data["reason"]
            count = self._each(request, queryset, services.user_ban, reason)
            self.message_user(request, f"Banned {count} user(s).", messages.SUCCESS)

        return confirm_sanction(
            self,
            request,
            queryset,
            title="Ban",
            effect="These accounts are deactivated: their tokens and sessions end and their "
            "sockets close at once, until a moderator unbans them.",
            verb="Ban",
            perform=perform,
            targets=user_targets,
        )

    @admin.action(
        description="Unban (reactivate)",
        permissions=["ban"],
        location=[ActionLocation.CHANGE_LIST, ActionLocation.CHANGE_FORM],
    )
    def reactivate_users(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        count = self._each(request, queryset, services.user_unban)
        self.message_user(request, f"Unbanned {count} user(s).", messages.SUCCESS)

    @admin.action(
        description="Suspend for a time: sockets close, login refused until then",
        permissions=["suspend"],
        location=[ActionLocation.CHANGE_LIST, ActionLocation.CHANGE_FORM],
    )
    def suspend_users(self, request: HttpRequest, queryset: QuerySet[User]) -> HttpResponse | None:
        def perform(form: forms.Form) -> None:
            assert isinstance(form, TimedSanctionForm)
            until, reason = form.until(), form.cleaned_data["reason"]
            done = 0
            for user_id in queryset.values_list("pk", flat=True):
                try:
                    services.user_suspend(
                        actor=request_user(request), user_id=user_id, until=until, reason=reason
                    )
                    done += 1
                except (ValidationError, PermissionDenied, Http404) as exc:
                    self.message_user(request, f"User {user_id}: {error_text(exc)}", messages.ERROR)
            self.message_user(
                request,
                f"Suspended {done} user(s) until {until:%Y-%m-%d %H:%M} UTC.",
                messages.SUCCESS,
            )

        return confirm_sanction(
            self,
            request,
            queryset,
            title="Suspend",
            effect="Their sockets close, their tokens and sessions end, and logging in is "
            "refused (they are told until when) until the time below.",
            verb="Suspend",
            perform=perform,
            targets=user_targets,
            form_class=TimedSanctionForm,
        )

    @admin.action(
        description="Lift the suspension",
        permissions=["suspend"],
        location=[ActionLocation.CHANGE_LIST, ActionLocation.CHANGE_FORM],
    )
    def unsuspend_users(
        self, request: HttpRequest, queryset: QuerySet[User]
    ) -> HttpResponse | None:
        def perform(form: forms.Form) -> None:
            count = self._each(
                request, queryset, services.user_unsuspend, form.cleaned_data["reason"]
            )
            self.message_user(request, f"Lifted {count} suspension(s).", messages.SUCCESS)

        return confirm_sanction(
            self,
            request,
            queryset,
            title="Lift the suspension",
            effect="They can log in again at once.",
            verb="Lift",
            perform=perform,
            targets=user_targets,
        )

    @admin.action(
        description="Add a private moderator note",
        permissions=["note"],
        location=[ActionLocation.CHANGE_LIST, ActionLocation.CHANGE_FORM],
    )
    def add_note(self, request: HttpRequest, queryset: QuerySet[User]) -> HttpResponse | None:
        def perform(form: forms.Form) -> None:
            text = form.cleaned_data["reason"]
            done = 0
            for user_id in queryset.values_list("pk", flat=True):
                services.moderator_note_add(actor=request_user(request), user_id=user_id, text=text)
                done += 1
            self.message_user(request, f"Noted on {done} user(s).", messages.SUCCESS)

        return confirm_sanction(
            self,
            request,
            queryset,
            title="Moderator note",
            effect="A private note for other moderators; the user never sees it.",
            verb="Save the note",
            perform=perform,
            targets=user_targets,
            form_class=NoteForm,
        )


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written by services only: no add, no change, no delete, for anyone."""

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


#: Where each audit-log target type is looked at in the admin (url names, by string: the
#: apps above accounts register them).
TARGET_PAGES = {
    "user": "admin:accounts_user_change",
    "message": "admin:messaging_message_change",
    "report": "admin:messaging_report_change",
    "conversation": "admin:conversations_conversation_change",
    "attachment": "admin:messaging_attachment_change",
    "transfer": "admin:payments_transfer_change",
    "wallet": "admin:payments_wallet_change",
}


def target_link(entry: ModerationLog) -> str:
    label = entry.target_repr or f"{entry.target_type} {entry.target_id}"
    page = TARGET_PAGES.get(entry.target_type)
    if page is None:
        return label
    try:
        url = reverse(page, args=[entry.target_id])
    except Exception:  # a target type whose admin is not installed
        return label
    return format_html('<a href="{}">{}</a>', url, label)


@admin.register(ModerationLog)
class ModerationLogAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "moderator", "action", "target", "subject", "reason_preview"]
    list_display_links = ["created_at"]
    list_filter = ["action", "target_type", "created_at"]
    search_fields = ["moderator__username", "target_repr", "reason", "=subject_user_id"]
    list_select_related = ["moderator"]
    ordering = ["-id"]
    date_hierarchy = "created_at"
    fields = [
        "created_at",
        "moderator",
        "action",
        "target",
        "subject",
        "reason",
    ]
    readonly_fields = fields  # type: ignore[assignment]  # plain field names

    def get_queryset(self, request: HttpRequest) -> QuerySet[ModerationLog]:
        """With the username of the user each entry is about (`subject_user_id` is a plain
        number, so the record outlives the user: a subquery of the same query, not a
        query per row)."""
        username = User.objects.filter(pk=OuterRef("subject_user_id")).values("username")[:1]
        return super().get_queryset(request).annotate(subject_username=Subquery(username))

    def lookup_allowed(self, lookup: str, value: str, request: HttpRequest) -> bool:
        """A user's record links here filtered to them (`subject_user_id__exact`)."""
        return lookup == "subject_user_id__exact" or super().lookup_allowed(lookup, value, request)

    @admin.display(description="target")
    def target(self, obj: ModerationLog) -> str:
        return target_link(obj)

    @admin.display(description="about user")
    def subject(self, obj: ModerationLog) -> str:
        if obj.subject_user_id is None:
            return "—"
        username = getattr(obj, "subject_username", None)
        if username is None:  # the row is gone (ids are never reused)
            return f"user {obj.subject_user_id}"
        url = reverse("admin:accounts_user_change", args=[obj.subject_user_id])
        return format_html('<a href="{}">{}</a>', url, username)

    @admin.display(description="reason")
    def reason_preview(self, obj: ModerationLog) -> str:
        return obj.reason[:80]


@admin.register(ModeratorNote)
class ModeratorNoteAdmin(ReadOnlyAdmin):
    """Notes are written from a user's page (action "Add a private moderator note")."""

    list_display = ["created_at", "user", "author", "text"]
    list_select_related = ["user", "author"]
    search_fields = ["user__username", "text"]
    ordering = ["-id"]
    fields = ["user", "author", "text", "created_at"]
    readonly_fields = fields  # type: ignore[assignment]  # plain field names


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["id", "recipient", "type", "actor", "conversation_id", "message_id", "is_read"]
    list_filter = ["type", "is_read", "created_at"]
    search_fields = ["recipient__username", "actor__username"]
    list_select_related = ["recipient", "actor"]
    ordering = ["-id"]
    fields = [
        "recipient",
        "actor",
        "type",
        "conversation_id",
        "message_id",
        "is_read",
        "created_at",
    ]
    readonly_fields = fields  # type: ignore[assignment]  # plain field names

    def get_queryset(self, request: HttpRequest) -> QuerySet[Notification]:
        """With both users: a notification's title names them."""
        return super().get_queryset(request).select_related("recipient", "actor")


@admin.register(PushSubscription)
class PushSubscriptionAdmin(ReadOnlyAdmin):
    """People's browsers that receive web push. Read-only but for removal (a lost device):
    the endpoint is a capability URL and the keys are the browser's, so neither is shown;
    the push service's host says which vendor it is."""

    list_display = ["id", "user", "push_service", "user_agent", "created_at", "last_success_at"]
    list_filter = ["created_at", "last_success_at"]
    search_fields = ["user__username", "user_agent"]
    list_select_related = ["user"]
    ordering = ["-id"]
    fields = ["user", "push_service", "user_agent", "created_at", "last_success_at"]
    readonly_fields = fields  # type: ignore[assignment]  # plain field names

    def get_queryset(self, request: HttpRequest) -> QuerySet[PushSubscription]:
        """With the user: a subscription's title names them."""
        return super().get_queryset(request).select_related("user")

    @admin.display(description="push service")
    def push_service(self, obj: PushSubscription) -> str:
        return urlsplit(obj.endpoint).hostname or ""

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return admin.ModelAdmin.has_delete_permission(self, request, obj)

    def delete_model(self, request: HttpRequest, obj: PushSubscription) -> None:
        services.push_unsubscribe(user=obj.user, subscription_id=obj.pk)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[PushSubscription]) -> None:
        for obj in queryset.select_related("user"):
            self.delete_model(request, obj)


from . import bot_admin  # noqa: E402, F401  (bots and API tokens)
