"""Word cloud: each person gives a few words; the screen shows them grouped, sized by count."""

from __future__ import annotations

import heapq
from collections import Counter
from typing import Any, ClassVar

from polls.core.errors import InvalidAnswer
from polls.core.i18n import N_
from polls.core.models import Slide, StoredResponse
from polls.core.profanity import is_profane
from polls.core.words import (
    clean_word,
    display_form,
    spelling,
    stem_key,
    visible_length,
    word_key,
)
from polls.kinds.base import SHOWN_ANYWAY, CheckedAnswer, Form, Item, Kind, Results, Tally
from polls.kinds.cloud_layout import CloudLayout, bounds, drawn_size
from polls.kinds.fields import QUESTION, Integer

MAX_WORDS_SHOWN = 150


class WordCloud(Slide, tag="word_cloud", kw_only=True, frozen=True):
    question: str
    max_words: int = 3
    max_length: int = 25


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
        self.first: dict[str, str] = {}  # each word as first typed: its place is made for it
        self.layout = CloudLayout()
        # Words by the key moderation stored before dictionary forms named them by.
        self.by_stem_key: dict[str, set[str]] = {}
        # Each participant's words, one string per participant (strings are not tracked by the
        # garbage collector; a list each would be, 10,000 of them on a busy slide).
        self.words_of: dict[str, str] = {}

    def apply(self, response: StoredResponse) -> None:
        if response.id in self.seen:
            return
        self.seen.add(response.id)
        super().apply(response)
        words = response.value.get("words")
        for word in words if isinstance(words, list) else ():
            key = word_key(str(word), self.language)
            if key:
                if key not in self.order:
                    self.order[key] = len(self.order)
                    self.first[key] = spelling(str(word))
                self.by_stem_key.setdefault(stem_key(str(word), self.language), set()).add(key)
                self.counts[key] += 1
                self.total += 1
                if is_profane(str(word)):
                    self.profane.add(key)
                self.spellings.setdefault(key, Counter())[spelling(str(word))] += 1
                given = self.words_of.get(response.participant)
                self.words_of[response.participant] = f"{given}\n{word}" if given else str(word)

    def gone(self, hidden: frozenset[str]) -> set[str]:
        """The words kept off the screen: by their key, or by the key an older version stored
        moderation under (unless the presenter has since chosen to show the word)."""
        found = set()
        for item in hidden:
            if item in self.counts:
                found.add(item)
            for key in self.by_stem_key.get(item, ()):
                if SHOWN_ANYWAY + key not in hidden:
                    found.add(key)
        return found

    def snapshot(self, hidden: frozenset[str] = frozenset()) -> Results:
        hidden = frozenset(self.gone(hidden))
        # The most frequent words, ties alphabetically, without sorting every word each time.
        ranked = heapq.nsmallest(
            MAX_WORDS_SHOWN, self.counts.items(), key=lambda item: (-item[1], item[0])
        )
        # Words get their places in the order they first appeared, each once.
        for key, _ in sorted(ranked, key=lambda item: self.order[item[0]]):
            self.layout.place(key, self.first[key])
        top = max((count for key, count in ranked if key not in hidden), default=1)
        words = []
        shown: list[tuple[float, float, float, str]] = []
        for key, count in ranked:
            text = display_form(self.spellings[key])
            spot = self.layout.spots[key]
            size = drawn_size(text, count, top, spot)
            words.append(
                {
                    "key": key,
                    "text": text,
                    "count": count,
                    "hidden": key in hidden,
                    "order": self.order[key],
                    "x": round(spot.x, 1),
                    "y": round(spot.y, 1),
                    "size": round(size, 1),
                }
            )
            if key not in hidden:
                shown.append((round(spot.x, 1), round(spot.y, 1), round(size, 1), text))
        return {
            **super().snapshot(hidden),
            "words": words,
            "total": self.total - sum(self.counts.get(key, 0) for key in hidden),
            "view": [round(edge, 1) for edge in bounds(shown)],
        }

    def mine(self, participant: str) -> dict[str, Any] | None:
        given = self.words_of.get(participant)
        if given is None:
            return None
        words = given.split("\n")
        return {"words": words, "used": len(words)}


class WordCloudKind(Kind[WordCloud]):
    name = "word_cloud"
    label = N_("Word cloud")
    slide_type = WordCloud
    fields = (
        QUESTION,
        Integer(name="max_words", label=N_("Words per person"), low=1, high=5),
        Integer(name="max_length", label=N_("Longest answer (characters)"), low=1, high=100),
    )
    draws_cloud = True
    columns: ClassVar[dict[str, str]] = {
        "value": "the word as typed",
        "value_normalised": "the normalised form words are grouped by (see normalisation)",
    }
    limit_reached = N_("You have sent all %(limit)s words this question allows.")
    limit_left = N_("This question takes %(limit)s words per person; you have %(left)s left.")

    def check_answer(self, slide: WordCloud, value: dict[str, Any], language: str) -> CheckedAnswer:
        raw = value.get("words")
        if isinstance(raw, str):
            raw = [raw]
        if not isinstance(raw, list) or not all(isinstance(w, str) for w in raw):
            raise InvalidAnswer(N_("Send the words as a list of text."))
        words = [clean_word(w) for w in raw]
        words = [w for w in words if w]
        if not words:
            raise InvalidAnswer(N_("Type at least one word."))
        if len(words) > slide.max_words:
            raise InvalidAnswer(N_("At most %(count)s words."), count=slide.max_words)
        for word in words:
            if visible_length(word) > slide.max_length:
                raise InvalidAnswer(
                    N_("A word may be at most %(count)s characters."), count=slide.max_length
                )
            if not word_key(word, language):
                raise InvalidAnswer(N_("A word must have at least one letter, digit or emoji."))
        return CheckedAnswer({"words": words}, len(words))

    def form_answer(self, slide: WordCloud, form: Form) -> dict[str, Any]:
        return {"words": form.get("word", [])}

    def answer_limit(self, slide: WordCloud) -> int:
        return slide.max_words

    def new_tally(self, slide: WordCloud, language: str) -> Tally:
        return WordTally(language)

    def cloud_words(self, results: Results) -> list[dict[str, Any]]:
        return sorted((w for w in results["words"] if not w["hidden"]), key=lambda w: w["order"])

    def items(
        self, slide: WordCloud, response: StoredResponse, language: str, hidden: set[str]
    ) -> list[Item]:
        words = response.value.get("words")
        found = []
        for word in words if isinstance(words, list) else ():
            key = word_key(str(word), language)
            old = stem_key(str(word), language)
            found.append(
                Item(
                    value=str(word),
                    normalised=key,
                    hidden=key in hidden or (old in hidden and SHOWN_ANYWAY + key not in hidden),
                    profanity=is_profane(str(word)),
                    moderation=key,
                )
            )
        return found

    def result_rows(self, results: Results) -> list[list[Any]]:
        return [["word", "count", "hidden"]] + [
            [w["text"], w["count"], w["hidden"]] for w in results["words"]
        ]
