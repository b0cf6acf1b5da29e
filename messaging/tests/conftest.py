import pytest

from conversations.tests.factories import direct_conversation, group_with


@pytest.fixture
def direct(user, other_user):
    """The direct chat between alice (`user`) and bob (`other_user`)."""
    return direct_conversation(user, other_user)


@pytest.fixture
def group(user, other_user):
    """A group: alice is admin, bob a member."""
    return group_with(user, other_user, name="Team")


@pytest.fixture
def outsider(user_factory):
    return user_factory(username="mallory")
