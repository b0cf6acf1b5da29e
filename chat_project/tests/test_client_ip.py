"""The client address: X-Forwarded-For only as far as our own proxies wrote it."""

import pytest
from django.test import RequestFactory

from chat_project.client_ip import (
    UNTRUSTED_FORWARDED,
    client_ip,
    parse_trusted_proxies,
    rate_limit_ident,
    resolve,
)

PROXIES = parse_trusted_proxies(["10.0.0.0/8", "192.0.2.1"])


@pytest.mark.parametrize(
    "remote_addr,forwarded_for,expected",
    [
        # Not from a proxy of ours: the header is the client's own claim.
        ("203.0.113.5", "1.1.1.1", "203.0.113.5"),
        ("127.0.0.1", "1.1.1.1", "127.0.0.1"),
        # From our proxy: the address it received the request from.
        ("192.0.2.1", "198.51.100.7", "198.51.100.7"),
        # A client that sends its own header gets its real address appended after it.
        ("192.0.2.1", "6.6.6.6, 198.51.100.7", "198.51.100.7"),
        # Two proxies of ours in a row.
        ("10.1.1.1", "6.6.6.6, 198.51.100.7, 10.2.2.2", "198.51.100.7"),
        # Every hop is ours: the first one is all we know.
        ("10.1.1.1", "10.3.3.3, 10.2.2.2", "10.3.3.3"),
        # Garbage before reaching a foreign address: the last hop we trust.
        ("10.1.1.1", "junk", "10.1.1.1"),
        ("10.1.1.1", "6.6.6.6, junk, 10.2.2.2", "10.2.2.2"),
        # Ports and brackets as some proxies write them; IPv4-mapped IPv6.
        ("192.0.2.1", "198.51.100.7:4711", "198.51.100.7"),
        ("192.0.2.1", "[2001:db8::1]:443", "2001:db8::1"),
        ("::ffff:192.0.2.1", "198.51.100.7", "198.51.100.7"),
        # No header.
        ("192.0.2.1", "", "192.0.2.1"),
    ],
)
def test_resolve(remote_addr, forwarded_for, expected):
    assert resolve(remote_addr, forwarded_for, PROXIES) == expected


def test_without_trusted_proxies_the_header_is_ignored():
    assert resolve("192.0.2.1", "198.51.100.7", ()) == "192.0.2.1"
    assert resolve("192.0.2.1", "", ()) == "192.0.2.1"


@pytest.mark.parametrize("forwarded_for", ["6.6.6.6", "1.1.1.1, 6.6.6.6", "6.6.6.6:4711"])
def test_a_peer_the_server_took_from_the_header_is_not_believed(forwarded_for):
    """uvicorn's default proxy handling replaces a loopback peer with the header's
    address; with no trusted proxy configured, such clients share one bucket."""
    assert resolve("6.6.6.6", forwarded_for, ()) == UNTRUSTED_FORWARDED
    # Configured proxies: the server was given the same list, the rewrite is ours.
    assert resolve("6.6.6.6", forwarded_for, PROXIES) == "6.6.6.6"


def test_client_ip_reads_the_setting(settings):
    request = RequestFactory().get(
        "/", REMOTE_ADDR="192.0.2.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.7"
    )
    settings.TRUSTED_PROXIES = []
    assert client_ip(request) == "192.0.2.1"
    settings.TRUSTED_PROXIES = ["192.0.2.0/24"]
    assert client_ip(request) == "198.51.100.7"


def test_a_bad_trusted_proxy_entry_is_refused():
    with pytest.raises(ValueError):
        parse_trusted_proxies(["10.0.0.0/8", "proxy.example.com"])


def test_ipv6_clients_are_rate_limited_per_64():
    assert rate_limit_ident("2001:db8:1:2:aaaa::1") == rate_limit_ident("2001:db8:1:2:bbbb::9")
    assert rate_limit_ident("2001:db8:1:2::1") == "2001:db8:1:2::/64"
    assert rate_limit_ident("2001:db8:1:3::1") != rate_limit_ident("2001:db8:1:2::1")
    assert rate_limit_ident("198.51.100.7") == "198.51.100.7"
