"""Shared fixtures: settings on a fresh SQLite file, real PostgreSQL and Redis, test clients."""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from starlette.testclient import TestClient

from polls.config import Settings
from polls.domain.documents import validate_document
from polls.web.app import create_app

ROOT = Path(__file__).resolve().parent.parent
POSTGRES_URL = os.environ.get(
    "POLLS_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("POLLS_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")

DOCUMENT: dict[str, Any] = {
    "title": "Closing round",
    "language": "en",
    "tags": {"region": "Arnhem"},
    "slides": [
        {"kind": "content", "id": "welcome", "title": "Welcome"},
        {"kind": "word_cloud", "id": "words", "question": "One word?", "max_words": 3},
        {
            "kind": "scales",
            "id": "scales",
            "question": "Agree?",
            "statements": ["Useful", "Fun"],
            "min": 1,
            "max": 5,
            "allow_skip": True,
        },
        {"kind": "multiple_choice", "id": "role", "question": "Role?", "options": ["A", "B", "C"]},
        {"kind": "open_ended", "id": "tips", "question": "Tips?", "max_length": 100},
    ],
}


CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's Chromium, headless, driven by Playwright: one per test module."""
    if not CHROMIUM.exists():
        unavailable("Chromium (Debian's chromium package)", FileNotFoundError(str(CHROMIUM)))
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        unavailable("Playwright", exc)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield launched
        launched.close()


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def unavailable(what: str, error: BaseException) -> None:
    """Outside CI a missing server skips its tests; in CI it fails them."""
    if os.environ.get("CI"):
        raise RuntimeError(f"{what} is required in CI but not reachable: {error}")
    pytest.skip(f"{what} is not reachable here ({error}); CI starts it")


def fresh_postgres_database() -> Iterator[str]:
    """A new, empty PostgreSQL database, dropped afterwards."""
    try:
        import asyncpg  # noqa: F401
    except ImportError as exc:  # pragma: no cover - test extra always has it
        unavailable("asyncpg", exc)
    name = "polls_test_" + secrets.token_hex(4)

    async def admin(sql: str) -> None:
        import asyncpg

        conn = await asyncpg.connect(POSTGRES_URL)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    def run(sql: str) -> None:
        # Its own thread and loop: this fixture may be set up inside a running test loop.
        with ThreadPoolExecutor(1) as pool:
            pool.submit(asyncio.run, admin(sql)).result()

    try:
        run(f"CREATE DATABASE {name}")
    except OSError as exc:
        unavailable("PostgreSQL", exc)
    base = POSTGRES_URL.rsplit("/", 1)[0]
    yield f"{base}/{name}"
    run(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session (its tests share it)."""
    yield from fresh_postgres_database()


@pytest.fixture
def empty_postgres_url() -> Iterator[str]:
    """A PostgreSQL database of this test's own, empty at its start."""
    yield from fresh_postgres_database()


@pytest.fixture(scope="session")
def redis_url() -> str:
    try:
        import redis

        redis.Redis.from_url(REDIS_URL).ping()
    except Exception as exc:
        unavailable("Redis", exc)
    return REDIS_URL


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        database_url=f"sqlite:///{tmp_path / 'polls.db'}",
        demo_file="",
        results_interval=0.01,
    )


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings), base_url="http://testserver") as test_client:
        yield test_client


@pytest.fixture
def document() -> dict[str, Any]:
    validate_document(DOCUMENT)
    return {**DOCUMENT, "slides": [dict(s) for s in DOCUMENT["slides"]]}


class Created:
    def __init__(self, data: dict[str, Any]) -> None:
        self.id: str = data["id"]
        self.code: str = data["code"].replace(" ", "")
        self.presenter_url: str = data["presenter_url"]
        self.key = self.presenter_url.split("key=", 1)[1]
        self.research_key: str = data["researcher_url"].split("key=", 1)[1]


@pytest.fixture
def make_presentation(client: TestClient) -> Callable[..., Created]:
    def make(data: dict[str, Any] | None = None) -> Created:
        response = client.post("/api/presentations", json=data or DOCUMENT)
        assert response.status_code == 201, response.text
        return Created(response.json())

    return make


def receive_until(
    ws: Any, predicate: Callable[[dict[str, Any]], bool], limit: int = 200
) -> dict[str, Any]:
    """Read messages until one matches; the others (live updates) are skipped."""
    for _ in range(limit):
        message: dict[str, Any] = ws.receive_json()
        if predicate(message):
            return message
    raise AssertionError("the expected message did not arrive")


def of_type(kind: str, **fields: Any) -> Callable[[dict[str, Any]], bool]:
    return lambda m: m.get("type") == kind and all(m.get(k) == v for k, v in fields.items())


def participant_headers(token: str | None = None) -> dict[str, str]:
    """A participant's WebSocket headers: our own Origin and, optionally, its cookie."""
    headers = {"origin": "http://testserver"}
    if token is not None:
        headers["cookie"] = f"polls_participant={token}"
    return headers


def presenter_headers(created: Created) -> dict[str, str]:
    return {"origin": "http://testserver", "authorization": f"Bearer {created.key}"}


def control(client: TestClient, created: Created, **message: Any) -> dict[str, Any]:
    response = client.post(
        f"/api/presentations/{created.id}/control",
        json=message,
        headers={"authorization": f"Bearer {created.key}"},
    )
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def results(client: TestClient, created: Created, slide: str | None = None) -> dict[str, Any]:
    response = client.get(
        f"/api/presentations/{created.id}/results",
        params={"slide": slide} if slide else {},
        headers={"authorization": f"Bearer {created.key}"},
    )
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


# Property-based tests: a short, reproducible run in `make test`; `make fuzz` runs the long one.
hypothesis_settings.register_profile(
    "default", max_examples=200, derandomize=True, deadline=None, print_blob=True
)
hypothesis_settings.register_profile(
    "fuzz",
    max_examples=100_000,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
hypothesis_settings.load_profile(os.environ.get("POLLS_HYPOTHESIS_PROFILE", "default"))
