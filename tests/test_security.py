"""Secrets, pseudonyms, Origin checks and throttles."""

from __future__ import annotations

from polls.core.security import (
    Throttle,
    TokenBucket,
    hash_secret,
    origin_allowed,
    participant_key,
    secret_matches,
    valid_participant_token,
)


def test_secrets_are_checked_against_their_hash() -> None:
    """Only the right secret matches its stored hash; empty ones never do."""
    stored = hash_secret("right")
    assert secret_matches("right", stored)
    assert not secret_matches("wrong", stored)
    assert not secret_matches("", stored)
    assert not secret_matches("right", None)


def test_participant_keys_are_stable_pseudonyms() -> None:
    """The same cookie gives the same pseudonym, which is not the cookie."""
    token = "abcdefghijklmnopqrstuv"
    assert participant_key(token) == participant_key(token) != token
    assert valid_participant_token(token)
    assert not valid_participant_token("short")
    assert not valid_participant_token("x" * 20 + "<>")


def test_origins() -> None:
    """Our own origin and allow-listed ones pass; others do not; no Origin is not a browser."""
    assert origin_allowed("http://polls.example", "polls.example", [])
    assert origin_allowed(None, "polls.example", [])
    assert not origin_allowed("http://evil.example", "polls.example", [])
    assert not origin_allowed("null", "polls.example", [])
    assert origin_allowed(
        "https://intranet.example/", "polls.example", ["https://intranet.example"]
    )


def test_token_bucket_refills_over_time() -> None:
    """A bucket allows its burst, then one per refill period."""
    now = [0.0]
    bucket = TokenBucket(rate=1.0, burst=2, clock=lambda: now[0])
    assert bucket.take() and bucket.take() and not bucket.take()
    now[0] = 1.0
    assert bucket.take() and not bucket.take()


def test_throttle_is_per_client_and_bounded() -> None:
    """One client running out does not block another; old clients are forgotten."""
    now = [0.0]
    throttle = Throttle(rate=0.1, burst=2, max_clients=2, clock=lambda: now[0])
    assert throttle.allow("a") and throttle.allow("a") and not throttle.allow("a")
    assert throttle.blocked("a") and not throttle.blocked("b")
    assert throttle.allow("b")
    throttle.allow("c")  # pushes out "a"
    assert not throttle.blocked("a")


def test_guess_budget_lets_a_venue_in_and_holds_a_guesser_back() -> None:
    """The wrong-code budget per address: 500 people behind one venue address, a third of them
    mistyping once while all join within two minutes, are never refused; one client guessing
    flat out gets no more than GUESS_BURST, then 20 wrong codes a minute."""
    from polls.web.access import GUESS_BURST, GUESS_RATE

    now = [0.0]
    venue = Throttle(GUESS_RATE, GUESS_BURST, clock=lambda: now[0])
    for person in range(500):
        now[0] = person * 120 / 500
        if person % 3 == 0:
            assert venue.allow("venue")  # the typo is counted, and let through as a 404
    assert not venue.blocked("venue")

    now[0] = 0.0
    guesser = Throttle(GUESS_RATE, GUESS_BURST, clock=lambda: now[0])
    tries = 0
    for step in range(60 * 100 * 10):  # ten minutes, a hundred guesses a second
        now[0] = step / 100
        tries += guesser.allow("guesser")
    assert tries <= GUESS_BURST + 10 * 20 + 1


def test_uvicorns_addressed_lines_are_dropped_and_others_kept() -> None:
    """The log filter drops uvicorn's lines that carry a client address (WebSocket handshakes
    at info, connection lines at trace) and keeps every other line."""
    import logging

    from polls.logs import NoAddresses

    def line(template: str, *args: object) -> logging.LogRecord:
        return logging.LogRecord("uvicorn.error", logging.INFO, __file__, 1, template, args, None)

    keep = NoAddresses().filter
    assert not keep(line('%s - "WebSocket %s" [accepted]', "203.0.113.7:5", "/ws/join/12345678"))
    assert not keep(line('%s - "WebSocket %s" %d', "203.0.113.7:5", "/ws/join/12345678", 403))
    assert not keep(line("%sWebSocket connection made", "203.0.113.7:5 - "))
    assert not keep(line("%sHTTP connection made", "203.0.113.7:5 - "))
    assert keep(line("Uvicorn running on %s://%s:%d", "http", "0.0.0.0", 8000))
    assert keep(line("connection open"))
