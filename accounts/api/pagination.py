"""limit/offset pages with `X-Total-Count` and a `Link` header (API.md conventions)."""

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.db.models import QuerySet
from rest_framework.request import Request
from rest_framework.response import Response

MAX_LIMIT = 100


def paginated(
    request: Request,
    queryset: QuerySet,
    render: Callable[[list], Any],
    *,
    limit: int,
    offset: int,
    params: dict[str, object] | None = None,
) -> Response:
    """One page of `queryset` (two queries: count and page) rendered by `render`."""
    limit = min(limit, MAX_LIMIT)
    total = queryset.count()
    page = list(queryset[offset : offset + limit])
    response = Response(render(page))
    response["X-Total-Count"] = str(total)
    base = request.build_absolute_uri(request.path)

    def url(new_offset: int) -> str:
        return f"{base}?{urlencode({**(params or {}), 'limit': limit, 'offset': new_offset})}"

    links = []
    if offset + limit < total:
        links.append(f'<{url(offset + limit)}>; rel="next"')
    if offset > 0:
        links.append(f'<{url(max(0, offset - limit))}>; rel="prev"')
    links.append(f'<{url(0)}>; rel="first"')
    last_offset = (total - 1) // limit * limit if total else 0
    links.append(f'<{url(last_offset)}>; rel="last"')
    response["Link"] = ", ".join(links)
    return response
