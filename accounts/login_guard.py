"""Password guessing limits per account that an attacker cannot turn against its owner.

Counting every failed login per account locks the owner out as soon as anyone sends
enough wrong passwords (nine from rotating addresses did it). Instead (docs/api.md,
"Login limits"):

- per account *and* client address (`THROTTLE_RATES["login_account_ip"]`, 5/hour): that
  many failures are free, then each further try from that address must wait twice as long
  as the one before (1 s, 2 s, 4 s, ... up to `LOGIN_BACKOFF_MAX_SECONDS`). A success from
  the address resets it. Guessing from one address is slow; it slows no one else.
- per account, from addresses that never logged into it (`THROTTLE_RATES["login_username"]`,
  20/hour): the same backoff once that many failures came from unknown addresses. This
  bounds a guesser with many addresses; addresses that logged into the account within
  `LOGIN_KNOWN_IP_DAYS` are not subject to it, so the owner gets in from where they
  usually do, whatever the flood.
- per address, all accounts together: the DRF throttle `login_ip` (30/min), before this.

An account is named by what the client typed (username or email, any letter case), so
the limits never tell whether two names are one account or whether an account exists.
Failures count in the window of the rate from the first one. Counters are taken
atomically before the password is checked (a burst of parallel tries cannot all pass);
a refused try gives its count back.
"""

import contextlib
import hashlib
import logging
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied

from chat_project import ratelimit
from chat_project.client_ip import rate_limit_ident
from chat_project.ratelimit import parse_rate

logger = logging.getLogger(__name__)

REFUSED = "Too many failed logins: try again later."


class LoginRefused(PermissionDenied):
    """A login try that must not be made now; `wait` is the seconds until it may.

    A PermissionDenied, so Django's `authenticate()` (admin and browsable-API login
    forms) stops at it and answers "invalid credentials"; the login service reports it as
    429 with the wait."""

    def __init__(self, wait: float) -> None:
        super().__init__(REFUSED)
        self.wait = wait


def _incr(key: str, period: int) -> int:
    """Atomically count one for `key`, which lives `period` s from its first count (the
    project's one counter: `chat_project.ratelimit.incr_window`)."""
    return ratelimit.incr_window(cache, key, period)


def _give_back(key: str) -> None:
    with contextlib.suppress(ValueError):  # expired meanwhile
        cache.decr(key)


def _now() -> float:
    return time.time()


def _delay(count: int, free: int) -> float:
    """How long the try after the `count`-th must wait: 0 while free, then doubling."""
    if count < free:
        return 0.0
    return float(min(2 ** min(count - free, 30), settings.LOGIN_BACKOFF_MAX_SECONDS))


def _take(key: str, rate: str) -> float | None:
    """Count one try against `key`; None if it may go ahead, else the seconds to wait."""
    free, period = parse_rate(rate)
    count = _incr(f"{key}:n", period)
    delay = _delay(count, free)
    now = _now()
    if count <= free:
        if delay:
            cache.set(f"{key}:next", now + delay, timeout=math.ceil(delay))
        return None
    # Past the free tries one try at a time: whoever adds the key goes, the others wait.
    if not delay or cache.add(f"{key}:next", now + delay, timeout=math.ceil(delay)):
        return None
    _give_back(f"{key}:n")
    next_at = cache.get(f"{key}:next")
    return max(1.0, (next_at or now + 1) - now)


@dataclass
class LoginAttempt:
    account: str  # a hash of the name as typed
    ip: str
    known_ip: bool

    @property
    def _pair(self) -> str:
        return f"login:pair:{self.account}:{self.ip}"

    @property
    def _known(self) -> str:
        return f"login:known:{self.account}:{self.ip}"

    @property
    def _account(self) -> str:
        return f"login:account:{self.account}"

    def succeeded(self) -> None:
        """The password was right: this address is known for the account from now on."""
        cache.delete_many([f"{self._pair}:n", f"{self._pair}:next"])
        if not self.known_ip:
            _give_back(f"{self._account}:n")
        cache.set(self._known, 1, timeout=settings.LOGIN_KNOWN_IP_DAYS * 86400)

    def failed(self) -> None:
        logger.info("failed login for account %s from %s", self.account[:12], self.ip)


def login_attempt_begin(*, username: str, client_ip: str) -> LoginAttempt:
    """Count a login try; raise LoginRefused (with the wait) if it must not be made now."""
    name = username.strip().lower()
    account = hashlib.sha256(name.encode()).hexdigest()[:32]
    ip = rate_limit_ident(client_ip)
    known_ip = cache.get(f"login:known:{account}:{ip}") is not None
    attempt = LoginAttempt(account=account, ip=ip, known_ip=known_ip)
    wait = _take(attempt._pair, settings.THROTTLE_RATES["login_account_ip"])
    if wait is None and not attempt.known_ip:
        wait = _take(attempt._account, settings.THROTTLE_RATES["login_username"])
        if wait is not None:
            _give_back(f"{attempt._pair}:n")
    if wait is not None:
        logger.warning("login refused for account %s from %s for %.0f s", account[:12], ip, wait)
        raise LoginRefused(wait)
    return attempt
