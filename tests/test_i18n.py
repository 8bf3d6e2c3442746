"""Translations: every text people see has a Dutch translation, and pages use it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

from polls.core.errors import InvalidAnswer
from polls.core.i18n import N_, languages, preferred_language, translations

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
