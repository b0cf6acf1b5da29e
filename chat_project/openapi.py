"""The OpenAPI schema tells the truth: what a request may get back, and what it may send.

drf-spectacular sees a view's success responses and its serializers' own field
constraints. This schema class adds what it cannot see, from facts about the view rather
than per-view lists, so a new endpoint is described right without anyone remembering to:

- **Every error response** (docs/api.md, "Conventions"): `400` (field errors or
  `{detail, code}`: the query-string and Content-Length checks of the middleware answer
  every path), `401` and `403` where the view requires a login (`403` on unsafe methods:
  not allowed, or a missing CSRF token with the session cookie), `404` where the path
  names an object, `413` on methods that carry a body, `415` where a body is read, `429`
  wherever a throttle applies (all views), `503` everywhere, with `Retry-After` on `429`
  and `503`. A view adds its own with `error(...)` (`409`, `404` for an id in the body)
  and says in words what its `400` refuses beyond the schema with `invalid(...)`.
- **Input as the server reads it**: request bodies are JSON only (SPECTACULAR_SETTINGS
  PARSER_WHITELIST; the browsable API still posts forms); no text may hold a NUL
  character; a text the server trims and may not be blank must hold a character that
  trimming keeps; a list that may not be empty says `minItems`; an optional query
  parameter may be empty (`allowEmptyValue`: DRF takes `?limit=` for left out); ids in
  paths are positive 64-bit integers; `document(field, ...)` adds the rules a service
  applies after the serializer (a message's length, a password's).
- **Email fields** that may be `""` say so (`oneOf` an email or the empty string) instead
  of claiming `format: email` for a value that is not one.

The schemathesis run (tests/e2e/test_schema_fuzz.py) checks every response of a live
server against this schema, and every request the schema allows against the server.
"""

from __future__ import annotations

from typing import Any, Literal

from django.db import models
from drf_spectacular import openapi
from drf_spectacular.plumbing import (
    ResolvedComponent,
    force_instance,
    get_view_model,
    is_basic_serializer,
)
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from drf_spectacular.utils import PolymorphicProxySerializer as PolymorphicProxy
from rest_framework import permissions, serializers
from rest_framework.schemas.utils import get_pk_description

from .api_operations import OPERATIONS
from .ids import MAX_ID

#: No NUL character anywhere (the server refuses it in every text it reads: chat_project/text.py).
NO_NUL = "^[^\\u0000]*$"


def containing_other_than(chars: str) -> str:
    """A pattern for "no NUL, and at least one character that is not in `chars`".

    The characters are spelled out as `\\uXXXX` ranges (Basic Multilingual Plane only: ECMA
    regexes without the `u` flag cannot name others): `\\s` or `\\d` mean slightly different
    things in Python, ECMA and Rust regexes.
    """
    codes = sorted({ord(c) for c in chars if ord(c) <= 0xFFFF} | {0})
    ranges: list[list[int]] = []
    for code in codes:
        if ranges and code == ranges[-1][1] + 1:
            ranges[-1][1] = code
        else:
            ranges.append([code, code])
    spelled = "".join(f"\\u{a:04x}" if a == b else f"\\u{a:04x}-\\u{b:04x}" for a, b in ranges)
    return f"^[^\\u0000]*[^{spelled}][^\\u0000]*$"


def _python_chars(predicate: Any) -> str:
    return "".join(chr(c) for c in range(0x110000) if predicate(chr(c)))


#: Not blank once trimmed: a character Python's `str.strip()` (DRF's `trim_whitespace`,
#: the services' trimming) keeps.
NOT_BLANK = containing_other_than(_python_chars(str.isspace))
#: Not all digits, as Django's NumericPasswordValidator sees them (`str.isdigit()`).
NOT_ALL_DIGITS = containing_other_than(_python_chars(str.isdigit))

UNSAFE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
BODY_METHODS = ("POST", "PUT", "PATCH")


class ErrorSerializer(serializers.Serializer):
    """Every error that is not a field error: `{detail, code}`."""

    detail = serializers.CharField(help_text="What went wrong, for people.")
    code = serializers.CharField(
        help_text="What went wrong, for programs: e.g. `not_found`, `permission_denied`, "
        "`not_authenticated`, `token_not_valid`, `invalid_credentials`, `throttled`, "
        "`overloaded`, `payload_too_large`, `parse_error`, `unsupported_media_type`, "
        "`service_unavailable`, and the `409` codes of each endpoint."
    )


FIELD_ERRORS_COMPONENT = "FieldErrors"
_MESSAGES = {"type": "array", "items": {"type": "string"}}
FIELD_ERRORS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "DRF's validation errors: each field named in the request maps to its "
    "messages (`non_field_errors` for the rest); an error in an item of a list maps the "
    "item's index to its messages.",
    "additionalProperties": {
        "oneOf": [
            _MESSAGES,
            {"type": "object", "additionalProperties": _MESSAGES},
        ]
    },
}

RETRY_AFTER = {
    "Retry-After": {
        "schema": {"type": "integer", "minimum": 0},
        "required": True,
        "description": "Seconds to wait before trying again.",
    }
}

#: What each error status means when the view says nothing more specific.
DEFAULT_DESCRIPTIONS = {
    400: "Invalid input: field errors, or `{detail, code}` for a body that is not JSON "
    "(`parse_error`), a query string with text the server cannot store (`invalid`) or a "
    "malformed Content-Length (`bad_request`).",
    401: "No valid credentials (`not_authenticated`, `token_not_valid`, `authentication_failed`).",
    403: "Not allowed (`permission_denied`); with the session cookie, also a missing or "
    "wrong CSRF token.",
    404: "Not found: missing, malformed, or not yours (`not_found`).",
    409: "Conflicts with the current state.",
    413: "The body is larger than REQUEST_MAX_BYTES (`payload_too_large`).",
    415: "The body is not `application/json` (`unsupported_media_type`).",
    429: "Too many requests (`throttled`): try again after `Retry-After` seconds.",
    503: "The server cannot reach PostgreSQL or Redis (`service_unavailable`): nothing was "
    "done; try again after `Retry-After` seconds.",
}


def document[F: serializers.Field](field: F, **schema: Any) -> F:
    """Schema-only rules of `field` that a service enforces after the serializer (such as
    "not blank after trimming" for a message's `content`): merged into its schema, the
    field itself is unchanged."""
    return _marked(field, _openapi_rules=schema)


def sometimes[F: serializers.Field](field: F) -> F:
    """A read-only field that only some representations carry (a notification's `outcome`,
    only on `report_handled`): drf-spectacular lists every read-only field as required."""
    return _marked(field, _openapi_sometimes=True)


def _marked[F: serializers.Field](field: F, **marks: Any) -> F:
    # On the class: a serializer deep-copies its fields by calling their class again.
    cls = field.__class__
    field.__class__ = type(cls.__name__, (cls,), {**marks, "__module__": cls.__module__})
    return field


def error(description: str) -> OpenApiResponse:
    """An error response of a view (`responses={409: error("...")}`): `{detail, code}`."""
    return OpenApiResponse(ErrorSerializer, description=description)


def invalid(rules: str) -> OpenApiResponse:
    """The `400` of a view that also refuses what no schema can state (the name is taken,
    it is yourself, the chat is a direct one): said in words."""
    return OpenApiResponse(description=f"{DEFAULT_DESCRIPTIONS[400]} Also refused: {rules}")


#: `X-Total-Count` and `Link` of the limit/offset lists (`chat_project.api.LimitOffsetPagination`).
PAGINATION_HEADERS = [
    OpenApiParameter(
        "X-Total-Count",
        int,
        OpenApiParameter.HEADER,
        response=[200],
        required=True,
        description="How many items there are in all pages.",
    ),
    OpenApiParameter(
        "Link",
        str,
        OpenApiParameter.HEADER,
        response=[200],
        required=True,
        description="RFC 8288 links to the `next`/`prev`/`first`/`last` pages, e.g. "
        '`<https://chat.example.com/api/notifications?limit=50&offset=50>; rel="next"`.',
    ),
]


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's schema class with the errors, headers and input rules above."""

    # --- texts -------------------------------------------------------------------------

    def _texts(self) -> tuple[str, str] | None:
        return OPERATIONS.get(self.get_operation_id())

    def get_summary(self) -> str | None:
        """From `api_operations.OPERATIONS` (an `extend_schema(summary=...)` wins)."""
        texts = self._texts()
        return texts[0] if texts else None

    def get_description(self) -> str:  # type: ignore[override]
        """From `api_operations.OPERATIONS`, never the view's docstring: docstrings are
        notes for maintainers (an `extend_schema(description=...)` wins)."""
        texts = self._texts()
        return texts[1] if texts else ""

    # --- responses ---------------------------------------------------------------------

    def _error_statuses(self) -> list[int]:
        statuses = {400, 503}
        if self._requires_login():
            statuses.add(401)
            if self.method in UNSAFE_METHODS:
                statuses.add(403)
        if "{" in self.path:
            statuses.add(404)
        if self.method in BODY_METHODS:
            statuses.add(413)
            if self.get_request_serializer() is not None:
                statuses.add(415)
        if self.view.get_throttles():
            statuses.add(429)
        return sorted(statuses)

    def _requires_login(self) -> bool:
        return any(isinstance(p, permissions.IsAuthenticated) for p in self.view.get_permissions())

    def _error_content(self, status: int) -> dict[str, Any]:
        error_ref = self.resolve_serializer(ErrorSerializer, "response").ref
        if status == 400:
            field_errors = ResolvedComponent(
                name=FIELD_ERRORS_COMPONENT,
                type=ResolvedComponent.SCHEMA,
                object=FIELD_ERRORS_COMPONENT,
                schema=FIELD_ERRORS_SCHEMA,
            )
            self.registry.register_on_missing(field_errors)
            schema: dict[str, Any] = {"oneOf": [field_errors.ref, error_ref]}
        else:
            schema = error_ref
        return {media_type: {"schema": schema} for media_type in self.map_renderers("media_type")}

    def _get_response_bodies(
        self, direction: Literal["request", "response"] = "response"
    ) -> dict[str, Any]:
        responses = super()._get_response_bodies(direction)
        for status in self._error_statuses() + [int(code) for code in responses]:
            if status < 400:
                continue
            response = responses.setdefault(str(status), {})
            if "content" not in response:
                response["content"] = self._error_content(status)
            if not response.get("description") or response["description"] == "No response body":
                response["description"] = DEFAULT_DESCRIPTIONS.get(status, "")
            if status in (429, 503):
                response.setdefault("headers", {}).update(RETRY_AFTER)
        return dict(sorted(responses.items()))

    # --- parameters --------------------------------------------------------------------

    def _process_override_parameters(self, direction: str = "request") -> dict[Any, Any]:
        """Optional query parameters read by a serializer: DRF takes `?limit=` (empty) for
        left out, which is what `allowEmptyValue` says."""
        parameters = super()._process_override_parameters(direction)
        from_serializers = {
            name
            for override in self.get_override_parameters()
            if is_basic_serializer(override)
            for name in force_instance(override).fields
        }
        for (name, location), parameter in parameters.items():
            if (
                parameter is not None
                and location == OpenApiParameter.QUERY
                and name in from_serializers
                and not parameter.get("required")
            ):
                parameter["allowEmptyValue"] = True
        return parameters

    def _get_parameters(self) -> list[dict[str, Any]]:
        parameters = super()._get_parameters()
        for parameter in parameters:
            schema = parameter.get("schema", {})
            name = parameter["name"]
            if parameter["in"] == "path" and (name == "id" or name.endswith("_id")):
                parameter["schema"] = {
                    "type": "integer",
                    "format": "int64",
                    "minimum": 1,
                    "maximum": MAX_ID,
                }
                model = get_view_model(self.view) if name == "id" else None
                if model is not None and "description" not in parameter:
                    # drf-spectacular describes a primary key from the model's field, but
                    # reads the type from the route's pattern (`chat_project.ids`) first.
                    parameter["description"] = get_pk_description(model, model._meta.pk)
                    parameter["required"] = parameter.pop("required")  # its place in the dict
            elif parameter["in"] == "query" and _is_free_text(schema):
                schema["pattern"] = NO_NUL
        return parameters

    # --- request bodies and field rules ------------------------------------------------

    def _get_request_body(self, direction: str = "request") -> dict[str, Any] | None:
        body = super()._get_request_body(direction)
        if body is not None and isinstance(self.get_request_serializer(), PolymorphicProxy):
            body["required"] = True  # one of several shapes, each with required fields
        return body

    def _map_basic_serializer(self, serializer: Any, direction: str) -> dict[str, Any]:
        schema = super()._map_basic_serializer(serializer, direction)
        if force_instance(serializer).__class__.__doc__ is None:
            schema.pop("description", None)  # not the docstring of a base class
        fields = serializer.fields
        for name, field_schema in schema.get("properties", {}).items():
            field = fields.get(name)
            if field is None or "$ref" in field_schema:
                continue
            if direction == "request":
                target = field_schema["oneOf"][0] if "oneOf" in field_schema else field_schema
                target.update(getattr(field, "_openapi_rules", {}))
                _constrain_text(field, field_schema)
                _constrain_list(field, field_schema)
            elif _may_be_blank_email(serializer, field):
                _allow_empty_string(field_schema)
        sometimes = {name for name, field in fields.items() if hasattr(field, "_openapi_sometimes")}
        if sometimes and "required" in schema:
            schema["required"] = [name for name in schema["required"] if name not in sometimes]
        return schema


def _is_free_text(schema: dict[str, Any]) -> bool:
    return (
        schema.get("type") == "string"
        and not {"pattern", "format", "enum"} & set(schema)
        and "oneOf" not in schema
    )


def _constrain_list(field: serializers.Field, schema: dict[str, Any]) -> None:
    if isinstance(field, serializers.ListField) and not field.allow_empty:
        schema.setdefault("minItems", 1)


def _constrain_text(field: serializers.Field, schema: dict[str, Any]) -> None:
    """No NUL in any text; a trimmed text that may not be blank needs a non-space."""
    target = schema["oneOf"][0] if "oneOf" in schema else schema
    if not isinstance(field, serializers.CharField) or not _is_free_text(target):
        return
    if field.trim_whitespace and not field.allow_blank:
        target["pattern"] = NOT_BLANK
    else:
        target["pattern"] = NO_NUL


def _may_be_blank_email(serializer: Any, field: serializers.Field) -> bool:
    if not isinstance(field, serializers.EmailField):
        return False
    if field.allow_blank:
        return True
    model = getattr(getattr(serializer, "Meta", None), "model", None)
    try:
        model_field = model._meta.get_field(field.source) if model else None
    except Exception:  # not a model field: nothing known
        return False
    return isinstance(model_field, models.Field) and model_field.blank


def _allow_empty_string(schema: dict[str, Any]) -> None:
    """`format: email` only for a value that is one: "" (no email) is its own branch."""
    if "oneOf" in schema:
        return
    outer = {"readOnly", "writeOnly", "nullable", "description", "title", "deprecated"}
    inner = {key: schema.pop(key) for key in list(schema) if key not in outer}
    schema["oneOf"] = [inner, {"type": "string", "maxLength": 0}]
