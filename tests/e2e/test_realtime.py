"""The WebSocket protocol end to end: a real daphne, real sockets (`websockets`), real REST.

Setup data is committed (`transaction=True`) so the server processes see it; actions
that change state go through the servers' REST API, as a client's would.
"""

from __future__ import annotations

import asyncio

import httpx
import pytest
from websockets.asyncio.client import connect

from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from conversations.tests.factories import group_with
from friends.tests.factories import AcceptedFriendshipFactory
from messaging.consumers import CLOSE_SESSION_ENDED, CLOSE_UNAUTHENTICATED
from messaging.models import Message
from tests.e2e.conftest import WS_WAIT, LiveSocket, access_token_for, open_live_socket

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.needs_services]

#: Small presence TTL so that nothing waits long; high send rate for the bulk tests.
FAST = {"PRESENCE_TTL_SECONDS": "3", "THROTTLE_MESSAGE_SEND": "1000/10s"}


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_a_session_over_a_live_server(daphne_factory):
    """Every client frame and its answers."""
    server = daphne_factory(**FAST)
    alice, bob = UserFactory(username="alice"), UserFactory(username="bob")
    AcceptedFriendshipFactory(requester=alice, receiver=bob)
    team = group_with(alice, bob, name="Team")
    alice_token, bob_token = access_token_for(alice), access_token_for(bob)

    async def scenario() -> None:
        async with httpx.AsyncClient(base_url=server.url, timeout=WS_WAIT) as http:
            bob_ticket = (await http.post("/api/auth/ws-ticket", headers=auth(bob_token))).json()
            bob_ws = await open_live_socket(server, query=f"?ticket={bob_ticket['ticket']}")
            alice_ws = await open_live_socket(server, token=alice_token)
            await alice_ws.wait_for("user_online", user_id=bob.pk)
            await bob_ws.wait_for("user_online", user_id=alice.pk)

            await alice_ws.send({"type": "ping"})
            await alice_ws.wait_for("pong")

            await bob_ws.send({"type": "join_conversation", "conversation_id": team.pk})
            joined = await bob_ws.wait_for("joined_conversation", conversation_id=team.pk)
            assert joined["viewer_ids"] == [bob.pk]
            await alice_ws.wait_for("user_joined", conversation_id=team.pk, user_id=bob.pk)

            await bob_ws.send({"type": "typing", "conversation_id": team.pk, "is_typing": True})
            await alice_ws.wait_for("typing", user_id=bob.pk, is_typing=True, username="bob")

            await alice_ws.send(
                {
                    "type": "send_message",
                    "conversation_id": team.pk,
                    "content": "hi",
                    "client_id": "k1",
                }
            )
            ack = await alice_ws.wait_for("message_ack", client_id="k1")
            message = ack["message"]
            assert (message["seq"], message["content"]) == (1, "hi")
            assert (await bob_ws.wait_for("new_message"))["message"] == message

            await bob_ws.send(
                {"type": "mark_read", "conversation_id": team.pk, "message_id": message["id"]}
            )
            read = await alice_ws.wait_for("read", user_id=bob.pk)
            assert (read["conversation_id"], read["message_id"]) == (team.pk, message["id"])

            edited = await http.patch(
                f"/api/messages/{message['id']}",
                json={"content": "hello"},
                headers=auth(alice_token),
            )
            assert edited.status_code == 200, edited.text
            updated = await bob_ws.wait_for("message_updated")
            assert updated["message"]["content"] == "hello"
            deleted = await http.delete(f"/api/messages/{message['id']}", headers=auth(alice_token))
            assert deleted.status_code == 204, deleted.text
            await bob_ws.wait_for(
                "message_deleted", message_id=message["id"], conversation_id=team.pk
            )

            await bob_ws.send({"type": "leave_conversation", "conversation_id": team.pk})
            await bob_ws.wait_for("left_conversation", conversation_id=team.pk)
            await alice_ws.wait_for("user_left", conversation_id=team.pk, user_id=bob.pk)

            await bob_ws.send({"type": "nonsense"})
            error = await bob_ws.wait_for("error")
            assert (error["code"], error["request_type"]) == ("unknown_type", "nonsense")

            await alice_ws.close()
            await bob_ws.wait_for("user_offline", user_id=alice.pk)
            await bob_ws.close()

    asyncio.run(scenario())


def test_handshake_refusals(daphne_server):
    alice = UserFactory(username="alice")
    from rest_framework_simplejwt.tokens import RefreshToken

    refresh = str(RefreshToken.for_user(alice))
    access = access_token_for(alice)

    async def close_code_of(**kwargs) -> int | None:
        socket = await open_live_socket(daphne_server, expect_connected=False, **kwargs)
        return await socket.close_code()

    async def scenario() -> None:
        assert await close_code_of() == CLOSE_UNAUTHENTICATED
        assert await close_code_of(token=refresh) == CLOSE_UNAUTHENTICATED
        assert await close_code_of(query=f"?token={access}") == CLOSE_UNAUTHENTICATED
        assert await close_code_of(token="garbage") == CLOSE_UNAUTHENTICATED
        assert (
            await close_code_of(token=access, headers={"Origin": "http://evil.example.com"}) == 4403
        )

    asyncio.run(scenario())


def test_reconnect_and_catch_up_gets_everything_missed_once_in_order(daphne_factory):
    server = daphne_factory(**FAST)
    alice, bob = UserFactory(username="alice"), UserFactory(username="bob")
    team = group_with(alice, bob, name="Team")
    alice_token, bob_token = access_token_for(alice), access_token_for(bob)

    async def scenario() -> tuple[int, list[dict]]:
        async with httpx.AsyncClient(base_url=server.url, timeout=WS_WAIT) as http:

            async def post(n: int) -> None:
                response = await http.post(
                    "/api/messages",
                    json={
                        "conversation_id": team.pk,
                        "content": f"missed {n}",
                        "client_id": f"m{n}",
                    },
                    headers=auth(bob_token),
                )
                assert response.status_code == 201, response.text

            alice_ws = await open_live_socket(server, token=alice_token)
            await post(0)
            last_seen = (await alice_ws.wait_for("new_message"))["message"]
            await alice_ws.close()

            for start in range(1, 51, 10):  # 50 messages, ten at a time concurrently
                await asyncio.gather(*(post(n) for n in range(start, start + 10)))

            alice_ws = await open_live_socket(server, token=alice_token)
            caught_up: list[dict] = []
            after = last_seen["id"]
            while True:
                page = await http.get(
                    f"/api/messages/conversation/{team.pk}",
                    params={"after": after, "limit": 20},
                    headers=auth(alice_token),
                )
                assert page.status_code == 200, page.text
                if not page.json():
                    break
                caught_up += page.json()
                after = page.json()[-1]["id"]
            # Live delivery continues right where the catch-up ended.
            await post(51)
            live = await alice_ws.wait_for("new_message")
            assert live["message"]["seq"] == caught_up[-1]["seq"] + 1
            await alice_ws.close()
            return last_seen["seq"], caught_up

    first_seq, caught_up = asyncio.run(scenario())
    stored = list(
        Message.objects.filter(conversation=team, seq__gt=first_seq, seq__lte=first_seq + 50)
        .order_by("id")
        .values_list("id", "seq", "content")
    )
    assert [(m["id"], m["seq"], m["content"]) for m in caught_up] == stored
    assert [m["seq"] for m in caught_up] == list(range(first_seq + 1, first_seq + 51))
    assert sorted(m["content"] for m in caught_up) == sorted(f"missed {n}" for n in range(1, 51))


def test_catch_up_after_a_reconnect_shows_edits_deletes_reactions_and_pins(daphne_factory):
    """Alice keeps one cursor; while she is offline Bob edits, deletes, reacts and pins
    through the REST API. Back online she gets all of it with one `catch_up` frame, the
    same as `GET .../changes`, and live events go on numbered after the new cursor."""
    server = daphne_factory(**FAST)
    alice, bob = UserFactory(username="alice"), UserFactory(username="bob")
    team = group_with(bob, alice, name="Team")  # bob is the admin: he may pin
    alice_token, bob_token = access_token_for(alice), access_token_for(bob)

    async def scenario() -> None:
        async with httpx.AsyncClient(base_url=server.url, timeout=WS_WAIT) as http:
            as_bob = auth(bob_token)

            async def post(content: str, **extra) -> dict:
                body = {"conversation_id": team.pk, "content": content, **extra}
                response = await http.post("/api/messages", json=body, headers=as_bob)
                assert response.status_code == 201, response.text
                return response.json()

            alice_ws = await open_live_socket(server, token=alice_token)
            edited, deleted, reacted, pinned = [
                await post(text) for text in ("draft", "oops", "ship it?", "rules")
            ]
            reply = await post("> quoted\nsee above", reply_to=edited["id"])
            cursor = (await alice_ws.wait_for("new_message", message={**reply}))["message"][
                "change_seq"
            ]
            await alice_ws.close()

            changes = [
                http.patch(
                    f"/api/messages/{edited['id']}", json={"content": "**final**"}, headers=as_bob
                ),
                http.delete(f"/api/messages/{deleted['id']}", headers=as_bob),
                http.put(f"/api/messages/{reacted['id']}/reactions/%F0%9F%9A%80", headers=as_bob),
                http.put(f"/api/messages/{pinned['id']}/pin", headers=as_bob),
            ]
            for change in changes:
                response = await change
                assert response.status_code in (200, 201, 204), response.text

            alice_ws = await open_live_socket(server, token=alice_token)
            await alice_ws.send({"type": "catch_up", "conversation_id": team.pk, "since": cursor})
            answer = await alice_ws.wait_for("changes", conversation_id=team.pk)
            assert (answer["cursor"], answer["has_more"]) == (cursor + 4, False)
            by_id = {m["id"]: m for m in answer["messages"]}
            assert list(by_id) == [edited["id"], deleted["id"], reacted["id"], pinned["id"]]
            assert by_id[edited["id"]]["content_html"] == "<p><strong>final</strong></p>"
            assert by_id[deleted["id"]]["is_deleted"] is True
            assert by_id[reacted["id"]]["reactions"] == [{"emoji": "🚀", "count": 1, "me": False}]
            assert by_id[pinned["id"]]["pinned_by_id"] == bob.pk
            rest = await http.get(
                f"/api/conversations/{team.pk}/changes",
                params={"since": cursor},
                headers=auth(alice_token),
            )
            assert rest.json() == {key: value for key, value in answer.items() if key != "type"}
            history = await http.get(
                f"/api/messages/conversation/{team.pk}", headers=auth(alice_token)
            )
            quoted = next(m for m in history.json() if m["id"] == reply["id"])["reply_to"]
            assert quoted["preview"] == "**final**"  # the original as it is now

            await http.put(f"/api/messages/{reply['id']}/reactions/%F0%9F%91%8D", headers=as_bob)
            live = await alice_ws.wait_for("reaction_added", message_id=reply["id"])
            assert live["change_seq"] == answer["cursor"] + 1
            await alice_ws.close()

    asyncio.run(scenario())


def test_a_burst_of_reconnecting_friends_all_get_connected(daphne_factory):
    """~30 sockets connect at once (each loads its conversations and friends): none stalls."""
    server = daphne_factory(**FAST)
    alice = UserFactory(username="alice")
    friends = [UserFactory() for _ in range(30)]
    for friend in friends:
        AcceptedFriendshipFactory(requester=friend, receiver=alice)
        group_with(friend, alice)
    tokens = [access_token_for(friend) for friend in friends]
    alice_token = access_token_for(alice)

    async def scenario() -> None:
        alice_ws = await open_live_socket(server, token=alice_token)
        sockets = await asyncio.gather(*(open_live_socket(server, token=token) for token in tokens))
        assert len(sockets) == 30
        announced = set()
        while len(announced) < 30:
            announced.add((await alice_ws.wait_for("user_online"))["user_id"])
        assert announced == {friend.pk for friend in friends}
        async with httpx.AsyncClient(timeout=WS_WAIT) as http:
            health = (await http.get(f"{server.url}/health")).json()
        assert health["websocket_connections"] == 31
        await asyncio.gather(*(socket.close() for socket in [alice_ws, *sockets]))

    asyncio.run(scenario())


def test_a_flood_is_throttled_and_does_not_starve_other_sockets(daphne_factory):
    server = daphne_factory(**FAST)
    alice, bob = UserFactory(username="alice"), UserFactory(username="bob")
    alice_token, bob_token = access_token_for(alice), access_token_for(bob)

    async def scenario() -> None:
        flooder = await open_live_socket(server, token=alice_token)
        other = await open_live_socket(server, token=bob_token)
        await asyncio.gather(*(flooder.send({"type": "ping"}) for _ in range(2000)))
        await other.send({"type": "ping"})
        await other.wait_for("pong")
        error = await flooder.wait_for("error")
        assert (error["code"], error["request_type"]) == ("throttled", None)
        # Still usable: once the window has passed, a ping is answered again.
        for _ in range(10):
            await asyncio.sleep(1)
            await flooder.send({"type": "ping", "probe": True})
            try:
                await asyncio.wait_for(_drain_until_pong(flooder), 5)
                break
            except TimeoutError:
                continue
        else:
            raise AssertionError("the flooding socket never recovered")
        await flooder.close()
        await other.close()

    asyncio.run(scenario())


async def _drain_until_pong(socket: LiveSocket) -> None:
    while (await socket.recv())["type"] != "pong":
        pass


@pytest.mark.parametrize(
    "logout_url",
    ["/accounts/logout/", "/api-auth/logout/"],  # the web UI's and the browsable API's
)
def test_web_logout_closes_that_sessions_socket_only(daphne_server, logout_url):
    alice = UserFactory(username="alice")
    token = access_token_for(alice)
    origin = daphne_server.url

    async def scenario() -> None:
        async with httpx.AsyncClient(base_url=daphne_server.url, timeout=WS_WAIT) as web:
            await web.get("/accounts/login/")
            login = await web.post(
                "/accounts/login/",
                data={
                    "username": "alice",
                    "password": DEFAULT_PASSWORD,
                    "csrfmiddlewaretoken": web.cookies["csrftoken"],
                },
                headers={"Referer": f"{origin}/accounts/login/", "Origin": origin},
            )
            assert login.status_code in (302, 303), login.text[:500]
            session = web.cookies["sessionid"]
            cookie = f"sessionid={session}; csrftoken={web.cookies['csrftoken']}"
            browser = await open_live_socket(
                daphne_server, headers={"Cookie": cookie, "Origin": origin}
            )
            api_client = await open_live_socket(daphne_server, token=token)
            logout = await web.post(
                logout_url,
                data={"csrfmiddlewaretoken": web.cookies["csrftoken"]},
                headers={"Referer": f"{origin}/", "Origin": origin},
            )
            assert logout.status_code in (200, 302, 303), logout.text[:500]
            assert await browser.close_code() == CLOSE_SESSION_ENDED
            await api_client.send({"type": "ping"})
            await api_client.wait_for("pong")
            await api_client.close()
            # A cookie alone, without an allowed Origin, never authenticates.
            async with connect(daphne_server.ws_url, additional_headers={"Cookie": cookie}) as bare:
                socket = LiveSocket(bare)
                assert await socket.close_code() == CLOSE_UNAUTHENTICATED

    asyncio.run(scenario())
