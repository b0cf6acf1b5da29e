"""Notification level and mute: the rule (`should_alert`), the service, REST and its event.

Levels and mute decide alerts, never unread counts: that half is checked here on the
REST representation and over a real socket in messaging/tests/test_attention_socket.py.
"""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import Status
from conversations import services
from conversations.attention import (
    MUTED_FOREVER,
    MemberAttention,
    attention_of,
    default_level,
    should_alert,
)
from conversations.models import ConversationMember
from conversations.tests.factories import direct_conversation, group_with, public_room_with
from messaging.tests.factories import MessageFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)


def url(conversation_id: object) -> str:
    return f"/api/conversations/{conversation_id}/notifications"


def member(conversation, user) -> ConversationMember:
    return ConversationMember.objects.select_related("conversation").get(
        conversation=conversation, user=user
    )


# --- the rule ------------------------------------------------------------------------------


def test_defaults_by_kind(user, other_user, user_factory):
    assert default_level(type="direct", is_public=False) == "all"
    assert default_level(type="group", is_public=False) == "all"
    assert default_level(type="group", is_public=True) == "mentions"
    room = public_room_with(user, other_user)
    assert attention_of(member(room, other_user)) == MemberAttention(level="mentions")
    assert attention_of(member(group_with(user, other_user), other_user)).level == "all"


@pytest.mark.parametrize(
    ("level", "mentioned", "expected"),
    [
        ("all", False, True),
        ("all", True, True),
        ("mentions", False, False),
        ("mentions", True, True),
        ("nothing", False, False),
        ("nothing", True, False),
    ],
)
def test_the_level_decides(user, other_user, level, mentioned, expected):
    message = {"sender_id": other_user.pk, "message_type": "text"}
    assert should_alert(user, MemberAttention(level=level), message, mentioned) is expected


def test_mute_dnd_own_and_system_messages_never_alert(user, other_user):
    theirs = {"sender_id": other_user.pk, "message_type": "text"}
    everything = MemberAttention(level="all")
    assert should_alert(user, everything, theirs, True, now=NOW)
    muted = MemberAttention(level="all", muted_until=NOW + timedelta(minutes=1))
    assert not should_alert(user, muted, theirs, True, now=NOW)
    expired = MemberAttention(level="all", muted_until=NOW - timedelta(seconds=1))
    assert should_alert(user, expired, theirs, True, now=NOW)
    assert not should_alert(user, everything, {**theirs, "sender_id": user.pk}, True, now=NOW)
    assert not should_alert(user, everything, {**theirs, "message_type": "system"}, True, now=NOW)
    user.status = Status.DND
    assert not should_alert(user, everything, theirs, True, now=NOW)
    user.status = Status.AWAY  # away still alerts: it is what friends see, not a wish
    assert should_alert(user, everything, theirs, True, now=NOW)


def test_the_rule_takes_models_as_the_push_sender_has_them(user, other_user):
    room = public_room_with(user, other_user)
    message = MessageFactory(conversation=room, sender=user)
    mine = member(room, other_user)
    assert not should_alert(other_user, mine, message, mentioned=False)
    assert should_alert(other_user, mine, message, mentioned=True)
    mine.notification_level = "all"
    assert should_alert(other_user, mine, message, mentioned=False)


# --- the service ---------------------------------------------------------------------------


def test_set_level_and_mute_tells_only_the_members_own_devices(
    user, other_user, sent_events, django_capture_on_commit_callbacks
):
    group = group_with(user, other_user)
    with django_capture_on_commit_callbacks(execute=True):
        services.conversation_notifications_set(
            actor=other_user, conversation_id=group.pk, level="mentions", muted_until="forever"
        )
    row = member(group, other_user)
    assert (row.notification_level, row.muted_until) == ("mentions", MUTED_FOREVER)
    assert sent_events == [
        (
            f"user.{other_user.pk}",
            {
                "type": "notification_settings_changed",
                "conversation_id": group.pk,
                "notification_level": "mentions",
                "notification_level_chosen": True,
                "muted_until": "9999-12-31T00:00:00Z",
            },
        )
    ]


def test_unchanged_fields_stay_and_null_goes_back_to_the_default(user, other_user):
    room = public_room_with(user, other_user)
    services.conversation_notifications_set(actor=other_user, conversation_id=room.pk, level="all")
    services.conversation_notifications_set(
        actor=other_user, conversation_id=room.pk, muted_until=NOW.replace(year=2999)
    )
    row = member(room, other_user)
    assert (row.notification_level, row.muted_until) == ("all", NOW.replace(year=2999))
    services.conversation_notifications_set(
        actor=other_user, conversation_id=room.pk, level=None, muted_until=None
    )
    assert attention_of(member(room, other_user)) == MemberAttention(level="mentions")


def test_a_mute_in_the_past_unmutes_and_bad_values_are_refused(user, other_user):
    group = group_with(user, other_user)
    services.conversation_notifications_set(
        actor=other_user, conversation_id=group.pk, muted_until=timezone.now() - timedelta(hours=1)
    )
    assert member(group, other_user).muted_until is None
    for bad in ("tomorrow", "2030-01-01T00:00:00"):
        with pytest.raises(ValidationError) as caught:
            services.conversation_notifications_set(
                actor=other_user, conversation_id=group.pk, muted_until=bad
            )
        assert "muted_until" in caught.value.message_dict
    with pytest.raises(ValidationError):
        services.conversation_notifications_set(
            actor=other_user, conversation_id=group.pk, level="loud"
        )


# --- REST ------------------------------------------------------------------------------------


def test_put_and_get_and_the_representation(user, other_user, client_for):
    group = group_with(user, other_user)
    bob = client_for(other_user)
    until = (timezone.now() + timedelta(hours=8)).replace(microsecond=0)
    response = bob.put(
        url(group.pk), {"level": "nothing", "muted_until": until.isoformat()}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json() == {
        "conversation_id": group.pk,
        "notification_level": "nothing",
        "notification_level_chosen": True,
        "muted_until": until.isoformat().replace("+00:00", "Z"),
    }
    assert bob.get(url(group.pk)).json() == response.json()
    listed = bob.get("/api/conversations").json()[0]
    assert (listed["notification_level"], listed["muted_until"]) == (
        "nothing",
        response.json()["muted_until"],
    )
    detail = bob.get(f"/api/conversations/{group.pk}").json()
    assert detail["notification_level"] == "nothing"
    # Alice's own settings are untouched: they are per member.
    assert client_for(user).get(url(group.pk)).json()["notification_level"] == "all"


def test_mute_keeps_unread_counts(user, other_user, client_for):
    group = group_with(user, other_user)
    bob = client_for(other_user)
    bob.put(url(group.pk), {"muted_until": "forever", "level": "nothing"}, format="json")
    MessageFactory(conversation=group, sender=user)
    MessageFactory(conversation=group, sender=user)
    listed = bob.get("/api/conversations").json()[0]
    assert listed["unread_count"] == 2
    assert listed["muted_until"] == "9999-12-31T00:00:00Z"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"level": "loud"}, "level"),
        ({"muted_until": "soon"}, "muted_until"),
        ({"muted_until": 5}, "muted_until"),
        ({"muted_until": "2030-13-45T00:00:00Z"}, "muted_until"),
        ({"level": ["all"]}, "level"),
    ],
)
def test_bad_bodies_are_400_naming_the_field(user, other_user, client_for, body, field):
    group = group_with(user, other_user)
    response = client_for(other_user).put(url(group.pk), body, format="json")
    assert response.status_code == 400
    assert list(response.json()) == [field]


def test_strangers_get_404(user, other_user, user_factory, client_for):
    group = group_with(user, other_user)
    stranger = client_for(user_factory(username="mallory"))
    assert stranger.get(url(group.pk)).status_code == 404
    assert stranger.put(url(group.pk), {"level": "all"}, format="json").status_code == 404
    assert stranger.put(url(group.pk), {"level": "bad"}, format="json").status_code == 404
    assert client_for(user).put(url(999999), {"level": "all"}, format="json").status_code == 404


def test_direct_chats_have_settings_too(user, other_user, client_for):
    chat = direct_conversation(user, other_user)
    response = client_for(user).put(url(chat.pk), {"level": "mentions"}, format="json")
    assert response.json()["notification_level"] == "mentions"
