"""Rows of the social graph made directly (no service rules, no events)."""

import factory

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
