"""Bots and API tokens in the admin: staff give a bot a token (shown once, in the
message after saving) and revoke tokens, through the services."""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext, gettext_lazy

from . import services
from .models import ApiToken
from .request_user import request_user


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = [
        "prefix",
        "user",
        "name",
        "created_by",
        "created_at",
        "last_used_at",
        "revoked_at",
    ]
    list_select_related = ["user", "created_by"]
    list_filter = ["revoked_at"]
    search_fields = ["user__username", "name", "prefix"]
    autocomplete_fields = ["user"]
    fields = ["user", "name"]
    actions = ["revoke_tokens"]

    def get_readonly_fields(self, request: HttpRequest, obj: ApiToken | None = None) -> list[str]:
        return ["user", "name"] if obj is not None else []

    def has_delete_permission(self, request: HttpRequest, obj: ApiToken | None = None) -> bool:
        return False  # revoke instead: the row says who made it and when it was last used

    def save_model(self, request: HttpRequest, obj: ApiToken, form, change: bool) -> None:
        """A new token goes through the service; its secret is shown once, here."""
        if change:
            return
        token, raw = services.bot_token_create(
            actor=request_user(request), bot_id=obj.user_id, name=obj.name
        )
        obj.pk = token.pk
        messages.warning(
            request,
            gettext("The new token (shown only now): %(token)s") % {"token": raw},
        )

    @admin.action(description=gettext_lazy("Revoke the selected tokens"))
    def revoke_tokens(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        actor = request_user(request)
        for token in queryset.filter(revoked_at__isnull=True):
            services.bot_token_revoke(actor=actor, bot_id=token.user_id, token_id=token.id)
        self.message_user(request, gettext("Revoked."))
