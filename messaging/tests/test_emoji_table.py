"""The web UI's emoji table (static/chat/lib/emoji_table.js) offers only what the server
takes: every emoji in it is one reaction by `messaging.emoji.is_emoji`, so a pick from the
picker is never refused with 400."""

import json
import re
from pathlib import Path

from messaging.emoji import is_emoji

TABLE = Path(__file__).resolve().parents[2] / "static/chat/lib/emoji_table.js"
ENTRY = re.compile(r'\[("(?:[^"\\]|\\.)*"), ("(?:[^"\\]|\\.)*"), ("(?:[^"\\]|\\.)*")\]')


def entries() -> list[tuple[str, str, str]]:
    text = TABLE.read_text(encoding="utf-8")
    start = text.index("export const EMOJI = [")
    table = text[start : text.index("\n];", start)]
    return [tuple(json.loads(part) for part in match.groups()) for match in ENTRY.finditer(table)]


def frequent() -> list[str]:
    text = TABLE.read_text(encoding="utf-8")
    line = next(line for line in text.splitlines() if "DEFAULT_FREQUENT = [" in line)
    return json.loads(line[line.index("[") : line.rindex("]") + 1])


def test_every_emoji_of_the_table_is_one_reaction_the_server_takes():
    table = entries()
    assert len(table) > 300
    refused = [(emoji, name) for emoji, name, _ in table if not is_emoji(emoji)]
    assert refused == []


def test_the_table_names_each_emoji_once_and_has_the_frequent_ones():
    table = entries()
    emoji = [entry[0] for entry in table]
    names = [entry[1] for entry in table]
    assert len(set(emoji)) == len(emoji)
    assert len(set(names)) == len(names)
    assert all(name.strip() and name == name.strip() for name in names)
    assert set(frequent()) <= set(emoji)
    assert "❤️" in emoji and "❤" not in emoji  # fully qualified, as keyboards type it
