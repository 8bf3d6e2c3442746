"""Leaderboard: the quiz scores so far (every quiz slide before it), the top players on the
screen with how they moved since the question before, and each phone its own place."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from polls.core.i18n import N_
from polls.core.models import Document, Slide
from polls.kinds.base import Kind, Results, Tally
from polls.kinds.fields import Text
from polls.kinds.players import TOP, player_name, standings
from polls.kinds.quiz import Quiz, QuizTally


class Leaderboard(Slide, tag="leaderboard", kw_only=True, frozen=True):
    title: str = ""


class LeaderboardTally(Tally):
    """Adds up the quiz tallies it is given (which the room keeps counting from the log); the
    standings are worked out again only after a quiz answer has counted."""

    kind = "leaderboard"

    def __init__(self, language: str) -> None:
        super().__init__()
        self.seed = ""
        self.language = language
        self.sources: list[QuizTally] = []
        self._version: tuple[int, ...] | None = None
        self._now: list[dict[str, Any]] = []
        self._before: dict[str, int] = {}
        self._places: dict[str, dict[str, Any]] = {}

    def attach(self, sources: Sequence[Tally], seed: str) -> None:
        self.sources = [s for s in sources if isinstance(s, QuizTally)]
        self.seed = seed
        self._version = None

    def _update(self) -> None:
        version = tuple(source.changes for source in self.sources)
        if version == self._version:
            return
        self._version = version
        players = {p for source in self.sources for p in source.played}
        names = {p: player_name(self.seed, p, self.language) for p in players}
        self._now = standings((source.played for source in self.sources), names)
        before = standings((source.played for source in self.sources[:-1]), names)
        self._before = {row["participant"]: row["rank"] for row in before}
        self._places = {row["participant"]: row for row in self._now}

    def snapshot(self, hidden: frozenset[str] = frozenset()) -> Results:
        self._update()
        top = [
            {
                "id": row["id"],
                "rank": row["rank"],
                "name": row["name"],
                "score": row["score"],
                "before": self._before.get(row["participant"]),
            }
            for row in self._now[:TOP]
        ]
        return {**super().snapshot(hidden), "players": len(self._now), "top": top}

    def mine(self, participant: str) -> dict[str, Any] | None:
        self._update()
        row = self._places.get(participant)
        if row is None:
            return None
        return {
            "rank": row["rank"],
            "of": len(self._now),
            "name": row["name"],
            "score": row["score"],
        }


class LeaderboardKind(Kind[Leaderboard]):
    name = "leaderboard"
    label = N_("Leaderboard")
    slide_type = Leaderboard
    fields = (Text(name="title", label=N_("Title (empty: Leaderboard)"), max_length=200),)
    takes_answers = False
    personal = True

    def heading(self, slide: Leaderboard) -> str:
        return slide.title

    def reads(self, document: Document, slide: Leaderboard) -> tuple[str, ...]:
        found = []
        for other in document.slides:
            if other.id == slide.id:
                break
            if isinstance(other, Quiz):
                found.append(other.id)
        return tuple(found)

    def new_tally(self, slide: Leaderboard, language: str) -> Tally:
        return LeaderboardTally(language)
