"""Translations: every text people see has a Dutch translation, and pages use it."""

from __future__ import annotations

import html
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml
from babel.messages.pofile import read_po
from starlette.testclient import TestClient

from polls.config import Settings
from polls.core.errors import InvalidAnswer
from polls.core.i18n import N_, languages, preferred_language, translations
from polls.web.app import create_app

ROOT = Path(__file__).resolve().parent.parent


def test_every_text_has_a_dutch_translation(tmp_path: Path) -> None:
    """Extracting the texts afresh finds nothing that the Dutch catalog lacks."""
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "N_",
            "--no-location",
            "-o",
            str(pot),
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with pot.open("rb") as source:
        wanted = {m.id for m in read_po(source) if m.id}
    with (ROOT / "polls/locales/nl/LC_MESSAGES/messages.po").open("rb") as source:
        dutch = {m.id: m.string for m in read_po(source) if m.id}
    assert wanted - set(dutch) == set()
    assert [msgid for msgid in wanted if not dutch[msgid]] == []


def test_languages_and_fallbacks() -> None:
    """Dutch and English are supported; unknown languages and strings fall back to English."""
    assert languages() == ("en", "nl")
    assert translations("nl")("Send") == "Versturen"
    assert translations("fr")("Send") == "Send"
    assert translations("nl")("not a known text") == "not a known text"
    assert preferred_language("fr-FR, nl;q=0.8, en;q=0.5") == "nl"
    assert preferred_language("de") == "en"


def test_error_reasons_are_translated_with_their_numbers() -> None:
    """A refused answer's reason reads in the participant's language, numbers filled in."""
    error = InvalidAnswer(N_("A rating must be from %(low)s to %(high)s."), low=1, high=5)
    assert error.reason == "A rating must be from 1 to 5."
    assert error.translated(translations("nl")) == "Een score moet van 1 tot en met 5 zijn."


def english_phrases() -> dict[str, str]:
    """Each catalog text that Dutch words differently, as the English phrases a page would
    show of it (the parts between its placeholders of at least two words), by phrase."""
    with (ROOT / "polls/locales/nl/LC_MESSAGES/messages.po").open("rb") as source:
        catalog = [m for m in read_po(source) if m.id]
    phrases: dict[str, str] = {}
    for message in catalog:
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for english in ids:
            if english in strings:
                continue
            for part in re.split(r"%\(\w+\)s|\n", english):
                part = part.strip(" .,:;·()“”'\"")
                if len(part.split()) >= 2 and len(part) >= 10:
                    phrases[part] = english
    return phrases


def test_every_page_of_a_dutch_presentation_shows_no_english_from_the_catalog(
    tmp_path: Path,
) -> None:
    """Every template, rendered for a Dutch presentation and a Dutch browser (each slide kind,
    the presenter's pages, the editor, the research, themes and report pages, the errors),
    holds no English text that the catalog has in Dutch."""
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'nl.db'}", demo_file="")
    document = yaml.safe_load((ROOT / "examples/closing-round.nl.yaml").read_text("utf-8"))
    document["qa"] = True
    document["slides"].append({"kind": "qa", "id": "vragen", "question": "Uw vragen"})
    document["slides"] += [
        {"kind": "ranking", "id": "eerst", "question": "Wat eerst?", "options": ["Een", "Twee"]},
        {"kind": "hundred_points", "id": "budget", "question": "Budget", "options": ["A", "B"]},
        {
            "kind": "grid",
            "id": "vlak",
            "question": "Waar?",
            "items": ["A"],
            "x_label": "Moeite",
            "y_label": "Impact",
        },
        {"kind": "quiz", "id": "quiz", "question": "Wie?", "options": ["A", "B"], "correct": ["A"]},
        {"kind": "leaderboard", "id": "stand"},
    ]
    dutch = {"accept-language": "nl-NL,nl;q=0.9"}
    pages: dict[str, str] = {}
    rendered: set[str] = set()
    with TestClient(create_app(settings), headers=dutch) as client:
        created = client.post("/api/presentations", json=document).json()
        code, presentation = created["code"].replace(" ", ""), created["id"]
        presenter = {"authorization": f"Bearer {created['presenter_url'].split('key=')[1]}"}
        client.get(created["presenter_url"])  # the presenter's cookie
        client.get(created["researcher_url"])  # the researcher's cookie

        def visit(name: str, path: str, method: str = "GET", **kwargs: Any) -> None:
            response = client.request(method, path, **kwargs)
            pages[name] = response.text
            template = getattr(response, "template", None)
            if template is not None:
                rendered.add(template.name)

        for position, slide in enumerate(document["slides"]):
            client.post(
                f"/api/presentations/{presentation}/control",
                json={"type": "goto", "slide": position},
                headers=presenter,
            )
            visit(f"phone: {slide['id']}", f"/{code}")
        visit("phone: a refused answer", f"/{code}", "POST", data={"slide": "bedankt"})
        visit("join", "/")
        visit("join: wrong code", "/join", "POST", data={"code": "1234"})
        visit("withdraw", f"/{code}/withdraw")
        client.post(f"/api/join/{code}/questions", json={"id": "v1", "text": "Wie betaalt dit?"})
        visit("questions", f"/{code}/questions")
        visit("questions: refused", f"/{code}/questions", "POST", data={"action": "ask"})
        visit("screen", f"/present/{presentation}")
        visit("console", f"/present/{presentation}/console")
        visit("editor", f"/present/{presentation}/edit")
        visit("new", "/new")
        visit("presentations", "/present")
        visit("research", f"/research/{presentation}")
        visit("themes", f"/research/{presentation}/themes")
        visit("themes: refused", f"/research/{presentation}/themes", "POST", data={"action": "add"})
        visit("report", f"/research/{presentation}/report.html")
        visit("not found", "/research/nope/nothing")
        client.cookies.clear()
        visit("forbidden", f"/research/{presentation}")
    # base.html is extended and participant_view.html included by the others; report.html is
    # rendered by the report's job (its language is checked below).
    inside = {"base.html", "participant_view.html", "report.html"}
    templates = {p.name for p in (ROOT / "templates").glob("*.html")} - inside
    assert templates - rendered == set()
    assert '<html lang="nl">' in pages["report"]
    phrases = english_phrases()
    found = [
        f"{name}: {phrase!r}"
        for name, page in pages.items()
        for phrase in phrases
        if phrase in page or html.escape(phrase) in page
    ]
    assert found == []
