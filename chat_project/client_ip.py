"""The client's IP address: the one place that reads REMOTE_ADDR and X-Forwarded-For.

`X-Forwarded-For` is written by whoever sends the request, so it is believed only as far
as it was written by a proxy of ours: `TRUSTED_PROXIES` (IPs or CIDR networks, empty by
default). Starting from the connection's peer, the header is walked from the right (each
proxy appends the address it received the request from) while the address in hand is a
trusted proxy; the first address that is not one is the client. With no trusted proxy,
or a peer that is not one, the header is ignored and the peer is the client.

Every consumer of a client address uses this module: the DRF throttles (their
`get_ident`), the login guard and its log lines. uvicorn in the Docker image is given the
same list (`--forwarded-allow-ips`), so its `scope["client"]` and access log agree.

An ASGI server may already have replaced the peer with an address from the header
(uvicorn does by default for loopback peers), and then the real peer is lost. With no
trusted proxy configured, a peer that is one of the header's own entries is such a
rewrite: it is not believed, and all those requests share one address,
`UNTRUSTED_FORWARDED` (so rotating the header gains nothing), with a warning in the log.
"""

import ipaddress
import logging
from functools import lru_cache
from typing import Any

from django.conf import settings

logger = logging.getLogger(__name__)

#: The client of every request whose peer the server took from X-Forwarded-For
#: although no proxy is trusted (see above).
UNTRUSTED_FORWARDED = "untrusted-forwarded"
_warned = False

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

#: An IPv6 client usually holds a whole /64: rate limits count per /64, not per address.
IPV6_RATE_LIMIT_PREFIX = 64


def parse_trusted_proxies(values: list[str] | tuple[str, ...]) -> tuple[Network, ...]:
    """`TRUSTED_PROXIES` as networks; raises ValueError on an entry that is neither."""
    return tuple(ipaddress.ip_network(value.strip(), strict=False) for value in values if value)


@lru_cache(maxsize=8)
def _trusted(values: tuple[str, ...]) -> tuple[Network, ...]:
    return parse_trusted_proxies(values)


def _address(value: str) -> IPAddress | None:
    """An address from a REMOTE_ADDR or one X-Forwarded-For entry (`1.2.3.4:80` and
    `[::1]:80` allowed), IPv4-mapped IPv6 as IPv4; None when it is not one."""
    value = value.strip()
    if value.startswith("["):
        value = value[1 : value.find("]")] if "]" in value else value
    elif value.count(":") == 1:
        value = value.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _rewritten_by_server(peer: IPAddress, forwarded_for: str) -> bool:
    """Whether the server took the peer from the header: it is one of its entries."""
    if not any(_address(entry) == peer for entry in forwarded_for.split(",")):
        return False
    global _warned
    if not _warned:
        _warned = True
        logger.warning(
            "The ASGI server took the client address from X-Forwarded-For, but "
            "TRUSTED_PROXIES is empty: such clients share one rate-limit bucket. Run "
            "uvicorn with --forwarded-allow-ips set to TRUSTED_PROXIES (or "
            "--no-proxy-headers)."
        )
    return True


def resolve(remote_addr: str, forwarded_for: str, trusted: tuple[Network, ...]) -> str:
    """The client address for a connection from `remote_addr` carrying `forwarded_for`."""
    peer = _address(remote_addr or "")
    if peer is None:
        return remote_addr or ""
    client = peer
    if not forwarded_for:
        return str(client)
    if not trusted:
        return UNTRUSTED_FORWARDED if _rewritten_by_server(peer, forwarded_for) else str(peer)
    for entry in reversed(forwarded_for.split(",")):
        if not any(client in network for network in trusted):
            break  # `client` is not ours: whatever it wrote further left is its claim
        address = _address(entry)
        if address is None:
            break  # garbage from beyond our proxies: the last trusted hop is all we know
        client = address
    return str(client)


def client_ip(request: Any) -> str:
    """The client address of a Django or DRF request."""
    meta = request.META
    proxies = settings.TRUSTED_PROXIES
    trusted = _trusted(tuple(proxies)) if proxies else ()
    return resolve(meta.get("REMOTE_ADDR", ""), meta.get("HTTP_X_FORWARDED_FOR", ""), trusted)


def rate_limit_ident(ip: str) -> str:
    """What per-IP limits count: the address, or for IPv6 its /64 network (one client
    can use every address of its /64, so per-address limits would not hold)."""
    address = _address(ip)
    if isinstance(address, ipaddress.IPv6Address):
        network = ipaddress.IPv6Network((address, IPV6_RATE_LIMIT_PREFIX), strict=False)
        return str(network)
    return ip


def request_rate_limit_ident(request: Any) -> str:
    return rate_limit_ident(client_ip(request))
