"""The API edge (chat_project/api.py, chat_project/ids.py): one way to route ids, validate
input and page a list, used by every app."""

import re

import pytest
from django.http import Http404
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from accounts.tests.factories import UserFactory
from chat_project import api
from chat_project.api_router import router
from chat_project.ids import ID_PATTERN, MAX_ID, id_or_404
from conversations.api.admin_serializers import INVITE_CODE_PATTERN
from conversations.tests.factories import group_with

# --- ids --------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [1, "1", "007", MAX_ID, str(MAX_ID)])
def test_an_id_is_an_int_or_its_digits_up_to_a_bigint(value):
    assert id_or_404(value, "Nope.") == int(value)


@pytest.mark.parametrize(
    "value",
    [0, "0", -1, "-1", MAX_ID + 1, str(MAX_ID + 1), True, None, 1.0, "1.5", " 5", "+5", "٣", ""],
)
def test_anything_else_is_not_found(value):
    with pytest.raises(Http404, match=r"^Nope\.$"):
        id_or_404(value, "Nope.")


def test_every_route_takes_only_digits_for_an_id():
    """Every viewset (and every action with an id of its own) routes 1 to 19 digits only;
    an invite link is looked up by its code, which is no id (`code`: letters, digits, - _)."""
    for _prefix, viewset, _basename in router.registry:
        assert issubclass(viewset, api.ViewSet), viewset
        if viewset.lookup_field == "code":
            assert viewset.lookup_value_regex == INVITE_CODE_PATTERN, viewset
            continue
        assert viewset.lookup_value_regex == ID_PATTERN, viewset
    for url in router.urls:
        for name, pattern in re.findall(r"\(\?P<(\w+)>([^)]*)\)", url.pattern.regex.pattern):
            if name == "pk" or name.endswith("_id"):  # not `format`, not an emoji
                assert pattern == ID_PATTERN, (name, url.pattern.regex.pattern)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        "/api/conversations/abc",
        "/api/conversations/" + "9" * 20,
        "/api/messages/1.5",
        "/api/messages/conversation/x1",
        "/api/notifications/-1/read",
        "/api/friends/requests/%C2%B2/accept",
        "/api/users/" + "1" * 30 + "/block",
        "/api/conversations/1/members/abc",
    ],
)
def test_a_path_id_that_is_no_number_matches_no_route(client_for, path):
    response = client_for(UserFactory()).delete(path)
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found.", "code": "not_found"}


PAST = MAX_ID + 1  # 19 digits, one past the bigint: SQLite cannot even bind it


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "path", "detail"),
    [
        ("get", "/api/conversations/0", "Conversation not found."),
        ("get", f"/api/conversations/{PAST}", "Conversation not found."),
        ("patch", f"/api/conversations/{PAST}", "Conversation not found."),
        ("delete", f"/api/conversations/{PAST}", "Conversation not found."),
        ("post", f"/api/conversations/{PAST}/read", "Conversation not found."),
        ("get", f"/api/conversations/{PAST}/preview", "Conversation not found."),
        ("post", f"/api/conversations/{PAST}/join", "Conversation not found."),
        ("post", f"/api/conversations/{PAST}/leave", "Conversation not found."),
        ("post", f"/api/conversations/{PAST}/members", "Conversation not found."),
        ("get", f"/api/messages/{PAST}", "Message not found."),
        ("patch", f"/api/messages/{PAST}", "Message not found."),
        ("delete", f"/api/messages/{PAST}", "Message not found."),
        ("post", f"/api/messages/{PAST}/report", "Message not found."),
        ("get", f"/api/messages/conversation/{PAST}", "Conversation not found."),
        ("post", f"/api/notifications/{PAST}/read", "Notification not found."),
        ("delete", f"/api/friends/{PAST}", "User not found."),
        ("put", f"/api/friends/requests/{PAST}/accept", "Friend request not found."),
        ("delete", f"/api/friends/requests/{PAST}", "Friend request not found."),
        ("post", f"/api/users/{PAST}/block", "User not found."),
        ("post", f"/api/users/{PAST}/report", "User not found."),
        ("get", f"/api/conversations/{PAST}/pins", "Conversation not found."),
        ("get", f"/api/conversations/{PAST}/read-positions", "Conversation not found."),
        ("get", f"/api/conversations/{PAST}/changes?since=0", "Conversation not found."),
        ("delete", f"/api/conversations/{PAST}/avatar", "Conversation not found."),
        ("get", f"/api/messages/{PAST}/reactions", "Message not found."),
        ("put", f"/api/messages/{PAST}/pin", "Message not found."),
        ("put", f"/api/messages/{PAST}/reactions/%F0%9F%91%8D", "Message not found."),
        ("delete", f"/api/uploads/{PAST}", "Upload not found."),
        ("get", f"/api/payments/transfers/{PAST}", "Transfer not found."),
    ],
)
def test_digits_that_name_nothing_are_the_resources_not_found(client_for, method, path, detail):
    """On PostgreSQL and on SQLite (the embedded mode), where the number cannot be bound."""
    body = {"message_id": 1, "name": "x", "content": "x", "reason": "x", "user_ids": [1]}
    response = getattr(client_for(UserFactory()), method)(path, body, format="json")
    assert response.status_code == 404, response.content
    assert response.json() == {"detail": detail, "code": "not_found"}


@pytest.mark.django_db
def test_a_member_id_past_the_bigint_is_not_a_member(client_for):
    admin = UserFactory()
    conversation = group_with(admin, UserFactory())
    response = client_for(admin).delete(f"/api/conversations/{conversation.id}/members/{PAST}")
    assert response.status_code == 404
    assert response.json()["detail"] == "This user is not a member of the conversation."


# --- input ------------------------------------------------------------------------------


class _Input(serializers.Serializer):
    count = serializers.IntegerField(min_value=1)
    name = api.StrictCharField(required=False)


def test_valid_input_gives_the_validated_data():
    assert api.valid_input(_Input, {"count": "3", "name": "x", "extra": 1}) == {
        "count": 3,
        "name": "x",
    }


def test_valid_input_raises_the_serializers_errors():
    with pytest.raises(serializers.ValidationError) as raised:
        api.valid_input(_Input, {"count": 0, "name": 5})
    assert set(raised.value.detail) == {"count", "name"}
    with pytest.raises(serializers.ValidationError) as raised:
        api.valid_input(_Input, [1, 2])
    assert set(raised.value.detail) == {"non_field_errors"}


def test_check_first_runs_only_for_bad_input_and_its_error_comes_first():
    calls = []

    def check() -> None:
        calls.append(1)
        raise Http404("Conversation not found.")

    assert api.valid_input(_Input, {"count": 1}, check_first=check) == {"count": 1}
    assert calls == []
    with pytest.raises(Http404):
        api.valid_input(_Input, {"count": "many"}, check_first=check)
    assert calls == [1]


@pytest.mark.parametrize("value", [5, 5.5, True, None, ["x"], {"x": 1}])
def test_strict_char_field_takes_strings_only(value):
    with pytest.raises(serializers.ValidationError):
        api.StrictCharField().run_validation(value)


@pytest.mark.parametrize(("value", "valid"), [(5, True), ("5", True), (True, False), (5.0, False)])
def test_strict_integer_field_takes_integers_and_digits(value, valid):
    field = api.StrictIntegerField()
    if valid:
        assert field.run_validation(value) == 5
    else:
        with pytest.raises(serializers.ValidationError):
            field.run_validation(value)


# --- pages ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_page_has_the_total_and_links_with_the_views_filters_first():
    users = [UserFactory() for _ in range(5)]
    queryset = type(users[0]).objects.order_by("id")
    request = APIRequestFactory().get("/api/things", {"q": "a", "junk": "1"})
    pages = api.LimitOffsetPagination(limit=2, offset=2, params={"q": "a"})
    page = pages.paginate_queryset(queryset, Request(request))
    assert [user.id for user in page] == [users[2].id, users[3].id]
    response = pages.get_paginated_response([])
    base = "http://testserver/api/things?q=a"
    assert response["X-Total-Count"] == "5"
    assert response["Link"] == (
        f'<{base}&limit=2&offset=4>; rel="next", <{base}&limit=2&offset=0>; rel="prev", '
        f'<{base}&limit=2&offset=0>; rel="first", <{base}&limit=2&offset=4>; rel="last"'
    )


def test_a_page_is_at_most_max_limit_long():
    assert api.LimitOffsetPagination(limit=10**6, offset=0).page_limit == 100


@pytest.mark.parametrize("data", [None, [1], "x", {"count": "many"}, {}])
def test_valid_input_words_errors_as_is_valid_does(data):
    """A body of `null` is `{"non_field_errors": ["No data provided"]}`, as DRF says it."""
    expected = _Input(data=data)
    assert not expected.is_valid()
    with pytest.raises(serializers.ValidationError) as raised:
        api.valid_input(_Input, data)
    assert raised.value.detail == expected.errors
