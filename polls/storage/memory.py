"""In-memory storage: the same contract as the SQL backends, for tests and trials."""

from __future__ import annotations

from collections.abc import Callable

import msgspec

from polls.core.images import StoredImage
from polls.core.models import (
    QA_SLIDE,
    Document,
    Moderation,
    Presentation,
    ReactionCount,
    State,
    StoredResponse,
)
from polls.storage.base import (
    Outcome,
    Status,
    Storage,
    Submission,
    SubmissionKey,
    UsageKey,
    plan_batch,
    stored_as,
    submission_key,
    usage_key,
)


class MemoryStorage(Storage):
    def __init__(self) -> None:
        self._presentations: dict[str, Presentation] = {}
        self._secrets: dict[tuple[str, str], str] = {}
        self._joins: dict[str, dict[str, float]] = {}
        self._items: dict[int, int] = {}
        self._responses: list[StoredResponse] = []
        self._last_id = 0  # ids are never reused, also after deletions
        self._by_key: dict[SubmissionKey, StoredResponse] = {}
        self._used: dict[UsageKey, int] = {}
        self._moderation: dict[str, dict[tuple[str, str], Moderation]] = {}
        self._coding: dict[str, tuple[int, str]] = {}
        self._reactions: dict[str, dict[tuple[str, int, str], int]] = {}
        self._images: dict[str, StoredImage] = {}

    async def create_presentation(
        self, presentation: Presentation, secret_hashes: dict[str, str]
    ) -> bool:
        if await self.presentation_by_code(presentation.code) is not None:
            return False
        self._presentations[presentation.id] = presentation
        for role, secret_hash in secret_hashes.items():
            self._secrets[(presentation.id, role)] = secret_hash
        return True

    async def presentation(self, presentation_id: str) -> Presentation | None:
        return self._presentations.get(presentation_id)

    async def presentation_by_code(self, code: str) -> Presentation | None:
        for presentation in self._presentations.values():
            if presentation.code == code and presentation.closed_at is None:
                return presentation
        return None

    async def presentations(self) -> list[Presentation]:
        return sorted(self._presentations.values(), key=lambda p: (-p.created_at, p.id))

    async def close_presentation(self, presentation_id: str, closed_at: float) -> bool:
        found = self._presentations.get(presentation_id)
        if found is None or found.closed_at is not None:
            return False
        self._presentations[presentation_id] = _replace(found, closed_at=closed_at)
        return True

    async def secret_hash(self, presentation_id: str, role: str) -> str | None:
        return self._secrets.get((presentation_id, role))

    async def set_secret_hash(self, presentation_id: str, role: str, secret_hash: str) -> None:
        self._secrets[(presentation_id, role)] = secret_hash

    async def save_state(self, presentation_id: str, state: State) -> None:
        found = self._presentations[presentation_id]
        self._presentations[presentation_id] = _replace(found, state=state)

    async def update_document(self, presentation_id: str, document: Document) -> None:
        found = self._presentations[presentation_id]
        self._presentations[presentation_id] = _replace(found, document=document)

    async def record_joins(self, joins: list[tuple[str, str, float]]) -> list[bool]:
        new = []
        for presentation_id, participant, at in joins:
            seen = self._joins.setdefault(presentation_id, {})
            new.append(participant not in seen)
            seen.setdefault(participant, at)
        return new

    async def joined_count(self, presentation_id: str) -> int:
        return len(self._joins.get(presentation_id, ()))

    async def answer_counts(self, presentation_id: str) -> tuple[int, int]:
        own = [
            r
            for r in self._responses
            if r.presentation_id == presentation_id and r.slide_id != QA_SLIDE
        ]
        return len(own), len({r.participant for r in own})

    async def store_answers(self, submissions: list[Submission]) -> list[Outcome]:
        existing = {
            submission_key(s): self._by_key[submission_key(s)]
            for s in submissions
            if submission_key(s) in self._by_key
        }
        used = {usage_key(s): self._used.get(usage_key(s), 0) for s in submissions}
        outcomes: list[Outcome] = []
        for submission, decided in zip(
            submissions, plan_batch(submissions, existing, used), strict=True
        ):
            if decided is not None:
                if decided.status is Status.DUPLICATE and decided.response is None:
                    decided = Outcome(Status.DUPLICATE, self._by_key[submission_key(submission)])
                outcomes.append(decided)
                continue
            self._last_id += 1
            response = stored_as(submission, self._last_id)
            self._responses.append(response)
            self._by_key[submission_key(submission)] = response
            slot = usage_key(submission)
            self._used[slot] = self._used.get(slot, 0) + submission.items
            self._items[response.id] = submission.items
            outcomes.append(Outcome(Status.STORED, response))
        return outcomes

    async def response(
        self, presentation_id: str, participant: str, submission_id: str
    ) -> StoredResponse | None:
        return self._by_key.get((presentation_id, participant, submission_id))

    async def responses(
        self,
        presentation_id: str,
        slide_id: str | None = None,
        after_id: int = 0,
        limit: int | None = None,
    ) -> list[StoredResponse]:
        found = [
            r
            for r in self._responses
            if r.presentation_id == presentation_id
            and slide_id in (None, r.slide_id)
            and r.id > after_id
        ]
        return found[:limit]

    async def newest_response_id(self, presentation_id: str, slide_id: str) -> int:
        return max(
            (
                r.id
                for r in self._responses
                if r.presentation_id == presentation_id and r.slide_id == slide_id
            ),
            default=0,
        )

    async def delete_responses(self, presentation_id: str, before: float | None = None) -> int:
        joins = self._joins.get(presentation_id, {})
        for participant, at in list(joins.items()):
            if before is None or at < before:
                del joins[participant]
        if before is None:
            self._moderation.pop(presentation_id, None)
        return self._delete(
            lambda r: (
                r.presentation_id == presentation_id and (before is None or r.created_at < before)
            )
        )

    async def delete_participant(self, presentation_id: str, participant: str) -> int:
        self._joins.get(presentation_id, {}).pop(participant, None)
        return self._delete(
            lambda r: r.presentation_id == presentation_id and r.participant == participant
        )

    def _delete(self, doomed: Callable[[StoredResponse], bool]) -> int:
        gone = [r for r in self._responses if doomed(r)]
        self._responses = [r for r in self._responses if not doomed(r)]
        for response in gone:
            key = (response.presentation_id, response.participant, response.submission_id)
            self._by_key.pop(key, None)
            slot = (response.presentation_id, response.slide_id, response.participant)
            self._used[slot] -= self._items.pop(response.id)
        return len(gone)

    async def set_moderation(
        self, presentation_id: str, slide_id: str, item: str, hidden: bool
    ) -> None:
        items = self._moderation.setdefault(presentation_id, {})
        if hidden:
            items[(slide_id, item)] = Moderation(slide_id=slide_id, item=item)
        else:
            items.pop((slide_id, item), None)

    async def moderation(self, presentation_id: str) -> list[Moderation]:
        return list(self._moderation.get(presentation_id, {}).values())

    async def add_reactions(self, counts: list[tuple[str, ReactionCount]]) -> None:
        for presentation_id, count in counts:
            stored = self._reactions.setdefault(presentation_id, {})
            key = (count.slide_id, count.minute, count.reaction)
            stored[key] = stored.get(key, 0) + count.count

    async def reactions(self, presentation_id: str) -> list[ReactionCount]:
        stored = self._reactions.get(presentation_id, {})
        return [
            ReactionCount(slide_id=slide, minute=minute, reaction=reaction, count=count)
            for (slide, minute, reaction), count in sorted(
                stored.items(), key=lambda item: (item[0][1], item[0][0], item[0][2])
            )
        ]

    async def save_image(self, presentation_id: str, image: StoredImage) -> None:
        self._images.setdefault(image.name, image)

    async def image(self, name: str) -> StoredImage | None:
        return self._images.get(name)

    async def coding(self, presentation_id: str) -> tuple[int, str]:
        return self._coding.get(presentation_id, (0, ""))

    async def save_coding(self, presentation_id: str, data: str, version: int) -> bool:
        if self._coding.get(presentation_id, (0, ""))[0] != version:
            return False
        self._coding[presentation_id] = (version + 1, data)
        return True


def _replace(presentation: Presentation, **changes: object) -> Presentation:
    return msgspec.structs.replace(presentation, **changes)
