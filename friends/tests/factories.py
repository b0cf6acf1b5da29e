"""Rows of the social graph made directly (no service rules, no events)."""

import factory

from accounts.models import User
from accounts.tests.factories import UserFactory
from friends.models import Block, Friendship


class FriendshipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Friendship

    requester = factory.SubFactory(UserFactory)
    receiver = factory.SubFactory(UserFactory)
    status = Friendship.Status.PENDING


class AcceptedFriendshipFactory(FriendshipFactory):
    status = Friendship.Status.ACCEPTED


class BlockFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Block

    blocker = factory.SubFactory(UserFactory)
    blocked = factory.SubFactory(UserFactory)


def make_friends(user: User, *others: User) -> None:
    """Accepted friendships between `user` and each of `others` (rows, no service rules)."""
    for other in others:
        AcceptedFriendshipFactory(requester=user, receiver=other)


def block(blocker: User, blocked: User) -> None:
    BlockFactory(blocker=blocker, blocked=blocked)
