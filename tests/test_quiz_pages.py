"""A quiz in a real headless Chromium: phones (one without JavaScript) answer two questions,
one with a nickname; the presenter reveals each answer with R and every phone learns whether it
was right; the leaderboard shows the top with each phone its own place."""

from __future__ import annotations

import csv
import io
import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import unavailable
from tests.server import Service, running
from tests.test_browser import Room, axe_path, join_by_typing, send, shoot
from tests.test_question_panel import serious_problems

DOCUMENT: dict[str, Any] = {
    "title": "Pub quiz",
    "language": "en",
    "slides": [
        {
            "kind": "quiz",
            "id": "capital",
            "question": "The capital of the Netherlands?",
            "options": ["The Hague", "Amsterdam", "Rotterdam"],
            "correct": ["Amsterdam"],
            "time_limit": 0,
        },
        {
            "kind": "quiz",
            "id": "river",
            "question": "Which river runs through Arnhem?",
            "options": ["Rhine", "Meuse"],
            "correct": ["Rhine"],
            "time_limit": 0,
            "points": 1500,
        },
        {"kind": "leaderboard", "id": "board", "title": "Standings"},
    ],
}

pytestmark = pytest.mark.browser


@pytest.fixture
def service(tmp_path: Path) -> Iterator[Service]:
    with running(tmp_path / "quiz.db") as started:
        yield started


def expect(locator: Any) -> Any:
    return Room.expect(locator)


def test_a_quiz_round_with_reveals_and_a_leaderboard(browser: Any, service: Service) -> None:
    """Anna names herself and answers right; a second phone plays under its generated name
    and is wrong, then right on a question worth more, which takes it to the top; a phone
    without JavaScript answers right once. A quiz answer cannot be changed. Each reveal tells
    every phone whether it was right, and the leaderboard shows the players by score, with
    each phone its own place."""
    room = Room(service, browser, DOCUMENT)
    anna = join_by_typing(browser, room, viewport={"width": 320, "height": 640})
    guest = join_by_typing(browser, room)
    plain = join_by_typing(browser, room, java_script_enabled=False)
    generated = str(guest.locator("#participant").get_attribute("data-player"))
    expect(guest.locator("#quiz-name-hint")).to_contain_text(f"play as {generated}")

    anna.get_by_label("Amsterdam").check()
    anna.get_by_label("Your name on the leaderboard (optional)").fill("Anna")
    shoot(anna, "phone-quiz-320")
    send(anna)
    expect(anna.locator("#confirmation button")).to_have_count(0)  # no changing it
    guest.get_by_label("Rotterdam").check()
    send(guest)
    plain.get_by_label("Amsterdam").check()
    plain.click("button[type=submit]")
    expect(plain.locator("#confirmation")).to_contain_text("Thank you!")
    token = next(c["value"] for c in anna.context.cookies() if c["name"] == "polls_participant")
    assert refused_answer(service, room, token, {"choice": 0}) == (409, "limit_reached")
    expect(room.screen.locator(".quiz-count")).to_have_text("Answers: 3")
    assert room.screen.locator(".bar-row.right").count() == 0  # nothing given away yet
    shoot(room.screen, "screen-quiz-before")

    room.screen.keyboard.press("r")
    expect(room.screen.locator(".bar-row.right .label")).to_have_text("✓ Amsterdam")
    expect(anna.locator(".quiz-outcome")).to_have_text("Right! 1000 points.")
    expect(guest.locator(".quiz-outcome")).to_have_text("Not right. The answer: Amsterdam")
    shoot(anna, "phone-quiz-right-320")
    shoot(room.screen, "screen-quiz-revealed")
    plain.goto(f"{service.url}/{room.code}")
    expect(plain.locator(".quiz-outcome")).to_have_text("Right! 1000 points.")

    room.go_to(2)
    expect(guest.locator(".hint", has_text="You play as")).to_have_text(f"You play as {generated}.")
    expect(anna.locator("#quiz-name")).to_have_count(0)
    guest.get_by_label("Rhine").check()
    send(guest)
    room.screen.keyboard.press("r")
    expect(guest.locator(".quiz-outcome")).to_have_text("Right! 1500 points.")
    expect(anna.locator(".quiz-outcome")).to_have_text("You did not answer this question.")

    room.go_to(3)
    other = str(plain.locator("#participant").get_attribute("data-player"))
    tied = sorted(["Anna", other], key=str.casefold)
    expect(room.screen.locator(".leaderboard-row .leaderboard-name")).to_have_text(
        [generated, *tied]
    )
    expect(room.screen.locator(".leaderboard-row .leaderboard-rank")).to_have_text(
        ["1.▲", "2.▼", "2.▼"]
    )
    expect(anna.locator(".leaderboard-place .leaderboard-rank")).to_have_text(
        "You are number 2 of 3"
    )
    expect(guest.locator(".leaderboard-place .leaderboard-score")).to_have_text(
        f"1500 points, as {generated}"
    )
    plain.goto(f"{service.url}/{room.code}")
    expect(plain.locator(".leaderboard-place")).to_contain_text("You are number 2 of 3")
    shoot(room.screen, "screen-leaderboard")
    shoot(guest, "phone-leaderboard-360")
    assert guest.evaluate("document.documentElement.scrollWidth") <= 360
    rows = list(
        csv.DictReader(
            io.StringIO(download(service, room, "export.csv").decode("utf-8"), newline="")
        )
    )
    assert sorted((r["item"], r["value"], r["value_number"]) for r in rows) == [
        ("right", "Amsterdam", "1000"),
        ("right", "Amsterdam", "1000"),
        ("right", "Rhine", "1500"),
        ("wrong", "Rotterdam", "0"),
    ]
    assert "Anna" not in download(service, room, "export.json").decode("utf-8")


def test_the_quiz_and_the_leaderboard_pass_axe_on_a_small_phone(
    browser: Any, service: Service
) -> None:
    """axe-core finds nothing serious on a 320 px phone with a quiz question (and its name
    field) and with the leaderboard."""
    if not axe_path().exists():
        unavailable("axe-core (npm install axe-core)", FileNotFoundError(str(axe_path())))
    room = Room(service, browser, DOCUMENT)
    phone = browser.new_context(viewport={"width": 320, "height": 640}, bypass_csp=True).new_page()
    phone.goto(f"{service.url}/{room.code}")
    expect(phone.locator("#quiz-name")).to_be_visible()
    assert serious_problems(phone) == []
    room.go_to(3)
    expect(phone.locator(".hint", has_text="leaderboard")).to_be_visible()
    assert serious_problems(phone) == []


def refused_answer(
    service: Service, room: Room, token: str, value: dict[str, Any]
) -> tuple[int, str]:
    """The status and error code of an answer the service refuses."""
    request = urllib.request.Request(
        f"{service.url}/api/join/{room.code}/answers",
        method="POST",
        data=json.dumps({"id": "late-change", "slide": "capital", "value": value}).encode(),
        headers={"content-type": "application/json", "cookie": f"polls_participant={token}"},
    )
    try:
        urllib.request.urlopen(request, timeout=30)
    except urllib.error.HTTPError as refused:
        return refused.code, json.loads(refused.read())["error"]["code"]
    raise AssertionError("the answer was taken")


def download(service: Service, room: Room, name: str) -> bytes:
    request = urllib.request.Request(
        f"{service.url}/research/{room.id}/{name}", headers={"authorization": f"Bearer {room.key}"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        data: bytes = response.read()
    return data
