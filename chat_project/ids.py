"""Database ids: PostgreSQL bigints from 1 — the one bound, the one URL pattern, the one check.

Anything that is not a plausible id (text, a bool, 0, a number past the bigint) names
nothing, so it is a not-found, never a 400 or a 500: ids leak nothing, and garbage never
reaches the database (SQLite cannot even bind an integer past 2**63 - 1). This module is
apart from the API edge (`chat_project.api`) because services and selectors check the ids
of every caller — the admin, the WebSocket consumer, other services — not only of URLs.
"""

from django.http import Http404

#: The largest id: a PostgreSQL bigint (`BigAutoField`).
MAX_ID = 2**63 - 1

#: An id in a URL (`lookup_value_regex` of every viewset): 1 to 19 digits, so anything else
#: matches no route and gets the API's JSON 404. The digits may still be 0 or past
#: `MAX_ID`: the selector or service the view calls finds nothing for those (a not-found).
ID_PATTERN = r"[0-9]{1,19}"


def id_or_404(value: object, not_found: str) -> int:
    """`value` as an id (an int, or ASCII digits in a string), else Http404(not_found)."""
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and value.isascii() and value.isdigit():
        number = int(value)
    else:
        raise Http404(not_found)
    if not 1 <= number <= MAX_ID:
        raise Http404(not_found)
    return number
