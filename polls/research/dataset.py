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
from collections.abc import Iterable, Iterator
from typing import Any

import msgspec

from polls.core.models import (
    Moderation,
    Presentation,
    ReactionCount,
    Slide,
    StoredResponse,
    slide_kind,
)
from polls.core.words import clean_text
from polls.kinds import find, kind_of
from polls.kinds.base import SHOWN_ANYWAY, Item
from polls.kinds.qa import QA_SLIDE, QaTally, board, screening
from polls.research.coding import Coding
from polls.storage.base import hidden_by_slide

# 2: hidden_reason; 3: themes and reactions; 4: audience questions; 5: ranking, hundred_points,
# grid, quiz
SCHEMA_VERSION = 5


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
    points: int | None = None  # hundred_points: the points each participant spreads
    items: list[str] = msgspec.field(default_factory=list)  # grid: the items rated
    x_label: str = ""  # grid: the axes
    y_label: str = ""
    correct: list[str] = msgspec.field(default_factory=list)  # quiz: the right options


class Session(msgspec.Struct, kw_only=True):
    id: str
    title: str
    language: str
    tags: dict[str, str]
    created_at: str
    joined: int
    slides: list[dict[str, Any]]
    themes: list[str] = msgspec.field(default_factory=list)  # the researcher's, in order


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
    hidden_reason: str
    skipped: bool
    profanity: bool
    themes: list[str] = msgspec.field(default_factory=list)  # names of the answer's themes


class Reactions(msgspec.Struct, kw_only=True):
    """How often the audience sent one reaction on one slide in one minute."""

    presentation_id: str
    slide_id: str
    question_id: str
    minute: str  # its start, UTC, ISO 8601
    reaction: str
    count: int


class AudienceQuestion(msgspec.Struct, kw_only=True):
    """A question the audience asked the speaker, with its upvotes and what became of it."""

    presentation_id: str
    number: int  # its place in the presentation's log: orders questions, names nobody
    text: str
    asked_at: str
    votes: int  # participants who upvote it (each once; a vote taken back does not count)
    status: str  # open, answering (when exported), answered
    answered_at: str
    hidden: bool
    hidden_reason: str  # moderator, not_approved (pre-moderation), profanity
    profanity: bool


# The columns of the table of audience questions: name, type, meaning (for the codebook).
AUDIENCE_COLUMNS = [
    ("presentation_id", "text", "The presentation the question was asked in."),
    ("number", "integer", "Its place in the presentation's log: orders questions, names nobody."),
    ("text", "text", "The question as asked (cleaned of control characters and extra spaces)."),
    ("asked_at", "datetime", "When it was asked (UTC, ISO 8601)."),
    (
        "votes",
        "integer",
        "Participants who upvote it at the end; a vote taken back is not counted.",
    ),
    ("status", "text", "open, answering (when exported) or answered, as the presenter marked it."),
    ("answered_at", "datetime", "When the presenter marked it answered (UTC), else empty."),
    ("hidden", "boolean", "1 if the audience did not see it at the end."),
    (
        "hidden_reason",
        "text",
        "moderator (hidden by the presenter), not_approved (pre-moderation) or profanity.",
    ),
    ("profanity", "boolean", "1 if it contains a word from the swear-word lists."),
]


# Why a question was kept from the audience, as the export's hidden_reason says it.
QUESTION_HELD = {"hidden": "moderator", "pending": "not_approved", "swearing": "profanity"}


class Dataset(msgspec.Struct, kw_only=True):
    schema_version: int
    exported_at: str
    tag_keys: list[str]
    sessions: list[Session]
    questions: list[Question]
    reactions: list[Reactions] = msgspec.field(default_factory=list)
    audience_questions: list[AudienceQuestion] = msgspec.field(default_factory=list)
    rows: list[Row]


class Source(msgspec.Struct, kw_only=True):
    """What storage gives for one presentation."""

    presentation: Presentation
    responses: list[StoredResponse]
    moderation: list[Moderation]
    joined: int
    coding: Coding = msgspec.field(default_factory=Coding)
    reactions: list[ReactionCount] = msgspec.field(default_factory=list)


def iso(timestamp: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(timestamp))


def question_id(slide: Slide) -> str:
    """Slides of the same kind and question text share an id across presentations."""
    key = f"{slide_kind(slide)}\n{clean_text(kind_of(slide).heading(slide)).casefold()}"
    return "q_" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:10]


def describe_question(slide: Slide) -> Question:
    kind = kind_of(slide)
    return Question(
        id=question_id(slide),
        kind=kind.name,
        text=kind.heading(slide),
        **kind.describe(slide),
    )


def counted(slide: Slide, responses: Iterable[StoredResponse]) -> list[StoredResponse]:
    """The responses that count, in log order: for scales and choices, each participant's
    newest only."""
    return kind_of(slide).counted(slide, responses)


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
    hidden = hidden_by_slide(source.moderation).get(slide.id, set())
    hold = presentation.document.profanity == "hide"
    question = describe_question(slide)
    kind = kind_of(slide)
    rows: list[Row] = []
    for response, items in slide_items(source, slide, hidden):
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
        rows.extend(
            _row(
                common,
                item,
                hidden_reason(item, hidden, hold),
                source.coding.names_of(item.moderation) if kind.themed else [],
            )
            for item in items
        )
    return rows


def slide_items(
    source: Source, slide: Slide, hidden: set[str]
) -> Iterator[tuple[StoredResponse, list[Item]]]:
    """Each response of a slide that counts, oldest first, with its items (``hidden``: the
    slide's moderation)."""
    language = source.presentation.document.language
    kind = kind_of(slide)
    for response in counted(slide, (r for r in source.responses if r.slide_id == slide.id)):
        yield response, kind.items(slide, response, language, hidden)


def hidden_reason(item: Item, moderation: set[str], hold_profanity: bool) -> str:
    """Why an item was kept off the screen: the presenter hid it ("moderator"), or it has
    swearing that was held back and the presenter did not show ("profanity"); else ""."""
    if item.hidden:
        return "moderator"
    if hold_profanity and item.profanity and SHOWN_ANYWAY + item.moderation not in moderation:
        return "profanity"
    return ""


def _row(common: dict[str, Any], item: Item, reason: str, themes: list[str]) -> Row:
    return Row(
        **common,
        item=item.item,
        value=item.value,
        value_number=item.number,
        value_normalised=item.normalised,
        hidden=bool(reason),
        hidden_reason=reason,
        skipped=item.skipped,
        profanity=item.profanity,
        themes=themes,
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
                themes=[theme.name for theme in source.coding.themes],
            )
        )
    return Dataset(
        reactions=[reaction for source in sources for reaction in _reactions_of(source)],
        audience_questions=[q for source in sources for q in _audience_questions(source)],
        schema_version=SCHEMA_VERSION,
        exported_at=iso(time.time() if now is None else now),
        tag_keys=tag_keys,
        sessions=sessions,
        questions=[q for q in questions.values() if _takes_answers(q.kind)],
        rows=rows,
    )


def _reactions_of(source: Source) -> list[Reactions]:
    document = source.presentation.document
    return [
        Reactions(
            presentation_id=source.presentation.id,
            slide_id=count.slide_id,
            question_id=question_id(slide) if (slide := document.slide(count.slide_id)) else "",
            minute=iso(count.minute * 60),
            reaction=count.reaction,
            count=count.count,
        )
        for count in source.reactions
    ]


def _audience_questions(source: Source) -> list[AudienceQuestion]:
    """The questions asked in one presentation, in the order asked, as the console saw them at
    the end: votes, status and why any was kept off the screen."""
    counted = QaTally()
    for response in source.responses:
        if response.slide_id == QA_SLIDE:
            counted.apply(response)
    document = source.presentation.document
    moderation = hidden_by_slide(source.moderation).get(QA_SLIDE, ())
    items = board(counted, source.presentation.state, screening(document, moderation))
    return [
        AudienceQuestion(
            presentation_id=source.presentation.id,
            number=item["id"],
            text=item["text"],
            asked_at=iso(item["at"] / 1000),
            votes=item["votes"],
            status=item["status"],
            answered_at=iso(item["answered_at"] / 1000) if item["answered_at"] else "",
            hidden=bool(item["held"]),
            hidden_reason=QUESTION_HELD.get(item["held"], ""),
            profanity=str(item["id"]) in counted.profane,
        )
        for item in sorted(items, key=lambda item: item["id"])
    ]


def _takes_answers(kind_name: str) -> bool:
    kind = find(kind_name)
    return kind is not None and kind.takes_answers


def matches_tags(presentation: Presentation, wanted: dict[str, str]) -> bool:
    """Whether a presentation has every wanted tag (values compared without case)."""
    tags = {k: v.casefold() for k, v in presentation.document.tags.items()}
    return all(tags.get(key) == value.casefold() for key, value in wanted.items())
