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

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import ReadOnlyPasswordHashWidget, UserChangeForm
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext

from chat_project.permissions import has_permission

from . import services
from .models import ModerationLog, Notification, User
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


class UserChangeFormWithoutHash(UserChangeForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "password" in self.fields:
            self.fields["password"].widget = PasswordLinkWidget()


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "email", "display_name", "is_active", "is_staff", "date_joined"]
    list_filter = ["is_active", "is_staff", "is_superuser", "date_joined"]
    search_fields = ["username", "email", "display_name"]
    ordering = ["-date_joined"]
    fieldsets = (
        *(BaseUserAdmin.fieldsets or ()),
        ("Profile", {"fields": ("display_name", "bio", "avatar")}),
    )
    actions = ["deactivate_users", "reactivate_users"]
    action_form = ModerationActionForm
    form = UserChangeFormWithoutHash

    def get_fieldsets(self, request: HttpRequest, obj: User | None = None):
        """Without the password for anyone but superusers (who keep the change link)."""
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or request.user.is_superuser:
            return fieldsets
        return [
            (name, {**options, "fields": [f for f in options["fields"] if f != "password"]})
            for name, options in fieldsets
        ]

    def save_model(self, request: HttpRequest, obj: User, form: forms.Form, change: bool) -> None:
        """Unticking "Active" is a ban, ticking it an unban: both go through the service
        (which also closes sockets, revokes tokens, ends sessions and writes the audit
        log) instead of only flipping the flag."""
        toggled = change and "is_active" in form.changed_data
        wanted = obj.is_active
        if toggled:
            obj.is_active = not wanted  # the service changes it
        super().save_model(request, obj, form, change)
        if toggled:
            service = services.user_unban if wanted else services.user_ban
            service(
                actor=request_user(request),
                user_id=obj.pk,
                reason="“Active” changed on the user page",
            )

    def has_ban_permission(self, request: HttpRequest) -> bool:
        return has_permission(request.user, "accounts.ban_user")

    def _each(self, request: HttpRequest, queryset: QuerySet[User], service) -> int:
        done = 0
        reason = action_reason(request)
        for user_id in queryset.values_list("pk", flat=True):
            try:
                done += service(actor=request.user, user_id=user_id, reason=reason)
            except (ValidationError, PermissionDenied, Http404) as exc:
                self.message_user(request, f"User {user_id}: {error_text(exc)}", messages.ERROR)
        return done

    @admin.action(
        description="Ban: deactivate, revoke tokens, close sockets, end sessions",
        permissions=["ban"],
    )
    def deactivate_users(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        count = self._each(request, queryset, services.user_ban)
        self.message_user(request, f"Banned {count} user(s).", messages.SUCCESS)

    @admin.action(description="Unban (reactivate)", permissions=["ban"])
    def reactivate_users(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        count = self._each(request, queryset, services.user_unban)
        self.message_user(request, f"Unbanned {count} user(s).", messages.SUCCESS)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written by services only: no add, no change, no delete, for anyone."""

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(ModerationLog)
class ModerationLogAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "moderator", "action", "target_type", "target_id", "target_repr"]
    list_display_links = ["created_at"]
    list_filter = ["action", "target_type", "created_at"]
    search_fields = ["moderator__username", "target_repr", "reason"]
    list_select_related = ["moderator"]
    ordering = ["-id"]
    date_hierarchy = "created_at"
    fields = [
        "created_at",
        "moderator",
        "action",
        "target_type",
        "target_id",
        "target_repr",
        "reason",
    ]
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


from . import bot_admin  # noqa: E402, F401  (bots and API tokens)
