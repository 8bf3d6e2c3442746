"""The storage interface, and the batch rules every backend applies the same way.

A backend is a small class with ``connect``/``disconnect`` and the methods
below. The response log is the truth: ``store_answers`` stores each
submission once (a retry with the same id is reported as a duplicate and not
stored again) and enforces per-participant limits inside the transaction.
"""

from __future__ import annotations

import enum
from abc import ABC, abstractmethod
from collections.abc import Iterable

import msgspec

from polls.core.images import StoredImage
from polls.core.models import (
    Document,
    Moderation,
    Presentation,
    ReactionCount,
    State,
    StoredResponse,
)


class Submission(msgspec.Struct, frozen=True, kw_only=True):
    """A checked answer waiting to be stored."""

    presentation_id: str
    slide_id: str
    participant: str
    submission_id: str
    value: dict[str, object]
    items: int
    limit: int  # items allowed per participant on this slide; 0 means no limit
    created_at: float


class Status(enum.Enum):
    STORED = "stored"
    DUPLICATE = "duplicate"
    LIMIT = "limit"


class Outcome(msgspec.Struct, frozen=True):
    status: Status
    response: StoredResponse | None = None
    remaining: int = 0


SubmissionKey = tuple[str, str, str]  # presentation, participant, submission id
UsageKey = tuple[str, str, str]  # presentation, slide, participant


def submission_key(submission: Submission) -> SubmissionKey:
    return (submission.presentation_id, submission.participant, submission.submission_id)


def usage_key(submission: Submission) -> UsageKey:
    return (submission.presentation_id, submission.slide_id, submission.participant)


def plan_batch(
    submissions: list[Submission],
    existing: dict[SubmissionKey, StoredResponse],
    used: dict[UsageKey, int],
) -> list[Outcome | None]:
    """Decide each submission of a batch: None means 'insert it'.

    ``existing`` holds responses already stored under the same keys, ``used``
    the items each participant has already used on each slide. Submissions
    earlier in the batch count for later ones.
    """
    used = dict(used)
    pending: set[SubmissionKey] = set()
    plan: list[Outcome | None] = []
    for submission in submissions:
        key = submission_key(submission)
        if key in existing:
            plan.append(Outcome(Status.DUPLICATE, existing[key]))
            continue
        if key in pending:
            plan.append(Outcome(Status.DUPLICATE))
            continue
        slot = usage_key(submission)
        already = used.get(slot, 0)
        if submission.limit and already + submission.items > submission.limit:
            plan.append(Outcome(Status.LIMIT, remaining=max(0, submission.limit - already)))
            continue
        used[slot] = already + submission.items
        pending.add(key)
        plan.append(None)
    return plan


def first_joins(joins: list[tuple[str, str, float]], new: set[tuple[str, str]]) -> list[bool]:
    """For each (presentation, participant, time) join, whether it is the participant's first:
    the insert reported the pair as ``new``, and no earlier join of the batch had it."""
    seen: set[tuple[str, str]] = set()
    result = []
    for presentation_id, participant, _ in joins:
        key = (presentation_id, participant)
        result.append(key in new and key not in seen)
        seen.add(key)
    return result


def stored_as(submission: Submission, response_id: int) -> StoredResponse:
    """The response a submission became when it was stored under an id."""
    return StoredResponse(
        id=response_id,
        presentation_id=submission.presentation_id,
        slide_id=submission.slide_id,
        participant=submission.participant,
        submission_id=submission.submission_id,
        value=submission.value,
        created_at=submission.created_at,
    )


def outcomes(
    submissions: list[Submission],
    plan: list[Outcome | None],
    ids: dict[SubmissionKey, int],
) -> list[Outcome]:
    """The outcome of each submission once the planned ones are inserted under ``ids``."""
    result: list[Outcome] = []
    stored: dict[SubmissionKey, StoredResponse] = {}
    for submission, decided in zip(submissions, plan, strict=True):
        key = submission_key(submission)
        if decided is None and key in ids:
            response = stored_as(submission, ids[key])
            stored[key] = response
            result.append(Outcome(Status.STORED, response))
        elif decided is None or (decided.status is Status.DUPLICATE and not decided.response):
            # Stored by a concurrent writer, or earlier in this same batch.
            result.append(Outcome(Status.DUPLICATE, stored.get(key)))
        else:
            result.append(decided)
    return result


class Storage(ABC):
    """Durable truth: presentations, presenter state, joins, the response log, moderation."""

    async def connect(self) -> None:  # noqa: B027 - optional hook
        """Open connections and bring the schema up to date."""

    async def disconnect(self) -> None:  # noqa: B027 - optional hook
        """Close connections."""

    async def ready(self) -> None:  # noqa: B027 - optional hook
        """Return if storage answers now; raise (an outage) if it does not."""

    @abstractmethod
    async def create_presentation(
        self, presentation: Presentation, secret_hashes: dict[str, str]
    ) -> bool:
        """Store a new presentation; False if its join code is taken by an open one."""

    @abstractmethod
    async def presentation(self, presentation_id: str) -> Presentation | None: ...

    @abstractmethod
    async def presentation_by_code(self, code: str) -> Presentation | None:
        """The open presentation with this join code."""

    @abstractmethod
    async def presentations(self) -> list[Presentation]:
        """Every presentation, newest first."""

    @abstractmethod
    async def close_presentation(self, presentation_id: str, closed_at: float) -> bool: ...

    @abstractmethod
    async def secret_hash(self, presentation_id: str, role: str) -> str | None: ...

    @abstractmethod
    async def set_secret_hash(self, presentation_id: str, role: str, secret_hash: str) -> None: ...

    @abstractmethod
    async def save_state(self, presentation_id: str, state: State) -> None: ...

    @abstractmethod
    async def update_document(self, presentation_id: str, document: Document) -> None: ...

    @abstractmethod
    async def record_joins(self, joins: list[tuple[str, str, float]]) -> list[bool]:
        """Record (presentation, participant, time) joins; True where the participant is new."""

    @abstractmethod
    async def joined_count(self, presentation_id: str) -> int: ...

    @abstractmethod
    async def store_answers(self, submissions: list[Submission]) -> list[Outcome]:
        """Store a batch of answers in one transaction; outcomes in the same order."""

    @abstractmethod
    async def response(
        self, presentation_id: str, participant: str, submission_id: str
    ) -> StoredResponse | None:
        """The stored response of one submission, if it was stored."""

    @abstractmethod
    async def responses(
        self,
        presentation_id: str,
        slide_id: str | None = None,
        after_id: int = 0,
        limit: int | None = None,
    ) -> list[StoredResponse]:
        """The response log of a presentation (or one slide), oldest first; ids above after_id,
        at most limit of them."""

    @abstractmethod
    async def answer_counts(self, presentation_id: str) -> tuple[int, int]:
        """How many answers to its slides a presentation's log holds and from how many
        participants, counted by the database (the log is not read); the audience's questions
        and upvotes are not answers."""

    @abstractmethod
    async def newest_response_id(self, presentation_id: str, slide_id: str) -> int:
        """The highest response id stored for a slide (0 if none): a cheap way to tell whether
        a room has missed answers."""

    @abstractmethod
    async def delete_responses(self, presentation_id: str, before: float | None = None) -> int:
        """Delete answers (all, or those stored before a time) and the joins of that time.

        Deleting everything also forgets moderation. Returns how many answers went; what
        is deleted leaves no trace in the database files.
        """

    @abstractmethod
    async def delete_participant(self, presentation_id: str, participant: str) -> int:
        """Delete one participant's answers and join (withdrawal); returns answers deleted."""

    @abstractmethod
    async def set_moderation(
        self, presentation_id: str, slide_id: str, item: str, hidden: bool
    ) -> None: ...

    @abstractmethod
    async def moderation(self, presentation_id: str) -> list[Moderation]: ...

    @abstractmethod
    async def add_reactions(self, counts: list[tuple[str, ReactionCount]]) -> None:
        """Add (presentation id, count) pairs to the stored counts of reactions, in one
        transaction: counts of the same slide, minute and reaction add up."""

    @abstractmethod
    async def reactions(self, presentation_id: str) -> list[ReactionCount]:
        """A presentation's counts of reactions, by slide, minute and reaction, oldest first."""

    @abstractmethod
    async def save_image(self, presentation_id: str, image: StoredImage) -> None:
        """Keep an image (uploaded for a presentation); the same bytes are kept once."""

    @abstractmethod
    async def image(self, name: str) -> StoredImage | None:
        """An image by its name (the hash of its bytes), or None."""

    @abstractmethod
    async def coding(self, presentation_id: str) -> tuple[int, str]:
        """A presentation's coding of answers into themes, as stored (JSON text, "" if none)
        with its version (0 if none)."""

    @abstractmethod
    async def save_coding(self, presentation_id: str, data: str, version: int) -> bool:
        """Store the coding as version + 1 if the stored version is still ``version``; False
        (nothing stored) if someone saved another in between."""


def hidden_by_slide(items: Iterable[Moderation]) -> dict[str, set[str]]:
    hidden: dict[str, set[str]] = {}
    for item in items:
        hidden.setdefault(item.slide_id, set()).add(item.item)
    return hidden
