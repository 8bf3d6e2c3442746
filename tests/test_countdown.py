"""Countdowns: voting closes by itself at zero, on every worker, whoever is watching."""

from __future__ import annotations

import asyncio
import json
import re
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import msgspec
import pytest
from starlette.testclient import TestClient

from polls.config import Settings
from polls.storage import open_storage
from polls.web.app import create_app
from tests.conftest import DOCUMENT, Created, control
from tests.server import two_workers
from tests.test_browser import shoot

TIMED = {
    **DOCUMENT,
    "slides": [
        {"kind": "content", "id": "welcome", "title": "Welcome"},
        {"kind": "open_ended", "id": "tips", "question": "Tips?", "time_limit": 8},
    ],
}


def answer(client: TestClient, code: str, submission: str, who: str) -> Any:
    return client.post(
        f"/api/join/{code}/answers",
        json={"id": submission, "slide": "tips", "value": {"text": f"tip {submission}"}},
        headers={"cookie": f"polls_participant={who}"},
    )


async def run_out(url: str, presentation_id: str) -> None:
    """Let the open slide's countdown have run out, as the stored state says it."""
    storage = open_storage(url)
    await storage.connect()
    try:
        found = await storage.presentation(presentation_id)
        assert found is not None
        ended = msgspec.structs.replace(
            found.state, deadlines=(("tips", time.time() - 1),), version=found.state.version + 1
        )
        await storage.save_state(presentation_id, ended)
    finally:
        await storage.disconnect()


def test_after_the_countdown_only_retries_of_earlier_answers_are_taken(
    settings: Settings,
) -> None:
    """Once the countdown has run out, a new answer is refused with voting_closed, a retry of
    one stored before it is acknowledged as a duplicate, and the slide says voting is closed
    and when it closed."""
    with TestClient(create_app(settings)) as client:
        created = Created(client.post("/api/presentations", json=TIMED).json())
        shown = control(client, created, type="goto", slide=1)
        assert shown["state"]["deadlines"][0][0] == "tips"
        slide = client.get(f"/api/join/{created.code}").json()["slide"]
        assert slide["voting"] and slide["closes_at"] > time.time() * 1000
        assert answer(client, created.code, "early-1", "phone-one-000000000000").status_code == 200
    asyncio.run(run_out(settings.database_url, created.id))
    with TestClient(create_app(settings)) as client:
        retry = answer(client, created.code, "early-1", "phone-one-000000000000")
        assert retry.status_code == 200 and retry.json()["duplicate"] is True
        late = answer(client, created.code, "late-1", "phone-two-000000000000")
        assert late.status_code == 409 and late.json()["error"]["code"] == "voting_closed"
        slide = client.get(f"/api/join/{created.code}").json()["slide"]
        assert not slide["voting"] and slide["closes_at"] < time.time() * 1000
        page = client.get(f"/{created.code}").text
        assert "Voting on this question is closed." in page
        reopened = control(client, created, type="voting", open=True, slide="tips")
        assert reopened["state"]["deadlines"] == []
        assert answer(client, created.code, "late-2", "phone-two-000000000000").status_code == 200


def test_the_presenters_timer_counts_on_phones_and_refuses_nonsense(client: TestClient) -> None:
    """A timer on the shown question reaches phones as closes_at (and the page without script
    as time left); on a slide without answers, or of an hour and more, it is refused."""
    created = Created(client.post("/api/presentations", json=DOCUMENT).json())
    refused = client.post(
        f"/api/presentations/{created.id}/control",
        json={"type": "timer", "seconds": 30},
        headers={"authorization": f"Bearer {created.key}"},
    )
    assert refused.status_code == 400 and "no answers" in refused.json()["error"]["reason"]
    control(client, created, type="goto", slide=4)
    control(client, created, type="timer", seconds=90)
    slide = client.get(f"/api/join/{created.code}").json()["slide"]
    assert slide["voting"] and 80_000 < slide["closes_at"] - time.time() * 1000 <= 90_000
    page = client.get(f"/{created.code}").text
    assert re.search(r"1:[23]\d left to answer", page)
    too_long = client.post(
        f"/api/presentations/{created.id}/control",
        json={"type": "timer", "seconds": 7200},
        headers={"authorization": f"Bearer {created.key}"},
    )
    assert too_long.status_code == 400


@pytest.mark.browser
def test_a_countdown_closes_voting_on_two_workers_with_redis(
    browser: Any, tmp_path: Path, postgres_url: str, redis_url: str
) -> None:
    """A question with a time limit, shown from the screen on one worker: a phone on the other
    worker counts down with it, and at zero both say voting is closed; the phone's worker
    refuses a late answer by itself."""
    from playwright.sync_api import expect

    with two_workers(tmp_path, postgres_url, redis_url) as (first, second):
        created = first.http("POST", "/api/presentations", TIMED)
        code = created["code"].replace(" ", "")
        screen = browser.new_context(viewport={"width": 1280, "height": 720}).new_page()
        screen.goto(created["presenter_url"].replace(str(first.port), str(second.port)))
        expect(screen.locator("#position")).to_have_text("1 / 2")
        phone, watcher = (
            browser.new_context(viewport={"width": 360, "height": 740}).new_page() for _ in range(2)
        )
        for page in (phone, watcher):
            page.goto(f"{first.url}/{code}")
            expect(page.locator(".waiting")).to_be_visible()
        screen.keyboard.press("ArrowRight")
        for page in (phone, watcher):
            expect(page.locator("#countdown")).to_have_text(re.compile(r"0:0\d left to answer"))
        expect(screen.locator("#countdown")).to_have_text(re.compile(r"0:0\d"))
        shoot(screen, "presenter-countdown")
        shoot(watcher, "phone-countdown")
        phone.fill("textarea", "Op tijd")
        phone.click("form.answer-form button[type=submit]")
        expect(phone.locator("#confirmation")).to_contain_text("Thank you!")
        expect(phone.locator("#confirmation button")).to_have_text("Add another answer")
        # At zero: the screen and both phones say so, and nobody can send any more.
        expect(screen.locator("#locked")).to_be_visible(timeout=30_000)
        expect(screen.locator("#countdown")).to_be_hidden()
        expect(watcher.locator(".notice")).to_have_text("Voting on this question is closed.")
        expect(watcher.locator("#countdown")).to_have_count(0)
        expect(watcher.locator("form.answer-form button[type=submit]")).to_be_disabled()
        expect(phone.locator("#confirmation button")).to_have_count(0)
        late = urllib.request.Request(
            f"{first.url}/api/join/{code}/answers",
            data=json.dumps(
                {"id": "late-1", "slide": "tips", "value": {"text": "Te laat"}}
            ).encode(),
            headers={"content-type": "application/json"},
            method="POST",
        )
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(late, timeout=30)
        assert json.loads(refused.value.read())["error"]["code"] == "voting_closed"
        results = second.http(
            "GET",
            f"/api/presentations/{created['id']}/results?slide=tips",
            key=created["presenter_url"].split("key=")[1],
        )
        assert [a["text"] for a in results["results"]["answers"]] == ["Op tijd"]
