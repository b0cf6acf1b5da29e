"""messaging.emoji: what a reaction may be — exactly one emoji, as keyboards type it."""

import pytest

from messaging.emoji import EMOJI_MAX_CODE_POINTS, is_emoji


@pytest.mark.parametrize(
    "emoji",
    [
        "👍",
        "👍🏽",  # skin tone
        "❤️",  # with the emoji presentation selector
        "❤",  # without it (a different reaction: compared as sent)
        "⭐",
        "✅",
        "©️",
        "🫠",
        "👨‍👩‍👧‍👦",  # ZWJ family
        "🧑🏽‍💻",  # skin tone inside a ZWJ sequence
        "👩🏻‍🤝‍👨🏿",
        "🏳️‍🌈",
        "🏳️‍⚧️",
        "👁️‍🗨️",
        "🐦‍🔥",
        "🙂‍↔️",
        "🇫🇷",  # flag: two regional indicators
        "🏴󠁧󠁢󠁳󠁣󠁴󠁿",  # tag sequence (Scotland)
        "1️⃣",  # keycaps
        "#️⃣",
        "*⃣",
    ],
)
def test_one_emoji(emoji):
    assert is_emoji(emoji)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "a",
        "1",
        "ok",
        ":+1:",  # shortcodes are the client's: it sends the emoji
        ":thumbsup:",
        "👍👍",  # two emoji
        "👍 ",
        " 👍",
        "🇫",  # half a flag
        "🇫🇷🇩🇪",
        "🇫🇷\ufe0f",
        "🏽",  # a skin tone alone
        "\u200d",
        "👍\u200d",  # dangling joiner
        "\u200d👍",
        "👍\ufe0e",  # text presentation
        "x\u20e3",
        "1\u20e3\u20e3",
        "\U000e0067",  # a tag alone
        "🏴\U000e0067",  # a tag sequence without its end
        "<script>",
        "👍" + "\u200d👍" * EMOJI_MAX_CODE_POINTS,  # too long
        None,
        7,
        ["👍"],
    ],
)
def test_not_one_emoji(text):
    assert not is_emoji(text)
