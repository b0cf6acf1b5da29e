"""Markdown for chat: a message's text rendered to HTML once, when it is written (send and
edit), and stored next to its source as `content_html` (docs/api.md, "Formatting").

Two walls, so that a bug in one is caught by the other:

1. **markdown-it-py** reads the text as CommonMark with raw HTML switched off (`<b>` stays
   the three characters `<b>`), and only what people use in chat: **bold**, *italic*,
   ~~strike~~, `inline code`, fenced code blocks, quotes, lists, `<autolinks>`,
   `[links](https://...)`. Headings, images, indented code, reference definitions and raw
   HTML are off; a newline is a line break. `_links_and_mentions` then turns bare
   http(s) URLs into links and `@username` of a member into a mention, outside code and
   outside link text. Link targets must be http, https or mailto (`_valid_link`).
2. **nh3** (ammonia) cleans the result with an allowlist: only the tags and attributes
   below survive, `href`s only with those three schemes (relative ones are dropped),
   every link gets `rel="noopener noreferrer nofollow"`, a `span` keeps only the class
   `mention`.

Pure functions: the caller (`messaging.services.content`) says who may be mentioned.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import nh3
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

#: `@name` not preceded by a username character (so e-mail addresses do not count); the one
#: mention syntax, for rendering and notifications (`messaging.services.mentions`).
MENTION_RE = re.compile(r"(?<![A-Za-z0-9_.@-])@([A-Za-z0-9_.-]{3,32})")
#: Link schemes a message may point to; anything else stays text.
LINK_SCHEMES = frozenset({"http", "https", "mailto"})
LINK_REL = "noopener noreferrer nofollow"
#: The tags rendering can produce; the sanitiser keeps these and nothing else.
ALLOWED_TAGS = frozenset(
    {"p", "br", "strong", "em", "s", "code", "pre", "blockquote", "ul", "ol", "li", "a", "span"}
    | {"hr"}
)
_ALLOWED_ATTRIBUTES = {
    "*": set(),  # not even ammonia's default `title`/`lang`
    "a": {"href"},
    "span": {"data-user-id"},
    "code": {"data-language"},
    "ol": {"start"},
}

#: A bare URL in text: up to whitespace or a character that cannot end one in chat.
_BARE_URL = r"https?://[^\s<>\"'`]+"
#: Bare URLs and mentions, in one pass over a text token (a URL is taken first, so
#: `https://example.com/@name` stays one link).
_TEXT_MARKS = re.compile(rf"(?P<url>{_BARE_URL})|(?P<mention>{MENTION_RE.pattern})", re.IGNORECASE)
_URL_TRAILING = ".,:;!?*_~"
_CODE_LANGUAGE = re.compile(r"[A-Za-z0-9_+#.-]{1,32}")


class Rendered(NamedTuple):
    html: str
    #: The users the text mentions (members named with `@`, outside code and link text).
    mention_ids: list[int]


def _valid_link(url: str) -> bool:
    """markdown-it's own check refuses javascript:, vbscript:, file: and data:; this one
    admits only the three schemes a chat message needs (no relative links either)."""
    scheme, colon, _ = url.partition(":")
    return bool(colon) and scheme.lower() in LINK_SCHEMES


def _trim_url(url: str) -> str:
    """A URL at the end of a sentence or in brackets: the punctuation is not part of it."""
    while url:
        last = url[-1]
        unbalanced = {")": "(", "]": "["}.get(last)
        if last in _URL_TRAILING or (unbalanced and url.count(unbalanced) < url.count(last)):
            url = url[:-1]
        else:
            break
    return url


def _text(content: str) -> Token:
    token = Token("text", "", 0)
    token.content = content
    return token


def _link(md: MarkdownIt, url: str) -> list[Token] | None:
    href = md.normalizeLink(url)
    if not md.validateLink(href):
        return None
    opening = Token("link_open", "a", 1, attrs={"href": href})
    opening.markup, opening.info = "linkify", "auto"
    closing = Token("link_close", "a", -1)
    closing.markup, closing.info = "linkify", "auto"
    return [opening, _text(url), closing]


def _mention(name: str, members: Mapping[str, int]) -> tuple[str, int] | None:
    """(the part of `name` that names a member, their id): a trailing '.'/'-' may end the
    sentence (the rule of `mentions.mentioned_names`)."""
    lowered = name.lower()
    if lowered in members:
        return name, members[lowered]
    trimmed = lowered.rstrip(".-")
    if trimmed != lowered and len(trimmed) >= 3 and trimmed in members:
        return name[: len(trimmed)], members[trimmed]
    return None


def _marked(
    md: MarkdownIt, content: str, members: Mapping[str, int], mentioned: set[int]
) -> list[Token] | None:
    """A text token's content as tokens with links and mentions, or None if it has none."""
    tokens: list[Token] = []
    position = 0
    for match in _TEXT_MARKS.finditer(content):
        start = match.start()
        if match.group("url"):
            url = _trim_url(match.group("url"))
            made = _link(md, url) if url else None
            end = start + len(url)
        else:
            found = _mention(match.group("mention")[1:], members) if members else None
            made = None
            if found is not None:
                shown, user_id = found
                mention = Token("mention", "span", 0, meta={"user_id": user_id})
                mention.content = "@" + shown
                made = [mention]
                mentioned.add(user_id)
                end = start + 1 + len(shown)
        if made is None:
            continue
        if start > position:
            tokens.append(_text(content[position:start]))
        tokens.extend(made)
        position = end
    if not tokens:
        return None
    if position < len(content):
        tokens.append(_text(content[position:]))
    return tokens


def _links_and_mentions(state: StateCore) -> None:
    """Bare URLs become links and `@member` mentions, in text outside links and code (code
    spans and blocks are tokens of their own, never `text`)."""
    members: Mapping[str, int] = state.env.get("members") or {}
    mentioned: set[int] = state.env.setdefault("mentioned", set())
    for block in state.tokens:
        if block.type != "inline" or not block.children:
            continue
        children: list[Token] = []
        in_link = 0
        for token in block.children:
            if token.type == "link_open":
                in_link += 1
            elif token.type == "link_close":
                in_link -= 1
            elif token.type == "text" and not in_link:
                marked = _marked(state.md, token.content, members, mentioned)
                if marked is not None:
                    children.extend(marked)
                    continue
            children.append(token)
        block.children = children


def _render_mention(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    token = tokens[idx]
    user_id = int(token.meta["user_id"])
    return f'<span class="mention" data-user-id="{user_id}">{escapeHtml(token.content)}</span>'


def _render_fence(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    """A fenced block as `<pre><code data-language=...>`: the language is a hint for
    highlighting, kept only when it looks like a language name."""
    token = tokens[idx]
    words = token.info.strip().split()
    language = words[0] if words and _CODE_LANGUAGE.fullmatch(words[0]) else ""
    attribute = f' data-language="{escapeHtml(language)}"' if language else ""
    return f"<pre><code{attribute}>{escapeHtml(token.content)}</code></pre>\n"


def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "breaks": True, "linkify": False})
    md.disable(["heading", "lheading", "image", "code", "reference", "html_block", "html_inline"])
    md.enable("strikethrough")
    md.validateLink = _valid_link  # type: ignore[method-assign]
    md.core.ruler.push("chat_links_and_mentions", _links_and_mentions)
    md.add_render_rule("mention", _render_mention)
    md.add_render_rule("fence", _render_fence)
    return md


_MARKDOWN = _parser()
_CLEANER = nh3.Cleaner(
    tags=set(ALLOWED_TAGS),
    attributes=_ALLOWED_ATTRIBUTES,
    allowed_classes={"span": {"mention"}},
    url_schemes=set(LINK_SCHEMES),
    url_relative="deny",
    link_rel=LINK_REL,
    strip_comments=True,
    clean_content_tags={"script", "style"},
)


def render(text: str, members: Mapping[str, int] | None = None) -> Rendered:
    """`text` as sanitised HTML, and whom it mentions. `members` maps lower-cased usernames
    of the people who may be mentioned to their ids (None: no mentions)."""
    env: dict[str, Any] = {"members": members or {}}
    html = _MARKDOWN.render(text, env)
    return Rendered(_CLEANER.clean(html).strip(), sorted(env.get("mentioned", ())))
