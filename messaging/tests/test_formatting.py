"""messaging.formatting: Markdown as chat uses it, rendered to HTML that is always inert.

The XSS corpus is the OWASP XSS filter evasion cheat sheet's vectors (raw HTML, event
handlers, `javascript:`/`vbscript:`/`data:` URLs plain, mixed-case, entity-encoded and
split by whitespace), plus what Markdown adds (link and image syntax, autolinks,
reference definitions, code fences, nesting). Every output is parsed and must hold only
the allowed tags and attributes, links only to http, https or mailto.
"""

from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest

from messaging.formatting import ALLOWED_TAGS, LINK_REL, LINK_SCHEMES, render

MEMBERS = {"bob": 2, "carol.k": 3}


def html(text: str, members: dict[str, int] | None = None) -> str:
    return render(text, members).html


# --- what chat Markdown does --------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("**bold** and __bold__", "<p><strong>bold</strong> and <strong>bold</strong></p>"),
        ("*italic* and _italic_", "<p><em>italic</em> and <em>italic</em></p>"),
        ("~~gone~~", "<p><s>gone</s></p>"),
        ("use `x < y`", "<p>use <code>x &lt; y</code></p>"),
        ("one\ntwo", "<p>one<br>\ntwo</p>"),
        ("> quoted", "<blockquote>\n<p>quoted</p>\n</blockquote>"),
        ("- a\n- b", "<ul>\n<li>a</li>\n<li>b</li>\n</ul>"),
        ("3. c\n4. d", '<ol start="3">\n<li>c</li>\n<li>d</li>\n</ol>'),
        (
            "```python\nif a < b:\n    pass\n```",
            '<pre><code data-language="python">if a &lt; b:\n    pass\n</code></pre>',
        ),
        ("```\nplain\n```", "<pre><code>plain\n</code></pre>"),
        ('```"><b>\nx\n```', "<pre><code>x\n</code></pre>"),  # not a language: dropped
        (
            "[docs](https://example.com/a?b=1&c=2)",
            '<p><a href="https://example.com/a?b=1&amp;c=2" rel="noopener noreferrer nofollow">'
            "docs</a></p>",
        ),
        (
            "<https://example.com>",
            '<p><a href="https://example.com" rel="noopener noreferrer nofollow">'
            "https://example.com</a></p>",
        ),
        (
            "mail <ann@example.com>",
            '<p>mail <a href="mailto:ann@example.com" rel="noopener noreferrer nofollow">'
            "ann@example.com</a></p>",
        ),
        ("<b>not html</b>", "<p>&lt;b&gt;not html&lt;/b&gt;</p>"),
        ("# not a heading", "<p># not a heading</p>"),
        ("    not code", "<p>not code</p>"),
        (
            "![alt](https://example.com/i.png)",
            "<p>!"
            '<a href="https://example.com/i.png" rel="noopener noreferrer nofollow">alt</a></p>',
        ),
        (
            "[ref]\n\n[ref]: https://example.com",
            "<p>[ref]</p>\n<p>[ref]: "
            '<a href="https://example.com" rel="noopener noreferrer nofollow">'
            "https://example.com</a></p>",
        ),
    ],
)
def test_chat_markdown(text, expected):
    assert html(text) == expected


@pytest.mark.parametrize(
    ("text", "links"),
    [
        ("see https://example.com.", ["https://example.com"]),
        ("(https://example.com/x)", ["https://example.com/x"]),
        (
            "https://en.wikipedia.org/wiki/Fish_(disambiguation)!",
            ["https://en.wikipedia.org/wiki/Fish_(disambiguation)"],
        ),
        (
            "two: http://a.example, https://b.example/p?q=1;",
            ["http://a.example", "https://b.example/p?q=1"],
        ),
        ("https://example.com/@bob", ["https://example.com/@bob"]),
        ("`https://example.com` in code", []),
        ("ftp://example.com and www.example.com", []),
    ],
)
def test_bare_urls_become_links(text, links):
    parser = _Parsed(html(text, MEMBERS))
    assert [dict(attrs)["href"] for tag, attrs in parser.elements if tag == "a"] == links


def mention(user_id: int, shown: str) -> str:
    return f'<span class="mention" data-user-id="{user_id}">{shown}</span>'


@pytest.mark.parametrize(
    ("text", "expected", "ids"),
    [
        ("hi @bob", f"<p>hi {mention(2, '@bob')}</p>", [2]),
        (
            "@BOB and @Carol.K.",
            f"<p>{mention(2, '@BOB')} and {mention(3, '@Carol.K')}.</p>",
            [2, 3],
        ),
        ("@dave is not here", "<p>@dave is not here</p>", []),
        ("mail bob@example.com", "<p>mail bob@example.com</p>", []),
        ("`@bob` in code", "<p><code>@bob</code> in code</p>", []),
        ("```\n@bob\n```", "<pre><code>@bob\n</code></pre>", []),
        (
            "[@bob](https://example.com)",
            '<p><a href="https://example.com" rel="noopener noreferrer nofollow">@bob</a></p>',
            [],
        ),
        ("**@bob**", f"<p><strong>{mention(2, '@bob')}</strong></p>", [2]),
    ],
)
def test_mentions_of_members_are_marked(text, expected, ids):
    rendered = render(text, MEMBERS)
    assert (rendered.html, rendered.mention_ids) == (expected, ids)


def test_without_members_nobody_is_mentioned():
    assert render("hi @bob") == ("<p>hi @bob</p>", [])


# --- the XSS corpus -------------------------------------------------------------------------

OWASP = [
    "<script>alert('XSS')</script>",
    "<SCRIPT SRC=https://xss.rocks/xss.js></SCRIPT>",
    "javascript:/*--></title></style></textarea></script></xmp><svg/onload='+/\"/+/"
    "onmouseover=1/+/[*/[]/+alert(1)//'>",
    "<IMG SRC=\"javascript:alert('XSS');\">",
    "<IMG SRC=javascript:alert('XSS')>",
    "<IMG SRC=JaVaScRiPt:alert('XSS')>",
    "<IMG SRC=`javascript:alert(\"RSnake says, 'XSS'\")`>",
    '<a onmouseover="alert(document.cookie)">xxs link</a>',
    "<a onmouseover=alert(document.cookie)>xxs link</a>",
    '<IMG """><SCRIPT>alert("XSS")</SCRIPT>"\\>',
    "<IMG SRC=javascript:alert(String.fromCharCode(88,83,83))>",
    "<IMG SRC=# onmouseover=\"alert('xxs')\">",
    '<IMG SRC=/ onerror="alert(String.fromCharCode(88,83,83))"></img>',
    '<img src=x onerror="&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114'
    "&#0000105&#0000112&#0000116&#0000058&#0000097&#0000108&#0000101&#0000114&#0000116"
    '&#0000040&#0000039&#0000088&#0000083&#0000083&#0000039&#0000041">',
    "<IMG SRC=&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;&#97;&#108;"
    "&#101;&#114;&#116;&#40;&#39;&#88;&#83;&#83;&#39;&#41;>",
    "<IMG SRC=&#x6A&#x61&#x76&#x61&#x73&#x63&#x72&#x69&#x70&#x74&#x3A&#x61&#x6C&#x65&#x72"
    "&#x74&#x28&#x27&#x58&#x53&#x53&#x27&#x29>",
    "<IMG SRC=\"jav\tascript:alert('XSS');\">",
    "<IMG SRC=\"jav&#x09;ascript:alert('XSS');\">",
    "<IMG SRC=\"jav&#x0A;ascript:alert('XSS');\">",
    "<IMG SRC=\" &#14;  javascript:alert('XSS');\">",
    '<SCRIPT/XSS SRC="https://xss.rocks/xss.js"></SCRIPT>',
    '<BODY onload!#$%&()*~+-_.,:;?@[/|\\]^`=alert("XSS")>',
    '<<SCRIPT>alert("XSS");//\\<</SCRIPT>',
    "<SCRIPT SRC=//xss.rocks/.j>",
    "<IMG SRC=\"`<javascript:alert>`('XSS')\"",
    "<iframe src=http://xss.rocks/scriptlet.html <",
    '</TITLE><SCRIPT>alert("XSS");</SCRIPT>',
    '<INPUT TYPE="IMAGE" SRC="javascript:alert(\'XSS\');">',
    "<BODY BACKGROUND=\"javascript:alert('XSS')\">",
    "<IMG DYNSRC=\"javascript:alert('XSS')\">",
    "<STYLE>li {list-style-image: url(\"javascript:alert('XSS')\");}</STYLE><UL><LI>XSS</br>",
    "<svg/onload=alert('XSS')>",
    "<BODY ONLOAD=alert('XSS')>",
    "<BGSOUND SRC=\"javascript:alert('XSS');\">",
    '<LINK REL="stylesheet" HREF="javascript:alert(\'XSS\');">',
    '<META HTTP-EQUIV="refresh" CONTENT="0;url=data:text/html base64,'
    'PHNjcmlwdD5hbGVydCgnWFNTJyk8L3NjcmlwdD4K">',
    "<IFRAME SRC=\"javascript:alert('XSS');\"></IFRAME>",
    "<FRAMESET><FRAME SRC=\"javascript:alert('XSS');\"></FRAMESET>",
    "<TABLE BACKGROUND=\"javascript:alert('XSS')\">",
    "<DIV STYLE=\"background-image: url(javascript:alert('XSS'))\">",
    "<DIV STYLE=\"width: expression(alert('XSS'));\">",
    "<!--[if gte IE 4]><SCRIPT>alert('XSS');</SCRIPT><![endif]-->",
    "<BASE HREF=\"javascript:alert('XSS');//\">",
    '<OBJECT TYPE="text/x-scriptlet" DATA="https://xss.rocks/scriptlet.html"></OBJECT>',
    '<EMBED SRC="data:image/svg+xml;base64,PHN2ZyB4bWxuczpzdmc9Imh0dH A6Ly93d3cudzMub3JnLzIwMD'
    "Avc3ZnIiB4bWxucz0iaHR0cDovL3d3dy53My5vcmcv MjAwMC9zdmciPjxzY3JpcHQ+YWxlcnQoMSk8L3NjcmlwdD4"
    '8L3N2Zz4=" type="image/svg+xml" AllowScriptAccess="always"></EMBED>',
    '<a href="javascript:alert(1)">x</a>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
]

MARKDOWN = [
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x](javascript&#58;alert(1))",
    "[x](&#x6A;avascript:alert(1))",
    "[x](&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1))",
    "[x](java%0ascript:alert(1))",
    "[x](<javascript:alert(1)>)",
    "[x](  javascript:alert(1)  )",
    "[x](vbscript:msgbox(1))",
    "[x](VBSCRIPT:msgbox(1))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[x](DATA:text/html,<script>alert(1)</script>)",
    "[x](file:///etc/passwd)",
    "[x](//evil.example/path)",
    "[x](/relative/path)",
    "[x](#fragment)",
    "<javascript:alert(1)>",
    "<JAVASCRIPT:alert(1)>",
    "<vbscript:alert(1)>",
    "<data:text/html,alert(1)>",
    "![x](javascript:alert(1))",
    '![x](https://evil.example/x.png" onerror="alert(1))',
    '[x](https://ok.example "onmouseover=alert(1)")',
    '[x](https://ok.example" onmouseover="alert(1))',
    "[a]: javascript:alert(1)\n\n[a]",
    "[a]\n\n[a]: javascript:alert(1)",
    "**<script>alert(1)</script>**",
    "_<img src=x onerror=alert(1)>_",
    "```html\n<script>alert(1)</script>\n```",
    '```"><img src=x onerror=alert(1)>\ncode\n```',
    "```javascript:alert(1)\ncode\n```",
    "> <img src=x onerror=alert(1)>",
    "- <svg onload=alert(1)>",
    "1. <iframe src=javascript:alert(1)>",
    "[<img src=x onerror=alert(1)>](https://ok.example)",
    "[![x](javascript:alert(1))](https://ok.example)",
    "[[x](javascript:alert(1))](https://ok.example)",
    "[x](https://ok.example)(javascript:alert(1))",
    "*[x](javascript:alert(1))*",
    "~~[x](javascript:alert(1))~~",
    "`[x](javascript:alert(1))`",
    "@<script>alert(1)</script>",
    "@bob<script>alert(1)</script>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "&#60;script&#62;alert(1)&#60;/script&#62;",
    "&#x3C;img src=x onerror=alert(1)&#x3E;",
    'https://example.com/"><script>alert(1)</script>',
    "https://example.com/<img/src=x/onerror=alert(1)>",
    "http://a.example/`onmouseover=alert(1)`",
    "https://a.example/'onmouseover='alert(1)",
    '<https://ok.example/" onclick="alert(1)>',
    "<https://ok.example/'onclick='alert(1)>",
    '[x](https://ok.example/"onmouseover="alert(1))',
    "[x](\njavascript:alert(1))",
    "[x](java\\script:alert(1))",
    '<a href="https://ok.example" onclick="alert(1)">x</a>',
    '<span class="mention" data-user-id="1">@admin</span>',
    '<p style="background:url(javascript:alert(1))">x</p>',
]

#: Attributes each allowed tag may carry (nh3 adds `rel` to links).
ALLOWED_ATTRIBUTES = {
    "a": {"href", "rel"},
    "span": {"class", "data-user-id"},
    "code": {"data-language"},
    "ol": {"start"},
}


class _Parsed(HTMLParser):
    """Every element of an HTML fragment, with its attributes (entities decoded)."""

    def __init__(self, markup: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.comments: list[str] = []
        self.feed(markup)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, attrs))

    def handle_startendtag(self, tag, attrs):
        self.elements.append((tag, attrs))

    def handle_comment(self, data):
        self.comments.append(data)


def assert_inert(markup: str) -> None:
    parsed = _Parsed(markup)
    assert not parsed.comments, markup
    for tag, attrs in parsed.elements:
        assert tag in ALLOWED_TAGS, markup
        for name, value in attrs:
            assert name in ALLOWED_ATTRIBUTES.get(tag, set()), markup
            assert value is not None, markup
            if name == "href":
                parts = urlsplit(value.strip())
                assert parts.scheme in LINK_SCHEMES, markup
                assert parts.scheme != "mailto" or "@" in value, markup
            elif name == "rel":
                assert value == LINK_REL, markup
            elif name == "class":
                assert value == "mention", markup
            elif name in {"data-user-id", "start"}:
                assert value.isdigit(), markup
    lowered = markup.lower()
    for tag in ("<script", "<img", "<svg", "<iframe", "<style", "<math", "<object", "<embed"):
        assert tag not in lowered, markup  # only ever as escaped text (`&lt;script`)


@pytest.mark.parametrize("vector", OWASP + MARKDOWN)
def test_xss_corpus_renders_inert(vector):
    assert_inert(html(vector, MEMBERS))


def test_no_url_scheme_but_the_three_becomes_a_link():
    for scheme in ("javascript", "vbscript", "data", "file", "ftp", "tel", "blob", "about"):
        markup = html(f"[x]({scheme}:alert(1)) <{scheme}:alert(1)> {scheme}://example.com")
        assert "<a " not in markup, markup
