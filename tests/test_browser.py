"""The pages in a real headless Chromium: a presenter and a room of phones, offline and
without JavaScript. Screenshots go to tests/screenshots/ (not kept in git)."""

from __future__ import annotations

import os
import re
import sqlite3
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import DOCUMENT, unavailable
from tests.server import Service, running

SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
PHONE = {"width": 360, "height": 740}
SCREEN = {"width": 1920, "height": 1080}

pytestmark = pytest.mark.browser


@pytest.fixture
def service(tmp_path: Path) -> Iterator[Service]:
    with running(tmp_path / "browser.db") as started:
        yield started


class Room:
    """A presentation with its presenter screen open."""

    def __init__(self, service: Service, browser: Any, document: dict[str, Any]) -> None:
        created = service.http("POST", "/api/presentations", document)
        self.service = service
        self.id = created["id"]
        self.code = created["code"].replace(" ", "")
        self.key = created["presenter_url"].split("key=")[1]
        self.screen = browser.new_context(viewport=SCREEN).new_page()
        self.screen.goto(created["presenter_url"])
        self.expect(self.screen.locator("#position")).to_have_text(f"1 / {len(document['slides'])}")

    @staticmethod
    def expect(locator: Any) -> Any:
        from playwright.sync_api import expect

        return expect(locator)

    def go_to(self, position: int) -> None:
        """Move the presenter to a slide (1-based) with the keyboard."""
        current = int(self.screen.locator("#position").inner_text().split(" / ")[0])
        key = "ArrowRight" if position > current else "ArrowLeft"
        for _ in range(abs(position - current)):
            self.screen.keyboard.press(key)
        self.expect(self.screen.locator("#position")).to_contain_text(f"{position} /")

    def results(self, slide: str) -> dict[str, Any]:
        found: dict[str, Any] = self.service.http(
            "GET", f"/api/presentations/{self.id}/results?slide={slide}", key=self.key
        )
        return found


def join_by_typing(browser: Any, room: Room, **context: Any) -> Any:
    """A phone opens the site and types the code as shown on the screen, with its space."""
    page = browser.new_context(**{"viewport": PHONE, **context}).new_page()
    page.goto(room.service.url + "/")
    page.fill("#code", f"{room.code[:4]} {room.code[4:]}")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(rf"/{room.code}$"))
    return page


def send(page: Any) -> None:
    """Send the form and wait for the confirmation that it is stored."""
    page.click("form.answer-form button[type=submit]")
    Room.expect(page.locator("#confirmation")).to_contain_text("Thank you!")


def shoot(page: Any, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def test_a_room_of_phones_with_one_going_offline(browser: Any, service: Service) -> None:
    """Five phones join by typing the code and answer three kinds of question; one answers
    while offline; the presenter's screen shows exactly the right words and numbers."""
    room = Room(service, browser, DOCUMENT)
    shoot(room.screen, "presenter-welcome")
    phones = [join_by_typing(browser, room) for _ in range(5)]
    shoot(phones[0], "phone-waiting")
    room.go_to(2)  # the word cloud
    words = [["Hoop", "samen"], ["hoop!"], ["Samen", "rust"], ["hoop"], ["verbinding"]]
    for phone, typed in zip(phones[:4], words[:4], strict=True):
        Room.expect(phone.locator("h1")).to_have_text("One word?")
        for field, word in zip(phone.locator("input[name=word]").all(), typed, strict=False):
            field.fill(word)
        send(phone)
    shoot(phones[0], "phone-word-cloud")

    offline = phones[4]
    Room.expect(offline.locator("h1")).to_have_text("One word?")
    offline.context.set_offline(True)
    offline.locator("input[name=word]").first.fill(words[4][0])
    offline.click("form.answer-form button[type=submit]")
    Room.expect(offline.locator("#form-status")).to_contain_text("Offline")
    offline.context.set_offline(False)
    Room.expect(offline.locator("#confirmation")).to_contain_text("Thank you!")

    cloud = room.screen.locator("svg.cloud title")
    Room.expect(room.screen.locator("#answered")).to_have_text("5")
    Room.expect(cloud).to_have_text(
        ["hoop: 3", "samen: 2", "rust: 1", "verbinding: 1"], ignore_case=True
    )
    shoot(room.screen, "presenter-word-cloud")

    room.go_to(3)  # the scales
    for index, phone in enumerate(phones):
        Room.expect(phone.locator("fieldset.scale").first).to_be_visible()
        phone.locator("fieldset.scale").nth(0).locator(".scale-option").nth(index).click()
        if index % 2:
            phone.locator("fieldset.scale").nth(1).locator(".skip").click()
        send(phone)
    shoot(phones[0], "phone-scales")
    Room.expect(room.screen.locator(".scale-figure .mean")).to_have_text(["3.0", "–"])
    Room.expect(room.screen.locator(".scale-figure .n")).to_have_text(
        ["n = 5", "n = 0 · skipped 2"]
    )
    shoot(room.screen, "presenter-scales")

    room.go_to(4)  # multiple choice
    for index, phone in enumerate(phones):
        phone.locator(".choice").nth(min(index, 2)).click()
        send(phone)
    shoot(phones[0], "phone-multiple-choice")
    Room.expect(room.screen.locator(".bar-row .figure")).to_have_text(
        ["1 · 20%", "1 · 20%", "3 · 60%"]
    )
    shoot(room.screen, "presenter-multiple-choice")

    room.go_to(5)  # open question
    phones[0].fill("textarea", "Meer koffie <b>graag</b>")
    Room.expect(phones[0].locator("#counter")).to_have_text("76 characters left")
    send(phones[0])
    shoot(phones[0], "phone-open-ended")
    Room.expect(room.screen.locator(".card")).to_have_text(["Meer koffie <b>graag</b>"])
    shoot(room.screen, "presenter-open-ended")

    words_counted = {w["key"]: w["count"] for w in room.results("words")["results"]["words"]}
    assert words_counted == {"hoop": 3, "samen": 2, "rust": 1, "verbind": 1}
    assert room.results("words")["joined"] == 5


def test_a_phone_without_javascript_answers_by_form(browser: Any, service: Service) -> None:
    """With JavaScript off, joining and answering work as plain forms."""
    room = Room(service, browser, DOCUMENT)
    room.go_to(2)
    page = join_by_typing(browser, room, java_script_enabled=False)
    page.locator("input[name=word]").first.fill("zonder")
    page.click("form.answer-form button[type=submit]")
    Room.expect(page.locator("#confirmation")).to_contain_text("Thank you!")
    assert room.results("words")["results"]["words"][0]["text"] == "zonder"


def test_answers_carry_the_servers_time_even_from_a_phone_with_a_wrong_clock(
    browser: Any, service: Service
) -> None:
    """A phone whose clock is an hour behind still makes submission ids that begin with the
    server's time of sending (so the log stores them together), a new one for each answer."""
    room = Room(service, browser, DOCUMENT)
    room.go_to(5)  # the open question: up to 3 answers each
    began = time.time()
    context = browser.new_context(viewport=PHONE)
    context.clock.set_fixed_time(datetime.fromtimestamp(began - 3600, tz=UTC))
    page = context.new_page()
    page.goto(f"{service.url}/{room.code}")
    for tip in ("Meer pauzes", "Koffie"):
        page.fill("textarea", tip)
        send(page)
        page.click("#confirmation button")  # "Add another answer"
        Room.expect(page.locator("textarea")).to_have_value("")
    ended = time.time()
    with sqlite3.connect(service.database) as db:
        ids = [row[0] for row in db.execute("SELECT submission_id FROM responses ORDER BY id")]
    assert len(set(ids)) == 2
    for made in ids:
        assert began - 5 <= int(made[:11], 16) / 1000 <= ended + 5, (made, began, ended)


def test_pages_show_in_dutch_and_wrong_codes_are_explained(browser: Any, service: Service) -> None:
    """A Dutch presentation speaks Dutch; a wrong code is told in plain words."""
    room = Room(service, browser, {**DOCUMENT, "language": "nl"})
    phone = join_by_typing(browser, room)
    Room.expect(phone.locator("html")).to_have_attribute("lang", "nl")
    Room.expect(phone.locator(".waiting")).to_have_text("Wachten op de volgende vraag…")
    stranger = browser.new_context(viewport=PHONE, locale="nl-NL").new_page()
    stranger.goto(service.url + "/")
    stranger.fill("#code", "1234 5678")
    stranger.click("button[type=submit]")
    Room.expect(stranger.locator(".error")).to_contain_text("Er is geen open presentatie")
    shoot(stranger, "phone-wrong-code")
    stranger.goto(service.url + "/")
    shoot(stranger, "phone-join")


def test_narrow_and_zoomed_pages_do_not_scroll_sideways(browser: Any, service: Service) -> None:
    """At 320 px wide and at 200 % zoom (a page zoomed to 200 % lays out in half the CSS
    pixels) every question fits without sideways scrolling."""
    room = Room(service, browser, DOCUMENT)
    phones = [
        browser.new_context(viewport={"width": 320, "height": 640}).new_page(),
        browser.new_context(
            viewport={"width": 160, "height": 320}, device_scale_factor=2
        ).new_page(),
    ]
    for page in phones:
        page.goto(f"{service.url}/{room.code}")
    for position in (2, 3, 4, 5):
        room.go_to(position)
        for page in phones:
            Room.expect(page.locator("#view form, #view section")).to_have_count(1)
            Room.expect(page.locator(".position")).to_contain_text(f"Question {position} of")
            overflow = page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            width = page.viewport_size["width"]
            assert overflow <= 0, f"slide {position} at {width} px scrolls sideways"


def axe_path() -> Path:
    return Path(os.environ.get("POLLS_AXE", "node_modules/axe-core/axe.min.js")).resolve()


def test_participant_pages_pass_an_accessibility_check(browser: Any, service: Service) -> None:
    """axe-core finds no serious problems on the join page and each question, 7:1 contrast too."""
    if not axe_path().exists():
        unavailable("axe-core (npm install axe-core)", FileNotFoundError(str(axe_path())))
    room = Room(service, browser, DOCUMENT)
    page = browser.new_context(viewport=PHONE, bypass_csp=True).new_page()
    pages = [("join", service.url + "/", None)] + [
        (f"slide {n}", f"{service.url}/{room.code}", n) for n in (1, 2, 3, 4, 5)
    ]
    problems: list[str] = []
    for name, url, position in pages:
        page.goto("about:blank")
        if position:
            room.go_to(position)
        page.goto(url)
        page.add_script_tag(path=str(axe_path()))
        found = page.evaluate(
            "axe.run(document, {resultTypes: ['violations'],"
            " rules: {'color-contrast-enhanced': {enabled: true}}}).then(r => r.violations"
            ".filter(v => ['serious', 'critical'].includes(v.impact))"
            ".map(v => v.id + ': ' + v.help))"
        )
        problems += [f"{name}: {problem}" for problem in found]
    assert problems == []


def test_the_editor_creates_a_presentation(browser: Any, service: Service) -> None:
    """A presenter builds a presentation in the browser; problems show by slide; links work."""
    page = browser.new_context(viewport={"width": 1280, "height": 1000}).new_page()
    page.goto(service.url + "/new")
    page.fill("#doc-title", "Buurtavond")
    page.click("button[type=submit]")
    Room.expect(page.locator("#editor-status li").first).to_have_text(
        "Slide 1 · Question: must not be empty"
    )
    page.locator(".field-question textarea, .field-question input").first.fill("Wat neem je mee?")
    page.select_option("#new-kind", "multiple_choice")
    page.click("#add-slide")
    page.locator(".slide-editor").nth(1).locator(".field-question input").fill("Ik ben hier als")
    page.locator(".slide-editor").nth(1).locator(".field-options textarea").fill(
        "Bewoner\nVrijwilliger"
    )
    page.locator(".slide-editor").nth(1).locator(".field-time_limit input").fill("45")
    page.check("#reaction-clap")
    page.check("#reaction-heart")
    page.check("#doc-qa-on")
    page.select_option("#new-kind", "qa")
    page.click("#add-slide")
    page.locator(".slide-editor").nth(2).locator(".field-question input").fill("Jullie vragen")
    shoot(page, "editor")
    page.click("button[type=submit]")
    presenter = page.locator("#editor-status a").nth(1)
    Room.expect(presenter).to_contain_text("/present/")
    presenter_id = presenter.get_attribute("href").split("/present/")[1].split("?")[0]
    presenter.click()
    Room.expect(page.locator("#slide-title")).to_have_text("Wat neem je mee?")
    stored = page.evaluate(f"fetch('/api/presentations/{presenter_id}').then(r => r.json())")
    assert stored["document"]["reactions"] == ["heart", "clap"]
    assert stored["document"]["slides"][1]["time_limit"] == 45
    assert stored["document"]["qa"] is True and not stored["document"]["qa_moderation"]
    asking = stored["document"]["slides"][2]
    assert (asking["kind"], asking["question"]) == ("qa", "Jullie vragen")
    page.goto(service.url + "/present")
    Room.expect(page.locator("table.list")).to_contain_text("Buurtavond")


def test_the_editors_problems_stand_beside_their_fields_in_dutch(
    browser: Any, service: Service
) -> None:
    """In a Dutch browser the editor says each problem in Dutch, in the presenter's words,
    beside the field it concerns and linked to it for screen readers; the list of problems
    leads to the field; once fixed, the problem is gone."""
    page = browser.new_context(viewport={"width": 360, "height": 900}, locale="nl-NL").new_page()
    page.goto(service.url + "/new")
    page.fill("#doc-title", "Buurtavond")
    page.click("button[type=submit]")
    question = (
        page.locator(".slide-editor")
        .first.locator(".field-question textarea, .field-question input")
        .first
    )
    Room.expect(question).to_have_attribute("aria-invalid", "true")
    note = page.locator("#" + (question.get_attribute("aria-describedby") or "missing"))
    Room.expect(note).to_have_text("Dia 1 · Vraag: mag niet leeg zijn")
    shoot(page, "editor-360-problem-nl")
    page.locator("#editor-status li a").first.click()
    Room.expect(question).to_be_focused()
    question.fill("Wat neem je mee?")
    page.click("button[type=submit]")
    Room.expect(page.locator("#editor-status a").nth(1)).to_contain_text("/present/")
    Room.expect(page.locator(".field-error")).to_have_count(0)
    Room.expect(question).not_to_have_attribute("aria-invalid", "true")


def test_console_overlay_and_table_views(browser: Any, service: Service) -> None:
    """The presenter view lists slides and notes; Q shows the join code full screen; T a table."""
    document = {**DOCUMENT, "slides": [dict(s) for s in DOCUMENT["slides"]]}
    document["slides"][1] = {**document["slides"][1], "notes": "Ask for one word each."}
    room = Room(service, browser, document)
    console = room.screen.context.new_page()
    console.goto(f"{service.url}/present/{room.id}/console")
    Room.expect(console.locator("#slide-list li")).to_have_count(5)
    console.locator(".slide-link").nth(1).click()
    Room.expect(console.locator("#notes")).to_have_text("Ask for one word each.")
    Room.expect(room.screen.locator("#position")).to_have_text("2 / 5")
    phone = join_by_typing(browser, room)
    phone.locator("input[name=word]").first.fill("samen")
    send(phone)
    Room.expect(console.locator("svg.cloud title")).to_have_text(["samen: 1"])
    shoot(console, "presenter-console")
    room.screen.keyboard.press("d")
    Room.expect(room.screen.locator(".results-table tbody tr")).to_have_text(["samen1"])
    shoot(room.screen, "presenter-table")
    room.screen.keyboard.press("q")
    Room.expect(room.screen.locator("#join-overlay .big-code")).to_have_text(
        f"{room.code[:4]} {room.code[4:]}"
    )
    Room.expect(room.screen.locator("#join-overlay svg")).to_be_visible()
    shoot(room.screen, "presenter-join-overlay")


def test_the_breakdown_by_a_choice_follows_new_answers(browser: Any, tmp_path: Path) -> None:
    """Scale results broken down by a multiple-choice answer appear on the presenter's screen
    and take in an answer that arrives after the breakdown was chosen."""
    with running(tmp_path / "breakdown.db", POLLS_MIN_CELL="1") as service:
        room = Room(service, browser, DOCUMENT)
        phones = [join_by_typing(browser, room) for _ in range(2)]
        room.go_to(4)  # multiple choice: one phone is an A, the other a B
        for index, phone in enumerate(phones):
            phone.locator(".choice").nth(index).click()
            send(phone)
        room.go_to(3)  # the scales, broken down by that choice
        room.screen.hover("#segment")
        room.screen.select_option("#segment", "role")
        segments = room.screen.locator("#segments .segment")
        first = phones[0].locator("fieldset.scale").nth(0)
        first.locator(".scale-option").nth(3).click()
        send(phones[0])
        Room.expect(segments.nth(0)).to_contain_text("Useful: 4.0 (n = 1)")
        Room.expect(segments.nth(1)).to_have_text(re.compile(r"^B \(< 1\)"))  # nobody yet
        second = phones[1].locator("fieldset.scale").nth(0)
        second.locator(".scale-option").nth(1).click()
        send(phones[1])
        Room.expect(segments.nth(1)).to_contain_text("Useful: 2.0 (n = 1)")
        shoot(room.screen, "presenter-breakdown")
