"""The OpenAPI schema tells the truth: schemathesis against a live server, zero failures.

A real server process (the e2e `uvicorn_factory`: `chat_project.serve` as production
starts it, this run's PostgreSQL and Redis), not schemathesis' in-process ASGI/WSGI
transport: it is the stack clients meet — the ASGI server, every middleware (size limit,
query-string check, dependency failures), DRF, throttles on Redis — and the fuzzer's
thousands of requests never share the test's thread, event loop or database connection.

schemathesis runs every phase (examples, coverage, fuzzing, stateful sequences over the
links it infers between operations) with every check, as a real user who has friends,
chats, messages, a notification, a pending request and a block, so most operations reach
their logic instead of a 404. The two built-in checks that are replaced, and how narrowly,
are explained in schemathesis_hooks.py. Fixed seed, no example database: a run is
repeatable, and writes nothing into the tree.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from conversations import services as conversation_services
from friends import services as friend_services
from friends.tests.factories import make_friends
from messaging import services as message_services
from payments import services as payment_services
from payments.tests.factories import fund

# Ids from 1, whatever ran before in this session: the same seed makes the same run.
pytestmark = [
    pytest.mark.django_db(transaction=True, reset_sequences=True),
    pytest.mark.timeout(660),  # the subprocess guard below, and the set-up around it
]

CONFIG = Path(__file__).with_name("schemathesis.toml")
HOOKS = Path(__file__).with_name("schemathesis_hooks.py")
SCHEMATHESIS = Path(sys.executable).with_name("st")
SEED = 20261129
#: Test cases per operation and phase: about a minute and a half on a 2-core machine.
MAX_EXAMPLES = 60


def seed_a_life(user) -> None:
    """A friend, a direct chat and a group with messages (one mentions the user: a
    notification), money and a payment to the friend, someone else's public room, an
    incoming request and a block."""
    friend = UserFactory(username="fuzzfriend")
    make_friends(user, friend)
    direct, _ = conversation_services.conversation_direct_get_or_create(
        actor=user, other_user_id=friend.id
    )
    group = conversation_services.conversation_group_create(
        actor=user, name="Fuzz group", member_user_ids=[friend.id]
    )
    for sender, conversation, text in [
        (user, direct, "hello"),
        (friend, direct, "hi there"),
        (user, group, "welcome"),
        (friend, group, "thanks @fuzzer"),
    ]:
        message_services.message_send(actor=sender, conversation_id=conversation.id, content=text)
    conversation_services.conversation_group_create(
        actor=friend, name="Fuzz room", description="open to all", is_public=True
    )
    fund(user, 500_00)
    payment_services.transfer_send(  # money in the wallet, a transfer message in the chat
        actor=user, to_user_id=friend.id, amount=12_50, idempotency_key="fuzz", note="lunch"
    )
    friend_services.friend_request_send(actor=UserFactory(username="fuzzasker"), username="fuzzer")
    friend_services.user_block(actor=user, user_id=UserFactory(username="fuzzblocked").id)


def test_schemathesis_finds_nothing(uvicorn_factory, tmp_path):
    user = UserFactory(username="fuzzer")
    seed_a_life(user)
    # The general throttles would answer most of the run with 429 (documented, but then
    # the operations' own logic goes untested); the specific ones (login, register,
    # messages, friend requests, reports) keep their rates.
    # uvicorn, production's server: daphne (`make run`) hands bodies to Twisted, which parses
    # multipart itself and answers a malformed one with a bare 400 (no JSON, no headers)
    # before the application sees it — a development server's quirk, not the API's.
    server = uvicorn_factory(THROTTLE_USER="100000/min", THROTTLE_ANON="100000/min")
    login = httpx.post(
        f"{server.url}/api/auth/login", json={"username": "fuzzer", "password": DEFAULT_PASSWORD}
    )
    assert login.status_code == 200, login.text

    ran = tmp_path / "checks-ran.txt"
    started = time.monotonic()
    result = subprocess.run(
        [
            str(SCHEMATHESIS),
            *("--config-file", str(CONFIG)),
            "run",
            f"{server.url}/api/schema/",
            *("--header", f"Authorization: Bearer {login.json()['access_token']}"),
            *("--checks", "all"),
            # Replaced by narrower versions of themselves (schemathesis_hooks.py).
            *("--exclude-checks", "positive_data_acceptance,use_after_free"),
            *("--seed", str(SEED)),
            *("--max-examples", str(MAX_EXAMPLES)),
            *("--workers", "1"),
            "--no-color",
        ],
        cwd=tmp_path,  # its crash cache (./.schemathesis) stays out of the tree
        env={**os.environ, "SCHEMATHESIS_HOOKS": str(HOOKS), "SCHEMA_FUZZ_RAN": str(ran)},
        capture_output=True,
        text=True,
        # A guard against a hang, not a speed check: about 1.5 min on a quiet 2-core
        # machine, several times that while the other xdist worker runs browsers.
        timeout=600,
    )
    elapsed = time.monotonic() - started
    report = result.stdout + result.stderr
    summary = report[report.rfind("SUMMARY") :] if "SUMMARY" in report else report[-3000:]
    print(f"{report}\nschemathesis: {elapsed:.0f} s")
    errors = [  # the app's request lines (chat_project/logs.py) with a 500, and tracebacks
        line
        for line in server.log().splitlines()
        if "Traceback" in line or "status=500" in line or '"status":500' in line
    ]
    assert result.returncode == 0, report + "\n".join(["(server errors)", *errors[-20:]])
    selected = re.search(r"Selected: (\d+)/(\d+)\s+Tested: (\d+)", report)
    assert selected and len(set(selected.groups())) == 1, summary  # every operation tested
    assert set(ran.read_text().split()) == {
        "positive_data_acceptance_beyond_schema",
        "use_after_free_beyond_soft_delete",
    }
