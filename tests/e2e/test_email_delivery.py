"""Mail through a real SMTP server (aiosmtpd, tests/e2e/mail_sink.py) from the real worker
process: the password reset link arrives and works once, nobody learns whether an
address has an account, and the unread digest batches mentions into one mail and skips
what was read."""

from __future__ import annotations

import re
import time

import httpx
import pytest
from django_tasks_db.models import DBTaskResult

from accounts.models import User
from accounts.tests.factories import UserFactory
from conversations.tests.factories import group_with
from messaging import services
from tests.e2e import mail_sink as mail_sink_module
from tests.e2e import worker as worker_module
from tests.e2e.mail_sink import body_of

pytestmark = [pytest.mark.needs_services, pytest.mark.django_db(transaction=True)]

mail_sink = mail_sink_module.mail_sink
worker_factory = worker_module.worker_factory

NEW = "a-Brand-new-passw0rd!"
LINK = re.compile(r"(https?://[^/\s]+)/accounts/password/reset/([^/\s]+)/([^/\s]+)/")


def test_the_reset_mail_arrives_and_its_link_works_once(daphne_factory, worker_factory, mail_sink):
    UserFactory(username="owner", email="owner@example.com")
    mail = {"EMAIL_URL": mail_sink.url, "TASKS_BACKEND": "database"}
    server = daphne_factory(**mail)
    worker = worker_factory(**mail)
    with httpx.Client(base_url=server.url) as http:
        known = http.post("/api/auth/password-reset", json={"email": "owner@example.com"})
        unknown = http.post("/api/auth/password-reset", json={"email": "nobody@example.com"})
        # No enumeration: the same status, body and headers (but the request id).
        assert known.status_code == unknown.status_code == 202
        assert known.content == unknown.content
        same = {k for k in known.headers if known.headers[k] != unknown.headers.get(k)}
        assert same <= {"x-request-id", "date"}, same

        (message,) = mail_sink.wait_for("owner@example.com")
        assert message["Subject"] == "Reset your chat password"
        body = body_of(message)
        site, uid, token = LINK.search(body).groups()
        assert site == server.url  # the link names the host the request came to
        # The unknown address got nothing: its task ran and found no account.
        done = DBTaskResult.objects.filter(
            task_path="accounts.password_reset.password_reset_mail", status="SUCCESSFUL"
        )
        deadline = time.monotonic() + 20
        while done.count() < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert sorted(done.values_list("return_value", flat=True)) == [False, True], worker.log()
        assert mail_sink.to("nobody@example.com") == []

        confirm = {"uid": uid, "token": token, "new_password": NEW}
        assert http.post("/api/auth/password-reset/confirm", json=confirm).status_code == 204
        again = http.post(
            "/api/auth/password-reset/confirm", json={**confirm, "new_password": NEW + "2"}
        )
        assert again.status_code == 400 and "token" in again.json()
        login = http.post("/api/auth/login", json={"username": "owner", "password": NEW})
        assert login.status_code == 200
        # The web page of the same link now says it is used.
        page = http.get(f"/accounts/password/reset/{uid}/{token}/", follow_redirects=True)
        assert "invalid, expired or already used" in page.text


def test_the_digest_batches_two_mentions_into_one_mail_and_skips_what_was_read(
    worker_factory, mail_sink
):
    alice = UserFactory(username="alice", email="alice@example.com")
    carol = UserFactory(username="carol", email="carol@example.com")
    bob = UserFactory(username="bob")
    team = group_with(bob, alice, carol, name="Team")
    services.message_send(actor=bob, conversation_id=team.id, content="@alice @carol one")
    last, _ = services.message_send(actor=bob, conversation_id=team.id, content="@alice @carol two")
    services.message_mark_read(actor=carol, conversation_id=team.id, message_id=last.id)
    # The worker's first sweep runs as it starts; no delay, to keep the test short.
    worker_factory(EMAIL_URL=mail_sink.url, EMAIL_DIGEST_DELAY_MINUTES="0")
    (digest,) = mail_sink.wait_for("alice@example.com")
    body = body_of(digest)
    assert "2 unread messages" in digest["Subject"]
    assert "@alice @carol one" in body and "@alice @carol two" in body
    assert "Bob in Team:" in body
    assert mail_sink.to("carol@example.com") == []  # read before the sweep: no mail
    assert User.objects.get(pk=alice.pk).email_digest_until is not None
    time.sleep(2)
    assert len(mail_sink.to("alice@example.com")) == 1  # never twice
