"""Audience Q&A in a real browser: phones ask and upvote in the panel, the console answers and
hides, the screen and the phones follow; the page without JavaScript does the same with forms.

(Apart from tests/test_questions.py: Playwright's synchronous API keeps an event loop running
in the test's thread, which the asynchronous tests there cannot share.)"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.server import running
from tests.test_browser import axe_path, shoot
from tests.test_questions import ASKING


def phone_at(browser: Any, url: str, width: int = 360, **options: Any) -> Any:
    page = browser.new_context(viewport={"width": width, "height": 740}, **options).new_page()
    page.goto(url)
    return page


def serious_problems(page: Any) -> list[str]:
    """axe-core's serious and critical findings on the page as it is now."""
    page.add_script_tag(path=str(axe_path()))
    found: list[str] = page.evaluate(
        "axe.run(document, {resultTypes: ['violations']}).then(r => r.violations"
        ".filter(v => ['serious', 'critical'].includes(v.impact)).map(v => v.id))"
    )
    return found


@pytest.mark.browser
def test_a_question_asked_upvoted_answered_and_hidden(browser: Any, tmp_path: Path) -> None:
    """One phone asks from the word-cloud slide; three phones upvote it; the console marks it
    "answering now" (highlighted on the screen's qa slide and on phones), then answered, then
    hides it: it leaves every phone."""
    from playwright.sync_api import expect

    with running(tmp_path / "panel.db") as service:
        created = service.http("POST", "/api/presentations", ASKING)
        code = created["code"].replace(" ", "")
        console = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
        console.goto(created["presenter_url"])  # the presenter's cookie, then their console
        console.goto(f"{service.url}/present/{created['id']}/console")
        expect(console.locator("#position")).to_have_text("1 / 6")
        console.keyboard.press("ArrowRight")  # the word cloud: questions come from any slide
        expect(console.locator("#position")).to_have_text("2 / 6")
        url = f"{service.url}/{code}"
        phones = [phone_at(browser, url, 320 if n == 0 else 360) for n in range(4)]
        asker = phones[0]
        expect(asker.locator("#question")).to_have_text("One word?")
        asker.get_by_role("link", name="Questions for the speaker").click()
        asker.get_by_label("Your question").fill("Who <b>pays</b> for this?")
        asker.get_by_role("button", name="Send question").click()
        expect(asker.locator(".qa-ask .status")).to_have_text(
            "Thank you! Your question has been sent."
        )
        expect(asker.locator(".qa-list .qa-text")).to_have_text(["Who <b>pays</b> for this?"])
        shoot(asker, "phone-questions-320")
        assert asker.evaluate("document.documentElement.scrollWidth") <= 320
        for voter in phones[1:]:
            voter.get_by_role("link", name="Questions for the speaker").click()
            vote = voter.locator(".qa-vote")
            expect(vote).to_have_attribute("aria-pressed", "false")
            vote.click()
            expect(vote).to_have_attribute("aria-pressed", "true")
        card = console.locator("#qa-console .qa-card")
        expect(card.locator(".qa-card-votes")).to_have_text("▲ 3")
        expect(asker.locator(".qa-vote")).to_contain_text("3")
        size = phones[1].locator(".qa-vote").bounding_box()
        assert size["width"] >= 48 and size["height"] >= 48
        console.get_by_role("button", name="Answer now").click()
        expect(console.locator("#qa-now")).to_contain_text("Who <b>pays</b> for this?")
        console.locator("#slide-list button").last.click()
        expect(console.locator("#position")).to_have_text("6 / 6")
        screen = browser.new_context(viewport={"width": 1024, "height": 768}).new_page()
        screen.goto(created["presenter_url"])
        highlighted = screen.locator("#results .qa-card.is-answering")
        expect(highlighted).to_contain_text("Who <b>pays</b> for this?")
        expect(highlighted).to_contain_text("Answering now")
        shoot(screen, "presenter-questions-1024")
        shoot(console, "console-questions")
        expect(phones[1].locator(".qa-answering")).to_contain_text("Who <b>pays</b> for this?")
        expect(phones[1].locator("#qa-title")).to_be_visible()  # the qa slide opens the panel
        shoot(phones[1], "phone-questions-answering-360")
        console.get_by_role("button", name="Answered", exact=True).click()
        expect(phones[2].locator(".qa-answered .qa-text")).to_have_text(
            ["Who <b>pays</b> for this?"]
        )
        expect(screen.locator("#results .qa-card.is-answered")).to_contain_text("Answered")
        console.get_by_role("button", name="Hide", exact=True).click()
        expect(console.locator("#qa-console .qa-card")).to_contain_text("hidden")
        for phone in phones[1:]:
            expect(phone.locator(".qa-item")).to_have_count(0)
        expect(asker.locator(".qa-waiting")).to_contain_text("Who <b>pays</b> for this?")
        if axe_path().exists():
            for page in (phones[1], screen):
                checked = page.context.browser.new_context(
                    viewport=page.viewport_size, bypass_csp=True
                ).new_page()
                checked.goto(page.url)
                expect(checked.locator("body")).to_be_visible()
                assert serious_problems(checked) == [], page.url


@pytest.mark.browser
def test_questions_work_without_javascript(browser: Any, tmp_path: Path) -> None:
    """Without JavaScript a phone asks and upvotes with plain forms; sending the upvote form
    twice (the same submission) counts once; upvoting again takes the vote back."""
    from playwright.sync_api import expect

    with running(tmp_path / "plain.db") as service:
        created = service.http("POST", "/api/presentations", ASKING)
        code = created["code"].replace(" ", "")
        phone = phone_at(browser, f"{service.url}/{code}", 320, java_script_enabled=False)
        phone.get_by_role("link", name="Questions for the speaker").click()
        phone.get_by_label("Your question").fill("Is there coffee?")
        phone.get_by_role("button", name="Send question").click()
        expect(phone.get_by_role("status")).to_have_text("Thank you! Your question has been sent.")
        vote = phone.locator(".qa-vote")
        expect(vote).to_have_attribute("aria-pressed", "false")
        form = phone.locator(".qa-item form")
        again = form.evaluate("f => new URLSearchParams(new FormData(f)).toString()")
        vote.click()
        expect(vote).to_have_attribute("aria-pressed", "true")
        expect(vote).to_contain_text("1")
        resent = phone.request.post(
            f"{service.url}/{code}/questions",
            data=again,
            headers={"content-type": "application/x-www-form-urlencoded"},
        )
        assert resent.ok
        phone.reload()
        expect(vote).to_contain_text("1")
        shoot(phone, "phone-questions-nojs-320")
        assert phone.evaluate("document.documentElement.scrollWidth") <= 320
        vote.click()
        expect(vote).to_have_attribute("aria-pressed", "false")
        expect(vote).to_contain_text("0")
        phone.get_by_role("button", name="Send question").click()
        expect(phone.get_by_role("alert")).to_have_text("The question is empty.")


@pytest.mark.browser
def test_questions_over_http_where_sockets_are_blocked(browser: Any, tmp_path: Path) -> None:
    """A phone whose venue blocks WebSockets follows by HTTP: it asks and upvotes through the
    same outbox, and sees another phone's question arrive by polling the list."""
    from playwright.sync_api import expect

    with running(tmp_path / "blocked.db") as service:
        created = service.http("POST", "/api/presentations", ASKING)
        url = f"{service.url}/{created['code'].replace(' ', '')}"
        blocked = browser.new_context(viewport={"width": 360, "height": 740})
        blocked.add_init_script("delete window.WebSocket")
        phone = blocked.new_page()
        phone.goto(url)
        phone.get_by_role("link", name="Questions for the speaker").click()
        phone.get_by_label("Your question").fill("Can we park nearby?")
        phone.get_by_role("button", name="Send question").click()
        expect(phone.locator(".qa-ask .status")).to_have_text(
            "Thank you! Your question has been sent."
        )
        other = phone_at(browser, url)
        other.get_by_role("link", name="Questions for the speaker").click()
        other.get_by_label("Your question").fill("Is it recorded?")
        other.get_by_role("button", name="Send question").click()
        expect(phone.locator(".qa-list .qa-text")).to_have_count(2)
        vote = phone.locator(".qa-item", has_text="Is it recorded?").locator(".qa-vote")
        vote.click()
        expect(other.locator(".qa-item", has_text="Is it recorded?")).to_contain_text("1")
