"""The admin pages that messaging/tests/test_admin_query_counts.py (the moderators' pages)
does not cover cost a constant number of queries at N and 2N rows too: payments (wallets,
transfers, ledger entries), API tokens, webhooks, exports, background tasks, push
subscriptions, notifications, conversation bans and invite links — each list and one
row's page, as a superuser sees them."""

from collections.abc import Callable

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from accounts import services as accounts_services
from accounts.models import ApiToken, Notification, PushSubscription
from accounts.tests.factories import UserFactory
from chat_project.settings.base import tasks_config
from conversations import services as conversations_services
from conversations.models import ConversationBan, ConversationInvite
from conversations.tests.factories import group_with
from leaving.models import Export
from leaving.tasks import build_export
from messaging import services as messaging_services
from messaging.models import Webhook
from payments import services as payments_services
from payments.models import LedgerEntry, Transfer, Wallet

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_staff=True, is_superuser=True)


@pytest.fixture
def world(superuser, settings):
    """Each `grow(n)` adds n of every row these pages list, each with its own people."""
    settings.TASKS = tasks_config("database")  # a queued task stays a row of the task admin

    def grow(n: int) -> None:
        for i in range(n):
            owner, member, troll = UserFactory(), UserFactory(), UserFactory()
            issued = payments_services.money_issue(
                actor=superuser, user_id=member.id, amount=1000, reason="grant"
            )
            if i % 2:
                payments_services.transfer_reverse(
                    actor=superuser, transfer_id=issued.id, reason="mistake"
                )
            bot = accounts_services.bot_create(actor=owner, username=f"bot{owner.id}")
            accounts_services.bot_token_create(actor=owner, bot_id=bot.id, name="ci")
            room = group_with(owner, member, troll, name=f"Room {owner.id}")
            messaging_services.webhook_create(actor=owner, conversation_id=room.id, name="CI")
            conversations_services.conversation_ban(
                actor=owner, conversation_id=room.id, user_id=troll.id, reason="trolling"
            )
            conversations_services.conversation_invite_create(actor=owner, conversation_id=room.id)
            export = Export.objects.create(user=member)
            build_export.enqueue(export_id=export.id)
            PushSubscription.objects.create(
                user=member,
                endpoint=f"https://push.example.com/send/{member.id}",
                p256dh="key",
                auth="auth",
            )
            Notification.objects.create(recipient=member, actor=owner, type="mention")

    return grow


def pages() -> dict[str, Callable[[], str]]:
    """Each list, and the page of its first row (the rows grow around it)."""

    def page(model_url: str, model) -> Callable[[], str]:
        return lambda: reverse(
            f"admin:{model_url}_change", args=[model.objects.order_by("pk")[0].pk]
        )

    def listing(model_url: str) -> Callable[[], str]:
        return lambda: reverse(f"admin:{model_url}_changelist")

    models = {
        "payments_wallet": Wallet,
        "payments_transfer": Transfer,
        "payments_ledgerentry": LedgerEntry,
        "accounts_apitoken": ApiToken,
        "messaging_webhook": Webhook,
        "leaving_export": Export,
        "django_tasks_database_dbtaskresult": DBTaskResult,
        "accounts_pushsubscription": PushSubscription,
        "accounts_notification": Notification,
        "conversations_conversationban": ConversationBan,
        "conversations_conversationinvite": ConversationInvite,
    }
    built: dict[str, Callable[[], str]] = {}
    for name, model in models.items():
        built[f"{name} list"] = listing(name)
        built[f"{name} page"] = page(name, model)
    return built


def count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries.captured_queries)


def test_every_other_admin_page_has_a_constant_query_count(client, superuser, world):
    client.force_login(superuser)
    world(3)
    urls = {name: build() for name, build in pages().items()}
    for url in urls.values():  # warm the per-process caches (content types) first
        count(client, url)
    at_n = {name: count(client, url) for name, url in urls.items()}
    world(3)
    assert DBTaskResult.objects.count() == 6 and ConversationBan.objects.count() == 6
    at_2n = {name: count(client, url) for name, url in urls.items()}
    assert at_2n == at_n
