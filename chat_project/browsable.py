"""The browsable API (`/api/` in a browser): forms built from what an endpoint reads.

DRF builds a page's forms from the view's `serializer_class`, which here is what the
endpoint *answers* (a `Message`, with every field read-only): the forms came out empty or
asked for the wrong fields. The body an endpoint reads is its `extend_schema(request=...)`,
the same input serializer the view validates with; the forms are built from that, so
posting from the page is the request the API documents.
"""

from __future__ import annotations

import contextlib
import json
from typing import Any

from rest_framework import renderers, serializers
from rest_framework.exceptions import ParseError
from rest_framework.request import override_method


def _placeholder(field: serializers.Field) -> Any:
    """A value to start typing from in the raw JSON form."""
    if field.default is not serializers.empty and not callable(field.default):
        return field.default
    if isinstance(field, serializers.BooleanField):
        return False
    if isinstance(field, serializers.ListField | serializers.ManyRelatedField):
        return []
    if isinstance(field, serializers.ChoiceField):
        return next(iter(field.choices), None)
    if isinstance(field, serializers.IntegerField):
        return None
    if isinstance(field, serializers.CharField):
        return None if getattr(field, "allow_null", False) else ""
    return None


class BrowsableAPIRenderer(renderers.BrowsableAPIRenderer):
    def input_serializer(
        self, view: Any, method: str, request: Any
    ) -> serializers.Serializer | None:
        """The serializer of the body `method` reads on this view (None: it reads none)."""
        # Here, not at the top: DRF imports this renderer while its views module loads.
        from drf_spectacular.plumbing import force_instance, is_basic_serializer
        from drf_spectacular.utils import PolymorphicProxySerializer

        with override_method(view, request, method):
            # A method's `extend_schema` lives on the handler (as drf-spectacular's own
            # generator finds it), not on the view's `schema`.
            handler = getattr(view, getattr(view, "action", None) or method.lower(), None)
            schema_class = getattr(handler, "kwargs", {}).get("schema")
            schema = schema_class() if schema_class is not None else getattr(view, "schema", None)
            if schema is None or not hasattr(schema, "get_request_serializer"):
                return None
            schema.view, schema.method, schema.path = view, method, request.path
            try:
                found = schema.get_request_serializer()
            except Exception:  # a view the schema cannot describe: DRF's own form
                return None
        if isinstance(found, PolymorphicProxySerializer):  # one shape per kind: the fullest
            shapes = found.serializers
            shapes = list(shapes.values()) if isinstance(shapes, dict) else list(shapes)
            found = max((force_instance(s) for s in shapes), key=lambda s: len(s.fields))
        if found is None or not is_basic_serializer(found):
            return None
        serializer = force_instance(found)
        serializer._context = {"request": request, "view": view, "format": self.format}
        return serializer

    def get_description(self, view: Any, status_code: int) -> str:
        """Only views that describe themselves for clients (the root): the others'
        docstrings are notes for maintainers; the interactive docs describe each operation."""
        if getattr(view, "describes_itself_for_clients", False):
            return super().get_description(view, status_code)
        return ""

    def get_rendered_html_form(self, data: Any, view: Any, method: str, request: Any) -> Any:
        if method in ("DELETE", "OPTIONS") or not hasattr(view, "schema"):
            return super().get_rendered_html_form(data, view, method, request)
        with override_method(view, request, method) as overridden:
            if not self.show_form_for_method(view, method, overridden, None):
                return None
        serializer = self.input_serializer(view, method, request)
        if serializer is None:
            return None
        if request.method == method:  # the form just posted comes back with its errors
            with contextlib.suppress(ParseError):
                serializer = type(serializer)(data=request.data, context=serializer.context)
        return self.render_form_for_serializer(serializer)

    def get_raw_data_form(self, data: Any, view: Any, method: str, request: Any) -> Any:
        form = super().get_raw_data_form(data, view, method, request)
        if form is None:
            return None
        serializer = self.input_serializer(view, method, request)
        if serializer is None:
            return None
        skeleton = {
            name: _placeholder(field)
            for name, field in serializer.fields.items()
            if not field.read_only
        }
        form.fields["_content"].initial = json.dumps(skeleton, indent=4)
        return form
