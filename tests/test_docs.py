"""The documentation agrees with the code."""

from __future__ import annotations

import re
from pathlib import Path

from polls.config import Settings, documented_settings
from polls.core import errors
from polls.domain.protocol import _PARTICIPANT_TYPES, _PRESENTER_TYPES

ROOT = Path(__file__).resolve().parent.parent


def test_readme_configuration_table_lists_every_setting() -> None:
    """Every setting is in the README's table with its default, and nothing else is."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    rows = dict(re.findall(r"^\| `(POLLS_[A-Z_]+)` \| `([^`]*)` \|", readme, flags=re.MULTILINE))
    expected = {env: default for env, default, _ in documented_settings()}
    assert rows == expected


def test_settings_read_from_the_environment() -> None:
    """Each documented variable changes its setting."""
    settings = Settings.from_env(
        {
            "POLLS_PORT": "9000",
            "POLLS_ALLOWED_ORIGINS": "https://a.example, https://b.example",
            "POLLS_RESULTS_INTERVAL": "0.5",
        }
    )
    assert settings.port == 9000 and settings.results_interval == 0.5
    assert settings.allowed_origins == ("https://a.example", "https://b.example")
    assert settings.base_url == "http://127.0.0.1:9000"


def test_protocol_doc_names_every_message_and_error_code() -> None:
    """docs/protocol.md describes every client message type and every error code."""
    protocol = (ROOT / "docs" / "protocol.md").read_text(encoding="utf-8")
    for message_type in _PARTICIPANT_TYPES | _PRESENTER_TYPES:
        assert f"`{message_type}`" in protocol, message_type
    codes = {
        cls.code
        for cls in vars(errors).values()
        if isinstance(cls, type) and issubclass(cls, errors.PollsError)
    }
    for code in codes:
        assert f"`{code}`" in protocol, code


def test_fault_bounds_in_the_architecture_doc_are_the_codes() -> None:
    """Each bound docs/architecture.md promises after a fault is the constant's value, and the
    test named beside it exists."""
    from polls.broker.redis import RECONNECT_MAX_SECONDS
    from polls.live.events import ONLINE_STALE_SECONDS, RESYNC_SECONDS
    from polls.live.room import STATE_POLL_SECONDS

    constants = {
        "STATE_POLL_SECONDS": STATE_POLL_SECONDS,
        "RECONNECT_MAX_SECONDS": RECONNECT_MAX_SECONDS,
        "ONLINE_STALE_SECONDS": ONLINE_STALE_SECONDS,
        "RESYNC_SECONDS": RESYNC_SECONDS,
    }
    architecture = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    section = architecture.split("### Bounds after a fault", 1)[1].split("\n## ", 1)[0]
    row = r"^\| [^|]+ \| [^|]+ \| ([^|]+) \| ([^|]+) \| `(test_\w+)` \|$"
    rows = re.findall(row, section, flags=re.MULTILINE)
    assert len(rows) >= 8
    tests = "".join(path.read_text(encoding="utf-8") for path in (ROOT / "tests").glob("*.py"))
    for bound, names, test in rows:
        assert f"def {test}(" in tests, test
        named = re.findall(r"`([A-Z_]+)`", names)
        if not named:
            continue
        seconds = float(bound.removesuffix(" s"))
        assert seconds == sum(constants[name] for name in named), (bound, names)


def _plain(path: Path) -> str:
    """A document's text without emphasis and with every run of whitespace one space."""
    return " ".join(path.read_text(encoding="utf-8").replace("**", "").split())


def test_security_limits_in_the_docs_are_the_codes() -> None:
    """Every limit docs/security.md and docs/protocol.md quote is the constant's value."""
    from polls.domain.protocol import MAX_MESSAGE_BYTES
    from polls.kinds.qa import MAX_QUESTIONS, QUESTION_LENGTH
    from polls.live.reactions import BURST, RATE
    from polls.live.wire import LINGER_SECONDS
    from polls.web.access import GUESS_BURST, GUESS_RATE
    from polls.web.app import MAX_BODY_BYTES
    from polls.web.sockets import (
        MAX_STRIKES,
        PHONE_BURST,
        PHONE_RATE,
        SCREEN_BURST,
        SCREEN_RATE,
    )

    every, a_minute = round(1 / GUESS_RATE), round(60 * GUESS_RATE)
    quotes = {
        "security.md": (
            f"{GUESS_BURST} wrong codes, then 1 every {every} s ({a_minute} a minute)",
            f"{PHONE_RATE:g} a second, bursts of {PHONE_BURST:g}; closed after {MAX_STRIKES} "
            "refusals",
            f"{SCREEN_RATE:g} a second, bursts of {SCREEN_BURST:g}",
            f"{MAX_MESSAGE_BYTES} bytes a message; {MAX_BODY_BYTES} bytes an HTTP body",
            f"{RATE:g} a second, bursts of {BURST:g}",
            f"{MAX_QUESTIONS} questions; {QUESTION_LENGTH} characters each",
        ),
        "protocol.md": (
            f"{PHONE_RATE:g} messages a second on average, in bursts of {PHONE_BURST:g}",
            f"presenter's {SCREEN_RATE:g} a second, in bursts of {SCREEN_BURST:g}",
            f"far past it ({MAX_STRIKES} refused messages)",
            f"a client may get {GUESS_BURST} wrong codes, then one every {every} seconds",
            f"by one budget: {GUESS_BURST} wrong codes, then {a_minute} a minute",
            f"after at most {round(GUESS_BURST / GUESS_RATE)} seconds",
            f"for up to {LINGER_SECONDS:g} seconds",
        ),
    }
    for name, quoted in quotes.items():
        text = _plain(ROOT / "docs" / name)
        assert [quote for quote in quoted if quote not in text] == [], name


def test_readme_names_every_metric() -> None:
    """The README's list of Prometheus metrics is the list the service publishes."""
    from prometheus_client.metrics import MetricWrapperBase

    from polls import metrics

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    named = set(re.findall(r"`(polls_[a-z_]+)(?:\{[a-z]+\})?`", readme))
    published = {
        family.name + ("_total" if family.type == "counter" else "")
        for figure in vars(metrics).values()
        if isinstance(figure, MetricWrapperBase)
        for family in figure.describe()
    }
    assert named == published
