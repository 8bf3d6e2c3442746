"""Coding open answers into themes on the research page, through the real service and a real
browser: suggestions, a researcher's edits, and those edits after a restart in every export."""

from __future__ import annotations

import csv
import io
import json
import re
import urllib.request
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from tests.server import Service, running
from tests.test_browser import axe_path, shoot
from tests.test_coding import closing_round, having

pytestmark = pytest.mark.browser

DUTCH = {
    "title": "Slotronde Welkome Wijk",
    "language": "nl",
    "tags": {"project": "welkome-wijk", "gemeente": "Arnhem"},
    "slides": [
        {"kind": "open_ended", "id": "mee", "question": "Wat neem je mee uit deze avond?"},
    ],
}


def fill(service: Service) -> dict[str, Any]:
    """A Dutch closing round whose 64 participants each gave one answer."""
    created: dict[str, Any] = service.http("POST", "/api/presentations", DUTCH)
    code = created["code"].replace(" ", "")
    for number, (_, text) in enumerate(closing_round()):
        # No cookie: each answer comes from a new participant.
        body = {"id": f"answer-{number}", "slide": "mee", "value": {"text": text}}
        service.http("POST", f"/api/join/{code}/answers", body)
    return created


def suggestion(page: Any, name: str, within: str = ".suggestion") -> Any:
    """The suggestion (or with ``within=".theme"`` the theme) of this name on the themes page."""
    heading = page.locator("p > strong", has_text=re.compile(f"^{name}$"))
    return page.locator(within).filter(has=heading)


def download(service: Service, path: str, key: str) -> bytes:
    request = urllib.request.Request(service.url + path, headers={"authorization": f"Bearer {key}"})
    with urllib.request.urlopen(request, timeout=60) as response:
        data: bytes = response.read()
        return data


def test_a_researcher_codes_answers_and_every_export_has_the_themes(
    browser: Any, tmp_path: Path
) -> None:
    """Accept a suggestion under a new name, dismiss one, add a theme, tick it on an answer,
    merge two; after a restart the page and every export format show exactly those themes."""
    database = tmp_path / "themes.db"
    with running(database) as service:
        created = fill(service)
        page = browser.new_context(
            viewport={"width": 1280, "height": 900}, bypass_csp=True
        ).new_page()
        page.goto(created["researcher_url"])
        page.click("text=Open antwoorden in thema's indelen")
        talk = suggestion(page, "Praten")
        assert "11 antwoorden" in talk.locator("p").first.inner_text()
        shoot(page, "research-themes-suggestions")
        talk.locator("input[name=name]").fill("Erover praten")
        talk.locator("button", has_text="Overnemen").click()
        theme = page.locator(".theme").filter(has_text="Erover praten")
        assert "11 antwoorden" in theme.inner_text()
        page.get_by_role("button", name="De suggestie Luisteren negeren").click()
        assert suggestion(page, "Luisteren").count() == 0
        suggestion(page, "Hulp").locator("button", has_text="Overnemen").click()
        page.fill("#new-theme", "Steun")
        page.click(".add-theme button")
        answer = page.locator(".coding-form li").filter(has_text="Praten met lotgenoten")
        answer.locator("label", has_text="Steun").click()
        page.click(".coding-form button[type=submit]")
        helping = suggestion(page, "Hulp", within=".theme")
        helping.locator("select").select_option(label="Steun")
        helping.locator("button", has_text="Samenvoegen").click()
        themes = page.locator(".theme-name").all_inner_texts()
        assert themes == ["Erover praten · 11 antwoorden", "Steun · 9 antwoorden"]
        shoot(page, "research-themes")
        phone = browser.new_context(viewport={"width": 360, "height": 740}).new_page()
        phone.goto(created["researcher_url"])
        phone.goto(f"{service.url}/research/{created['id']}/themes")
        assert phone.evaluate("document.documentElement.scrollWidth") <= 360
        shoot(phone, "research-themes-360")
        if axe_path().exists():
            page.add_script_tag(path=str(axe_path()))
            found = page.evaluate(
                "axe.run(document, {resultTypes: ['violations']}).then(r => r.violations"
                ".filter(v => ['serious', 'critical'].includes(v.impact)).map(v => v.id))"
            )
            assert found == []
    key = created["researcher_url"].split("key=")[1]
    with running(database) as service:
        page = browser.new_context().new_page()
        page.goto(f"{service.url}/research/{created['id']}?key={key}")
        page.goto(f"{service.url}/research/{created['id']}/themes")
        assert page.locator(".theme-name").all_inner_texts() == themes
        check_exports(service, created["id"], key)


def check_exports(service: Service, presentation_id: str, key: str) -> None:
    """CSV, XLSX, JSON, the zip and the codebook all carry the researcher's themes."""
    answers = closing_round()
    ids = having(answers, "praten")
    talking = {text for answer, text in answers if answer in ids}
    support = "Praten met lotgenoten geeft kracht"
    base = f"/research/{presentation_id}"
    rows = list(csv.DictReader(io.StringIO(download(service, f"{base}/export.csv", key).decode())))
    by_text = {row["value"]: row["themes"] for row in rows}
    assert by_text[support] == "Erover praten; Steun"
    assert {text for text, themes in by_text.items() if "Erover praten" in themes} == talking
    assert sum(1 for themes in by_text.values() if "Steun" in themes) == 9
    document = json.loads(download(service, f"{base}/export.json", key))
    pairs = {(p["answer"], p["theme"]) for p in document["answer_themes"]}
    assert (support, "Steun") in pairs and len(pairs) == 20
    counts = {c["theme"]: (c["answers"], c["of"]) for c in document["theme_counts"]}
    assert counts == {"Erover praten": (11, 64), "Steun": (9, 64)}
    book = openpyxl.load_workbook(io.BytesIO(download(service, f"{base}/export.xlsx", key)))
    sheet = list(book["Themes"].iter_rows(values_only=True))
    assert [row[3:] for row in sheet[1:]] == [("Erover praten", 11, 64), ("Steun", 9, 64)]
    assert book["Answer themes"].max_row == 21
    bundle = zipfile.ZipFile(io.BytesIO(download(service, f"{base}/export.zip", key)))
    name = next(n for n in bundle.namelist() if n.endswith("answer_themes.csv"))
    assert len(list(csv.DictReader(io.StringIO(bundle.read(name).decode())))) == 20
    codebook = download(service, f"{base}/codebook.md", key).decode()
    assert "## Themes" in codebook and "| Steun | 9 | 64 |" in codebook
