"""What a slide kind is: the one interface the generic code asks.

A kind is a :class:`Kind` subclass in a module of its own (``polls/kinds/word_cloud.py``, ...)
with everything about it in one place: its document fields with their limits, the checks of
an answer, its tally and results message, its export rows and codebook entry, and the names
of its template partial and browser script. No I/O: every method is a pure function.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, ClassVar, Generic, Protocol, TypeVar

import msgspec

from polls.core.errors import InvalidAnswer
from polls.core.i18n import N_
from polls.core.models import Document, Slide, State, StoredResponse
from polls.kinds.fields import Checker, Field

S = TypeVar("S", bound=Slide)
Results = dict[str, Any]
Form = Mapping[str, list[str]]  # a plain HTML form: every value of each name


class CheckedAnswer(msgspec.Struct, frozen=True):
    """An answer that fits its slide: the value as stored, and how many items it uses up."""

    value: dict[str, Any]
    items: int


class Item(msgspec.Struct, frozen=True, kw_only=True):
    """One row of the research export for one answer: a word, a rating, a choice, a text."""

    value: str
    number: float | None = None
    item: str = ""
    normalised: str = ""
    hidden: bool = False
    skipped: bool = False
    profanity: bool = False
    moderation: str = ""  # what a presenter hides or shows this item by: a word's key, an id


class ItemRow(Protocol):
    """What a by-tag summary reads of an export row."""

    @property
    def item(self) -> str: ...
    @property
    def value(self) -> str: ...
    @property
    def value_number(self) -> float | None: ...


# A moderation item that begins with this is a presenter's choice to show an item (a word's
# key, an answer's id) that the swear-word lists keep off the screen. Keys and ids never
# begin with it: word keys lose their symbols at the ends, ids are digits.
SHOWN_ANYWAY = "+"


class Tally:
    """Results of one slide, fed committed responses in any order, any number of times.

    The base counts who answered; a kind's tally counts what they answered."""

    kind = "content"

    def __init__(self) -> None:
        self.answered: set[str] = set()
        self.profane: set[str] = set()  # items (word keys, answer ids) with swearing in them

    def screened(
        self, moderation: frozenset[str], hold_profanity: bool
    ) -> tuple[frozenset[str], list[str]]:
        """What stays off the screen: what the presenter hid and, when swear words are held
        back, items with swearing that the presenter has not chosen to show; and those held."""
        if not hold_profanity:
            return moderation, []
        held = sorted(
            item
            for item in self.profane
            if item not in moderation and SHOWN_ANYWAY + item not in moderation
        )
        return (moderation | frozenset(held)) if held else moderation, held

    def apply(self, response: StoredResponse) -> None:
        self.answered.add(response.participant)

    def snapshot(self, hidden: frozenset[str] = frozenset()) -> Results:
        return {"kind": self.kind, "answered": len(self.answered)}

    def mine(self, participant: str) -> dict[str, Any] | None:
        """What this participant's answers that count are, to show them again on their phone
        (after a reload or a reconnect); None if they have not answered."""
        return None

    def attach(self, sources: Sequence[Tally], seed: str) -> None:
        """The tallies of the slides this one reads (:meth:`Kind.reads`), kept counting by the
        room, and a seed for names that are the same on every worker (the presentation id)."""


class Latest:
    """A participant's newest answer wins, whatever order responses arrive in."""

    def __init__(self) -> None:
        self.newest: dict[str, int] = {}

    def is_newer(self, response: StoredResponse) -> bool:
        if self.newest.get(response.participant, -1) >= response.id:
            return False
        self.newest[response.participant] = response.id
        return True


def newest_per_participant(responses: Iterable[StoredResponse]) -> list[StoredResponse]:
    """Each participant's newest response, in log order."""
    newest: dict[str, StoredResponse] = {}
    for response in sorted(responses, key=lambda r: r.id):
        newest[response.participant] = response
    return sorted(newest.values(), key=lambda r: r.id)


def newest_ratings(responses: Iterable[StoredResponse]) -> list[StoredResponse]:
    """For kinds whose answers rate items one or several at a time (``{"ratings": {key:
    rating}}``): per participant the newest rating of each item, as one response (the newest
    of theirs, carrying all their ratings), in log order."""
    merged: dict[str, dict[str, object]] = {}
    newest_of: dict[str, StoredResponse] = {}
    for response in sorted(responses, key=lambda r: r.id):
        ratings = response.value.get("ratings")
        for key, rating in ratings.items() if isinstance(ratings, dict) else ():
            merged.setdefault(response.participant, {})[key] = rating
            newest_of[response.participant] = response
    return sorted(
        (
            msgspec.structs.replace(
                newest_of[p], value={"ratings": dict(sorted(merged[p].items()))}
            )
            for p in merged
        ),
        key=lambda r: r.id,
    )


def check_scale(checker: Checker, values: dict[str, Any]) -> None:
    """A scale from ``min`` to ``max`` of 2 to 11 points (scales, the grid's axes)."""
    low, high = values["min"], values["max"]
    if not low < high <= low + 10:
        checker.problem("max", N_("must be above min, with at most 11 points on the scale"))
        values["min"], values["max"] = 1, 5


def choice_index(raw: object, size: int, missing: str) -> int:
    """A position in a list of ``size`` (given as a number or digits), or InvalidAnswer."""
    if isinstance(raw, str) and raw.strip().isdigit():
        raw = int(raw)
    if isinstance(raw, bool) or not isinstance(raw, int) or not 0 <= raw < size:
        raise InvalidAnswer(missing)
    return raw


def mean_of_item(item: str, rows: Sequence[ItemRow]) -> float | None:
    """The mean of the numbers of one item among export rows (a statement's rating, an
    option's place or points), to two decimals; None without numbers."""
    numbers = [r.value_number for r in rows if r.item == item and r.value_number is not None]
    return round(sum(numbers) / len(numbers), 2) if numbers else None


def md(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return text.replace("|", "\\|").replace("\n", " ")


class Kind(Generic[S]):
    """One slide kind. Subclass it, set the class attributes, register an instance."""

    name: ClassVar[str]  # the document's ``kind``
    label: ClassVar[str]  # for the editor, marked with N_ so that it is translated
    slide_type: type[S]
    fields: tuple[Field, ...] = ()  # after ``id``; ``notes`` is common to every kind
    takes_answers: ClassVar[bool] = True
    # A participant's newest answer replaces their earlier one (they may change it).
    answers_replace: ClassVar[bool] = False
    # Research: what the export's columns hold for this kind, for the codebook.
    columns: ClassVar[dict[str, str]] = {}
    # Results that other slides can be broken down by (the options of a multiple choice).
    groups_participants: ClassVar[bool] = False
    # Results drawn as a word cloud (SVG and PNG in the research downloads).
    draws_cloud: ClassVar[bool] = False
    # Answers a researcher codes into themes (open text): each item's ``moderation`` names it.
    themed: ClassVar[bool] = False
    # A phone on a slide that takes no answers says it waits for the next question.
    waits: ClassVar[bool] = True
    # How a by-tag summary across sessions shows each item ("mean", "count"), if at all.
    by_tag: ClassVar[str | None] = None
    # Seconds to answer when the document gives none (a quiz counts down by default).
    default_time_limit: ClassVar[int] = 0
    # Answers are scored by speed: the state keeps when the slide was first shown, and each
    # answer is stored with the time from then (:meth:`stamped`).
    scores_speed: ClassVar[bool] = False
    # A slide that takes no answers but shows each phone something of its own (its place).
    personal: ClassVar[bool] = False

    # ---- the document ------------------------------------------------------------------

    def heading(self, slide: S) -> str:
        """The question as shown (a text slide's title)."""
        return str(getattr(slide, "question", ""))

    def build(self, checker: Checker, slide_id: str) -> S:
        """The slide from a document's mapping; problems go to the checker."""
        values = {field.name: field.read(checker) for field in self.fields}
        self.refine(checker, values)
        return self.slide_type(id=slide_id, **values)

    def refine(self, checker: Checker, values: dict[str, Any]) -> None:
        """Checks across fields, after each field was read on its own."""

    # ---- answers -----------------------------------------------------------------------

    def check_answer(self, slide: S, value: dict[str, Any], language: str) -> CheckedAnswer:
        """Validate an answer against its slide; raise InvalidAnswer with a reason to show."""
        raise InvalidAnswer(N_("This slide takes no answers."))

    def form_answer(self, slide: S, form: Form) -> dict[str, Any]:
        """An answer value from the plain HTML form of a slide (phones without JavaScript)."""
        return {}

    def stamped(self, slide: S, value: dict[str, Any], seconds: float | None) -> dict[str, Any]:
        """The value to store for a checked answer, given the seconds since the slide was
        first shown (None if not known); kinds that score speed keep them."""
        return value

    def answer_limit(self, slide: S) -> int:
        """Items (words, answers) one participant may give in all; 0: no limit."""
        return 0

    # Reasons for an answer over the limit: none left, and some left.
    limit_reached: ClassVar[str] = N_("You have sent all %(limit)s answers this question allows.")
    limit_left: ClassVar[str] = N_(
        "This question takes %(limit)s answers per person; you have %(left)s left."
    )

    # ---- results -----------------------------------------------------------------------

    def new_tally(self, slide: S, language: str) -> Tally:
        return Tally()

    def reads(self, document: Document, slide: S) -> tuple[str, ...]:
        """The slides whose tallies this slide's tally adds up (a leaderboard: the quizzes
        before it); the room attaches them (:meth:`Tally.attach`)."""
        return ()

    def public(self, slide: S, state: State) -> dict[str, Any]:
        """The slide as phones get it (the presenter's notes are taken off after this): a
        quiz's right answers only once revealed."""
        data: dict[str, Any] = msgspec.to_builtins(slide)
        return data

    def own(self, slide: S, mine: dict[str, Any] | None, state: State) -> dict[str, Any] | None:
        """What a phone is told of its own answers (``mine``) in this state."""
        return mine

    def cloud_words(self, results: Results) -> list[dict[str, Any]]:
        """The visible words of a cloud as the screen draws them (text, count, x, y, size), in
        order of appearance; the results' ``view`` is the box around them."""
        return []

    def groups(self, slide: S, responses: Sequence[StoredResponse]) -> dict[int, set[str]]:
        """Participants by group (the option they chose), from this slide's responses."""
        return {}

    def group_names(self, slide: S) -> tuple[str, ...]:
        return ()

    # ---- research ----------------------------------------------------------------------

    def counted(self, slide: S, responses: Iterable[StoredResponse]) -> list[StoredResponse]:
        """The responses that count, in log order (all of them, unless newer ones replace)."""
        return sorted(responses, key=lambda r: r.id)

    def items(
        self, slide: S, response: StoredResponse, language: str, hidden: set[str]
    ) -> list[Item]:
        """The export's rows for one counted response."""
        return []

    def describe(self, slide: S) -> dict[str, Any]:
        """What the codebook says of the question beyond its kind and text."""
        return {}

    def codebook(self, question: Mapping[str, Any]) -> list[str]:
        """The question's own lines in the Markdown codebook, after its text."""
        return []

    def result_rows(self, results: Results) -> list[list[Any]]:
        """The results as a table, header first (the workbook's question sheets)."""
        return []

    def tag_items(self, question: Mapping[str, Any]) -> list[str]:
        """The items a by-tag summary has a column for."""
        return []

    def tag_figure(self, item: str, rows: Sequence[ItemRow]) -> Any:
        """One cell of a by-tag summary: the figure of one item among one group's rows."""
        return None

    # ---- pages -------------------------------------------------------------------------

    @property
    def participant_template(self) -> str:
        """The partial that renders the slide on a phone (inside the answer form)."""
        return f"kinds/{self.name}.html"

    @property
    def script(self) -> str:
        """The browser module (in static/) that draws the slide on a phone, reads its form and
        draws its results on the screen."""
        return f"kinds/{self.name}.js"

    def describe_fields(self) -> list[dict[str, Any]]:
        return [field.describe() for field in self.fields]

    def new_slide(self) -> dict[str, Any]:
        """A new slide of this kind in the editor: every field at its default."""
        data: dict[str, Any] = {"kind": self.name}
        if self.default_time_limit:
            data["time_limit"] = self.default_time_limit
        for field in self.fields:
            default = field.default
            data[field.name] = list(default) if isinstance(default, tuple) else default
        return data
