"""OPTIONS answers (DRF's metadata) for every route of the API."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework import exceptions
from rest_framework.metadata import SimpleMetadata
from rest_framework.request import Request, clone_request


class Metadata(SimpleMetadata):
    """DRF's, for routes that write without an id in the URL as well (`users/me/status`,
    `users/me/avatar`): DRF looks up the object of every PUT route to check its
    permissions, and `get_object()` asserts (a 500) where the URL names none. There the
    request's user is the object, so the view's own permission check is the whole check."""

    def determine_actions(self, request: Request, view: Any) -> dict[str, Any]:
        lookup = getattr(view, "lookup_url_kwarg", None) or getattr(view, "lookup_field", None)
        if lookup is None or lookup in getattr(view, "kwargs", {}):
            return super().determine_actions(request, view)
        actions: dict[str, Any] = {}
        for method in sorted({"PUT", "POST"} & set(view.allowed_methods)):
            view.request = clone_request(request, method)
            try:
                view.check_permissions(view.request)
            except (exceptions.APIException, PermissionDenied, Http404):
                continue
            else:
                actions[method] = self.get_serializer_info(view.get_serializer())
            finally:
                view.request = request
        return actions
