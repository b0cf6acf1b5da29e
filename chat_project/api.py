"""The API edge: the one way each app's `api/` validates input, routes ids, pages a list and
declares what its schema-only queryset is.

- `ViewSet`: the base of every viewset. Its routes take only plausible ids
  (`lookup_value_regex`, `chat_project.ids.ID_PATTERN`), so `abc` or 30 digits match no
  route and get the API's JSON 404; a view turns the digits into an int and the selector or
  service it calls answers 404 for an id that names nothing of the caller's.
- `valid_input`: an input serializer's validated data, or its 400. REST views and the
  WebSocket consumer (frames) use the same serializers through it.
- `LimitOffsetPagination`: `X-Total-Count` and `Link` (docs/api.md, Conventions).
- `StrictCharField` / `StrictIntegerField`: input fields that do not convert other JSON
  types into their own.
- `schema_only(Model)`: the `queryset` of a viewset whose actions all read through
  selectors: it tells drf-spectacular the model, and nothing reads rows through it.

Who may run a moderation service is `chat_project.permissions`; errors become JSON in
`chat_project.exceptions`; the schema is `chat_project.openapi`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from django.db.models import Model, QuerySet
from rest_framework import pagination, serializers, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from .ids import ID_PATTERN


class ViewSet(viewsets.GenericViewSet):
    """The base of every viewset: ids in its URLs are checked by the router; lists that
    page say so with `LimitOffsetPagination` themselves (no default pagination)."""

    lookup_value_regex = ID_PATTERN
    pagination_class = None


def schema_only(model: type[Model]) -> QuerySet[Any]:
    """`queryset = schema_only(Message)`: for a viewset whose actions read through
    selectors scoped to the caller (and write through services), never through
    `get_queryset`; drf-spectacular reads the model of its routes from it."""
    return model._default_manager.none()


def valid_input(
    serializer_class: type[serializers.Serializer],
    data: Any,
    *,
    check_first: Callable[[], object] | None = None,
) -> dict[str, Any]:
    """The validated data of `data` (a body, query parameters or a WebSocket frame), or
    the serializer's ValidationError (a 400, an `invalid` error event).

    `check_first` is a check whose error must come before the input's, run only when the
    input is bad: a stranger's bad body about a conversation is a 404, not a 400, but the
    service the view calls checks membership anyway, so a good body is not checked twice.
    """
    try:
        return dict(_validator(serializer_class).run_validation(data))
    except serializers.ValidationError:
        if check_first is not None:
            check_first()
    # Bad input: the errors exactly as `is_valid` words them (it also rewords a few, such
    # as a body of `null`), from a serializer of its own; this path is rare.
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


@functools.cache
def _validator(serializer_class: type[serializers.Serializer]) -> serializers.Serializer:
    """One instance per input serializer, validating good input through `run_validation`
    (what `is_valid` runs): a new instance deep-copies its fields, which cost five times
    the validation itself — on every WebSocket frame. Input serializers keep no state
    between calls (no context, no instance)."""
    return serializer_class()


class LimitOffsetPagination(pagination.LimitOffsetPagination):
    """A page of a list with `X-Total-Count` and an RFC 8288 `Link` (next, prev, first,
    last): `paginate_queryset` costs two queries, the count and the page.

    `limit` and `offset` come validated from the view's query serializer — a bad one is a
    400, where DRF's own reading quietly falls back to the default — and the links carry
    the view's own filters (`params`) before them, not whatever else the query string had.
    """

    max_limit = 100
    template = None  # no page controls in the browsable API: the Link header has them

    def __init__(self, *, limit: int, offset: int, params: Mapping[str, object] | None = None):
        self.page_limit = min(limit, self.max_limit)
        self.page_offset = offset
        self.params = dict(params or {})
        self.total = 0
        self.base_url = ""

    def get_limit(self, request: Request) -> int:
        return self.page_limit

    def get_offset(self, request: Request) -> int:
        return self.page_offset

    def get_count(self, queryset: QuerySet[Any, Any] | Sequence[Any]) -> int:
        self.total = super().get_count(queryset)
        return self.total

    def paginate_queryset(
        self,
        queryset: QuerySet[Any, Any] | Sequence[Any],
        request: Request,
        view: APIView | None = None,
    ) -> list[Any] | None:
        self.base_url = request.build_absolute_uri(request.path)
        return super().paginate_queryset(queryset, request, view)

    def get_paginated_response(self, data: Any) -> Response:
        return Response(data, headers={"X-Total-Count": str(self.total), "Link": self._links()})

    def _links(self) -> str:
        limit, offset, total = self.page_limit, self.page_offset, self.total

        def url(to: int) -> str:
            return f"{self.base_url}?{urlencode({**self.params, 'limit': limit, 'offset': to})}"

        links = []
        if offset + limit < total:
            links.append(f'<{url(offset + limit)}>; rel="next"')
        if offset > 0:
            links.append(f'<{url(max(0, offset - limit))}>; rel="prev"')
        links.append(f'<{url(0)}>; rel="first"')
        last = (total - 1) // limit * limit if total else 0
        links.append(f'<{url(last)}>; rel="last"')
        return ", ".join(links)


class StrictCharField(serializers.CharField):
    """A string and nothing else: DRF's CharField turns 123 into "123"."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictIntegerField(serializers.IntegerField):
    """An integer (or digits in a string, as query parameters are); never true/false."""

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool) or not isinstance(data, (int, str)):
            self.fail("invalid")
        return super().to_internal_value(data)


def iso_datetime(value: datetime | None) -> str | None:
    """The same text as DRF's DateTimeField (UTC, "Z"), without its per-field machinery
    (for representations built by hand: docs/architecture.md)."""
    if value is None:
        return None
    text = value.astimezone(UTC).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text
