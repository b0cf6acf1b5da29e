"""Avatars of users and of groups/rooms: REST, files on the real filesystem storage (a fresh
MEDIA_ROOT), where they show, and the events that make a change live."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from django.test import Client
from PIL import Image

from conversations.tests.factories import direct_conversation, group_with
from friends.tests.factories import make_friends
from tests import files

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]

ME = "/api/users/me/avatar"


@pytest.fixture
def alice(user, client_for):
    return client_for(user)


@pytest.fixture
def bob(other_user, client_for):
    return client_for(other_user)


@pytest.fixture
def outsider(user_factory):
    return user_factory(username="mallory")


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


def put(client, url: str, data: bytes, name: str = "me.jpg"):
    return client.put(url, {"file": files.upload(name, data)}, format="multipart")


def fetch(url: str):
    response = Client().get(url)
    return response, b"".join(response.streaming_content) if response.streaming else b""


def stored(media_root: Path) -> list[str]:
    return (
        sorted(p.name for p in media_root.rglob("*") if p.is_file()) if media_root.exists() else []
    )


def test_your_avatar_is_a_clean_centre_square_in_two_sizes(alice, user, media_root):
    response = put(alice, ME, files.jpeg_with_gps(size=(600, 300), orientation=1))
    assert response.status_code == 200, response.content
    me = response.json()
    key = me["avatar_url"].split("/")[-1][:32]
    assert me["avatar_url"] == f"/avatars/u/{user.id}/{key}-256.webp"
    assert me["avatar_thumbnail_url"] == f"/avatars/u/{user.id}/{key}-64.webp"
    assert stored(media_root) == [f"{key}-256.webp", f"{key}-64.webp"]
    for url, side in [(me["avatar_url"], 256), (me["avatar_thumbnail_url"], 64)]:
        served, data = fetch(url)  # no login needed: the URL is unguessable
        assert served.status_code == 200
        assert served["Content-Type"] == "image/webp"
        assert served["X-Content-Type-Options"] == "nosniff"
        assert "immutable" in served["Cache-Control"]
        image = Image.open(io.BytesIO(data))
        assert (image.format, image.size) == ("WEBP", (side, side))
        assert not image.getexif() and b"SpyCam" not in data
    assert alice.get("/api/auth/me").json()["avatar_url"] == me["avatar_url"]


def test_a_new_avatar_replaces_the_old_files_and_delete_clears_it(alice, media_root, committed):
    with committed():
        first = put(alice, ME, files.image_bytes("PNG", (100, 100))).json()
    with committed():
        second = put(alice, ME, files.image_bytes("JPEG", (300, 200), (0, 90, 200))).json()
    assert second["avatar_url"] != first["avatar_url"]
    assert fetch(first["avatar_url"])[0].status_code == 404
    assert fetch(second["avatar_url"])[0].status_code == 200
    with committed():
        cleared = alice.delete(ME)
    assert cleared.status_code == 200
    assert (cleared.json()["avatar_url"], cleared.json()["avatar_thumbnail_url"]) == (None, None)
    assert stored(media_root) == []
    assert alice.delete(ME).status_code == 200  # nothing to clear: still fine


@pytest.mark.parametrize(
    ("data", "name", "status", "key"),
    [
        (files.HTML_AS_PNG, "me.png", 400, "file"),
        (files.SVG, "me.svg", 400, "file"),
        (files.png_bomb(), "me.png", 400, "file"),
        (b"", "me.png", 400, "file"),
    ],
)
def test_what_is_not_a_usable_image_is_refused(alice, media_root, data, name, status, key):
    response = put(alice, ME, data, name)
    assert response.status_code == status
    assert set(response.json()) == {key}
    assert stored(media_root) == []


def test_an_oversize_avatar_is_413(alice, settings, media_root):
    settings.UPLOAD_MAX_BYTES = 1000
    response = put(alice, ME, os.urandom(5000))
    assert response.status_code == 413 and response.json()["code"] == "file_too_large"
    assert stored(media_root) == []


def test_an_avatar_file_that_is_not_current_is_404(user):
    assert fetch(f"/avatars/u/{user.id}/{'0' * 32}-256.webp")[0].status_code == 404
    assert fetch(f"/avatars/x/{user.id}/{'0' * 32}-256.webp")[0].status_code == 404
    assert fetch(f"/avatars/u/{user.id}/../../etc-256.webp")[0].status_code == 404


def test_user_updated_reaches_friends_and_co_members_after_commit(
    alice, user, other_user, user_factory, sent_events, committed
):
    carol, dave, erin = user_factory(), user_factory(), user_factory()
    make_friends(user, other_user)
    make_friends(user, carol)  # a friend who shares no conversation
    direct = direct_conversation(user, other_user)
    group = group_with(user, dave)
    group_with(erin)  # not connected to alice at all
    with committed():
        me = put(alice, ME, files.image_bytes()).json()
    expected = {
        "type": "user_updated",
        "user": {
            "id": user.id,
            "username": "alice",
            "display_name": user.display_name,
            "avatar_url": me["avatar_url"],
            "avatar_thumbnail_url": me["avatar_thumbnail_url"],
            "is_bot": False,
        },
    }
    got = [(group_name, event) for group_name, event in sent_events if event == expected]
    assert sorted(name for name, _ in got) == sorted(
        [
            f"conversation.{direct.id}",
            f"conversation.{group.id}",
            f"user.{carol.id}",
            f"user.{user.id}",
        ]
    )


def test_avatars_show_wherever_a_person_is_shown(
    alice, bob, user, other_user, committed, client_for
):
    make_friends(user, other_user)
    group = group_with(user, other_user, name="Team")
    with committed():
        mine = put(alice, ME, files.image_bytes()).json()
    urls = {"avatar_url": mine["avatar_url"], "avatar_thumbnail_url": mine["avatar_thumbnail_url"]}

    def shows(person: dict) -> bool:
        return {k: person[k] for k in urls} == urls

    (friend,) = bob.get("/api/friends").json()
    assert shows(friend)
    members = bob.get(f"/api/conversations/{group.id}").json()["members"]
    assert shows(next(m for m in members if m["id"] == user.id))
    listed = bob.get("/api/conversations").json()[0]["members"]
    assert shows(next(m for m in listed if m["id"] == user.id))
    (found,) = bob.get("/api/users", {"search": "alic"}).json()
    assert shows(found)


# --- groups and rooms --------------------------------------------------------------------


def test_an_admin_sets_a_group_avatar_and_members_are_told(
    alice, user, other_user, sent_events, committed
):
    group = group_with(user, other_user, name="Team")
    url = f"/api/conversations/{group.id}/avatar"
    with committed():
        response = put(alice, url, files.image_bytes("PNG", (500, 500)), "team.png")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["id"] == group.id and body["unread_count"] == 0
    assert body["avatar_url"].startswith(f"/avatars/c/{group.id}/")
    assert fetch(body["avatar_url"])[0].status_code == 200
    (event,) = [e for g, e in sent_events if e["type"] == "conversation_updated"]
    assert sent_events[-1][0] == f"conversation.{group.id}"
    assert event["conversation"]["avatar_url"] == body["avatar_url"]
    with committed():
        cleared = alice.delete(url).json()
    assert cleared["avatar_url"] is None
    assert fetch(body["avatar_url"])[0].status_code == 404


def test_conversation_avatars_follow_the_admin_only_rules(
    alice, bob, user, other_user, outsider, client_for, media_root
):
    group = group_with(user, other_user, name="Team")  # bob is a member, not an admin
    direct = direct_conversation(user, other_user)
    image = files.image_bytes()
    assert put(bob, f"/api/conversations/{group.id}/avatar", image).status_code == 403
    assert bob.delete(f"/api/conversations/{group.id}/avatar").status_code == 403
    mallory = client_for(outsider)
    assert put(mallory, f"/api/conversations/{group.id}/avatar", image).status_code == 404
    assert put(alice, f"/api/conversations/{direct.id}/avatar", image).status_code == 400
    assert put(alice, "/api/conversations/99999/avatar", image).status_code == 404
    assert put(alice, "/api/conversations/abc/avatar", image).status_code == 404
    # Refused before the file is read: no file at all is still a 403 for bob.
    no_file = bob.put(f"/api/conversations/{group.id}/avatar", {}, format="multipart")
    assert no_file.status_code == 403
    assert stored(media_root) == []


def test_rooms_in_the_public_list_show_their_avatar(alice, bob, user, committed):
    from conversations.tests.factories import public_room_with

    room = public_room_with(user, name="Open")
    with committed():
        body = put(alice, f"/api/conversations/{room.id}/avatar", files.image_bytes()).json()
    (listed,) = bob.get("/api/conversations/public").json()
    assert listed["avatar_url"] == body["avatar_url"]


def test_options_describes_the_avatar_routes(alice, user, other_user):
    """DRF's OPTIONS asks for the object a PUT changes: a route without an id was a 500."""
    assert alice.options(ME).status_code == 200
    group = group_with(user, other_user)
    assert alice.options(f"/api/conversations/{group.id}/avatar").status_code == 200
