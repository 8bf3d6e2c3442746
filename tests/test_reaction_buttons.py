"""Reaction buttons in a real browser: on the phone under every slide, counted on the screen.

(Apart from tests/test_reactions.py: Playwright's synchronous API keeps an event loop running
in the test's thread, which the asynchronous tests there cannot share.)"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.server import running
from tests.test_browser import axe_path, shoot
from tests.test_reactions import REACTING


@pytest.mark.browser
def test_a_tap_on_a_phone_shows_on_the_screen(browser: Any, tmp_path: Path) -> None:
    """A phone shows the offered reactions as buttons under the slide; a tap on the heart
    shows on the screen's count for that slide."""
    from playwright.sync_api import expect

    with running(tmp_path / "tap.db") as service:
        created = service.http("POST", "/api/presentations", REACTING)
        screen = browser.new_context(viewport={"width": 1280, "height": 720}).new_page()
        screen.goto(created["presenter_url"])
        expect(screen.locator("#position")).to_have_text("1 / 5")
        phone = browser.new_context(viewport={"width": 320, "height": 640}).new_page()
        phone.goto(f"{service.url}/{created['code'].replace(' ', '')}")
        buttons = phone.locator("#reactions button")
        expect(buttons).to_have_count(2)
        expect(buttons.first).to_have_attribute("aria-label", "Heart")
        buttons.first.click()
        expect(screen.locator("#reaction-counts")).to_contain_text("1")
        expect(screen.locator("#reaction-counts [aria-label='Heart: 1']")).to_have_count(1)
        shoot(phone, "phone-reactions-320")
        shoot(screen, "presenter-reactions")
        assert phone.evaluate("document.documentElement.scrollWidth") <= 320
        sizes = phone.evaluate(
            "[...document.querySelectorAll('#reactions button')]"
            ".map(b => [b.offsetWidth, b.offsetHeight])"
        )
        assert all(width >= 48 and height >= 48 for width, height in sizes)
        if axe_path().exists():
            checked = browser.new_context(viewport={"width": 320, "height": 640}, bypass_csp=True)
            page = checked.new_page()
            page.goto(f"{service.url}/{created['code'].replace(' ', '')}")
            expect(page.locator("#reactions button")).to_have_count(2)
            page.add_script_tag(path=str(axe_path()))
            found = page.evaluate(
                "axe.run(document, {resultTypes: ['violations']}).then(r => r.violations"
                ".filter(v => ['serious', 'critical'].includes(v.impact)).map(v => v.id))"
            )
            assert found == []
