"""Presentation documents: valid ones build, invalid ones list every problem by path."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from polls.core.errors import DocumentInvalid
from polls.domain.documents import (
    document_to_data,
    load_document,
    parse_document_text,
    validate_document,
)
from polls.kinds.multiple_choice import MultipleChoice
from polls.kinds.scales import Scales
from polls.kinds.word_cloud import WordCloud

ROOT = Path(__file__).resolve().parent.parent


def problems(data: Any) -> list[str]:
    with pytest.raises(DocumentInvalid) as caught:
        validate_document(data)
    return caught.value.problems


def test_the_shipped_examples_are_valid() -> None:
    """Both closing-round examples load, in their own language, with every kind of question."""
    dutch = load_document(ROOT / "examples" / "closing-round.nl.yaml")
    english = load_document(ROOT / "examples" / "closing-round.en.yaml")
    assert dutch.language == "nl" and english.language == "en"
    assert dutch.slides[2].question == "Wat neem je mee uit deze bijeenkomst?"  # type: ignore[union-attr]
    kinds = {type(s).__name__ for s in dutch.slides}
    assert kinds == {"Content", "WordCloud", "Scales", "MultipleChoice", "OpenEnded"}
    assert len(dutch.slides) == len(english.slides)


def test_defaults_fill_what_authors_leave_out() -> None:
    """A minimal slide gets sensible limits and an id."""
    document = validate_document(
        {
            "title": "T",
            "slides": [
                {"kind": "word_cloud", "question": "Q"},
                {"kind": "scales", "question": "Q", "statements": ["S"]},
            ],
        }
    )
    cloud, scales = document.slides
    assert isinstance(cloud, WordCloud) and cloud.max_words == 3 and cloud.id == "s1"
    assert isinstance(scales, Scales) and (scales.min, scales.max) == (1, 5) and scales.id == "s2"
    assert document.language == "en"


def test_every_problem_is_listed_with_its_path() -> None:
    """All mistakes come back at once, each with where it is."""
    found = problems(
        {
            "title": "",
            "language": "fr",
            "slides": [
                {"kind": "word_cloud", "question": "Q", "max_words": 9},
                {"kind": "poll"},
                {"kind": "scales", "question": "Q", "statements": ["ok", ""], "min": 5, "max": 5},
                {"kind": "multiple_choice", "question": "Q", "options": ["only one"]},
                {"kind": "open_ended", "question": "Q", "colour": "red"},
            ],
        }
    )
    assert "title: must not be empty" in found
    assert "language: must be one of: nl, en" in found
    assert "slides[0].max_words: must be between 1 and 5" in found
    assert any(p.startswith("slides[1].kind: must be one of") for p in found)
    assert "slides[2].statements[1]: must not be empty" in found
    assert any(p.startswith("slides[2].max:") for p in found)
    assert "slides[3].options: must have between 2 and 30 items" in found
    assert "slides[4].colour: is not a known field" in found


def test_slide_ids_must_be_unique_and_simple() -> None:
    """Authors' slide ids are kept, but not repeated or odd ones."""
    found = problems(
        {
            "title": "T",
            "slides": [
                {"kind": "content", "id": "a", "title": "x"},
                {"kind": "content", "id": "a", "title": "y"},
                {"kind": "content", "id": "with space", "title": "z"},
            ],
        }
    )
    assert "slides[1].id: repeats 'a'" in found
    assert any(p.startswith("slides[2].id:") for p in found)


def test_generated_ids_avoid_given_ones() -> None:
    """A generated id never collides with one an author chose."""
    document = validate_document(
        {
            "title": "T",
            "slides": [
                {"kind": "content", "title": "x"},
                {"kind": "content", "id": "s1", "title": "y"},
            ],
        }
    )
    assert [s.id for s in document.slides] == ["s2", "s1"]


def test_repeated_options_are_refused() -> None:
    """Two options that read the same would split the votes."""
    found = problems(
        {
            "title": "T",
            "slides": [{"kind": "multiple_choice", "question": "Q", "options": ["Ja", "ja"]}],
        }
    )
    assert "slides[0].options[1]: repeats 'ja'" in found


def test_tags_are_key_value_text() -> None:
    """Tags are short text pairs; numbers are read as text."""
    document = validate_document(
        {
            "title": "T",
            "tags": {"region": "Arnhem", "year": 2026},
            "slides": [{"kind": "content", "title": "x"}],
        }
    )
    assert document.tags == {"region": "Arnhem", "year": "2026"}
    found = problems(
        {
            "title": "T",
            "tags": {"bad key": "x", "k": ""},
            "slides": [{"kind": "content", "title": "x"}],
        }
    )
    assert len(found) == 2


@pytest.mark.parametrize("data", [None, [], "text", 42])
def test_a_document_must_be_a_mapping(data: Any) -> None:
    """Anything but a mapping is refused with one clear problem."""
    assert len(problems(data)) == 1


def test_unreadable_yaml_is_a_problem_not_a_crash() -> None:
    """Broken YAML is reported as a document problem."""
    with pytest.raises(DocumentInvalid):
        parse_document_text("title: [unclosed")


def test_round_trip_through_plain_data() -> None:
    """A document written out as data reads back the same (the editor relies on it)."""
    document = load_document(ROOT / "examples" / "closing-round.en.yaml")
    data = document_to_data(document)
    assert data["slides"][2]["kind"] == "word_cloud"
    assert validate_document(data) == document
    assert isinstance(validate_document(data).slides[1], MultipleChoice)


def test_the_screen_theme_is_light_unless_dark_is_asked_for() -> None:
    """A document's theme is light by default, dark when asked, and nothing else."""
    base = {"title": "T", "slides": [{"kind": "content", "title": "Hallo"}]}
    assert validate_document(base).theme == "light"
    assert validate_document({**base, "theme": "dark"}).theme == "dark"
    with pytest.raises(DocumentInvalid) as refused:
        validate_document({**base, "theme": "purple"})
    assert refused.value.problems == ["theme: must be one of: light, dark"]
