"""A transfer over real sockets (WebsocketCommunicator, the real Redis bus): both people see
the `transfer` message in their chat and their new balance, the recipient a notification;
a reversal reaches them the same way."""

import pytest
from channels.db import database_sync_to_async

from conversations.tests.factories import direct_conversation
from friends.tests.factories import make_friends
from payments import services
from payments.tests.factories import fund
from tests.sockets import PRESENCE, WAIT

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.needs_services]


async def frames_of(socket, *kinds: str) -> dict[str, dict]:
    """The first frame of each kind, in whatever order they come (they travel on different
    groups: the conversation's, each user's); presence passes, anything else fails."""
    seen: dict[str, dict] = {}
    while set(kinds) - set(seen):
        frame = await socket.receive_json_from(timeout=WAIT)
        if frame["type"] in PRESENCE:
            continue
        assert frame["type"] in kinds and frame["type"] not in seen, frame
        seen[frame["type"]] = frame
    return seen


@database_sync_to_async
def setup(user, other_user):
    make_friends(user, other_user)
    fund(user, 20_00)
    return direct_conversation(user, other_user)


@database_sync_to_async
def pay(user, other_user):
    transfer, _ = services.transfer_send(
        actor=user, to_user_id=other_user.id, amount=7_50, idempotency_key="k", note="Lunch"
    )
    return transfer


async def test_the_transfer_message_and_balances_reach_both_sockets(ws, user, other_user):
    direct = await setup(user, other_user)
    alice, bob = await ws(user), await ws(other_user)
    transfer = await pay(user, other_user)

    got = {
        "alice": await frames_of(alice, "new_message", "wallet_updated"),
        "bob": await frames_of(bob, "new_message", "wallet_updated", "notification"),
    }
    for frames in got.values():
        message = frames["new_message"]["message"]
        assert message["conversation_id"] == direct.id
        assert message["sender_id"] == user.id
        assert message["message_type"] == "transfer"
        assert message["content"] == "Sent 7.50 EUR: Lunch"
        assert message["transfer"] == {
            "id": transfer.id,
            "amount": 750,
            "currency": "EUR",
            "exponent": 2,
            "note": "Lunch",
            "status": "completed",
        }
    mine = got["alice"]["wallet_updated"]
    assert mine["transfer_id"] == transfer.id
    assert mine["balance"] == {
        "currency": "EUR",
        "exponent": 2,
        "balance": 12_50,
        "transfer_limit": 1000_00,
        "daily_limit": 5000_00,
        "daily_sent": 7_50,
    }
    theirs = got["bob"]["wallet_updated"]["balance"]
    assert (theirs["balance"], theirs["daily_sent"]) == (7_50, 0)
    notification = got["bob"]["notification"]["notification"]
    assert notification["type"] == "transfer_received"
    assert notification["actor"] == {
        "id": user.id,
        "username": "alice",
        "avatar_url": None,
        "avatar_thumbnail_url": None,
    }
    assert notification["message_id"] == transfer.message_id


@database_sync_to_async
def reverse(treasurer, transfer):
    return services.transfer_reverse(actor=treasurer, transfer_id=transfer.id, reason="fraud")


async def test_a_reversal_updates_the_message_and_both_balances_live(
    ws,
    user,
    other_user,
    treasurer,
):
    await setup(user, other_user)
    transfer = await pay(user, other_user)
    alice, bob = await ws(user), await ws(other_user)
    await reverse(treasurer, transfer)
    for socket, balance in ((alice, 20_00), (bob, 0)):
        frames = await frames_of(socket, "message_updated", "wallet_updated")
        message = frames["message_updated"]["message"]
        assert (message["id"], message["transfer"]["status"]) == (transfer.message_id, "reversed")
        assert frames["wallet_updated"]["balance"]["balance"] == balance
