"""Reactions: phones tap, screens see a running count per slide, exports hold counts per slide
and minute, and no participant can flood them."""

from __future__ import annotations

import asyncio
import json
import signal
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import DOCUMENT, Created
from tests.server import Service, running, two_workers
from tests.test_end_to_end import goto, next_message, phone_of, screen_of

REACTING = {**DOCUMENT, "reactions": ["heart", "clap"]}


def react(service: Service, code: str, reaction: str, who: str) -> int:
    """A phone's reaction over the HTTP fallback; the response's status."""
    request = urllib.request.Request(
        f"{service.url}/api/join/{code}/reactions",
        data=json.dumps({"reaction": reaction}).encode(),
        headers={"content-type": "application/json"}
        | ({"cookie": f"polls_participant={who}"} if who else {}),
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return int(response.status)
    except urllib.error.HTTPError as refused:
        return refused.code


@pytest.mark.anyio
async def test_reactions_reach_the_screen_and_are_stored_as_counts(tmp_path: Path) -> None:
    """Four phones react to the word cloud (over the socket and over HTTP); the screen gets
    the slide's totals; a stopped and restarted service exports them per slide and minute."""
    database = tmp_path / "reactions.db"
    with running(database) as service:
        created = Created(service.http("POST", "/api/presentations", REACTING))
        async with screen_of(service, created) as screen:
            await next_message(screen, lambda m: m["type"] == "welcome")
            await goto(screen, 1)
            async with phone_of(service, created.code, "socket-phone-000000000001") as phone:
                slide = await next_message(phone, lambda m: m["type"] == "slide")
                assert slide["reactions"] == ["heart", "clap"]
                await phone.send(json.dumps({"type": "react", "reaction": "heart"}))
                for n in range(3):
                    who = f"http-phone-{n:014d}"
                    assert await asyncio.to_thread(react, service, created.code, "heart", who)
                assert (
                    await asyncio.to_thread(
                        react, service, created.code, "clap", "http-phone-00000000000000"
                    )
                    == 200
                )
                seen = await asyncio.wait_for(
                    next_message(
                        screen,
                        lambda m: (
                            m["type"] == "reactions" and m["totals"] == {"heart": 4, "clap": 1}
                        ),
                    ),
                    30,
                )
        assert seen["slide"] == "words"
        service.kill(signal.SIGTERM)  # an orderly stop writes what it has counted
    with running(database) as service:
        exported = service.http("GET", f"/research/{created.id}/export.json", key=created.key)
        counts = {(r["slide_id"], r["reaction"]): r["count"] for r in exported["reactions"]}
        assert counts == {("words", "heart"): 4, ("words", "clap"): 1}
        assert all(r["minute"].endswith(":00Z") for r in exported["reactions"])


def test_reactions_are_limited_per_participant_and_to_those_offered(tmp_path: Path) -> None:
    """A fourth tap at once is refused (rate_limited) while another phone's is counted; a
    reaction the presentation does not offer is refused with a reason, and so is one from a
    client without the participant cookie the page gives."""
    with running(tmp_path / "limits.db") as service:
        created = Created(service.http("POST", "/api/presentations", REACTING))
        eager = "eager-phone-000000000000"
        assert [react(service, created.code, "heart", eager) for _ in range(3)] == [200] * 3
        assert react(service, created.code, "heart", eager) == 429
        assert react(service, created.code, "heart", "calm-phone-0000000000000") == 200
        assert react(service, created.code, "laugh", "calm-phone-0000000000001") == 400
        plain = Created(service.http("POST", "/api/presentations", DOCUMENT))
        assert react(service, plain.code, "heart", "calm-phone-0000000000002") == 400
        assert react(service, created.code, "heart", "") == 403  # no page, no cookie


@pytest.mark.anyio
async def test_reactions_on_one_worker_reach_a_screen_on_another(
    tmp_path: Path, postgres_url: str, redis_url: str
) -> None:
    """Scaled out: phones react through one worker, the screen on the other counts them all,
    and the counts are stored once."""
    with two_workers(tmp_path, postgres_url, redis_url) as (first, second):
        created = Created(first.http("POST", "/api/presentations", REACTING))
        async with screen_of(second, created) as screen:
            await next_message(screen, lambda m: m["type"] == "welcome")
            for n in range(5):
                status = await asyncio.to_thread(
                    react, first, created.code, "clap", f"scaled-phone-{n:011d}"
                )
                assert status == 200
            seen = await asyncio.wait_for(
                next_message(
                    screen, lambda m: m["type"] == "reactions" and m["totals"] == {"clap": 5}
                ),
                30,
            )
            assert seen["slide"] == "welcome"
        first.kill(signal.SIGTERM)
        exported = second.http("GET", f"/research/{created.id}/export.json", key=created.key)
        assert sum(r["count"] for r in exported["reactions"]) == 5
