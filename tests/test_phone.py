"""The phone page in a real headless Chromium: it follows the presenter in place, its feedback
is in view, the person's own answers come back, nothing sent is lost when the database is
away, and its scales fit narrow phones. Screenshots go to tests/screenshots/ (not in git)."""

from __future__ import annotations

import itertools
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.server import Service, running
from tests.test_browser import Room, shoot

ROOT = Path(__file__).resolve().parent.parent
CLOSING_ROUND = yaml.safe_load((ROOT / "examples/closing-round.nl.yaml").read_text("utf-8"))
SIZES = {"320": {"width": 320, "height": 640}, "360": {"width": 360, "height": 740}}
LARGE_TEXT = "html { font-size: 146.25%; }"  # 130 % of the page's own 112.5 %

pytestmark = pytest.mark.browser


@pytest.fixture
def service(tmp_path: Path) -> Iterator[Service]:
    with running(tmp_path / "phone.db") as started:
        yield started


def expect(locator: Any) -> Any:
    return Room.expect(locator)


class Phone:
    """A phone page that counts its own navigations after the first load."""

    def __init__(self, browser: Any, service: Service, code: str, **context: Any) -> None:
        options = {"viewport": SIZES["360"], **context}
        self.page = browser.new_context(**options).new_page()
        self.navigations = 0
        self.page.on("framenavigated", self._navigated)
        self.page.goto(f"{service.url}/{code}")
        self.navigations = 0

    def _navigated(self, frame: Any) -> None:
        if frame == self.page.main_frame:
            self.navigations += 1

    def shows(self, position: int) -> None:
        """Wait until the page shows the closing round's slide at this position (from 1)."""
        slide = CLOSING_ROUND["slides"][position - 1]
        expect(self.page.locator("#view h1")).to_have_text(slide.get("question") or slide["title"])

    def send(self) -> None:
        self.page.click("form.answer-form button[type=submit]")
        expect(self.page.locator("#confirmation")).to_contain_text("Bedankt!")

    def in_view(self, selector: str) -> bool:
        box = self.page.locator(selector).bounding_box()
        size = self.page.viewport_size
        return bool(
            box
            and box["y"] >= 0
            and box["x"] >= 0
            and box["y"] + box["height"] <= size["height"]
            and box["x"] + box["width"] <= size["width"]
        )


def test_twenty_phones_follow_every_slide_in_place(browser: Any, service: Service) -> None:
    """20 phones and a presenter go through every slide of the Dutch closing round with next,
    previous, lock and unlock: every phone shows the presenter's slide each time and none
    loads its page again."""
    room = Room(service, browser, CLOSING_ROUND)
    phones = [Phone(browser, service, room.code) for _ in range(20)]
    slides = CLOSING_ROUND["slides"]

    def everyone_shows(position: int, locked: bool = False) -> None:
        slide = slides[position - 1]
        for phone in phones:
            expect(phone.page.locator("#view h1")).to_have_text(
                slide.get("question") or slide["title"]
            )
            notice = phone.page.locator("#view .notice")
            expect(notice).to_have_count(1 if locked else 0)

    everyone_shows(1)
    steps = [2, 3, 4, 5, 6, 5, 4]
    for position in steps:
        room.go_to(position)
        everyone_shows(position)
    room.screen.keyboard.press("l")  # lock voting on the scales
    everyone_shows(4, locked=True)
    assert phones[0].page.locator("#view input[type=radio]").first.is_disabled()
    room.screen.keyboard.press("l")
    everyone_shows(4)
    assert phones[0].page.locator("#view input[type=radio]").first.is_enabled()
    assert [phone.navigations for phone in phones] == [0] * 20


def test_typing_survives_a_lock_and_unlock(browser: Any, service: Service) -> None:
    """When only voting closes and opens again, what the person typed stays in the field."""
    room = Room(service, browser, CLOSING_ROUND)
    room.go_to(5)
    phone = Phone(browser, service, room.code)
    phone.page.fill("textarea", "Meer tijd voor vragen")
    room.screen.keyboard.press("l")
    expect(phone.page.locator("textarea")).to_be_disabled()
    # The presenter's key toggles what its own screen shows: wait until it shows the lock.
    expect(room.screen.locator("#locked")).to_be_visible()
    room.screen.keyboard.press("l")
    expect(phone.page.locator("textarea")).to_be_enabled()
    expect(phone.page.locator("textarea")).to_have_value("Meer tijd voor vragen")
    assert phone.navigations == 0


def scale_document(points: int) -> dict[str, Any]:
    return {
        "title": "Schalen",
        "language": "nl",
        "slides": [
            {
                "kind": "scales",
                "id": "schaal",
                "question": "Eens?",
                "statements": ["Het was nuttig.", "Ik kom terug."],
                "min": 1,
                "max": points,
                "min_label": "Helemaal oneens",
                "max_label": "Helemaal eens",
                "allow_skip": True,
            }
        ],
    }


@pytest.mark.parametrize("points", [5, 10])
def test_scales_stand_in_one_row_or_one_under_the_other(
    browser: Any, service: Service, points: int
) -> None:
    """At 320, 360 and 412 px with 130 % text, a scale's points share one top (one row) or
    each stands below the one before (the vertical layout); nothing scrolls sideways, every
    point is at least 48 px tall, and the ends say what they mean."""
    room = Room(service, browser, scale_document(points))
    sizes = [(320, False), (360, False), (412, True)]
    for width, large in sizes:
        phone = Phone(
            browser, service, room.code, viewport={"width": width, "height": 800}, bypass_csp=large
        )
        if large:
            phone.page.add_style_tag(content=LARGE_TEXT)
        boxes = [
            b
            for b in (
                p.bounding_box() for p in phone.page.locator(".scale").first.locator(".point").all()
            )
            if b
        ]
        assert len(boxes) == points
        tops = {round(b["y"]) for b in boxes}
        one_row = len(tops) == 1
        stacked = all(
            later["y"] >= earlier["y"] + earlier["height"]
            for earlier, later in itertools.pairwise(boxes)
        )
        assert one_row or stacked, f"{points} points at {width} px wrap"
        assert all(b["height"] >= 48 and b["width"] >= 48 for b in boxes)
        overflow = phone.page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{points} points at {width} px scroll sideways"
        ends = phone.page.locator(".scale").first
        if stacked:
            expect(ends.locator(".point").first).to_contain_text("Helemaal oneens")
        else:
            expect(ends.locator(".scale-labels")).to_have_text("Helemaal oneensHelemaal eens")
        suffix = "-large" if large else ""
        shoot(phone.page, f"phone-scale-{points}-{width}{suffix}")


def test_confirmation_and_errors_are_in_view(browser: Any, service: Service) -> None:
    """After sending on every kind the confirmation fills the screen; a word over the limit,
    sent from a second tab, is refused with its reason in view next to the form."""
    room = Room(service, browser, CLOSING_ROUND)
    for name, size in SIZES.items():
        phone = Phone(browser, service, room.code, viewport=size)
        room.go_to(2)
        phone.shows(2)
        phone.page.locator(".choice").nth(1).click()
        phone.send()
        assert phone.in_view("#confirmation .confirmation-title")
        shoot(phone.page, f"phone-{name}-thanks-choice")
        room.go_to(3)
        phone.shows(3)
        for field, word in zip(
            phone.page.locator("input[name=word]").all(), ["Hoop", "Moed"], strict=False
        ):
            field.fill(word)
        phone.send()
        assert phone.in_view("#confirmation .confirmation-title")
        phone.page.click("#confirmation button")  # nog een antwoord geven
        expect(phone.page.locator(".given")).to_contain_text("Hoop")
        expect(phone.page.locator(".count")).to_have_text("2 van 3 woorden gegeven")
        expect(phone.page.locator("input[name=word]")).to_have_count(1)
        shoot(phone.page, f"phone-{name}-word-cloud-given")
        room.go_to(4)
        phone.shows(4)
        phone.page.locator(".scale").nth(3).locator(".scale-option").nth(4).click()
        phone.send()
        assert phone.in_view("#confirmation .confirmation-title")
        room.go_to(5)
        phone.shows(5)
        phone.page.fill("textarea", "Meer koffie")
        phone.send()
        assert phone.in_view("#confirmation .confirmation-title")
        shoot(phone.page, f"phone-{name}-thanks-open")
        room.go_to(3)
        phone.shows(3)
        expect(phone.page.locator(".count")).to_have_text("2 van 3 woorden gegeven")
        other = phone.page.context.new_page()  # the same person in a second tab
        other.goto(f"{service.url}/{room.code}")
        phone.page.locator("input[name=word]").fill("Samen")
        phone.send()
        other.locator("input[name=word]").first.fill("Rust")
        other.click("form.answer-form button[type=submit]")
        error = other.locator("#form-error")
        expect(error).to_contain_text("Je hebt alle 3 woorden gegeven")
        box = error.bounding_box()
        assert box and box["y"] >= 0 and box["y"] + box["height"] <= size["height"]
        shoot(other, f"phone-{name}-over-limit")
        other.close()


def test_own_answers_come_back_after_a_reload(browser: Any, service: Service) -> None:
    """On every kind, a reload shows the person's own answers again, with what is left."""
    room = Room(service, browser, CLOSING_ROUND)
    phone = Phone(browser, service, room.code)
    page = phone.page
    room.go_to(2)
    phone.shows(2)
    page.locator(".choice").nth(2).click()
    phone.send()
    page.reload()
    expect(page.locator("input[name=choice]").nth(2)).to_be_checked()
    room.go_to(3)
    phone.shows(3)
    page.locator("input[name=word]").first.fill("Verbinding")
    phone.send()
    page.reload()
    expect(page.locator(".given-item")).to_have_text(["Verbinding"])
    expect(page.locator("input[name=word]")).to_have_count(2)
    room.go_to(4)
    phone.shows(4)
    page.locator(".scale").nth(0).locator(".scale-option").nth(3).click()
    page.locator(".scale").nth(1).locator(".skip").click()
    phone.send()
    page.reload()
    expect(page.locator("input[name=rating-0]").nth(3)).to_be_checked()
    expect(page.locator("input[name=rating-1][value=skip]")).to_be_checked()
    shoot(page, "phone-360-scales-mine")
    room.go_to(5)
    phone.shows(5)
    for tip in ("Kortere pauze", "Meer tijd", "Koffie"):
        page.fill("textarea", tip)
        phone.send()
        if tip != "Koffie":
            page.click("#confirmation button")
    page.reload()
    expect(page.locator(".given-item")).to_have_text(["Kortere pauze", "Meer tijd", "Koffie"])
    expect(page.locator("textarea")).to_have_count(0)
    expect(page.locator(".done")).to_have_text("Je hebt al je antwoorden gegeven.")
    room.go_to(3)  # back to the word cloud: the page asks for this person's words again
    phone.shows(3)
    expect(page.locator(".given-item")).to_have_text(["Verbinding"])


def test_answers_sent_while_the_database_is_away_are_stored_once(
    browser: Any, service: Service
) -> None:
    """The database is locked by another process while a phone sends three answers: the
    service refuses them as unavailable, the page keeps them and sends them again by itself
    once the database is back, and each is stored exactly once."""
    room = Room(service, browser, CLOSING_ROUND)
    room.go_to(5)
    phone = Phone(browser, service, room.code)
    page = phone.page
    blocker = sqlite3.connect(service.database, isolation_level=None, timeout=30)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        for tip in ("Eerste tip", "Tweede tip", "Derde tip"):
            page.fill("textarea", tip)
            page.click("form.answer-form button[type=submit]")
        expect(page.locator("#form-status")).to_have_text(
            "Nog niet verstuurd: we proberen het opnieuw…", timeout=30_000
        )
    finally:
        blocker.rollback()
        blocker.close()
    expect(page.locator("#confirmation")).to_contain_text("Bedankt!", timeout=60_000)
    with sqlite3.connect(service.database) as db:
        stored = [row[0] for row in db.execute("SELECT value FROM responses ORDER BY id")]
    assert sorted(stored) == sorted(
        f'{{"text":"{tip}"}}' for tip in ("Eerste tip", "Tweede tip", "Derde tip")
    )
    assert page.evaluate(f"localStorage.getItem('polls-outbox-{room.code}')") == "[]"
    assert phone.navigations == 0


def test_a_phone_without_javascript_moves_on_by_a_link(browser: Any, service: Service) -> None:
    """Without JavaScript, the thank-you and waiting states offer "Volgende vraag" (and
    refresh themselves); the link leads to the question the presenter shows now."""
    room = Room(service, browser, CLOSING_ROUND)
    page = browser.new_context(viewport=SIZES["320"], java_script_enabled=False).new_page()
    page.goto(f"{service.url}/{room.code}")
    expect(page.locator("h1")).to_have_text("Fijn dat je er was!")
    shoot(page, "phone-320-nojs-waiting")
    room.go_to(2)
    with page.expect_navigation():
        page.click("text=Volgende vraag")
    expect(page.locator("h1")).to_have_text("Ik ben hier als …")
    page.locator(".choice").first.click()
    page.click("form.answer-form button[type=submit]")
    expect(page.locator("#confirmation")).to_contain_text("Bedankt!")
    shoot(page, "phone-320-nojs-thanks")
    room.go_to(3)
    with page.expect_navigation():
        page.click("text=Volgende vraag")
    expect(page.locator("h1")).to_have_text("Wat neem je mee uit deze bijeenkomst?")
    room.go_to(6)
    page.goto(f"{service.url}/{room.code}")
    expect(page.locator(".waiting")).to_have_text(
        "Dit was de laatste dia. Bedankt voor het meedoen!"
    )
    expect(page.locator(".position")).to_have_count(0)


def test_the_phone_draws_each_kind_as_the_server_does(browser: Any, service: Service) -> None:
    """A slide drawn in place by the page has the same markup as the same slide rendered by
    the server, for every kind: one design, whichever drew it."""
    room = Room(service, browser, CLOSING_ROUND)
    phone = Phone(browser, service, room.code)
    signature = (
        "root => [...root.querySelectorAll(':not(noscript):not(noscript *)')]"
        ".map(e => [e.tagName, e.className,"
        " e.getAttribute('name'), e.getAttribute('type'), e.getAttribute('value'),"
        " e.checked || false, e.disabled || false,"
        " e.children.length ? '' : e.textContent.replace(/\\s+/g, ' ').trim()])"
    )
    for position in range(2, 7):
        room.go_to(position)
        expect(phone.page.locator("#view .position, #view .waiting")).to_have_count(1)
        drawn = phone.page.locator("#view").evaluate(signature)
        served = browser.new_context(java_script_enabled=False).new_page()
        served.goto(f"{service.url}/{room.code}")
        rendered = served.locator("#view").evaluate(signature)
        served.close()

        def without_ids(rows: list[list[Any]]) -> list[list[Any]]:
            return [r for r in rows if not (r[0] == "INPUT" and r[2] == "submission")]

        assert without_ids(drawn) == without_ids(rendered), f"slide {position}"


def test_every_state_at_three_widths(browser: Any, service: Service) -> None:
    """Each slide of the closing round, open and locked, and the confirmation after an answer,
    at 320, 360 and 412 px: nothing scrolls sideways. The screenshots are for people to look at."""
    room = Room(service, browser, CLOSING_ROUND)
    widths = (320, 360, 412)
    phones = {
        w: Phone(browser, service, room.code, viewport={"width": w, "height": 800}) for w in widths
    }
    answer = {
        2: lambda page: page.locator(".choice").first.click(),
        3: lambda page: page.locator("input[name=word]").first.fill("Verbinding"),
        4: lambda page: page.locator(".scale").first.locator(".scale-option").nth(3).click(),
        5: lambda page: page.fill("textarea", "Graag vaker zo'n avond."),
    }
    for position in range(1, 7):
        room.go_to(position)
        for width, phone in phones.items():
            phone.shows(position)
            shoot(phone.page, f"phone-{width}-slide-{position}")
            wide = phone.page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert wide <= 0, f"slide {position} at {width} px scrolls sideways"
        if position in answer:
            room.screen.keyboard.press("l")
            for width, phone in phones.items():
                expect(phone.page.locator("#view .notice")).to_be_visible()
                shoot(phone.page, f"phone-{width}-slide-{position}-locked")
            room.screen.keyboard.press("l")
            for width, phone in phones.items():
                expect(phone.page.locator("#view .notice")).to_have_count(0)
                answer[position](phone.page)
                phone.send()
                shoot(phone.page, f"phone-{width}-slide-{position}-thanks")
