import pytest

from accounts.tests.factories import UserFactory


@pytest.fixture
def carol(db):
    return UserFactory(username="carol")
