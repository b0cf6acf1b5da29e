"""The groups of endpoints the API root (`GET /api/`) lists, in the order a newcomer needs
them. A group whose endpoints all need an id links to its section of the interactive docs.
`chat_project/tests/test_browsable_api.py` checks that every path prefix of the schema is
here, so a new group of endpoints cannot be left off."""

from typing import Any

from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import APIRootView as DRFAPIRootView

#: (name, path): paths, not URL names, so that this module imports no app.
GROUPS: tuple[tuple[str, str], ...] = (
    ("interactive docs", "/api/docs/"),
    ("OpenAPI schema", "/api/schema/"),
    ("WebSocket protocol (AsyncAPI)", "/api/asyncapi.yaml"),
    ("auth: log in", "/api/auth/login"),
    ("auth: your account", "/api/auth/me"),
    ("users", "/api/users"),
    ("friends", "/api/friends"),
    ("friend requests", "/api/friends/requests"),
    ("blocks", "/api/blocks"),
    ("conversations", "/api/conversations"),
    ("public rooms", "/api/conversations/public"),
    ("invite links", "/api/docs/#/invites"),
    ("messages: send", "/api/messages"),
    ("messages: search", "/api/messages/search"),
    ("notifications", "/api/notifications"),
    ("reports", "/api/docs/#/messages/messages_report_create"),
    ("uploads", "/api/uploads"),
    ("payments: wallet", "/api/payments/wallet"),
    ("payments: transactions", "/api/payments/transactions"),
    ("web push: devices", "/api/push/subscriptions"),
    ("your data: exports", "/api/account/exports"),
    ("bots", "/api/bots"),
    ("webhooks", "/api/docs/#/hooks/hooks_post"),
)


def endpoint_groups() -> tuple[tuple[str, str], ...]:
    return GROUPS


class APIRootView(DRFAPIRootView):
    """The browsable API's front page: every group of endpoints, and where the docs are."""

    permission_classes = [AllowAny]
    describes_itself_for_clients = True

    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response(
            {name: request.build_absolute_uri(path) for name, path in endpoint_groups()}
        )

    def get_view_name(self) -> str:
        return gettext("Chat server API")

    def get_view_description(self, html: bool = False) -> str | SafeString:
        text = gettext(
            "Every group of endpoints, each a link to try it here. Interactive docs: "
            "/api/docs/; OpenAPI schema: /api/schema/; the WebSocket protocol: "
            "/api/asyncapi.yaml."
        )
        if not html:
            return text
        return format_html(
            "<p>{}</p><p><a href='{}'>{}</a> · <a href='{}'>{}</a> · <a href='{}'>{}</a></p>",
            gettext("Every group of endpoints, each a link to try it here."),
            reverse("api-docs"),
            gettext("Interactive docs"),
            reverse("schema"),
            gettext("OpenAPI schema"),
            reverse("asyncapi"),
            gettext("WebSocket protocol (AsyncAPI)"),
        )
