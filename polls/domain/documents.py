"""Presentation documents: parse YAML or JSON, validate, report every problem by path.

Pure functions. ``validate_document`` either returns a complete
:class:`~polls.core.models.Document` or raises :class:`~polls.core.errors.DocumentInvalid`
listing all problems at once (``slides[2].statements[0]: must not be empty``),
so nothing is ever half-created.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import msgspec
import yaml

from polls.core.errors import DocumentInvalid, Problem
from polls.core.i18n import N_
from polls.core.images import name_of
from polls.core.models import (
    LANGUAGES,
    PROFANITY_MODES,
    REACTIONS,
    THEMES,
    Document,
    Language,
    Profanity,
    Slide,
    Theme,
)
from polls.kinds import find, names, slide_from_data
from polls.kinds.fields import IMAGE, IMAGE_ALT, NOTES, TIME_LIMIT, Checker

MAX_SLIDES = 100
MAX_TAGS = 20
SLIDE_ID = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
TAG_KEY = re.compile(r"^[A-Za-z0-9_.-]{1,40}$")


def _slide_ids(problems: list[Problem], raw_slides: list[Any]) -> list[str]:
    """Keep the ids authors gave (they must be unique); number the rest s1, s2, ..."""
    given: set[str] = set()
    for index, raw in enumerate(raw_slides):
        if isinstance(raw, Mapping) and "id" in raw:
            value = raw["id"]
            if not isinstance(value, str) or not SLIDE_ID.match(value):
                problems.append(
                    Problem(f"slides[{index}].id", N_("must be 1-40 letters, digits, - or _"))
                )
            elif value in given:
                problems.append(Problem(f"slides[{index}].id", N_("repeats %(text)r"), text=value))
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


def _reactions(problems: list[Problem], raw: object) -> tuple[str, ...]:
    """The reactions a document offers: a list of names from REACTIONS, each at most once."""
    if raw is None:
        return ()
    if not isinstance(raw, list):
        problems.append(Problem("reactions", N_("must be a list")))
        return ()
    chosen: list[str] = []
    for index, name in enumerate(raw):
        if name not in REACTIONS:
            problems.append(
                Problem(
                    f"reactions[{index}]",
                    N_("must be one of: %(choices)s"),
                    choices=", ".join(REACTIONS),
                )
            )
        elif name in chosen:
            problems.append(Problem(f"reactions[{index}]", N_("is listed twice")))
        else:
            chosen.append(name)
    return tuple(name for name in REACTIONS if name in chosen)


def _tags(problems: list[Problem], raw: object) -> dict[str, str]:
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        problems.append(Problem("tags", N_("must be a mapping of key: value")))
        return {}
    if len(raw) > MAX_TAGS:
        problems.append(Problem("tags", N_("at most %(count)s tags"), count=MAX_TAGS))
    tags: dict[str, str] = {}
    for key, value in raw.items():
        if not isinstance(key, str) or not TAG_KEY.match(key):
            problems.append(
                Problem(f"tags.{key}", N_("key must be 1-40 letters, digits, '.', '-' or '_'"))
            )
            continue
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            problems.append(Problem(f"tags.{key}", N_("must be text")))
            continue
        text = str(value).strip()
        if not text or len(text) > 100:
            problems.append(Problem(f"tags.{key}", N_("must be 1-100 characters")))
            continue
        tags[key] = text
    return tags


def validate_document(data: object) -> Document:
    """Build a Document from parsed YAML/JSON, or raise DocumentInvalid with every problem."""
    problems: list[Problem] = []
    if not isinstance(data, Mapping):
        raise DocumentInvalid(
            [Problem("(document)", N_("must be a mapping with title, language and slides"))]
        )
    top = Checker(problems, data, "")
    title = top.text("title", required=True, max_length=200)
    language = top.text("language", required=False, max_length=2, default="en")
    if language not in LANGUAGES:
        top.problem("language", N_("must be one of: %(choices)s"), choices=", ".join(LANGUAGES))
        language = "en"
    top.used.add("tags")
    tags = _tags(problems, data.get("tags"))
    top.used.add("slides")
    raw_slides = data.get("slides")
    slides: list[Slide] = []
    if not isinstance(raw_slides, list) or not raw_slides:
        problems.append(Problem("slides", N_("must be a list of at least one slide")))
        raw_slides = []
    elif len(raw_slides) > MAX_SLIDES:
        problems.append(Problem("slides", N_("at most %(count)s slides"), count=MAX_SLIDES))
    ids = _slide_ids(problems, raw_slides)
    for index, (raw, slide_id) in enumerate(zip(raw_slides, ids, strict=True)):
        path = f"slides[{index}]"
        if not isinstance(raw, Mapping):
            problems.append(Problem(path, N_("must be a mapping")))
            continue
        kind = find(raw.get("kind"))
        if kind is None:
            problems.append(
                Problem(
                    f"{path}.kind", N_("must be one of: %(choices)s"), choices=", ".join(names())
                )
            )
            continue
        checker = Checker(problems, raw, path)
        checker.used.update({"kind", "id"})
        built = kind.build(checker, slide_id)
        notes = NOTES.read(checker)
        if notes:
            built = msgspec.structs.replace(built, notes=notes)
        built = _with_image(checker, built)
        time_limit = msgspec.structs.replace(TIME_LIMIT, default=kind.default_time_limit).read(
            checker
        )
        if time_limit and not kind.takes_answers:
            checker.problem("time_limit", N_("only a slide that takes answers has a time limit"))
        elif time_limit:
            built = msgspec.structs.replace(built, time_limit=time_limit)
        slides.append(built)
        checker.unknown_keys()
    theme = top.text("theme", required=False, max_length=10, default="light")
    if theme not in THEMES:
        top.problem("theme", N_("must be one of: %(choices)s"), choices=", ".join(THEMES))
        theme = "light"
    profanity = top.text("profanity", required=False, max_length=10, default="hide")
    if profanity not in PROFANITY_MODES:
        top.problem(
            "profanity", N_("must be one of: %(choices)s"), choices=", ".join(PROFANITY_MODES)
        )
        profanity = "hide"
    reactions = _reactions(problems, data.get("reactions"))
    top.used.add("reactions")
    retention_days = None
    if data.get("retention_days") is not None:
        retention_days = top.integer("retention_days", 365, 1, 3650)
    top.used.add("retention_days")
    qa = top.boolean("qa", False)
    qa_moderation = top.boolean("qa_moderation", False)
    top.unknown_keys()
    if problems:
        raise DocumentInvalid(problems)
    return Document(
        title=title,
        language=language,  # type: ignore[arg-type]
        tags=tags,
        slides=tuple(slides),
        retention_days=retention_days,
        theme=theme,  # type: ignore[arg-type]
        profanity=profanity,  # type: ignore[arg-type]
        reactions=reactions,
        qa=qa,
        qa_moderation=qa_moderation,
    )


def _with_image(checker: Checker, slide: Slide) -> Slide:
    """A slide's optional image (one uploaded: its URL) with the text that describes it."""
    image = IMAGE.read(checker)
    alt = IMAGE_ALT.read(checker)
    if image and name_of(image) is None:
        checker.problem(
            "image", N_("must be an uploaded image (/images/...) or, for polls create, a file")
        )
        return slide
    if image and not alt:
        checker.problem(
            "image_alt", N_("is required with an image: describe it for those who cannot see it")
        )
    if not image and alt:
        checker.problem("image_alt", N_("describes an image, but the slide has none"))
    return msgspec.structs.replace(slide, image=image, image_alt=alt) if image else slide


def _read(text: str, suffix: str) -> Any:
    try:
        return json.loads(text) if suffix == ".json" else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as exc:
        raise DocumentInvalid([f"(document): cannot be read: {exc}"]) from exc


def parse_document_text(text: str, *, suffix: str = ".yaml") -> Document:
    """Parse and validate a YAML or JSON document (JSON is YAML, but its errors read better)."""
    return validate_document(_read(text, suffix))


def read_document_data(path: Path) -> Any:
    """A presentation file (.yaml, .yml or .json) as plain data, not yet validated."""
    return _read(path.read_text(encoding="utf-8"), path.suffix.lower())


def load_document(path: Path) -> Document:
    """Read a presentation file (.yaml, .yml or .json)."""
    return validate_document(read_document_data(path))


class _StoredDocument(msgspec.Struct, kw_only=True, frozen=True):
    """A document as stored, before each slide is decoded by its kind."""

    title: str
    language: Language = "en"
    tags: dict[str, str] = msgspec.field(default_factory=dict)
    slides: tuple[dict[str, Any], ...] = ()
    retention_days: int | None = None
    theme: Theme = "light"
    profanity: Profanity = "hide"
    reactions: tuple[str, ...] = ()
    qa: bool = False
    qa_moderation: bool = False


_stored_decoder = msgspec.json.Decoder(_StoredDocument)


def _from_stored(stored: _StoredDocument) -> Document:
    try:
        slides = tuple(slide_from_data(slide) for slide in stored.slides)
    except (ValueError, msgspec.ValidationError) as exc:
        raise msgspec.ValidationError(f"a stored slide cannot be read: {exc}") from exc
    return Document(
        title=stored.title,
        language=stored.language,
        tags=stored.tags,
        slides=slides,
        retention_days=stored.retention_days,
        theme=stored.theme,
        profanity=stored.profanity,
        reactions=stored.reactions,
        qa=stored.qa,
        qa_moderation=stored.qa_moderation,
    )


def decode_document(data: bytes | str) -> Document:
    """A document as stored (JSON), each slide decoded by its registered kind."""
    return _from_stored(_stored_decoder.decode(data))


def document_from_builtins(data: object) -> Document:
    """A document from plain data (``msgspec.to_builtins`` of one, as events carry it)."""
    return _from_stored(msgspec.convert(data, _StoredDocument))


def document_to_data(document: Document) -> dict[str, Any]:
    """The document as plain data, in the same shape the YAML files and the editor use."""
    data: dict[str, Any] = msgspec.json.decode(msgspec.json.encode(document))
    return data
