"""Results of one slide, derived from stored responses.

Pure and incremental: a tally is fed committed responses in any order and any
number of times (each response counts once; for scales and choices a
participant's newest answer counts), and ``snapshot`` gives the results as the
presenter sees them. Rebuilding from the response log gives the same numbers.
"""

from __future__ import annotations

import heapq
from bisect import insort
from collections import Counter
from typing import Any

from polls.core.models import (
    Content,
    MultipleChoice,
    OpenEnded,
    Scales,
    Slide,
    StoredResponse,
    WordCloud,
)
from polls.core.words import display_form, spelling, word_key

MAX_WORDS_SHOWN = 150
MAX_ANSWERS_SHOWN = 300

Results = dict[str, Any]


class Tally:
    """Base: who answered. Subclasses count what they answered."""

    kind = "content"

    def __init__(self) -> None:
        self.answered: set[str] = set()

    def apply(self, response: StoredResponse) -> None:
        self.answered.add(response.participant)

    def snapshot(self, hidden: frozenset[str] = frozenset()) -> Results:
        return {"kind": self.kind, "answered": len(self.answered)}


class WordTally(Tally):
    kind = "word_cloud"

    def __init__(self, language: str) -> None:
        super().__init__()
        self.language = language
        self.seen: set[int] = set()
        self.counts: Counter[str] = Counter()
        self.order: dict[str, int] = {}  # order of first appearance, kept by the cloud layout
        self.total = 0
        self.spellings: dict[str, Counter[str]] = {}

    def apply(self, response: StoredResponse) -> None:
        if response.id in self.seen:
            return
        self.seen.add(response.id)
        super().apply(response)
        words = response.value.get("words")
        for word in words if isinstance(words, list) else ():
            key = word_key(str(word), self.language)
            if key:
                self.order.setdefault(key, len(self.order))
                self.counts[key] += 1
                self.total += 1
                self.spellings.setdefault(key, Counter())[spelling(str(word))] += 1

    def snapshot(self, hidden: frozenset[str] = frozenset()) -> Results:
        # The most frequent words, ties alphabetically, without sorting every word each time.
        ranked = heapq.nsmallest(
            MAX_WORDS_SHOWN, self.counts.items(), key=lambda item: (-item[1], item[0])
        )
        words = [
            {
                "key": key,
                "text": display_form(self.spellings[key]),
                "count": count,
                "hidden": key in hidden,
                "order": self.order[key],
            }
            for key, count in ranked
        ]
        return {
            **super().snapshot(hidden),
            "words": words,
            "total": self.total - sum(self.counts.get(key, 0) for key in hidden),
        }


class _Latest:
    """A participant's newest answer wins, whatever order responses arrive in."""

    def __init__(self) -> None:
        self.newest: dict[str, int] = {}

    def is_newer(self, response: StoredResponse) -> bool:
        if self.newest.get(response.participant, -1) >= response.id:
            return False
        self.newest[response.participant] = response.id
        return True


class ScaleTally(Tally):
    kind = "scales"

    def __init__(self, slide: Scales) -> None:
        super().__init__()
        self.slide = slide
        self.latest = [_Latest() for _ in slide.statements]
        self.values: list[dict[str, int | None]] = [{} for _ in slide.statements]
        # Kept up to date answer by answer, so a snapshot costs the same for 10 or 10,000.
        self.distributions = [[0] * (slide.max - slide.min + 1) for _ in slide.statements]
        self.skipped = [0] * len(slide.statements)

    def apply(self, response: StoredResponse) -> None:
        ratings = response.value.get("ratings")
        if not isinstance(ratings, dict):
            return
        super().apply(response)
        for raw_index, rating in ratings.items():
            index = int(raw_index)
            if 0 <= index < len(self.values) and self.latest[index].is_newer(response):
                value = rating if isinstance(rating, int) else None
                values = self.values[index]
                if response.participant in values:
                    self._count(index, values[response.participant], -1)
                values[response.participant] = value
                self._count(index, value, 1)

    def _count(self, index: int, value: int | None, change: int) -> None:
        if value is None:
            self.skipped[index] += change
        elif self.slide.min <= value <= self.slide.max:
            self.distributions[index][value - self.slide.min] += change

    def snapshot(self, hidden: frozenset[str] = frozenset()) -> Results:
        low, high = self.slide.min, self.slide.max
        statements = []
        for text, counts, skipped in zip(
            self.slide.statements, self.distributions, self.skipped, strict=True
        ):
            distribution = list(counts)
            count = sum(distribution)
            total = sum(n * (low + i) for i, n in enumerate(distribution))
            statements.append(
                {
                    "text": text,
                    "count": count,
                    "mean": round(total / count, 2) if count else None,
                    "distribution": distribution,
                    "skipped": skipped,
                }
            )
        return {**super().snapshot(hidden), "min": low, "max": high, "statements": statements}


class ChoiceTally(Tally):
    kind = "multiple_choice"

    def __init__(self, slide: MultipleChoice) -> None:
        super().__init__()
        self.slide = slide
        self.latest = _Latest()
        self.choices: dict[str, tuple[int, ...]] = {}
        self.counts = [0] * len(slide.options)

    def apply(self, response: StoredResponse) -> None:
        choices = response.value.get("choices")
        if not isinstance(choices, list):
            return
        super().apply(response)
        if self.latest.is_newer(response):
            chosen = tuple(int(c) for c in choices)
            self._count(self.choices.get(response.participant, ()), -1)
            self.choices[response.participant] = chosen
            self._count(chosen, 1)

    def _count(self, chosen: tuple[int, ...], change: int) -> None:
        for index in chosen:
            if 0 <= index < len(self.counts):
                self.counts[index] += change

    def snapshot(self, hidden: frozenset[str] = frozenset()) -> Results:
        counts = self.counts
        respondents = len(self.choices)
        options = [
            {
                "text": text,
                "count": count,
                "percent": round(100 * count / respondents, 1) if respondents else 0.0,
            }
            for text, count in zip(self.slide.options, counts, strict=True)
        ]
        return {**super().snapshot(hidden), "respondents": respondents, "options": options}


class OpenTally(Tally):
    kind = "open_ended"

    def __init__(self) -> None:
        super().__init__()
        # Text and time in two maps of plain values, not a tuple per answer: with 10,000 answers
        # a second, a container per answer filled the garbage collector's young generation.
        self.texts: dict[int, str] = {}
        self.times: dict[int, float] = {}
        self.ids: list[int] = []  # sorted; answers mostly arrive in order, so inserts append

    def apply(self, response: StoredResponse) -> None:
        text = response.value.get("text")
        if response.id in self.texts or not isinstance(text, str):
            return
        super().apply(response)
        self.texts[response.id] = text
        self.times[response.id] = response.created_at
        insort(self.ids, response.id)

    def snapshot(self, hidden: frozenset[str] = frozenset()) -> Results:
        newest = self.ids[: -MAX_ANSWERS_SHOWN - 1 : -1]
        answers = [
            {
                "id": str(rid),
                "text": self.texts[rid],
                "at": self.times[rid],
                "hidden": str(rid) in hidden,
            }
            for rid in newest
        ]
        shown = len(self.texts) - sum(
            1 for item in hidden if item.isdecimal() and int(item) in self.texts
        )
        return {**super().snapshot(hidden), "answers": answers, "total": shown}


def new_tally(slide: Slide, language: str) -> Tally:
    """An empty tally for a slide of any kind."""
    if isinstance(slide, WordCloud):
        return WordTally(language)
    if isinstance(slide, Scales):
        return ScaleTally(slide)
    if isinstance(slide, MultipleChoice):
        return ChoiceTally(slide)
    if isinstance(slide, OpenEnded):
        return OpenTally()
    assert isinstance(slide, Content)
    return Tally()


def tally(
    slide: Slide,
    responses: list[StoredResponse],
    language: str,
    hidden: frozenset[str] = frozenset(),
) -> Results:
    """Results of a slide from its responses, in one call."""
    counted = new_tally(slide, language)
    for response in responses:
        counted.apply(response)
    return counted.snapshot(hidden)
