import pytest
from django.contrib.auth.models import Permission

from conversations.tests.factories import direct_conversation
from friends.tests.factories import make_friends


@pytest.fixture
def friends(user, other_user):
    """alice (`user`) and bob (`other_user`) are friends."""
    make_friends(user, other_user)


@pytest.fixture
def stranger(user_factory):
    return user_factory(username="mallory")


@pytest.fixture
def direct(user, other_user):
    """The direct chat between alice and bob (a transfer posts into it)."""
    return direct_conversation(user, other_user)


TREASURER_PERMISSIONS = ["issue_money", "reverse_transfer", "view_wallet", "view_transfer"]


@pytest.fixture
def treasurer(user_factory):
    """Staff who may issue, withdraw and reverse (the `treasurers` group's permissions,
    given directly: a transactional test's flush drops the groups that migrations made)."""
    staff = user_factory(username="treasurer", is_staff=True)
    staff.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="payments", codename__in=TREASURER_PERMISSIONS
        )
    )
    return staff


@pytest.fixture
def treasurer_client(client, treasurer):
    """Django's test `client`, logged in as `treasurer`."""
    client.force_login(treasurer)
    return client
