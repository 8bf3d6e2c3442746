"""Open question: short texts, shown as a wall of answers."""

from __future__ import annotations

from bisect import insort
from typing import Any, ClassVar

from polls.core.errors import InvalidAnswer
from polls.core.i18n import N_
from polls.core.models import Slide, StoredResponse
from polls.core.profanity import is_profane
from polls.core.words import clean_multiline, visible_length
from polls.kinds.base import CheckedAnswer, Form, Item, Kind, Results, Tally
from polls.kinds.fields import QUESTION, Integer

MAX_ANSWERS_SHOWN = 300


class OpenEnded(Slide, tag="open_ended", kw_only=True, frozen=True):
    question: str
    max_length: int = 280
    max_answers: int = 3


class OpenTally(Tally):
    kind = "open_ended"

    def __init__(self) -> None:
        super().__init__()
        # Text and time in two maps of plain values, not a tuple per answer: with 10,000 answers
        # a second, a container per answer filled the garbage collector's young generation.
        self.texts: dict[int, str] = {}
        self.times: dict[int, float] = {}
        self.ids: list[int] = []  # sorted; answers mostly arrive in order, so inserts append
        self.ids_of: dict[str, str] = {}  # each participant's answers' ids, as one string

    def apply(self, response: StoredResponse) -> None:
        text = response.value.get("text")
        if response.id in self.texts or not isinstance(text, str):
            return
        super().apply(response)
        self.texts[response.id] = text
        self.times[response.id] = response.created_at
        if is_profane(text):
            self.profane.add(str(response.id))
        insort(self.ids, response.id)
        given = self.ids_of.get(response.participant)
        self.ids_of[response.participant] = f"{given} {response.id}" if given else str(response.id)

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

    def mine(self, participant: str) -> dict[str, Any] | None:
        given = self.ids_of.get(participant)
        if given is None:
            return None
        texts = [self.texts[rid] for rid in sorted(int(i) for i in given.split())]
        return {"texts": texts, "used": len(texts)}


class OpenEndedKind(Kind[OpenEnded]):
    name = "open_ended"
    label = N_("Open question")
    slide_type = OpenEnded
    fields = (
        QUESTION,
        Integer(name="max_length", label=N_("Longest answer (characters)"), low=1, high=2000),
        Integer(name="max_answers", label=N_("Answers per person"), low=1, high=10),
    )
    columns: ClassVar[dict[str, str]] = {"value": "the open text"}
    themed = True

    def check_answer(self, slide: OpenEnded, value: dict[str, Any], language: str) -> CheckedAnswer:
        raw = value.get("text")
        if not isinstance(raw, str):
            raise InvalidAnswer(N_("Send the answer as text."))
        text = clean_multiline(raw)
        if not text:
            raise InvalidAnswer(N_("The answer is empty."))
        if visible_length(text) > slide.max_length:
            raise InvalidAnswer(
                N_("An answer may be at most %(count)s characters."), count=slide.max_length
            )
        return CheckedAnswer({"text": text}, 1)

    def form_answer(self, slide: OpenEnded, form: Form) -> dict[str, Any]:
        return {"text": next(iter(form.get("text", [])), "")}

    def answer_limit(self, slide: OpenEnded) -> int:
        return slide.max_answers

    def new_tally(self, slide: OpenEnded, language: str) -> Tally:
        return OpenTally()

    def items(
        self, slide: OpenEnded, response: StoredResponse, language: str, hidden: set[str]
    ) -> list[Item]:
        text = str(response.value.get("text", ""))
        return [
            Item(
                value=text,
                hidden=str(response.id) in hidden,
                profanity=is_profane(text),
                moderation=str(response.id),
            )
        ]

    def result_rows(self, results: Results) -> list[list[Any]]:
        return [["answer", "hidden"]] + [[a["text"], a["hidden"]] for a in results["answers"]]
