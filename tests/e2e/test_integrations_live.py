"""Webhooks and bots against a live server: a real daphne, real sockets, real HTTP.

A group admin makes a webhook over REST; a plain POST to its URL (what CI sends) reaches a
member's WebSocket as an ordinary `new_message` from a bot; a bot with an API token opens
a socket through a ticket and posts, and its messages arrive the same way.
"""

from __future__ import annotations

import asyncio

import httpx
import pytest

from accounts import services as accounts_services
from accounts.tests.factories import UserFactory
from conversations.tests.factories import group_with
from tests.e2e.conftest import WS_WAIT, access_token_for, open_live_socket

pytestmark = [pytest.mark.django_db(transaction=True)]


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_a_webhook_post_reaches_a_members_socket(daphne_factory):
    server = daphne_factory()
    alice, bob = UserFactory(username="alice"), UserFactory(username="bob")
    team = group_with(alice, bob, name="Ops")
    alice_token, bob_token = access_token_for(alice), access_token_for(bob)

    async def scenario() -> None:
        async with httpx.AsyncClient(base_url=server.url, timeout=WS_WAIT) as http:
            bob_ws = await open_live_socket(server, token=bob_token)
            created = await http.post(
                f"/api/conversations/{team.pk}/webhooks",
                json={"name": "Alerts"},
                headers=auth(alice_token),
            )
            assert created.status_code == 201, created.text
            hook = created.json()
            added = await bob_ws.wait_for("member_added", conversation_id=team.pk)
            assert added["user_id"] == hook["bot"]["id"]

            # Whoever holds the URL posts, without any login (a CI job, an alert manager).
            async with httpx.AsyncClient(timeout=WS_WAIT) as outsider:
                posted = await outsider.post(hook["url"], json={"text": "disk 91% on db-1"})
            assert posted.status_code == 201, posted.text
            message = (await bob_ws.wait_for("new_message"))["message"]
            while message["message_type"] == "system":  # "Alice added Alerts" came first
                message = (await bob_ws.wait_for("new_message"))["message"]
            assert message["content"] == "disk 91% on db-1"
            assert message["sender_id"] == hook["bot"]["id"]
            assert message["sender_is_bot"] is True
            assert message == posted.json()

            async with httpx.AsyncClient(timeout=WS_WAIT) as outsider:
                wrong = await outsider.post(hook["url"] + "x", json={"text": "no"})
            assert (wrong.status_code, wrong.json()["code"]) == (404, "not_found")
            await bob_ws.close()

    asyncio.run(scenario())


def test_a_bot_token_posts_and_listens_like_a_user(daphne_factory):
    server = daphne_factory()
    alice, bob = UserFactory(username="alice"), UserFactory(username="bob")
    bot = accounts_services.bot_create(actor=alice, username="deploybot")
    _, raw = accounts_services.bot_token_create(actor=alice, bot_id=bot.id)
    team = group_with(alice, bob, bot, name="Deploys")
    bot_auth = {"Authorization": f"Bot {raw}"}
    # Tokens are made here: the ORM may not run inside the event loop below.
    bob_token = access_token_for(bob)

    async def scenario() -> None:
        async with httpx.AsyncClient(base_url=server.url, timeout=WS_WAIT) as http:
            bob_ws = await open_live_socket(server, token=bob_token)
            ticket = (await http.post("/api/auth/ws-ticket", headers=bot_auth)).json()["ticket"]
            bot_ws = await open_live_socket(server, query=f"?ticket={ticket}")

            sent = await http.post(
                "/api/messages",
                json={"conversation_id": team.pk, "content": "v1.2 is live"},
                headers=bot_auth,
            )
            assert sent.status_code == 201, sent.text
            arrived = (await bob_ws.wait_for("new_message"))["message"]
            assert (arrived["content"], arrived["sender_is_bot"]) == ("v1.2 is live", True)

            # The bot hears people too.
            await http.post(
                "/api/messages",
                json={"conversation_id": team.pk, "content": "thanks bot"},
                headers=auth(bob_token),
            )
            heard = await bot_ws.wait_for("new_message", within=WS_WAIT)
            while heard["message"]["content"] != "thanks bot":
                heard = await bot_ws.wait_for("new_message")
            assert heard["message"]["sender_is_bot"] is False
            await bob_ws.close()
            await bot_ws.close()

    asyncio.run(scenario())
