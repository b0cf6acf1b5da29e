"""Input serializers that take JSON as it is typed.

DRF's fields convert what they are given: a CharField turns `5` into `"5"`, a BooleanField
takes `0`, `"yes"` or `"on"`, an IntegerField `"5"` or `5.0`. For form and query-string
input that is needed (every value is text there), but a JSON body has types of its own,
and the OpenAPI schema states them: a body that says `"is_public": 0` or `"bio": 7` was
accepted although the schema calls it invalid (schemathesis: "schema-violating request
accepted"). `StrictJSONInput` refuses a JSON value of the wrong type with the field's own
"invalid" message; form and query-string input (a QueryDict) keeps DRF's conversions,
so the browsable API's forms still work.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from django.http import QueryDict
from rest_framework import serializers

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def _is_text(value: object) -> bool:
    return isinstance(value, str)


def _is_boolean(value: object) -> bool:
    return isinstance(value, bool)


def _is_integer(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _json_type(field: serializers.Field) -> tuple[Callable[[object], bool], StrOrPromise] | None:
    """(the test a JSON value must pass, the message when it does not), if the field has one."""
    if isinstance(field, serializers.BooleanField):
        return _is_boolean, field.error_messages["invalid"]
    if isinstance(field, serializers.IntegerField):
        return _is_integer, field.error_messages["invalid"]
    if isinstance(field, serializers.CharField):
        return _is_text, field.error_messages["invalid"]
    if isinstance(field, serializers.ChoiceField):
        return _is_text, field.error_messages["invalid_choice"]
    return None


class StrictJSONInput(serializers.Serializer):
    """A serializer for request bodies whose JSON values must have their field's type."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, Mapping) and not isinstance(data, QueryDict):
            errors: dict[str, Any] = {}
            for name, field in self.fields.items():
                if field.read_only or name not in data or data[name] is None:
                    continue  # missing and null are the field's own business
                error = _type_error(field, data[name])
                if error is not None:
                    errors[name] = error
            if errors:
                raise serializers.ValidationError(errors)
        return super().to_internal_value(data)


def _type_error(field: serializers.Field, value: object) -> Any:
    if isinstance(field, serializers.ListField):
        if not isinstance(value, list):
            return None  # the ListField says "Expected a list of items"
        expected = _json_type(field.child)
        if expected is None:
            return None
        test, message = expected
        wrong = {i: [message.format(input=item)] for i, item in enumerate(value) if not test(item)}
        return wrong or None
    expected = _json_type(field)
    if expected is None:
        return None
    test, message = expected
    return None if test(value) else [message.format(input=value)]
