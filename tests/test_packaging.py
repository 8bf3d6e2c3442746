"""What an install of polls brings with it."""

from __future__ import annotations

import re
from importlib.metadata import requires


def test_the_scale_out_drivers_come_with_every_install() -> None:
    """`pip install polls` (and so `make run`) brings asyncpg and redis, which the settings'
    postgresql:// and redis:// URLs need, without naming an extra."""
    always = {
        re.split(r"[\s<>=!\[;]", line, maxsplit=1)[0].lower()
        for line in requires("polls") or []
        if "extra ==" not in line
    }
    assert {"asyncpg", "redis"} <= always


def test_uvicorn_and_websockets_are_bounded_above() -> None:
    """wire.py leans on uvicorn's and websockets' internals: both have an upper bound, so a new
    release is taken on purpose, after the wire tests pass with it."""
    for name in ("uvicorn", "websockets"):
        line = next(r for r in requires("polls") or [] if r.lower().startswith(name))
        assert "<" in line, line
