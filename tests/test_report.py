"""Reports to hand over: the Dutch example as PDF and printable HTML, and a series by tag."""

from __future__ import annotations

import dataclasses
import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from starlette.testclient import TestClient

from polls.config import Settings
from polls.web.app import create_app
from tests.server import running
from tests.test_browser import shoot

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = yaml.safe_load((ROOT / "examples" / "closing-round.nl.yaml").read_text("utf-8"))
ORGANISER = "organiser-secret-token"
TIPS = [
    "Meer tijd om te praten",
    "Koffie was top",
    "Meer tijd voor vragen",
    "Graag vaker in de buurt",
    "Praten in kleine groepen",
    "Een vervolg in het voorjaar",
    "Neem de tijd voor elkaar",
]


@pytest.fixture
def service(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(dataclasses.replace(settings, organiser_token=ORGANISER))) as c:
        yield c


class Example:
    """The Dutch example closing round, answered by some participants."""

    def __init__(self, client: TestClient, people: int, **changes: Any) -> None:
        created = client.post("/api/presentations", json={**EXAMPLE, **changes}).json()
        self.id = created["id"]
        self.code = created["code"].replace(" ", "")
        self.auth = {"authorization": f"Bearer {created['presenter_url'].split('key=')[1]}"}
        self.client = client
        for n in range(people):
            client.cookies.clear()  # a new phone
            self.answer(n, 1, "rol", {"choices": [n % 3]})
            self.answer(n, 2, "meenemen", {"words": [["hoop", "samen", "begrip"][n % 3]]})
            self.answer(n, 3, "oordeel", {"ratings": {str(i): 1 + (n + i) % 5 for i in range(4)}})
            self.answer(n, 4, "tips", {"text": TIPS[n % len(TIPS)]})
        client.cookies.clear()

    def answer(self, n: int, position: int, slide: str, value: dict[str, Any]) -> None:
        moved = self.client.post(
            f"/api/presentations/{self.id}/control",
            json={"type": "goto", "slide": position},
            headers=self.auth,
        )
        assert moved.status_code == 200
        sent = self.client.post(
            f"/api/join/{self.code}/answers",
            json={"id": f"{n}-{slide}", "slide": slide, "value": value},
        )
        assert sent.status_code == 200, sent.text

    def accept(self, key: str, name: str) -> None:
        """Accept a suggestion on the themes page, as its form sends it."""
        page = self.client.get(f"/research/{self.id}/themes", headers=self.auth).text
        form = re.search(rf'value="{re.escape(key)}">(.*?)</form>', page, re.S)
        assert form is not None, f"no suggestion {key}"
        answers = re.findall(r'name="answers" value="(\d+)"', form.group(1))
        data = {"action": "accept", "key": key, "name": name, "answers": answers}
        assert (
            self.client.post(
                f"/research/{self.id}/themes", data=data, headers=self.auth
            ).status_code
            == 200
        )


def pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    assert data.startswith(b"%PDF-")
    pages = PdfReader(io.BytesIO(data)).pages
    return " ".join(" ".join(page.extract_text().split()) for page in pages)


def test_the_pdf_report_of_the_dutch_example_has_every_question_and_theme(
    service: TestClient,
) -> None:
    """The PDF of the Dutch example, read back, holds its title, numbers, every question, the
    scale means, the cloud's words and the open answers under their themes, all in Dutch."""
    example = Example(service, 14)
    example.accept("tips:tijd", "Tijd")
    response = service.get(f"/research/{example.id}/report.pdf", headers=example.auth)
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    assert "attachment" in response.headers["content-disposition"]
    text = pdf_text(response.content)
    assert EXAMPLE["title"] in text and "14 deelnemers" in text and "Verslag" in text.title()
    for slide in EXAMPLE["slides"]:
        if "question" in slide:
            assert slide["question"] in text
    assert "Ik heb iets nieuws geleerd." in text and "Gemiddelde" in text
    assert "hoop" in text and "begrip" in text
    assert "Tijd (6)" in text and "Overige antwoorden (8)" in text
    assert "Neem de tijd voor elkaar" in text


def test_the_html_report_is_the_same_report_to_read_and_print(service: TestClient) -> None:
    """The HTML report is a page in the presentation's language with the word cloud drawn."""
    example = Example(service, 6)
    response = service.get(f"/research/{example.id}/report.html", headers=example.auth)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    page = response.text
    assert '<html lang="nl">' in page and "<svg" in page and "6 mensen antwoordden" in page
    assert "<script" not in page and "style=" not in page  # nothing the page's CSP refuses
    assert service.get(f"/research/{example.id}/report.html").status_code == 403


def test_a_report_by_tag_adds_sessions_up_and_hides_small_groups(service: TestClient) -> None:
    """Two sessions of a series are one report: questions tallied together, each session
    listed; a question that fewer than 5 people answered shows no answers."""
    tags = {"project": "welkome-wijk", "gemeente": "Arnhem"}
    Example(service, 3, tags=tags)
    Example(service, 3, tags={**tags, "gemeente": "Nijmegen"})
    other = {**EXAMPLE, "tags": tags, "slides": [_extra_question()]}
    few = service.post("/api/presentations", json=other).json()
    for n in range(3):
        service.cookies.clear()
        sent = service.post(
            f"/api/join/{few['code'].replace(' ', '')}/answers",
            json={"id": f"few-{n}", "slide": "mooi", "value": {"text": f"Moment {n}"}},
        )
        assert sent.status_code == 200
    organiser = {"authorization": f"Bearer {ORGANISER}"}
    refused = service.get("/api/report.pdf?tag=project=welkome-wijk")
    assert refused.status_code == 403
    response = service.get("/api/report.pdf?tag=project=welkome-wijk", headers=organiser)
    text = pdf_text(response.content)
    assert "3 sessies" in text and "project = welkome-wijk" in text and "9 deelnemers" in text
    assert "Nijmegen" in text and "gesteld in 2 sessies" in text
    assert "Ik heb iets nieuws geleerd." in text and "Koffie was top" in text
    assert "Wat was het mooiste moment?" in text and "Minder dan 5 mensen antwoordden" in text
    assert "Moment 1" not in text


def _extra_question() -> dict[str, Any]:
    return {"kind": "open_ended", "id": "mooi", "question": "Wat was het mooiste moment?"}


@pytest.mark.browser
def test_the_html_report_looks_right_on_a_projector_and_a_phone(
    browser: Any, tmp_path: Path
) -> None:
    """The printable report, opened by a researcher, is drawn with its style sheet and fits
    a 1024 px screen and a 360 px phone."""
    with running(tmp_path / "report.db") as service:
        created = service.http("POST", "/api/presentations", EXAMPLE)
        key = created["presenter_url"].split("key=")[1]
        for position, slide, value in [(2, "meenemen", {"words": ["hoop"]})]:
            service.http(
                "POST",
                f"/api/presentations/{created['id']}/control",
                {"type": "goto", "slide": position},
                key,
            )
            code = created["code"].replace(" ", "")
            for n in range(6):
                body = {"id": f"w{n}", "slide": slide, "value": value}
                service.http("POST", f"/api/join/{code}/answers", body)
        for width, name in ((1024, "report-1024"), (360, "report-360")):
            page = browser.new_context(viewport={"width": width, "height": 768}).new_page()
            page.goto(created["researcher_url"])
            page.goto(f"{service.url}/research/{created['id']}/report.html")
            assert page.evaluate("getComputedStyle(document.body).fontFamily").startswith(
                '"DejaVu Sans"'
            )
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            assert page.locator("figure.cloud svg text").count() == 1
            shoot(page, name)


@pytest.mark.browser
def test_the_research_page_downloads_with_progress(browser: Any, tmp_path: Path) -> None:
    """A click on the workbook shows the download's progress in the page's language and hands
    the browser the workbook, with every answer."""
    import openpyxl

    with running(tmp_path / "progress.db") as service:
        created = service.http("POST", "/api/presentations", EXAMPLE)
        key = created["presenter_url"].split("key=")[1]
        service.http(
            "POST",
            f"/api/presentations/{created['id']}/control",
            {"type": "goto", "slide": 4},
            key,
        )
        code = created["code"].replace(" ", "")
        for n in range(8):
            body = {"id": f"t{n}", "slide": "tips", "value": {"text": TIPS[n % len(TIPS)]}}
            service.http("POST", f"/api/join/{code}/answers", body)
        page = browser.new_context(viewport={"width": 1024, "height": 768}).new_page()
        page.goto(created["researcher_url"])
        with page.expect_download() as downloading:
            page.click("#downloads a[href$='export.xlsx']")
        download = downloading.value
        assert download.suggested_filename.endswith(".xlsx")
        status = page.locator(".export-status [role=status]")
        from playwright.sync_api import expect

        expect(status).to_have_text("Gedownload.")
        shoot(page, "research-download")
        book = openpyxl.load_workbook(io.BytesIO(Path(download.path()).read_bytes()))
        assert book["Answers"].max_row == 9
