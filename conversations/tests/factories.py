"""Test data for conversations: rows created directly, no friendship or service rules involved.

Other apps' tests (messaging, WebSocket) import these to get a conversation with members
in one line; the rules about who may create what are tested through the services.
"""

from typing import Any

import factory

from accounts.models import User
from accounts.tests.factories import UserFactory
from conversations.models import Conversation, ConversationMember


class ConversationFactory(factory.django.DjangoModelFactory):
    """A group conversation (private, uncapped) with no members: add them with MemberFactory."""

    class Meta:
        model = Conversation

    type = Conversation.Type.GROUP
    name = factory.Sequence(lambda n: f"Group {n}")
    description = ""
    is_public = False
    max_participants = None
    private_pair_key = None
    created_by = None


GroupFactory = ConversationFactory


class PublicRoomFactory(ConversationFactory):
    is_public = True
    name = factory.Sequence(lambda n: f"Room {n}")


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ConversationMember

    conversation = factory.SubFactory(ConversationFactory)
    user = factory.SubFactory(UserFactory)
    role = ConversationMember.Role.MEMBER


def direct_conversation(user_a: User, user_b: User) -> Conversation:
    """The direct chat between two users (both `member`), created or fetched by its pair key."""
    conversation, created = Conversation.objects.get_or_create(
        private_pair_key=Conversation.pair_key(user_a.id, user_b.id),
        defaults={"type": Conversation.Type.DIRECT, "created_by": user_a},
    )
    if created:
        MemberFactory(conversation=conversation, user=user_a)
        MemberFactory(conversation=conversation, user=user_b)
    return conversation


def group_with(admin: User, *members: User, **fields: Any) -> Conversation:
    """A group whose creator `admin` is its owner and `members` are plain members.

    `fields` go to the conversation (name, is_public, max_participants, ...).
    """
    fields.setdefault("created_by", admin)
    conversation = ConversationFactory(**fields)
    MemberFactory(conversation=conversation, user=admin, role=ConversationMember.Role.OWNER)
    for member in members:
        MemberFactory(conversation=conversation, user=member)
    return conversation


def public_room_with(admin: User, *members: User, **fields: Any) -> Conversation:
    fields.setdefault("is_public", True)
    return group_with(admin, *members, **fields)
