"""An avatar change reaches the other user live, over a real socket."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from django.test import Client

from conversations import avatars
from conversations.tests.factories import group_with
from friends.tests.factories import make_friends
from tests import files
from tests.sockets import BACKGROUND, next_of

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.needs_services,
    pytest.mark.usefixtures("media_root"),
]

#: The consumer tests' fixture: sockets as a user (Bearer), all closed after the test.


async def test_a_friend_s_socket_gets_user_updated_with_the_new_avatar(ws, user, other_user):
    await sync_to_async(make_friends)(user, other_user)
    bob = await ws(other_user)
    changed = await sync_to_async(avatars.user_avatar_set)(
        actor=user, file=files.upload("me.png", files.image_bytes())
    )
    event = await next_of(bob, "user_updated", BACKGROUND)
    assert event["user"]["id"] == user.id
    assert event["user"]["avatar_url"].startswith(f"/avatars/u/{user.id}/{changed.avatar}")
    assert "email" not in event["user"]
    status = await sync_to_async(lambda: Client().get(event["user"]["avatar_url"]).status_code)()
    assert status == 200


async def test_members_see_a_group_avatar_change_live(ws, user, other_user):
    group = await sync_to_async(group_with)(user, other_user, name="Team")
    bob = await ws(other_user)
    await sync_to_async(avatars.conversation_avatar_set)(
        actor=user, conversation_id=group.id, file=files.upload("t.png", files.image_bytes())
    )
    event = await next_of(bob, "conversation_updated", BACKGROUND)
    assert event["conversation"]["id"] == group.id
    assert event["conversation"]["avatar_url"].startswith(f"/avatars/c/{group.id}/")


async def test_a_display_name_change_reaches_friends_and_co_members_live(ws, user, other_user):
    """Issue 16, bug 5: a new display name showed for the others only after a reload."""
    from accounts import services as accounts_services
    from accounts.tests.factories import UserFactory

    carol = await sync_to_async(UserFactory)(username="carol")
    await sync_to_async(make_friends)(user, other_user)
    await sync_to_async(group_with)(user, carol, name="Team")  # carol is no friend of alice
    bob, carol_socket = await ws(other_user), await ws(carol)
    await sync_to_async(accounts_services.user_profile_update)(
        user=user, display_name="  Alice Liddell "
    )
    for socket in (bob, carol_socket):
        event = await next_of(socket, "user_updated", BACKGROUND)
        assert event["user"]["id"] == user.id
        assert event["user"]["display_name"] == "Alice Liddell"
        assert "email" not in event["user"]
