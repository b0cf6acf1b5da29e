"""JSON bodies are taken as typed (chat_project/inputs.py): the schema's types hold.

DRF would turn `"bio": 7` into "7", `"is_public": 0` into false and `"max_participants":
"5"` into 5, all of which the OpenAPI schema calls invalid (schemathesis: "schema-violating
request accepted").
"""

import pytest
from rest_framework import serializers

from chat_project.inputs import StrictJSONInput
from conversations.models import Conversation
from conversations.tests.factories import group_with
from messaging.tests.factories import MessageFactory

pytestmark = pytest.mark.django_db


class Sample(StrictJSONInput):
    text = serializers.CharField(required=False)
    flag = serializers.BooleanField(required=False)
    number = serializers.IntegerField(required=False, allow_null=True)
    choice = serializers.ChoiceField(choices=["a", "b"], required=False)
    numbers = serializers.ListField(child=serializers.IntegerField(), required=False)


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        ({"text": 7}, {"text": ["Not a valid string."]}),
        ({"text": True}, {"text": ["Not a valid string."]}),
        ({"flag": 0}, {"flag": ["Must be a valid boolean."]}),
        ({"flag": "true"}, {"flag": ["Must be a valid boolean."]}),
        ({"number": "5"}, {"number": ["A valid integer is required."]}),
        ({"number": 5.0}, {"number": ["A valid integer is required."]}),
        ({"number": True}, {"number": ["A valid integer is required."]}),
        ({"choice": 1}, {"choice": ['"1" is not a valid choice.']}),
        (
            {"numbers": [1, "2", 3.0]},
            {"numbers": {1: ["A valid integer is required."], 2: ["A valid integer is required."]}},
        ),
    ],
)
def test_a_json_value_of_another_type_is_refused(data, errors):
    sample = Sample(data=data)
    assert not sample.is_valid()
    assert sample.errors == errors


def test_json_values_of_the_right_type_pass():
    data = {"text": "hi", "flag": False, "number": None, "choice": "a", "numbers": [1, 2]}
    sample = Sample(data=data)
    assert sample.is_valid(), sample.errors
    assert sample.validated_data == data


def test_form_input_keeps_drfs_conversions():
    """The browsable API posts forms: every value is text there."""
    from django.http import QueryDict

    sample = Sample(data=QueryDict("text=7&flag=true&number=5&numbers=1&numbers=2"))
    assert sample.is_valid(), sample.errors
    assert sample.validated_data == {"text": "7", "flag": True, "number": 5, "numbers": [1, 2]}


# --- through the API -------------------------------------------------------------------------


def test_profile_text_must_be_text(user, client_for):
    response = client_for(user).patch("/api/auth/me", {"bio": 7}, format="json")
    assert response.status_code == 400
    assert response.json() == {"bio": ["Not a valid string."]}
    user.refresh_from_db()
    assert user.bio == ""


@pytest.mark.parametrize(
    "body",
    [
        {"type": "group", "name": "G", "is_public": 0},
        {"type": "group", "name": "G", "max_participants": "5"},
        {"type": "group", "name": 5},
        {"type": "group", "name": "G", "member_user_ids": ["2"]},
    ],
)
def test_conversation_fields_must_have_their_types(user, client_for, body):
    response = client_for(user).post("/api/conversations", body, format="json")
    assert response.status_code == 400, response.content
    assert set(response.json()) <= set(body)
    assert not Conversation.objects.exists()


def test_mark_read_takes_an_integer(user, client_for):
    conversation = group_with(user)
    message = MessageFactory(conversation=conversation, sender=user)
    path = f"/api/conversations/{conversation.id}/read"
    response = client_for(user).post(path, {"message_id": str(message.id)}, format="json")
    assert response.status_code == 400
    assert response.json() == {"message_id": ["A valid integer is required."]}
    assert client_for(user).post(path, {"message_id": message.id}, format="json").status_code == 204
