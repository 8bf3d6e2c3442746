"""The 2×2 grid in a real headless Chromium: phones with and without JavaScript rate items on
two axes, the screen plots them, and axe finds nothing serious on a small phone."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import unavailable
from tests.server import Service, running
from tests.test_browser import Room, axe_path, join_by_typing, send, shoot
from tests.test_question_panel import serious_problems

DOCUMENT: dict[str, Any] = {
    "title": "Plans",
    "language": "en",
    "slides": [
        {
            "kind": "grid",
            "id": "plan",
            "question": "Effort and impact?",
            "items": ["More meetings", "Help online", "A newsletter"],
            "x_label": "Effort",
            "y_label": "Impact",
        }
    ],
}

pytestmark = pytest.mark.browser


@pytest.fixture
def service(tmp_path: Path) -> Iterator[Service]:
    with running(tmp_path / "grid.db") as started:
        yield started


def expect(locator: Any) -> Any:
    return Room.expect(locator)


def rate(page: Any, item: int, axis: str, value: int) -> None:
    page.locator(f"input[name={axis}-{item}][value='{value}']").check(force=True)


def test_phones_rate_items_on_two_axes_and_the_screen_plots_them(
    browser: Any, service: Service
) -> None:
    """A phone that rates an item on one axis only is told to rate both; rated on both it is
    stored. A phone without JavaScript rates another item the same way. The screen shows a
    dot and a name for each rated item, at the mean of both phones."""
    room = Room(service, browser, DOCUMENT)
    phone = join_by_typing(browser, room, viewport={"width": 320, "height": 640})
    plain = join_by_typing(browser, room, java_script_enabled=False)
    rate(phone, 0, "x", 2)
    phone.click("form.answer-form button[type=submit]")
    expect(phone.locator("#form-error")).to_have_text("Rate More meetings on both axes.")
    rate(phone, 0, "y", 5)
    rate(phone, 1, "x", 4)
    rate(phone, 1, "y", 4)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 320
    shoot(phone, "phone-grid-320")
    send(phone)
    rate(plain, 0, "x", 4)
    plain.click("button[type=submit]")
    expect(plain.locator("#form-error")).to_have_text("Rate More meetings on both axes.")
    rate(plain, 0, "x", 4)
    rate(plain, 0, "y", 3)
    plain.click("button[type=submit]")
    expect(plain.locator("#confirmation")).to_contain_text("Thank you!")
    results = room.results("plan")["results"]
    assert [(i["text"], i["x"], i["y"], i["count"]) for i in results["items"]] == [
        ("More meetings", 3.0, 4.0, 2),
        ("Help online", 4.0, 4.0, 1),
        ("A newsletter", None, None, 0),
    ]
    expect(room.screen.locator(".grid-label")).to_have_text(["More meetings", "Help online"])
    expect(room.screen.locator(".grid-dot")).to_have_count(2)
    assert "More meetings: 3, 4" in str(
        room.screen.locator(".grid-plane").get_attribute("aria-label")
    )
    shoot(room.screen, "screen-grid")


def test_the_grid_passes_axe_on_a_small_phone(browser: Any, service: Service) -> None:
    """axe-core finds nothing serious on a 320 px phone showing a grid's items."""
    if not axe_path().exists():
        unavailable("axe-core (npm install axe-core)", FileNotFoundError(str(axe_path())))
    room = Room(service, browser, DOCUMENT)
    phone = browser.new_context(viewport={"width": 320, "height": 640}, bypass_csp=True).new_page()
    phone.goto(f"{service.url}/{room.code}")
    expect(phone.locator(".grid-item")).to_have_count(3)
    assert serious_problems(phone) == []
