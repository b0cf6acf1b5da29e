"""schemathesis hooks of tests/e2e/test_schema_fuzz.py (it sets SCHEMATHESIS_HOOKS to this file).

Two built-in checks assume what this API's contract says otherwise; each is replaced by a
wrapper that runs it and forgives exactly the documented case, nothing more:

- `positive_data_acceptance` fails whenever a request the schema allows gets a 400. A few
  400s answer rules that no JSON Schema can state, because they depend on what is stored
  or on who asks: the username is taken, you cannot befriend or block yourself, the
  current password is wrong, a direct chat cannot be renamed, you cannot pay yourself.
  It also fails on a 410: an invite link that was revoked, expired or used up says so.
  The schema says them in words (each operation's 400 description, "Also refused: ...").
  The wrapper forgives a 400 only when every message of its body is one of those rules of
  that very operation.
- `use_after_free` expects a 404 for anything read after a successful DELETE. Deleting a
  message is soft by contract (docs/api.md: it keeps its place and `seq`, with empty
  `content` and `is_deleted: true`), so the message still answers; nothing else is.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import schemathesis
from schemathesis.openapi.checks import RejectedPositiveData, UseAfterFree
from schemathesis.specs.openapi.checks import positive_data_acceptance, use_after_free

TAKEN = r"A user with that (username|email) already exists\."
WEAK_PASSWORD = r"This password is too common\.|The password is too similar to the .*"
NOT_A_GROUP = r"A direct conversation cannot be changed: it always links the same two people\."
CAP_BELOW_MEMBERS = r"The conversation already has \d+ members\."
NOT_ONE_EMOJI = (
    r"Exactly one emoji is required \(at most \d+ code points\), not text or a :shortcode:\."
)
REACTED_DELETED = r"A deleted message cannot be reacted to\."
NOT_EDITABLE = r"A deleted message cannot be edited\.|Only a text message can be edited\."

WRONG_PASSWORD = r"The password is incorrect\."

NOT_ATTACHABLE = r"Not an upload of yours that can still be attached: \d+ \(.*\)\."
#: What an uploaded file may be refused for, from its bytes (docs/api.md, "Uploads").
FILE_REFUSED = (
    r"The submitted file is empty\.|The image has too many pixels .*|"
    r"The file looks like \w+ but cannot be (read|decoded)\."
)
AVATAR_REFUSED = FILE_REFUSED + r"|An avatar must be a PNG, JPEG, GIF or WebP image\."
NO_DIRECT_AVATAR = r"A direct chat has no avatar of its own: it shows the other person's\."

#: (method, path) -> {field: messages}: the rules of that operation no schema can state.
RULES_NO_SCHEMA_CAN_STATE: dict[tuple[str, str], dict[str, str]] = {
    ("POST", "/api/auth/register/"): {
        "username": TAKEN,
        "email": TAKEN,
        "password": WEAK_PASSWORD,
    },
    ("PATCH", "/api/auth/me/"): {"email": TAKEN},
    ("POST", "/api/auth/email/confirm/"): {
        "token": r"This link is invalid or has expired\.",
        "email": TAKEN,
    },
    ("POST", "/api/auth/password/"): {
        "old_password": r"The current password is incorrect\.",
        "new_password": WEAK_PASSWORD,
    },
    ("POST", "/api/friends/request/"): {
        "username": r"You cannot send a friend request to yourself\.|Bots do not have friends\."
    },
    ("POST", "/api/users/{user_id}/block/"): {"non_field_errors": r"You cannot block yourself\."},
    ("POST", "/api/users/{user_id}/report/"): {"non_field_errors": r"You cannot report yourself\."},
    ("POST", "/api/messages/{id}/report/"): {
        "non_field_errors": r"You cannot report your own message\."
    },
    ("PATCH", "/api/messages/{id}/"): {"non_field_errors": NOT_EDITABLE},
    ("POST", "/api/bots/"): {"username": TAKEN + r"|You have \d+ bots already\."},
    ("POST", "/api/bots/{id}/tokens/"): {"name": r"This bot has \d+ tokens already\."},
    ("POST", "/api/conversations/{id}/webhooks/"): {
        "non_field_errors": NOT_A_GROUP,
        "name": r"This group has \d+ webhooks already\.",
    },
    ("POST", "/api/messages/"): {
        "content": r"Message content cannot be empty\.",
        "attachment_ids": NOT_ATTACHABLE + r"|The same upload is given twice\.",
        "reply_to": r"Reply to a message of this conversation that is not deleted\.",
        "client_id": r"This is the documentation's example: .*",
    },
    ("PUT", "/api/messages/{id}/reactions/{emoji}/"): {
        "emoji": NOT_ONE_EMOJI
        + r"|A message can have at most \d+ different emoji: use one it has\.",
        "non_field_errors": REACTED_DELETED,
    },
    ("DELETE", "/api/messages/{id}/reactions/{emoji}/"): {
        "emoji": NOT_ONE_EMOJI,
        "non_field_errors": REACTED_DELETED,
    },
    ("GET", "/api/messages/{id}/reactions/"): {"emoji": NOT_ONE_EMOJI},
    ("PUT", "/api/messages/{id}/pin/"): {
        "non_field_errors": r"A deleted message cannot be pinned\.|A conversation can have at "
        r"most \d+ pinned messages: unpin one first\."
    },
    ("GET", "/api/conversations/{id}/changes/"): {
        "since": r"Ahead of this conversation's last change \(\d+\): start from 0\."
    },
    ("POST", "/api/uploads/"): {"file": FILE_REFUSED},
    ("PUT", "/api/users/me/avatar/"): {"file": AVATAR_REFUSED},
    ("PUT", "/api/conversations/{id}/avatar/"): {
        "file": AVATAR_REFUSED,
        "non_field_errors": NO_DIRECT_AVATAR,
    },
    ("DELETE", "/api/conversations/{id}/avatar/"): {"non_field_errors": NO_DIRECT_AVATAR},
    ("GET", "/api/messages/conversation/{conversation_id}/"): {
        "non_field_errors": r"Use at most one of before, after, skip and around \(got .*\)\."
    },
    ("POST", "/api/conversations/"): {
        "member_user_ids": r"You cannot start a direct chat with yourself\.",
        "max_participants": CAP_BELOW_MEMBERS,
    },
    ("PATCH", "/api/conversations/{id}/"): {
        "non_field_errors": NOT_A_GROUP,
        "max_participants": CAP_BELOW_MEMBERS,
    },
    ("DELETE", "/api/conversations/{id}/"): {"non_field_errors": NOT_A_GROUP},
    ("POST", "/api/conversations/{id}/members/"): {"non_field_errors": NOT_A_GROUP},
    ("POST", "/api/conversations/{id}/leave/"): {"non_field_errors": NOT_A_GROUP},
    ("DELETE", "/api/conversations/{id}/members/{user_id}/"): {"non_field_errors": NOT_A_GROUP},
    ("POST", "/api/payments/transfers/"): {"to_user_id": r"You cannot send money to yourself\."},
    ("PATCH", "/api/conversations/{id}/members/{user_id}/"): {
        "non_field_errors": NOT_A_GROUP,
        "role": r"Hand ownership over to change your own role\.|"
        r"Must be admin or member \(hand ownership over instead\)\.",
    },
    ("POST", "/api/conversations/{id}/transfer-ownership/"): {
        "non_field_errors": NOT_A_GROUP,
        "user_id": r"You are the owner already\.",
    },
    ("POST", "/api/conversations/{id}/bans/"): {
        "non_field_errors": NOT_A_GROUP,
        "user_id": r"You cannot ban yourself: leave instead\.",
    },
    ("DELETE", "/api/conversations/{id}/bans/{user_id}/"): {"non_field_errors": NOT_A_GROUP},
    ("POST", "/api/conversations/{id}/invites/"): {"non_field_errors": NOT_A_GROUP},
    ("POST", "/api/account/delete/"): {"password": WRONG_PASSWORD},
    ("POST", "/api/auth/two-factor/totp/confirm/"): {
        "code": r"The code is not valid\. .*|Start the set-up first: .*"
    },
    ("POST", "/api/auth/two-factor/recovery-codes/"): {"password": WRONG_PASSWORD},
    ("POST", "/api/auth/two-factor/disable/"): {"password": WRONG_PASSWORD},
}

#: An invite link that is over answers 410 with one of these codes (documented per
#: operation); a stateful run revokes links and reads them again.
INVITE_OVER_CODES = {"invite_revoked", "invite_expired", "invite_used_up"}


def only_rules_no_schema_can_state(method: str, path: str, body: object) -> bool:
    """Whether a 400 body consists of the listed rules of this operation, and nothing else."""
    rules = RULES_NO_SCHEMA_CAN_STATE.get((method.upper(), path))
    if not rules or not isinstance(body, dict) or not body:
        return False
    for field, messages in body.items():
        pattern = rules.get(field)
        if pattern is None or not isinstance(messages, list) or not messages:
            return False
        if not all(isinstance(m, str) and re.fullmatch(pattern, m) for m in messages):
            return False
    return True


_RAN: set[str] = set()


def _ran(check: str) -> None:
    """Note that a check ran, in SCHEMA_FUZZ_RAN (if set): the test makes sure the hooks
    were loaded, not silently left out with the built-in checks they replace."""
    record = os.environ.get("SCHEMA_FUZZ_RAN")
    if record and check not in _RAN:
        _RAN.add(check)
        with Path(record).open("a") as out:
            out.write(f"{check}\n")


@schemathesis.check
def positive_data_acceptance_beyond_schema(ctx, response, case):
    """The built-in `positive_data_acceptance`, except for the rules listed above."""
    _ran("positive_data_acceptance_beyond_schema")
    try:
        return positive_data_acceptance(ctx, response, case)
    except RejectedPositiveData:
        if response.status_code == 400:
            try:
                body = response.json()
            except ValueError:
                body = None
            if only_rules_no_schema_can_state(case.method, case.path, body):
                return None
        if response.status_code == 410 and case.path.startswith("/api/invites/"):
            try:
                code = response.json().get("code")
            except (ValueError, AttributeError):
                code = None
            if code in INVITE_OVER_CODES:
                return None
        raise


#: A message deleted with this is still there, marked deleted (a soft delete).
SOFT_DELETE = re.compile(r"DELETE /api/messages/\d+/?")


@schemathesis.check
def use_after_free_beyond_soft_delete(ctx, response, case):
    """The built-in `use_after_free`, except after deleting a message."""
    _ran("use_after_free_beyond_soft_delete")
    try:
        return use_after_free(ctx, response, case)
    except UseAfterFree as failure:
        if SOFT_DELETE.fullmatch(failure.free):
            return None
        raise
