import pytest
from django.core.management import call_command

from accounts.models import User
from conversations.models import Conversation
from friends.selectors import are_friends
from messaging.models import Message

pytestmark = pytest.mark.django_db


def test_seed_demo_creates_a_small_world_once():
    call_command("seed_demo")
    call_command("seed_demo")  # idempotent
    alice, bob, carol = (User.objects.get(username=n) for n in ("alice", "bob", "carol"))
    assert alice.check_password("demo-pass-123")
    assert are_friends(alice.id, bob.id) and are_friends(bob.id, carol.id)
    assert Conversation.objects.filter(type="direct").count() == 1
    assert Conversation.objects.filter(name="Weekend hike").count() == 1
    assert Conversation.objects.filter(name="Lobby", is_public=True).count() == 1
    direct = Conversation.objects.get(type="direct")
    assert list(direct.messages.values_list("seq", flat=True)) == [1, 2, 3]
    assert Message.objects.count() == 5
