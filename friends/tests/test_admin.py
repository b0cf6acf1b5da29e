import pytest
from django.urls import reverse

from friends.models import Block, Friendship
from friends.tests.factories import AcceptedFriendshipFactory, BlockFactory, FriendshipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_web(client, admin_user):
    client.force_login(admin_user)
    return client


def test_friendship_changelist_search_and_filters(admin_web, user, other_user, carol):
    AcceptedFriendshipFactory(requester=user, receiver=other_user)
    FriendshipFactory(requester=carol, receiver=other_user)
    url = reverse("admin:friends_friendship_changelist")
    response = admin_web.get(url, {"q": "carol"})
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == list(
        Friendship.objects.filter(requester=carol)
    )
    response = admin_web.get(url, {"status__exact": "accepted"})
    assert [f.requester for f in response.context["cl"].result_list] == [user]


def test_friendship_changelist_query_count_is_constant(
    admin_web, django_assert_num_queries, django_assert_max_num_queries
):
    url = reverse("admin:friends_friendship_changelist")
    for _ in range(5):
        FriendshipFactory()
    with django_assert_max_num_queries(12) as ctx:
        assert admin_web.get(url).status_code == 200
    for _ in range(5):
        FriendshipFactory()
    with django_assert_num_queries(len(ctx.captured_queries)):
        assert admin_web.get(url).status_code == 200


def test_friendships_cannot_be_added_or_edited_by_hand(admin_web, user, other_user):
    friendship = FriendshipFactory(requester=user, receiver=other_user)
    assert admin_web.get(reverse("admin:friends_friendship_add")).status_code == 403
    change = reverse("admin:friends_friendship_change", args=[friendship.pk])
    assert admin_web.get(change).status_code == 200  # view only
    admin_web.post(change, {"status": "accepted"})
    friendship.refresh_from_db()
    assert friendship.status == Friendship.Status.PENDING


def test_delete_selected_goes_through_the_service(
    admin_web, user, other_user, sent_events, django_capture_on_commit_callbacks
):
    friendship = AcceptedFriendshipFactory(requester=user, receiver=other_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_web.post(
            reverse("admin:friends_friendship_changelist"),
            {"action": "delete_selected", "_selected_action": [friendship.pk], "post": "yes"},
        )
    assert response.status_code == 302
    assert not Friendship.objects.exists()
    assert sorted(event["type"] for _, event in sent_events) == ["friend_removed"] * 2


def test_delete_view_goes_through_the_service(
    admin_web, user, other_user, sent_events, django_capture_on_commit_callbacks
):
    request = FriendshipFactory(requester=user, receiver=other_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_web.post(
            reverse("admin:friends_friendship_delete", args=[request.pk]), {"post": "yes"}
        )
    assert response.status_code == 302
    assert not Friendship.objects.exists()
    assert sent_events == [
        (f"user.{other_user.pk}", {"type": "friend_request_cancelled", "request_id": request.pk})
    ]


def test_block_changelist_search(admin_web, user, other_user, carol):
    BlockFactory(blocker=user, blocked=other_user)
    BlockFactory(blocker=carol, blocked=other_user)
    response = admin_web.get(reverse("admin:friends_block_changelist"), {"q": "carol"})
    assert response.status_code == 200
    assert [b.blocker for b in response.context["cl"].result_list] == [carol]


def test_block_changelist_query_count_is_constant(
    admin_web, django_assert_num_queries, django_assert_max_num_queries
):
    url = reverse("admin:friends_block_changelist")
    for _ in range(5):
        BlockFactory()
    with django_assert_max_num_queries(12) as ctx:
        assert admin_web.get(url).status_code == 200
    for _ in range(5):
        BlockFactory()
    with django_assert_num_queries(len(ctx.captured_queries)):
        assert admin_web.get(url).status_code == 200


def test_adding_a_block_in_admin_ends_the_friendship(admin_web, user, other_user):
    AcceptedFriendshipFactory(requester=user, receiver=other_user)
    response = admin_web.post(
        reverse("admin:friends_block_add"), {"blocker": user.pk, "blocked": other_user.pk}
    )
    assert response.status_code == 302, response.content
    assert Block.objects.filter(blocker=user, blocked=other_user).exists()
    assert not Friendship.objects.exists()


@pytest.mark.parametrize("duplicate", [True, False])
def test_admin_block_form_refuses_self_and_duplicates(admin_web, user, other_user, duplicate):
    if duplicate:
        BlockFactory(blocker=user, blocked=other_user)
    target = other_user if duplicate else user
    response = admin_web.post(
        reverse("admin:friends_block_add"), {"blocker": user.pk, "blocked": target.pk}
    )
    assert response.status_code == 200  # the form again, with its error
    assert response.context["adminform"].form.errors
    assert Block.objects.count() == (1 if duplicate else 0)


def test_lift_blocks_action(admin_web, user, other_user, carol):
    blocks = [BlockFactory(blocker=user, blocked=other_user), BlockFactory(blocker=carol)]
    response = admin_web.post(
        reverse("admin:friends_block_changelist"),
        {"action": "lift_blocks", "_selected_action": [b.pk for b in blocks]},
    )
    assert response.status_code == 302
    assert not Block.objects.exists()


def test_block_cannot_be_edited_into_another(admin_web, user, other_user, carol):
    block = BlockFactory(blocker=user, blocked=other_user)
    change = reverse("admin:friends_block_change", args=[block.pk])
    admin_web.post(change, {"blocker": carol.pk, "blocked": other_user.pk})
    block.refresh_from_db()
    assert block.blocker == user


def test_user_autocomplete_for_blocks(admin_web, user):
    response = admin_web.get(
        reverse("admin:autocomplete"),
        {"app_label": "friends", "model_name": "block", "field_name": "blocker", "term": "ali"},
    )
    assert response.status_code == 200
    assert [r["text"] for r in response.json()["results"]] == ["alice"]


def test_non_staff_cannot_open_the_admin(client, user):
    client.force_login(user)
    response = client.get(reverse("admin:friends_friendship_changelist"))
    assert response.status_code == 302
