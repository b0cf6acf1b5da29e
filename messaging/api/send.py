"""`POST /api/messages` for JSON API clients: the lean send path.

A send is the hottest request. Most of its CPU was not the send: DRF's machinery (request
wrapper, negotiation, authenticator, permission and throttle objects, input serializer,
response rendering) and simplejwt loading the user through the ORM (docs/benchmarks.md,
`python -m bench.inprocess send`). `lean_send` wraps the DRF view of the route and answers
the common request itself, in the order DRF would:

1. It takes a request only when DRF would parse its body as JSON and answer in JSON
   (`Content-Type: application/json`; `Accept` absent, `*/*` or `application/json`; no
   query string, so no `?format=`), with `Authorization: Bearer <token>` that
   `JWTAuthentication` accepts as a token, and a body that already passes the input
   serializer and the service's own checks. Everything else — the browsable API, session
   cookies and CSRF, forms, a bad token or body — goes to the DRF view untouched: nothing
   has been counted or written, so every answer DRF gives before the service is DRF's own.
2. The viewset's throttles and the per-user message rate are counted in one Redis round
   trip, with the outcome separate checks have (`ratelimit.count_unless_over`).
3. `message_send` with a `TokenActor`: the statement that stores the message also checks
   that the user exists, is active and has the password the token was issued for
   (accounts/tokens.py). No user query and no cache, so no delay: a ban or password change
   that has committed refuses the very next send.
4. A success is what DRF renders (`message_representation`, orjson), with DRF's headers.
   Any other outcome is answered by the DRF view's own exception handling, rendering and
   headers — after the user has been checked the ordinary way (`JWTAuthentication`), so a
   refused user gets DRF's 401, authentication coming first as in DRF.

What differs from DRF is invisible in responses: a request of a user who has just been
banned still counts against that user's rate limits before it is refused.
`LEAN_SEND_PATH=false` sends everything through DRF.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import orjson
from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from rest_framework import exceptions, permissions
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework_simplejwt.authentication import AUTH_HEADER_TYPE_BYTES

from accounts import tokens
from accounts.authentication import JWTAuthentication
from chat_project import ratelimit, throttling
from chat_project.parsers import JSONParser
from chat_project.text import BadText, parse_json
from messaging import services

from .serializers import sent_representation

_JSON_TYPES = frozenset(
    {"application/json", "application/json; charset=utf-8", "application/json;charset=utf-8"}
)
_JSON_ACCEPT = frozenset({"*/*", "application/json"})
_THROTTLES = frozenset({throttling.AnonRateThrottle, throttling.UserRateThrottle})


class _Authenticated:
    """`request.user` for a throttle's `get_cache_key`: the token's user."""

    is_authenticated = True

    def __init__(self, pk: int) -> None:
        self.pk = pk


class _ThrottleRequest:
    def __init__(self, user_id: int) -> None:
        self.user = _Authenticated(user_id)


def _eligible(view_class: Any) -> bool:
    """Whether DRF would handle a JSON Bearer request as this module does (else the lean
    path stays off): JWT authentication first, IsAuthenticated, the project's fixed-window
    user/anon throttles, the project's JSON parser first and a JSON renderer first."""
    return (
        bool(view_class.authentication_classes)
        and view_class.authentication_classes[0] is JWTAuthentication
        and list(view_class.permission_classes) == [permissions.IsAuthenticated]
        and all(throttle in _THROTTLES for throttle in view_class.throttle_classes)
        and view_class.parser_classes[0] is JSONParser
        and view_class.renderer_classes[0].media_type == "application/json"
        and view_class.content_negotiation_class is DefaultContentNegotiation
        and view_class.versioning_class is None
        and tokens.supported()
    )


def lean_send(drf_view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """The view of the `messages-list` route: the lean path for what it can answer, the DRF
    view (`drf_view`, whose attributes the wrapper keeps for the router, CSRF and the
    schema) for everything else."""
    view_class = drf_view.cls  # type: ignore[attr-defined]
    sender = _LeanSend(drf_view) if _eligible(view_class) else None

    @functools.wraps(drf_view)
    def view(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        # A format suffix (`/api/messages.api`) is DRF's to honour: only the plain route.
        lean = not args and not kwargs and settings.LEAN_SEND_PATH
        if sender is not None and lean and request.method == "POST":
            response = sender.send(request)
            if response is not None:
                return response
        return drf_view(request, *args, **kwargs)

    view.lean_send = sender  # type: ignore[attr-defined]
    return view


class _LeanSend:
    def __init__(self, drf_view: Any) -> None:
        self.view_class = drf_view.cls
        self.initkwargs = drf_view.initkwargs
        self.actions = drf_view.actions
        # The headers DRF adds to every response of this route (Allow, Vary).
        self.headers = self._drf_view().default_response_headers

    def send(self, request: HttpRequest) -> HttpResponseBase | None:
        """The response, or None when the DRF view must answer (nothing done yet)."""
        parsed = self._parse(request)
        if parsed is None:
            return None
        actor, conversation_id, content, client_id, reply_to = parsed
        windows = []
        for throttle_class in self.view_class.throttle_classes:
            throttle = throttle_class()
            key = throttle.rate and throttle.get_cache_key(_ThrottleRequest(actor.id), None)
            if key:
                windows.append(ratelimit.Window(key, throttle.num_requests, throttle.duration))
        try:
            counts, counted = ratelimit.count_unless_over(
                windows, services.message_send_window(actor.id)
            )
            waits = [
                wait for (total, wait), w in zip(counts, windows, strict=True) if total > w.limit
            ]
            if waits:
                raise exceptions.Throttled(wait=max(waits))
            message, created = services.message_send(
                actor=actor,
                conversation_id=conversation_id,
                content=content,
                client_id=client_id,
                counted=counted,
                reply_to=reply_to,
            )
            if not created:  # a replay: the statement that checks the actor did not run
                tokens.authenticate(actor)
        except Exception as exc:
            return self._error(request, exc, actor)
        response = HttpResponse(
            orjson.dumps(sent_representation(message, created=created, viewer_id=actor.id)),
            status=201 if created else 200,
            content_type="application/json",
        )
        for name, value in self.headers.items():
            response.headers[name] = value
        return response

    def _parse(
        self, request: HttpRequest
    ) -> tuple[tokens.TokenActor, int, str, Any, int | None] | None:
        """(actor, conversation_id, content, client_id, reply_to) of a request this path
        answers."""
        meta = request.META
        if meta.get("QUERY_STRING") or meta.get("CONTENT_TYPE", "").lower() not in _JSON_TYPES:
            return None
        accept = meta.get("HTTP_ACCEPT")
        if accept is not None and accept not in _JSON_ACCEPT:
            return None
        length = meta.get("CONTENT_LENGTH") or ""
        if not length.isdigit() or int(length) > settings.REQUEST_MAX_BYTES:
            return None
        parts = meta.get("HTTP_AUTHORIZATION", "").encode("iso-8859-1").split()
        if len(parts) != 2 or parts[0] not in AUTH_HEADER_TYPE_BYTES:
            return None
        try:
            data = parse_json(request.body)  # the one check of JSON input (depth, NUL, ...)
        except BadText:
            return None
        if type(data) is not dict:
            return None
        conversation_id = data.get("conversation_id")
        content = data.get("content")
        client_id = data.get("client_id")
        reply_to = data.get("reply_to")
        # The input serializer's rules (a JSON integer, strings; the rest is the service's
        # own checks below): anything else is DRF's 400 to give.
        if type(conversation_id) is not int or type(content) is not str:
            return None
        if client_id is not None and type(client_id) is not str:
            return None
        if reply_to is not None and type(reply_to) is not int:
            return None
        if "attachment_ids" in data:  # attaching takes a transaction: the DRF view's
            return None
        try:
            services.message_send_clean(
                conversation_id=conversation_id,
                content=content,
                client_id=client_id,
                reply_to=reply_to,
            )
        except (ValidationError, Http404):
            return None
        actor = tokens.token_actor(parts[1])
        if actor is None:
            return None
        return actor, conversation_id, content, client_id, reply_to

    def _error(self, request: HttpRequest, exc: Exception, actor: tokens.TokenActor) -> Any:
        """The DRF view's answer to `exc` — or to the user's refusal, which comes first."""
        if not isinstance(exc, exceptions.AuthenticationFailed):
            try:
                tokens.authenticate(actor)
            except exceptions.AuthenticationFailed as refused:
                exc = refused
        view = self._drf_view()
        drf_request = view.initialize_request(request)
        view.request = drf_request
        view.headers = view.default_response_headers
        # As APIView.initial does (handle_exception reads it for an uncaught error).
        negotiated = view.perform_content_negotiation(drf_request)
        drf_request.accepted_renderer, drf_request.accepted_media_type = negotiated
        response = view.handle_exception(exc)
        return view.finalize_response(drf_request, response)

    def _drf_view(self) -> Any:
        """An instance of the viewset as `as_view` would set it up for this route."""
        view = self.view_class(**self.initkwargs)
        view.action_map = self.actions
        for method, action in self.actions.items():
            setattr(view, method, getattr(view, action))
        view.action = self.actions["post"]
        view.args, view.kwargs = (), {}
        view.format_kwarg = None
        view.request = None
        return view
