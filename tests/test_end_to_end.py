"""The real service in its own process: 200 phones at once, then a hard kill and a restart."""

from __future__ import annotations

import asyncio
import http.client
import json
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect

from tests.conftest import DOCUMENT, Created
from tests.server import Service, running, two_workers

pytestmark = [pytest.mark.e2e, pytest.mark.anyio]
PHONES = 200
VOCABULARY = ["Hoop", "hoop!", "Moed", "samen", "Samen", "verbinding", "rust"]


@pytest.fixture
def service(tmp_path: Path) -> Iterator[Service]:
    with running(tmp_path / "e2e.db") as started:
        yield started


async def next_message(
    ws: ClientConnection, wanted: Callable[[dict[str, Any]], bool]
) -> dict[str, Any]:
    while True:
        message: dict[str, Any] = json.loads(await ws.recv())
        if wanted(message):
            return message


async def phone(
    service: Service, code: str, index: int, acknowledged: list[dict[str, Any]]
) -> None:
    """One participant: answers the word cloud, then the scale when the presenter moves on."""
    async with phone_of(service, code, f"e2e-phone-{index:06d}-token") as ws:
        await next_message(ws, lambda m: m["type"] == "slide" and m["slide"]["id"] == "words")
        words = [VOCABULARY[index % len(VOCABULARY)], VOCABULARY[(index * 3 + 1) % len(VOCABULARY)]]
        await ws.send(
            json.dumps(
                {"type": "answer", "id": f"w{index}", "slide": "words", "value": {"words": words}}
            )
        )
        ack = await next_message(ws, lambda m: m["type"] in {"ack", "error"})
        assert ack == {"type": "ack", "id": f"w{index}", "duplicate": False}
        acknowledged.append({"slide": "words", "words": words})
        await next_message(ws, lambda m: m["type"] == "slide" and m["slide"]["id"] == "scales")
        ratings = {"0": 1 + index % 5, "1": "skip" if index % 10 == 0 else 1 + (index // 5) % 5}
        await ws.send(
            json.dumps(
                {
                    "type": "answer",
                    "id": f"s{index}",
                    "slide": "scales",
                    "value": {"ratings": ratings},
                }
            )
        )
        ack = await next_message(ws, lambda m: m["type"] in {"ack", "error"})
        assert ack["type"] == "ack", ack
        acknowledged.append({"slide": "scales", "ratings": ratings})


def expected_scales(acknowledged: list[dict[str, Any]]) -> list[list[int]]:
    distributions = [[0] * 5, [0] * 5]
    for answer in acknowledged:
        for key, value in answer.get("ratings", {}).items():
            if value != "skip":
                distributions[int(key)][value - 1] += 1
    return distributions


def phone_of(service: Service, code: str, cookie: str) -> Any:
    """A participant's socket on one worker, with its cookie (an async context manager)."""
    return connect(
        f"ws://127.0.0.1:{service.port}/ws/join/{code}",
        additional_headers={"cookie": f"polls_participant={cookie}"},
    )


def screen_of(service: Service, created: Created) -> Any:
    """The presenter's socket on one worker (an async context manager)."""
    return connect(
        f"ws://127.0.0.1:{service.port}/ws/present/{created.id}",
        additional_headers={"authorization": f"Bearer {created.key}"},
    )


async def goto(screen: ClientConnection, slide: int) -> None:
    """Move to a slide and wait until the server has applied it."""
    await screen.send(json.dumps({"type": "goto", "slide": slide, "id": f"goto-{slide}"}))
    await next_message(screen, lambda m: m.get("id") == f"goto-{slide}")


async def test_two_hundred_phones_then_kill_and_restart(service: Service) -> None:
    """Every acknowledged answer, the current slide and moderation survive SIGKILL."""
    created = Created(service.http("POST", "/api/presentations", DOCUMENT))
    code, key, pid = created.code, created.key, created.id
    acknowledged: list[dict[str, Any]] = []
    async with screen_of(service, created) as screen:
        await next_message(screen, lambda m: m["type"] == "welcome")
        await goto(screen, 1)
        phones = [asyncio.create_task(phone(service, code, i, acknowledged)) for i in range(PHONES)]
        # Every phone's words are acknowledged and on the screen before moving on.
        await asyncio.wait_for(
            next_message(
                screen,
                lambda m: m["type"] == "results" and (m["results"] or {}).get("answered") == PHONES,
            ),
            120,
        )
        await goto(screen, 2)
        await asyncio.wait_for(asyncio.gather(*phones), 120)
        expected = expected_scales(acknowledged)
        final = await asyncio.wait_for(
            next_message(
                screen,
                lambda m: (
                    m["type"] == "results"
                    and m["slide"] == "scales"
                    and [s["distribution"] for s in m["results"]["statements"]] == expected
                ),
            ),
            120,
        )
        assert final["joined"] == PHONES and final["results"]["answered"] == PHONES
        assert final["results"]["statements"][1]["skipped"] == PHONES // 10

    words = service.http("GET", f"/api/presentations/{pid}/results?slide=words", key=key)[
        "results"
    ]["words"]
    word_counts = {w["key"]: w["count"] for w in words}
    typed = Counter()
    for answer in acknowledged:
        typed.update(answer.get("words", []))
    assert sum(word_counts.values()) == sum(typed.values()) == 2 * PHONES
    assert word_counts["hoop"] == typed["Hoop"] + typed["hoop!"]
    service.http(
        "POST",
        f"/api/presentations/{pid}/control",
        {"type": "hide", "slide": "words", "item": "rust"},
        key,
    )

    service.kill()
    service.start()

    after = service.http("GET", f"/api/presentations/{pid}", key=key)
    assert after["state"]["current"] == 2
    assert after["hidden"] == {"words": ["rust"]}
    scales = service.http("GET", f"/api/presentations/{pid}/results", key=key)
    assert [s["distribution"] for s in scales["results"]["statements"]] == expected
    assert scales["joined"] == PHONES
    words_after = service.http("GET", f"/api/presentations/{pid}/results?slide=words", key=key)[
        "results"
    ]
    assert {w["key"]: w["count"] for w in words_after["words"]} == word_counts
    assert next(w for w in words_after["words"] if w["key"] == "rust")["hidden"] is True


async def test_presenter_secrets_never_reach_the_log(service: Service) -> None:
    """Using the presenter link leaves no secret and no address in the service's output."""
    created = Created(service.http("POST", "/api/presentations", DOCUMENT))
    key = created.key
    link = http.client.HTTPConnection("127.0.0.1", service.port, timeout=30)
    link.request("GET", f"/present/{created.id}?key={key}")
    assert link.getresponse().status == 303
    link.close()
    service.http("GET", f"/api/presentations/{created.id}/results", key=key)
    service.kill()
    output = "".join(service.output)
    assert key not in output
    assert "/present" not in output
    assert not [
        line
        for line in output.splitlines()
        if "127.0.0.1" in line and "Uvicorn running" not in line
    ]


async def test_two_workers_share_postgresql_and_redis(
    tmp_path: Path, postgres_url: str, redis_url: str
) -> None:
    """Scaled out: a phone on one worker, the presenter on another, one PostgreSQL, one Redis."""
    with two_workers(tmp_path, postgres_url, redis_url) as (first, second):
        created = Created(first.http("POST", "/api/presentations", DOCUMENT))
        code = created.code
        async with screen_of(second, created) as screen:
            await next_message(screen, lambda m: m["type"] == "welcome")
            await goto(screen, 1)
            async with phone_of(first, code, "scaled-out-phone-0001") as phone:
                await next_message(phone, lambda m: m["type"] == "slide" and m["index"] == 1)
                await phone.send(
                    json.dumps(
                        {
                            "type": "answer",
                            "id": "x1",
                            "slide": "words",
                            "value": {"words": ["samen"]},
                        }
                    )
                )
                assert (await next_message(phone, lambda m: m["type"] == "ack"))["id"] == "x1"
                shown = await asyncio.wait_for(
                    next_message(
                        screen,
                        lambda m: (
                            m["type"] == "results" and bool((m["results"] or {}).get("words"))
                        ),
                    ),
                    30,
                )
                assert shown["results"]["words"][0]["text"] == "samen"
                online = await asyncio.wait_for(
                    next_message(screen, lambda m: m["type"] == "results" and m["online"] == 1), 30
                )
                assert online["joined"] == 1  # the phone is on the other worker, counted here
                await screen.send(json.dumps({"type": "next", "id": "on"}))
                moved = await asyncio.wait_for(
                    next_message(phone, lambda m: m["type"] == "slide" and m["index"] == 2), 30
                )
                assert moved["slide"]["id"] == "scales"
            gone = await asyncio.wait_for(
                next_message(screen, lambda m: m["type"] == "results" and m["online"] == 0), 30
            )
            assert gone["online"] == 0  # its worker said so when the phone left
