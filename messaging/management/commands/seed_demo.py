"""`make demo`: users, friendships, chats and a public room so a newcomer has something to see.

It lives in `messaging` (the top app) because it composes every app's services; it goes
through those services like any client would, so the demo data obeys every rule.
Running it twice changes nothing.
"""

from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.models import User
from accounts.services import user_profile_update, user_register
from conversations.models import Conversation
from conversations.services import conversation_direct_get_or_create, conversation_group_create
from friends.selectors import are_friends
from friends.services import friend_request_accept, friend_request_send
from messaging.services import message_send

DEMO_PASSWORD = "demo-pass-123"
DEMO_USERS = [("alice", "Alice"), ("bob", "Bob"), ("carol", "Carol")]


class Command(BaseCommand):
    help = "Create demo users (alice, bob, carol; password demo-pass-123) with chats."

    @transaction.atomic
    def handle(self, *args: object, **options: object) -> None:
        users = {name: self._user(name, display) for name, display in DEMO_USERS}
        alice, bob, carol = users["alice"], users["bob"], users["carol"]
        for left, right in ((alice, bob), (alice, carol), (bob, carol)):
            self._befriend(left, right)

        direct, created = conversation_direct_get_or_create(actor=alice, other_user_id=bob.id)
        if created:
            for sender, text in [
                (alice, "Hi Bob! Are we still on for Saturday?"),
                (bob, "Yes! I'll bring the map."),
                (alice, "Great, see you at 9 at the trailhead."),
            ]:
                message_send(actor=sender, conversation_id=direct.id, content=text)

        if not Conversation.objects.filter(name="Weekend hike", created_by=alice).exists():
            group = conversation_group_create(
                actor=alice,
                name="Weekend hike",
                member_user_ids=[bob.id, carol.id],
                description="Planning Saturday's hike",
            )
            message_send(actor=carol, conversation_id=group.id, content="Count me in! @alice")
        if not Conversation.objects.filter(name="Lobby", is_public=True).exists():
            lobby = conversation_group_create(
                actor=bob, name="Lobby", description="Say hello to everyone", is_public=True
            )
            message_send(actor=bob, conversation_id=lobby.id, content="Welcome to the lobby!")

        self.stdout.write(
            self.style.SUCCESS(
                f"Demo users: {', '.join(users)} (password {DEMO_PASSWORD!r}). "
                "Log in at http://127.0.0.1:8000/"
            )
        )

    def _user(self, username: str, display_name: str) -> User:
        user = User.objects.filter(username__iexact=username).first()
        if user is None:
            user = user_register(
                username=username, email=f"{username}@example.com", password=DEMO_PASSWORD
            )
            user_profile_update(user=user, display_name=display_name)
        return user

    def _befriend(self, requester: User, receiver: User) -> None:
        if are_friends(requester.id, receiver.id):
            return
        outcome = friend_request_send(actor=requester, username=receiver.username)
        if not outcome.accepted:
            friend_request_accept(actor=receiver, request_id=outcome.request.id)
