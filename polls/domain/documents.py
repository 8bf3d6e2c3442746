"""Presentation documents: parse YAML or JSON, validate, report every problem by path.

Pure functions. ``validate_document`` either returns a complete
:class:`~polls.core.models.Document` or raises :class:`~polls.core.errors.DocumentInvalid`
listing all problems at once (``slides[2].statements[0]: must not be empty``),
so nothing is ever half-created.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import msgspec
import yaml

from polls.core.errors import DocumentInvalid
from polls.core.models import (
    LANGUAGES,
    Content,
    Document,
    MultipleChoice,
    OpenEnded,
    Scales,
    Slide,
    WordCloud,
)

MAX_SLIDES = 100
MAX_TAGS = 20
SLIDE_ID = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
TAG_KEY = re.compile(r"^[A-Za-z0-9_.-]{1,40}$")


class _Checker:
    """Collects problems while reading one mapping; every read names its path."""

    def __init__(self, problems: list[str], data: Mapping[str, Any], path: str) -> None:
        self.problems = problems
        self.data = data
        self.path = path
        self.used: set[str] = set()

    def at(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def problem(self, key: str, message: str) -> None:
        self.problems.append(f"{self.at(key)}: {message}")

    def text(self, key: str, *, required: bool, max_length: int, default: str = "") -> str:
        self.used.add(key)
        value = self.data.get(key)
        if value is None:
            if required:
                self.problem(key, "is required")
            return default
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            self.problem(key, "must be text")
            return default
        text = str(value).strip()
        if required and not text:
            self.problem(key, "must not be empty")
        elif len(text) > max_length:
            self.problem(key, f"must be at most {max_length} characters")
        return text

    def integer(self, key: str, default: int, low: int, high: int) -> int:
        self.used.add(key)
        value = self.data.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int):
            self.problem(key, "must be a whole number")
            return default
        if not low <= value <= high:
            self.problem(key, f"must be between {low} and {high}")
            return default
        return value

    def boolean(self, key: str, default: bool) -> bool:
        self.used.add(key)
        value = self.data.get(key, default)
        if not isinstance(value, bool):
            self.problem(key, "must be true or false")
            return default
        return value

    def texts(self, key: str, low: int, high: int, max_length: int) -> tuple[str, ...]:
        self.used.add(key)
        value = self.data.get(key)
        if not isinstance(value, list):
            self.problem(key, "is required" if value is None else "must be a list")
            return ()
        if not low <= len(value) <= high:
            self.problem(key, f"must have between {low} and {high} items")
        items: list[str] = []
        seen: set[str] = set()
        for index, item in enumerate(value):
            where = f"{key}[{index}]"
            if isinstance(item, bool) or not isinstance(item, str | int | float):
                self.problem(where, "must be text")
                continue
            text = str(item).strip()
            if not text:
                self.problem(where, "must not be empty")
            elif len(text) > max_length:
                self.problem(where, f"must be at most {max_length} characters")
            elif text.casefold() in seen:
                self.problem(where, f"repeats {text!r}")
            seen.add(text.casefold())
            items.append(text)
        return tuple(items)

    def unknown_keys(self) -> None:
        for key in self.data:
            if key not in self.used:
                self.problem(str(key), "is not a known field")


def _word_cloud(c: _Checker, slide_id: str) -> Slide:
    return WordCloud(
        id=slide_id,
        question=c.text("question", required=True, max_length=300),
        max_words=c.integer("max_words", 3, 1, 5),
        max_length=c.integer("max_length", 25, 1, 100),
    )


def _scales(c: _Checker, slide_id: str) -> Slide:
    low = c.integer("min", 1, -10, 10)
    high = c.integer("max", 5, -10, 10)
    if not low < high <= low + 10:
        c.problem("max", "must be above min, with at most 11 points on the scale")
        low, high = 1, 5
    return Scales(
        id=slide_id,
        question=c.text("question", required=True, max_length=300),
        statements=c.texts("statements", 1, 10, 200),
        min=low,
        max=high,
        min_label=c.text("min_label", required=False, max_length=60),
        max_label=c.text("max_label", required=False, max_length=60),
        allow_skip=c.boolean("allow_skip", False),
    )


def _multiple_choice(c: _Checker, slide_id: str) -> Slide:
    return MultipleChoice(
        id=slide_id,
        question=c.text("question", required=True, max_length=300),
        options=c.texts("options", 2, 30, 120),
        multiple=c.boolean("multiple", False),
    )


def _open_ended(c: _Checker, slide_id: str) -> Slide:
    return OpenEnded(
        id=slide_id,
        question=c.text("question", required=True, max_length=300),
        max_length=c.integer("max_length", 280, 1, 2000),
        max_answers=c.integer("max_answers", 3, 1, 10),
    )


def _content(c: _Checker, slide_id: str) -> Slide:
    return Content(
        id=slide_id,
        title=c.text("title", required=True, max_length=200),
        body=c.text("body", required=False, max_length=5000),
    )


SLIDE_BUILDERS: dict[str, Callable[[_Checker, str], Slide]] = {
    "word_cloud": _word_cloud,
    "scales": _scales,
    "multiple_choice": _multiple_choice,
    "open_ended": _open_ended,
    "content": _content,
}


def _slide_ids(problems: list[str], raw_slides: list[Any]) -> list[str]:
    """Keep the ids authors gave (they must be unique); number the rest s1, s2, ..."""
    given: set[str] = set()
    for index, raw in enumerate(raw_slides):
        if isinstance(raw, Mapping) and "id" in raw:
            value = raw["id"]
            if not isinstance(value, str) or not SLIDE_ID.match(value):
                problems.append(f"slides[{index}].id: must be 1-40 letters, digits, - or _")
            elif value in given:
                problems.append(f"slides[{index}].id: repeats {value!r}")
            given.add(str(value))
    ids: list[str] = []
    counter = 0
    for raw in raw_slides:
        if isinstance(raw, Mapping) and isinstance(raw.get("id"), str):
            ids.append(raw["id"])
            continue
        counter += 1
        while f"s{counter}" in given:
            counter += 1
        ids.append(f"s{counter}")
    return ids


def _tags(problems: list[str], raw: object) -> dict[str, str]:
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        problems.append("tags: must be a mapping of key: value")
        return {}
    if len(raw) > MAX_TAGS:
        problems.append(f"tags: at most {MAX_TAGS} tags")
    tags: dict[str, str] = {}
    for key, value in raw.items():
        if not isinstance(key, str) or not TAG_KEY.match(key):
            problems.append(f"tags.{key}: key must be 1-40 letters, digits, '.', '-' or '_'")
            continue
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            problems.append(f"tags.{key}: must be text")
            continue
        text = str(value).strip()
        if not text or len(text) > 100:
            problems.append(f"tags.{key}: must be 1-100 characters")
            continue
        tags[key] = text
    return tags


def validate_document(data: object) -> Document:
    """Build a Document from parsed YAML/JSON, or raise DocumentInvalid with every problem."""
    problems: list[str] = []
    if not isinstance(data, Mapping):
        raise DocumentInvalid(["(document): must be a mapping with title, language and slides"])
    top = _Checker(problems, data, "")
    title = top.text("title", required=True, max_length=200)
    language = top.text("language", required=False, max_length=2, default="en")
    if language not in LANGUAGES:
        top.problem("language", "must be one of: " + ", ".join(LANGUAGES))
        language = "en"
    top.used.add("tags")
    tags = _tags(problems, data.get("tags"))
    top.used.add("slides")
    raw_slides = data.get("slides")
    slides: list[Slide] = []
    if not isinstance(raw_slides, list) or not raw_slides:
        problems.append("slides: must be a list of at least one slide")
        raw_slides = []
    elif len(raw_slides) > MAX_SLIDES:
        problems.append(f"slides: at most {MAX_SLIDES} slides")
    ids = _slide_ids(problems, raw_slides)
    for index, (raw, slide_id) in enumerate(zip(raw_slides, ids, strict=True)):
        path = f"slides[{index}]"
        if not isinstance(raw, Mapping):
            problems.append(f"{path}: must be a mapping")
            continue
        kind = raw.get("kind")
        builder = SLIDE_BUILDERS.get(kind) if isinstance(kind, str) else None
        if builder is None:
            problems.append(f"{path}.kind: must be one of: " + ", ".join(SLIDE_BUILDERS))
            continue
        checker = _Checker(problems, raw, path)
        checker.used.update({"kind", "id"})
        built = builder(checker, slide_id)
        notes = checker.text("notes", required=False, max_length=5000)
        slides.append(msgspec.structs.replace(built, notes=notes) if notes else built)
        checker.unknown_keys()
    retention_days = None
    if data.get("retention_days") is not None:
        retention_days = top.integer("retention_days", 365, 1, 3650)
    top.used.add("retention_days")
    top.unknown_keys()
    if problems:
        raise DocumentInvalid(problems)
    return Document(
        title=title,
        language=language,  # type: ignore[arg-type]
        tags=tags,
        slides=tuple(slides),
        retention_days=retention_days,
    )


def parse_document_text(text: str, *, suffix: str = ".yaml") -> Document:
    """Parse and validate a YAML or JSON document (JSON is YAML, but its errors read better)."""
    try:
        data = json.loads(text) if suffix == ".json" else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as exc:
        raise DocumentInvalid([f"(document): cannot be read: {exc}"]) from exc
    return validate_document(data)


def load_document(path: Path) -> Document:
    """Read a presentation file (.yaml, .yml or .json)."""
    return parse_document_text(path.read_text(encoding="utf-8"), suffix=path.suffix.lower())


def document_to_data(document: Document) -> dict[str, Any]:
    """The document as plain data, in the same shape the YAML files and the editor use."""
    data: dict[str, Any] = msgspec.json.decode(msgspec.json.encode(document))
    return data
