"""The web UI translates the server's refusals by their sentence (static/chat/lib/errors.js,
for codes such as `permission_denied` that cover many): each English sentence it knows must
still be one the server writes, else a reworded message silently stops being translated.
"""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ERRORS_JS = ROOT / "static" / "chat" / "lib" / "errors.js"
APPS = ["accounts", "chat_project", "conversations", "friends", "leaving", "messaging", "payments"]
# The sentences with a value in them, as errors.js matches them: their fixed part.
PATTERNS = [
    "You are muted {where} until {mute.ends_at:%Y-%m-%d %H:%M} UTC.",
    '"in this conversation" if mute.conversation_id else "everywhere"',
    "One transfer may send at most {limit}.",
    "This transfer would take you over the daily limit of {limit}.",
    "A conversation can have at most {cap} pinned messages: unpin one first.",
]


def server_source() -> str:
    files = (
        path
        for app in APPS
        for path in (ROOT / app).rglob("*.py")
        if "tests" not in path.parts and "migrations" not in path.parts
    )
    return "\n".join(path.read_text() for path in files)


def known_sentences() -> list[str]:
    return re.findall(r'^\s*"([^"]+)": gettext\(', ERRORS_JS.read_text(), re.MULTILINE)


def test_every_sentence_the_ui_translates_is_still_the_servers() -> None:
    source = server_source()
    sentences = known_sentences()
    assert len(sentences) > 20
    missing = [s for s in sentences if f'"{s}"' not in source]
    assert not missing, f"errors.js translates sentences the server no longer writes: {missing}"


def test_the_sentences_with_values_are_still_written_so() -> None:
    source = server_source()
    assert [p for p in PATTERNS if p not in source] == []
