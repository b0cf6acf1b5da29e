"""What a reaction may be: exactly one emoji, as a user's emoji keyboard types it.

One emoji is one *emoji sequence* of Unicode's UTS #51: a pictograph with an optional
presentation selector (U+FE0F) or skin tone (U+1F3FB-1F3FF), several of those joined by
ZERO WIDTH JOINER (families, professions, 🏳️‍🌈), a flag (two regional indicators), a
keycap (1️⃣) or a tag sequence (🏴󠁧󠁢󠁳󠁣󠁴󠁿). Text, two emoji, a lone modifier or joiner, and
`:shortcodes:` are refused: the server has no custom emoji, and a shortcode is the picker's
business (a client translates `:+1:` to 👍 before sending), so one emoji never has two
spellings that would count as two reactions.

Reactions are compared exactly as sent (no normalisation): send the fully-qualified form
that emoji keyboards produce (`❤️` is U+2764 U+FE0F). "Pictograph" is the Extended_
Pictographic ranges of the Unicode emoji data, kept here as ranges (the standard library
has no emoji properties).
"""

from __future__ import annotations

import bisect

#: At most this many code points in one emoji (the longest standard sequences have ten).
EMOJI_MAX_CODE_POINTS = 16

_ZWJ = 0x200D
_VS16 = 0xFE0F
_KEYCAP = 0x20E3
_BLACK_FLAG = 0x1F3F4
_CANCEL_TAG = 0xE007F

#: Extended_Pictographic, as ranges (inclusive). Regional indicators and skin tones are
#: not in it: they only count inside a flag or after a pictograph.
_PICTOGRAPHIC = (
    (0x00A9, 0x00A9),
    (0x00AE, 0x00AE),
    (0x203C, 0x203C),
    (0x2049, 0x2049),
    (0x2122, 0x2122),
    (0x2139, 0x2139),
    (0x2194, 0x2199),
    (0x21A9, 0x21AA),
    (0x231A, 0x231B),
    (0x2328, 0x2328),
    (0x2388, 0x2388),
    (0x23CF, 0x23CF),
    (0x23E9, 0x23F3),
    (0x23F8, 0x23FA),
    (0x24C2, 0x24C2),
    (0x25AA, 0x25AB),
    (0x25B6, 0x25B6),
    (0x25C0, 0x25C0),
    (0x25FB, 0x25FE),
    (0x2600, 0x2605),
    (0x2607, 0x2612),
    (0x2614, 0x2685),
    (0x2690, 0x2705),
    (0x2708, 0x2712),
    (0x2714, 0x2714),
    (0x2716, 0x2716),
    (0x271D, 0x271D),
    (0x2721, 0x2721),
    (0x2728, 0x2728),
    (0x2733, 0x2734),
    (0x2744, 0x2744),
    (0x2747, 0x2747),
    (0x274C, 0x274C),
    (0x274E, 0x274E),
    (0x2753, 0x2755),
    (0x2757, 0x2757),
    (0x2763, 0x2767),
    (0x2795, 0x2797),
    (0x27A1, 0x27A1),
    (0x27B0, 0x27B0),
    (0x27BF, 0x27BF),
    (0x2934, 0x2935),
    (0x2B05, 0x2B07),
    (0x2B1B, 0x2B1C),
    (0x2B50, 0x2B50),
    (0x2B55, 0x2B55),
    (0x3030, 0x3030),
    (0x303D, 0x303D),
    (0x3297, 0x3297),
    (0x3299, 0x3299),
    (0x1F000, 0x1F0FF),
    (0x1F10D, 0x1F10F),
    (0x1F12F, 0x1F12F),
    (0x1F16C, 0x1F171),
    (0x1F17E, 0x1F17F),
    (0x1F18E, 0x1F18E),
    (0x1F191, 0x1F19A),
    (0x1F1AD, 0x1F1E5),
    (0x1F201, 0x1F20F),
    (0x1F21A, 0x1F21A),
    (0x1F22F, 0x1F22F),
    (0x1F232, 0x1F23A),
    (0x1F23C, 0x1F23F),
    (0x1F249, 0x1F3FA),
    (0x1F400, 0x1F53D),
    (0x1F546, 0x1F64F),
    (0x1F680, 0x1F6FF),
    (0x1F774, 0x1F77F),
    (0x1F7D5, 0x1F7FF),
    (0x1F80C, 0x1F80F),
    (0x1F848, 0x1F84F),
    (0x1F85A, 0x1F85F),
    (0x1F888, 0x1F88F),
    (0x1F8AE, 0x1F8FF),
    (0x1F90C, 0x1F93A),
    (0x1F93C, 0x1F945),
    (0x1F947, 0x1FAFF),
    (0x1FC00, 0x1FFFD),
)
_STARTS = [start for start, _ in _PICTOGRAPHIC]


def _pictographic(code: int) -> bool:
    index = bisect.bisect_right(_STARTS, code) - 1
    return index >= 0 and code <= _PICTOGRAPHIC[index][1]


def _regional_indicator(code: int) -> bool:
    return 0x1F1E6 <= code <= 0x1F1FF


def _skin_tone(code: int) -> bool:
    return 0x1F3FB <= code <= 0x1F3FF


def _tag(code: int) -> bool:
    return 0xE0020 <= code <= 0xE007E


def _element_end(codes: list[int], start: int) -> int:
    """The index after one ZWJ element starting at `start`, or -1 if there is none there:
    a pictograph, then at most one U+FE0F, then at most one skin tone."""
    if start >= len(codes) or not _pictographic(codes[start]):
        return -1
    index = start + 1
    if index < len(codes) and codes[index] == _VS16:
        index += 1
    if index < len(codes) and _skin_tone(codes[index]):
        index += 1
    return index


def _zwj_sequence(codes: list[int]) -> bool:
    index = _element_end(codes, 0)
    while index != -1 and index < len(codes):
        if codes[index] != _ZWJ:
            return False
        index = _element_end(codes, index + 1)
    return index == len(codes)


def _keycap(codes: list[int]) -> bool:
    base = codes[0] < 0x80 and (chr(codes[0]).isdigit() or chr(codes[0]) in "#*")
    return base and codes[1:] in ([_VS16, _KEYCAP], [_KEYCAP])


def _tag_sequence(codes: list[int]) -> bool:
    return (
        len(codes) >= 3
        and codes[0] == _BLACK_FLAG
        and codes[-1] == _CANCEL_TAG
        and all(_tag(code) for code in codes[1:-1])
    )


def is_emoji(text: object) -> bool:
    """Whether `text` is exactly one emoji (see the module docstring)."""
    if not isinstance(text, str) or not text:
        return False
    codes = [ord(char) for char in text]
    if len(codes) > EMOJI_MAX_CODE_POINTS:
        return False
    if len(codes) == 2 and all(_regional_indicator(code) for code in codes):
        return True
    return _keycap(codes) or _tag_sequence(codes) or _zwj_sequence(codes)
