"""Research datasets: one presentation or many, as tidy rows, with questions aligned.

Pure functions. ``build_dataset`` turns stored presentations, their response
logs and moderation into a :class:`Dataset`: one row per answer item (a word,
a rating of one statement, a chosen option, an open answer), only the answers
that count (a participant's newest rating or choice), with pseudonyms that
are stable within one export and say nothing about the cookie behind them.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterable
from typing import Any

import msgspec

from polls.core.models import (
    Content,
    Moderation,
    MultipleChoice,
    OpenEnded,
    Presentation,
    Scales,
    Slide,
    StoredResponse,
    WordCloud,
    slide_kind,
)
from polls.core.profanity import is_profane
from polls.core.words import clean_text, word_key
from polls.storage.base import hidden_by_slide

SCHEMA_VERSION = 1


class Question(msgspec.Struct, kw_only=True):
    """A question as it appears in one or more presentations (same kind and text)."""

    id: str
    kind: str
    text: str
    statements: list[str] = msgspec.field(default_factory=list)
    options: list[str] = msgspec.field(default_factory=list)
    min: int | None = None
    max: int | None = None
    min_label: str = ""
    max_label: str = ""
    multiple: bool = False


class Session(msgspec.Struct, kw_only=True):
    id: str
    title: str
    language: str
    tags: dict[str, str]
    created_at: str
    joined: int
    slides: list[dict[str, Any]]


class Row(msgspec.Struct, kw_only=True, array_like=False):
    presentation_id: str
    presentation_title: str
    tags: dict[str, str]
    slide_position: int
    slide_id: str
    question_id: str
    slide_kind: str
    question: str
    item: str
    value: str
    value_number: float | None
    value_normalised: str
    participant: str
    answered_at: str
    hidden: bool
    skipped: bool
    profanity: bool


class Dataset(msgspec.Struct, kw_only=True):
    schema_version: int
    exported_at: str
    tag_keys: list[str]
    sessions: list[Session]
    questions: list[Question]
    rows: list[Row]


class Source(msgspec.Struct, kw_only=True):
    """What storage gives for one presentation."""

    presentation: Presentation
    responses: list[StoredResponse]
    moderation: list[Moderation]
    joined: int


def as_list(value: object) -> list[object]:
    return value if isinstance(value, list) else []


def as_dict(value: object) -> dict[str, object]:
    return value if isinstance(value, dict) else {}


def iso(timestamp: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(timestamp))


def question_id(slide: Slide) -> str:
    """Slides of the same kind and question text share an id across presentations."""
    text = slide.title if isinstance(slide, Content) else slide.question
    key = f"{slide_kind(slide)}\n{clean_text(text).casefold()}"
    return "q_" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:10]


def describe_question(slide: Slide) -> Question:
    question = Question(
        id=question_id(slide),
        kind=slide_kind(slide),
        text=slide.title if isinstance(slide, Content) else slide.question,
    )
    if isinstance(slide, Scales):
        question.statements = list(slide.statements)
        question.min, question.max = slide.min, slide.max
        question.min_label, question.max_label = slide.min_label, slide.max_label
    elif isinstance(slide, MultipleChoice):
        question.options = list(slide.options)
        question.multiple = slide.multiple
    return question


def counted(slide: Slide, responses: Iterable[StoredResponse]) -> list[StoredResponse]:
    """The responses that count: for scales and choices, only each participant's newest."""
    ordered = sorted(responses, key=lambda r: r.id)
    if isinstance(slide, MultipleChoice):
        newest: dict[str, StoredResponse] = {}
        for response in ordered:
            newest[response.participant] = response
        return sorted(newest.values(), key=lambda r: r.id)
    if isinstance(slide, Scales):
        # Keep, per participant and statement, the newest rating; rebuild one response each.
        latest: dict[tuple[str, str], tuple[StoredResponse, object]] = {}
        for response in ordered:
            ratings = response.value.get("ratings")
            for key, rating in ratings.items() if isinstance(ratings, dict) else ():
                latest[(response.participant, key)] = (response, rating)
        merged: dict[str, dict[str, object]] = {}
        newest_of: dict[str, StoredResponse] = {}
        for (participant, key), (response, rating) in latest.items():
            merged.setdefault(participant, {})[key] = rating
            if participant not in newest_of or response.id > newest_of[participant].id:
                newest_of[participant] = response
        return sorted(
            (
                msgspec.structs.replace(
                    newest_of[p], value={"ratings": dict(sorted(merged[p].items()))}
                )
                for p in merged
            ),
            key=lambda r: r.id,
        )
    return ordered


class Pseudonyms:
    """P0001, P0002, ... in order of first answer; per presentation unless linked."""

    def __init__(self, link_across_presentations: bool) -> None:
        self.linked = link_across_presentations
        self.names: dict[tuple[str, str], str] = {}

    def __call__(self, presentation_id: str, participant: str) -> str:
        key = ("", participant) if self.linked else (presentation_id, participant)
        if key not in self.names:
            self.names[key] = f"P{len(self.names) + 1:04d}"
        return self.names[key]


def _rows_of(
    source: Source, position: int, slide: Slide, name: Pseudonyms, tags: dict[str, str]
) -> list[Row]:
    presentation = source.presentation
    language = presentation.document.language
    hidden = hidden_by_slide(source.moderation).get(slide.id, set())
    question = describe_question(slide)
    rows: list[Row] = []
    for response in counted(slide, (r for r in source.responses if r.slide_id == slide.id)):
        common: dict[str, Any] = {
            "presentation_id": presentation.id,
            "presentation_title": presentation.document.title,
            "tags": tags,
            "slide_position": position + 1,
            "slide_id": slide.id,
            "question_id": question.id,
            "slide_kind": question.kind,
            "question": question.text,
            "participant": name(presentation.id, response.participant),
            "answered_at": iso(response.created_at),
        }
        value = response.value
        if isinstance(slide, WordCloud):
            for word in as_list(value.get("words")):
                key = word_key(str(word), language)
                rows.append(
                    _row(
                        common,
                        "",
                        str(word),
                        None,
                        normalised=key,
                        hidden=key in hidden,
                        profanity=is_profane(str(word)),
                    )
                )
        elif isinstance(slide, Scales):
            for index, rating in as_dict(value.get("ratings")).items():
                statement = slide.statements[int(index)]
                if rating == "skip":
                    rows.append(_row(common, statement, "", None, skipped=True))
                else:
                    rows.append(_row(common, statement, str(rating), float(str(rating))))
        elif isinstance(slide, MultipleChoice):
            for choice in as_list(value.get("choices")):
                chosen = int(str(choice))
                rows.append(_row(common, "", slide.options[chosen], float(chosen + 1)))
        elif isinstance(slide, OpenEnded):
            text = str(value.get("text", ""))
            profane = is_profane(text)
            rows.append(
                _row(common, "", text, None, hidden=str(response.id) in hidden, profanity=profane)
            )
    return rows


def _row(
    common: dict[str, Any],
    item: str,
    value: str,
    number: float | None,
    *,
    normalised: str = "",
    hidden: bool = False,
    skipped: bool = False,
    profanity: bool = False,
) -> Row:
    return Row(
        **common,
        item=item,
        value=value,
        value_number=number,
        value_normalised=normalised,
        hidden=hidden,
        skipped=skipped,
        profanity=profanity,
    )


def build_dataset(
    sources: list[Source], *, link_participants: bool = False, now: float | None = None
) -> Dataset:
    """The dataset of one or more presentations, in the order given."""
    name = Pseudonyms(link_participants)
    tag_keys = sorted({key for s in sources for key in s.presentation.document.tags})
    questions: dict[str, Question] = {}
    sessions: list[Session] = []
    rows: list[Row] = []
    for source in sources:
        presentation = source.presentation
        tags = {key: presentation.document.tags.get(key, "") for key in tag_keys}
        slides = []
        for position, slide in enumerate(presentation.document.slides):
            described = describe_question(slide)
            questions.setdefault(described.id, described)
            slides.append(
                {
                    "position": position + 1,
                    "slide_id": slide.id,
                    "question_id": described.id,
                    "kind": described.kind,
                }
            )
            rows.extend(_rows_of(source, position, slide, name, tags))
        sessions.append(
            Session(
                id=presentation.id,
                title=presentation.document.title,
                language=presentation.document.language,
                tags=presentation.document.tags,
                created_at=iso(presentation.created_at),
                joined=source.joined,
                slides=slides,
            )
        )
    return Dataset(
        schema_version=SCHEMA_VERSION,
        exported_at=iso(time.time() if now is None else now),
        tag_keys=tag_keys,
        sessions=sessions,
        questions=[q for q in questions.values() if q.kind != "content"],
        rows=rows,
    )


def matches_tags(presentation: Presentation, wanted: dict[str, str]) -> bool:
    """Whether a presentation has every wanted tag (values compared without case)."""
    tags = {k: v.casefold() for k, v in presentation.document.tags.items()}
    return all(tags.get(key) == value.casefold() for key, value in wanted.items())
