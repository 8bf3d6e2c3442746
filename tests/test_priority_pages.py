"""Ranking and 100 points in a real headless Chromium: phones order options by buttons, by
the place menu, by dragging and without JavaScript, spread points with steppers and by typing,
the screen shows the result, and the export reads back. Screenshots go to tests/screenshots/."""

from __future__ import annotations

import csv
import io
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from tests.conftest import unavailable
from tests.server import Service, running
from tests.test_browser import Room, axe_path, join_by_typing, send, shoot
from tests.test_question_panel import serious_problems

TASKS = ["More meetings", "Talks at schools", "A drop-in hour", "Help online"]
DOCUMENT: dict[str, Any] = {
    "title": "Priorities",
    "language": "en",
    "slides": [
        {"kind": "ranking", "id": "first", "question": "What first?", "options": TASKS},
        {"kind": "hundred_points", "id": "budget", "question": "Spend it", "options": TASKS[:3]},
    ],
}

pytestmark = pytest.mark.browser


@pytest.fixture
def service(tmp_path: Path) -> Iterator[Service]:
    with running(tmp_path / "priorities.db") as started:
        yield started


def expect(locator: Any) -> Any:
    return Room.expect(locator)


def order_on(page: Any) -> list[str]:
    texts: list[str] = page.locator(".rank-item .rank-text").all_inner_texts()
    return texts


def download(service: Service, room: Room, name: str, key: str) -> bytes:
    request = urllib.request.Request(
        f"{service.url}/research/{room.id}/{name}", headers={"authorization": f"Bearer {key}"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        data: bytes = response.read()
    return data


def test_phones_rank_and_spread_points_and_the_screen_and_export_agree(
    browser: Any, service: Service
) -> None:
    """Four phones rank the options (buttons and keyboard, the place menu, dragging, and a
    plain form without JavaScript that is refused until every place differs), then spread 100
    points (steppers, typing past the total, the plain form); the screen orders the options
    by mean place and by mean points, and the CSV and XLSX exports hold every answer."""
    room = Room(service, browser, DOCUMENT)
    buttons = join_by_typing(browser, room)
    menu = join_by_typing(browser, room, viewport={"width": 320, "height": 640})
    dragger = join_by_typing(browser, room)
    plain = join_by_typing(browser, room, java_script_enabled=False)

    # Buttons, by keyboard: "Help online" two places up; each move is said aloud.
    expect(buttons.locator(".rank-up")).to_have_count(4)
    expect(buttons.locator(".rank-up").first).to_be_disabled()
    up = buttons.get_by_role("button", name="Move up: Help online", exact=True)
    up.focus()
    buttons.keyboard.press("Enter")
    buttons.keyboard.press("Enter")
    assert order_on(buttons) == [
        "More meetings",
        "Help online",
        "Talks at schools",
        "A drop-in hour",
    ]
    expect(buttons.locator(".ranking [aria-live]")).to_have_text(
        "Help online is now number 2 of 4."
    )
    assert buttons.evaluate("document.activeElement.getAttribute('aria-label')") == (
        "Move up: Help online"
    )
    shoot(buttons, "phone-ranking-360")
    send(buttons)

    # The place menu: "A drop-in hour" to place 1 moves it to the top on a 320 px phone.
    menu.get_by_label("Place of A drop-in hour").select_option("1")
    assert order_on(menu) == ["A drop-in hour", "More meetings", "Talks at schools", "Help online"]
    assert menu.evaluate("document.documentElement.scrollWidth") <= 320
    shoot(menu, "phone-ranking-320")
    send(menu)

    # Dragging by the handle: "Talks at schools" onto the first place.
    handle = dragger.locator(".rank-item", has_text="Talks at schools").locator(".rank-handle")
    target = dragger.locator(".rank-item").first.bounding_box()
    start = handle.bounding_box()
    dragger.mouse.move(start["x"] + start["width"] / 2, start["y"] + start["height"] / 2)
    dragger.mouse.down()
    dragger.mouse.move(start["x"] + 5, target["y"] + target["height"] / 2, steps=8)
    dragger.mouse.up()
    assert order_on(dragger)[0] == "Talks at schools"
    send(dragger)

    # Without JavaScript: two options in place 1 is refused with the reason; fixed, it counts.
    plain.select_option("select[name=rank-0]", "1")
    plain.select_option("select[name=rank-1]", "1")
    plain.click("button[type=submit]")
    expect(plain.locator("#form-error")).to_have_text(
        "Give each option a different place, from 1 to 4."
    )
    for option, place in enumerate(("2", "1", "4", "3")):
        plain.select_option(f"select[name=rank-{option}]", place)
    plain.click("button[type=submit]")
    expect(plain.locator("#confirmation")).to_contain_text("Thank you!")

    results = room.results("first")["results"]
    assert results["respondents"] == 4
    # Places: meetings 1,2,2,2 · schools 3,3,1,1 · drop-in 4,1,3,4 · online 2,4,4,3
    assert [(o["text"], o["mean_rank"]) for o in results["options"]] == [
        ("More meetings", 1.75),
        ("Talks at schools", 2.0),
        ("A drop-in hour", 3.0),
        ("Help online", 3.25),
    ]
    expect(room.screen.locator(".ranking-results .scale-row .label").first).to_have_text(
        "1. More meetings"
    )
    expect(room.screen.locator(".ranking-results .scale-figure .mean").first).to_have_text("1.8")
    shoot(room.screen, "screen-ranking")

    # 100 points.
    room.go_to(2)
    for phone in (buttons, menu, dragger):
        expect(phone.locator(".spread-total")).to_have_text("100 of 100 points left to give.")
    more = buttons.get_by_role("button", name="More points: More meetings", exact=True)
    for _ in range(6):
        more.click()
    for _ in range(4):
        buttons.get_by_role("button", name="More points: A drop-in hour", exact=True).click()
    expect(buttons.locator(".spread-total")).to_have_text("All 100 points given.")
    expect(
        buttons.get_by_role("button", name="More points: Talks at schools", exact=True)
    ).to_be_disabled()
    shoot(buttons, "phone-points-360")
    send(buttons)

    menu.get_by_role("spinbutton", name="Talks at schools", exact=True).fill("70")
    menu.get_by_role("spinbutton", name="A drop-in hour", exact=True).fill("20")
    expect(menu.locator(".spread-total")).to_have_text("10 of 100 points left to give.")
    menu.get_by_role("spinbutton", name="More meetings", exact=True).fill("20")
    expect(menu.locator(".spread-total")).to_have_text("10 points too many: take some away.")
    shoot(menu, "phone-points-320")
    menu.click("form.answer-form button[type=submit]")
    expect(menu.locator("#form-error")).to_have_text(
        "The points must add up to 100; yours add up to 110."
    )
    menu.get_by_role("spinbutton", name="More meetings", exact=True).fill("10")
    send(menu)

    plain.goto(f"{service.url}/{room.code}")
    plain.fill("input[name=points-0]", "0")
    plain.fill("input[name=points-1]", "50")
    plain.fill("input[name=points-2]", "50")
    plain.click("button[type=submit]")
    expect(plain.locator("#confirmation")).to_contain_text("Thank you!")

    # Means per respondent: meetings (60+10+0)/3, schools (0+70+50)/3, drop-in (40+20+50)/3.
    results = room.results("budget")["results"]
    assert [(o["text"], o["mean"]) for o in results["options"]] == [
        ("Talks at schools", 40.0),
        ("A drop-in hour", 36.7),
        ("More meetings", 23.3),
    ]
    expect(room.screen.locator(".spread-results .bar-row .figure")).to_have_text(
        ["40.0", "36.7", "23.3"]
    )
    shoot(room.screen, "screen-points")

    research_key = room.key  # a presenter may download what a researcher may
    rows = list(
        csv.DictReader(
            io.StringIO(download(service, room, "export.csv", research_key).decode(), newline="")
        )
    )
    ranked = [r for r in rows if r["slide_kind"] == "ranking"]
    assert len(ranked) == 16 and {r["value_number"] for r in ranked} == {"1", "2", "3", "4"}
    spread = [r for r in rows if r["slide_kind"] == "hundred_points"]
    by_person: dict[str, int] = {}
    for row in spread:
        by_person[row["participant"]] = by_person.get(row["participant"], 0) + int(row["value"])
    assert sorted(by_person.values()) == [100, 100, 100]
    book = openpyxl.load_workbook(io.BytesIO(download(service, room, "export.xlsx", research_key)))
    answers = list(book["Answers"].values)
    assert sum(1 for row in answers if "ranking" in row) == 16


def test_both_kinds_pass_axe_on_a_small_phone(browser: Any, service: Service) -> None:
    """axe-core finds nothing serious on a 320 px phone with a ranking's buttons and handles
    and with 100 points' steppers, once the page has added them."""
    if not axe_path().exists():
        unavailable("axe-core (npm install axe-core)", FileNotFoundError(str(axe_path())))
    room = Room(service, browser, DOCUMENT)
    phone = browser.new_context(viewport={"width": 320, "height": 640}, bypass_csp=True).new_page()
    phone.goto(f"{service.url}/{room.code}")
    expect(phone.locator(".rank-up")).to_have_count(4)
    assert serious_problems(phone) == []
    room.go_to(2)
    expect(phone.locator(".spread-more")).to_have_count(3)
    assert serious_problems(phone) == []
