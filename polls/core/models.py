"""The domain: presentations, slides, presenter state and stored answers.

Plain msgspec structs with no I/O; they are built by :mod:`polls.domain.documents`
and :mod:`polls.domain.protocol`, which do all validation. What is particular to each kind
of slide is in :mod:`polls.kinds`.
"""

from __future__ import annotations

from typing import Literal

import msgspec

Language = Literal["nl", "en"]
LANGUAGES: tuple[Language, ...] = ("nl", "en")
Theme = Literal["light", "dark"]
Profanity = Literal["hide", "flag", "show"]
PROFANITY_MODES: tuple[Profanity, ...] = ("hide", "flag", "show")
THEMES: tuple[Theme, ...] = ("light", "dark")
# What the audience may send at any moment when the document lists them (``reactions``).
REACTIONS = ("heart", "thumbs_up", "clap", "laugh", "question")
# The audience's questions and upvotes are responses under this pseudo-slide (slide ids have no
# "@"): stored, acknowledged and counted like answers, but answers to no slide.
QA_SLIDE = "@qa"


class Slide(msgspec.Struct, tag_field="kind", kw_only=True, frozen=True):
    """What every slide has. Each kind's slide is a subclass tagged with its ``kind``, in
    :mod:`polls.kinds`; decode stored slides with :func:`polls.kinds.slide_from_data`."""

    id: str
    notes: str = ""
    time_limit: int = 0  # seconds to answer once the slide is shown; 0: no limit
    image: str = ""  # an uploaded image's URL (/images/<hash>.jpg), shown with the slide
    image_alt: str = ""  # what the image shows, for screen readers


def slide_kind(slide: Slide) -> str:
    """The document name of a slide's kind (``word_cloud``, ``scales``, ...)."""
    tag = type(slide).__struct_config__.tag
    assert isinstance(tag, str)
    return tag


class Document(msgspec.Struct, kw_only=True, frozen=True):
    """A presentation as its author wrote it: what a YAML or JSON file holds."""

    title: str
    language: Language = "en"
    tags: dict[str, str] = msgspec.field(default_factory=dict)
    slides: tuple[Slide, ...] = ()
    retention_days: int | None = None
    theme: Theme = "light"  # of the presenter's screen
    # Swear words and slurs in answers: kept off the screen until the presenter shows them
    # (hide), shown but marked in the presenter's console (flag), or treated like any word.
    profanity: Profanity = "hide"
    # Reactions phones offer on every slide (names from REACTIONS, in this order); none: none.
    reactions: tuple[str, ...] = ()
    # Audience questions to the speaker from any slide (a ``qa`` slide turns them on too), and
    # whether each waits for the presenter's approval before the audience sees it.
    qa: bool = False
    qa_moderation: bool = False

    def slide(self, slide_id: str) -> Slide | None:
        for slide in self.slides:
            if slide.id == slide_id:
                return slide
        return None


class State(msgspec.Struct, kw_only=True, frozen=True):
    """What the presenter controls; stored, so it survives a restart."""

    current: int = 0
    locked: tuple[str, ...] = ()
    results_hidden: tuple[str, ...] = ()
    # Countdowns: (slide id, when voting on it closes by itself, seconds since 1970, UTC).
    deadlines: tuple[tuple[str, float], ...] = ()
    # Audience questions: the one being answered now (0: none), and those answered, with when.
    answering: int = 0
    answered: tuple[tuple[int, float], ...] = ()
    # Quiz: when each quiz slide was first shown (answers are scored by speed from then), and
    # the slides whose right answers the presenter has revealed.
    opened: tuple[tuple[str, float], ...] = ()
    revealed: tuple[str, ...] = ()
    version: int = 1

    def voting_open(self, slide_id: str, now: float) -> bool:
        """Open unless the presenter locked it or its countdown has run out at ``now``."""
        if slide_id in self.locked:
            return False
        deadline = self.deadline(slide_id)
        return deadline is None or now < deadline

    def deadline(self, slide_id: str) -> float | None:
        """When voting on a slide closes by itself, if a countdown runs (or ran) for it."""
        for slide, ends in self.deadlines:
            if slide == slide_id:
                return ends
        return None

    def opened_at(self, slide_id: str) -> float | None:
        """When a slide that scores speed was first shown."""
        for slide, at in self.opened:
            if slide == slide_id:
                return at
        return None

    def results_visible(self, slide_id: str) -> bool:
        return slide_id not in self.results_hidden


class Presentation(msgspec.Struct, kw_only=True, frozen=True):
    """A stored presentation with its join code and presenter state."""

    id: str
    code: str
    document: Document
    state: State
    created_at: float
    closed_at: float | None = None

    @property
    def current_slide(self) -> Slide | None:
        slides = self.document.slides
        if not slides:
            return None
        return slides[min(self.state.current, len(slides) - 1)]


class StoredResponse(msgspec.Struct, kw_only=True, frozen=True):
    """One committed answer, as the response log holds it."""

    id: int
    presentation_id: str
    slide_id: str
    participant: str
    submission_id: str
    value: dict[str, object]
    created_at: float


class ReactionCount(msgspec.Struct, kw_only=True, frozen=True):
    """How often one reaction was sent on one slide in one minute (nobody's own count)."""

    slide_id: str
    minute: int  # minutes since 1970, UTC
    reaction: str
    count: int


class Moderation(msgspec.Struct, kw_only=True, frozen=True):
    """Items hidden from the screen by the presenter; they stay in the data, flagged."""

    slide_id: str
    item: str
