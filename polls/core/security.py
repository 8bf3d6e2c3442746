"""Secrets, pseudonymous participant ids, Origin checks and in-memory throttles.

Nothing here stores an IP address: throttles key on a keyed hash of the
client address that lives only in memory, with a random key per process.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from urllib.parse import urlsplit

PRESENTER = "presenter"
RESEARCHER = "researcher"
PARTICIPANT_COOKIE = "polls_participant"


def new_secret() -> str:
    return secrets.token_urlsafe(24)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def secret_matches(secret: str | None, stored_hash: str | None) -> bool:
    if not secret or not stored_hash or len(secret) > 200:
        return False
    return hmac.compare_digest(hash_secret(secret), stored_hash)


def new_participant_token() -> str:
    return secrets.token_urlsafe(18)


def valid_participant_token(token: str | None) -> bool:
    return (
        token is not None
        and 16 <= len(token) <= 64
        and all(c.isascii() and (c.isalnum() or c in "-_") for c in token)
    )


def participant_key(token: str) -> str:
    """The pseudonym stored with answers: a hash, so the cookie itself is never kept."""
    return hashlib.sha256(b"polls-participant:" + token.encode("ascii")).hexdigest()[:32]


def bearer_token(authorization: str | None) -> str | None:
    """The token of an ``Authorization: Bearer ...`` header."""
    if authorization and authorization[:7].lower() == "bearer ":
        return authorization[7:].strip() or None
    return None


def role_cookie(role: str, presentation_id: str) -> str:
    return f"polls_{role}_{presentation_id}"


def presenter_cookie(presentation_id: str) -> str:
    return role_cookie(PRESENTER, presentation_id)


def origin_allowed(origin: str | None, host: str | None, allowed: Iterable[str]) -> bool:
    """A browser's WebSocket must come from our own pages or an allow-listed origin.

    Clients that send no Origin are not browsers (scripts, load tests) and cannot be
    used for cross-site attacks, so they pass.
    """
    if origin is None:
        return True
    origin = origin.strip().rstrip("/").lower()
    if origin in {a.strip().rstrip("/").lower() for a in allowed}:
        return True
    parts = urlsplit(origin)
    return host is not None and parts.scheme in {"http", "https"} and parts.netloc == host.lower()


class TokenBucket:
    """``rate`` tokens a second up to ``burst``; each action takes one."""

    __slots__ = ("burst", "clock", "rate", "stamp", "tokens")

    def __init__(
        self, rate: float, burst: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.rate = rate
        self.burst = burst
        self.clock = clock
        self.tokens = burst
        self.stamp = clock()

    def take(self) -> bool:
        now = self.clock()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


class Throttle:
    """Token buckets per client, in memory only, for at most ``max_clients`` recent clients."""

    def __init__(
        self,
        rate: float,
        burst: float,
        *,
        max_clients: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.rate = rate
        self.burst = burst
        self.max_clients = max_clients
        self.clock = clock
        self._key = secrets.token_bytes(16)
        self._buckets: OrderedDict[bytes, TokenBucket] = OrderedDict()

    def _client(self, address: str) -> bytes:
        return hmac.digest(self._key, address.encode("utf-8", "replace"), "sha256")[:12]

    def allow(self, address: str) -> bool:
        """Take one attempt for this client; False when it has used too many."""
        client = self._client(address)
        bucket = self._buckets.get(client)
        if bucket is None:
            bucket = TokenBucket(self.rate, self.burst, self.clock)
            self._buckets[client] = bucket
            if len(self._buckets) > self.max_clients:
                self._buckets.popitem(last=False)
        else:
            self._buckets.move_to_end(client)
        return bucket.take()

    def blocked(self, address: str) -> bool:
        """Whether the client has no attempts left, without taking one."""
        bucket = self._buckets.get(self._client(address))
        if bucket is None:
            return False
        now = self.clock()
        return min(self.burst, bucket.tokens + (now - bucket.stamp) * self.rate) < 1


class Buckets:
    """Throttles by size, each holding its clients' buckets: one process's shared counters."""

    def __init__(self) -> None:
        self._throttles: dict[tuple[float, float], Throttle] = {}

    def spend(self, name: str, rate: float, burst: float, *, take: bool) -> bool:
        """Whether ``name``'s bucket holds a token, taking it if ``take``."""
        throttle = self._throttles.get((rate, burst))
        if throttle is None:
            throttle = self._throttles[rate, burst] = Throttle(rate, burst)
        return throttle.allow(name) if take else not throttle.blocked(name)
