"""Quiz: one option per participant, scored by being right and by speed (see
:func:`polls.kinds.players.score`); the presenter reveals the right answer, and a leaderboard
slide adds the scores up. A quiz answer cannot be changed once sent."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import msgspec

from polls.core.i18n import N_
from polls.core.models import Slide, State, StoredResponse
from polls.kinds.base import (
    CheckedAnswer,
    Form,
    Item,
    Kind,
    Results,
    Tally,
    choice_index,
    md,
)
from polls.kinds.fields import QUESTION, Checker, Integer, Lines
from polls.kinds.players import Played, check_name, score


class Quiz(Slide, tag="quiz", kw_only=True, frozen=True):
    question: str
    options: tuple[str, ...]
    correct: tuple[str, ...]  # the right options' texts, as in ``options``
    points: int = 1000

    def right(self, choice: int) -> bool:
        return 0 <= choice < len(self.options) and self.options[choice] in self.correct

    def scored(self, value: Mapping[str, Any]) -> tuple[int, int] | None:
        """A stored answer's option and the points it scored; None if it is not one."""
        choice = value.get("choice")
        if not isinstance(choice, int) or not 0 <= choice < len(self.options):
            return None
        milliseconds = value.get("ms")
        taken = milliseconds if isinstance(milliseconds, int) else None
        return choice, score(self.right(choice), taken, self.points, self.time_limit)


class QuizTally(Tally):
    kind = "quiz"

    def __init__(self, slide: Quiz) -> None:
        super().__init__()
        self.slide = slide
        self.counts = [0] * len(slide.options)
        self.played: dict[str, Played] = {}
        self.choices: dict[str, int] = {}
        self.changes = 0  # how many answers have counted: a leaderboard's cue to add up again

    def apply(self, response: StoredResponse) -> None:
        scored = self.slide.scored(response.value)
        if scored is None:
            return
        choice, points = scored
        known = self.played.get(response.participant)
        if known is not None and known.order <= response.id:
            return  # the first answer counts (a quiz answer cannot be changed)
        super().apply(response)
        if known is not None:
            self.counts[self.choices[response.participant]] -= 1
        name = response.value.get("name")
        self.played[response.participant] = Played(
            points, name if isinstance(name, str) else "", response.id
        )
        self.choices[response.participant] = choice
        self.counts[choice] += 1
        self.changes += 1

    def snapshot(self, hidden: frozenset[str] = frozenset()) -> Results:
        right = sum(n for i, n in enumerate(self.counts) if self.slide.right(i))
        options = [
            {"text": text, "count": count, "correct": self.slide.right(index)}
            for index, (text, count) in enumerate(zip(self.slide.options, self.counts, strict=True))
        ]
        return {**super().snapshot(hidden), "options": options, "right": right}

    def mine(self, participant: str) -> dict[str, Any] | None:
        played = self.played.get(participant)
        if played is None:
            return None
        choice = self.choices[participant]
        right = self.slide.right(choice)
        return {"choice": choice, "correct": right, "score": played.score, "used": 1}


class QuizKind(Kind[Quiz]):
    name = "quiz"
    label = N_("Quiz")
    slide_type = Quiz
    fields = (
        QUESTION,
        Lines(name="options", label=N_("Options, one per line"), low=2, high=8, max_length=120),
        Lines(
            name="correct",
            label=N_("Right options, one per line, as written above"),
            low=1,
            high=8,
            max_length=120,
        ),
        Integer(name="points", label=N_("Points for a right answer"), low=100, high=10000),
    )
    columns: ClassVar[dict[str, str]] = {
        "item": "right or wrong",
        "value": "the chosen option's text",
        "value_number": "the points the answer scored",
    }
    default_time_limit = 20
    scores_speed = True
    limit_reached = N_("You have answered this question: a quiz answer cannot be changed.")
    limit_left = limit_reached

    def refine(self, checker: Checker, values: dict[str, Any]) -> None:
        options = {option.casefold(): option for option in values["options"]}
        right = []
        for index, text in enumerate(values["correct"]):
            found = options.get(text.casefold())
            if found is None:
                checker.problem(f"correct[{index}]", N_("is not one of the options"))
            else:
                right.append(found)
        values["correct"] = tuple(right)

    def check_answer(self, slide: Quiz, value: dict[str, Any], language: str) -> CheckedAnswer:
        choice = choice_index(value.get("choice"), len(slide.options), N_("Choose one option."))
        checked: dict[str, Any] = {"choice": choice}
        name = check_name(value.get("name"))
        if name:
            checked["name"] = name
        return CheckedAnswer(checked, 1)

    def stamped(self, slide: Quiz, value: dict[str, Any], seconds: float | None) -> dict[str, Any]:
        if seconds is None:
            return value
        return {**value, "ms": max(0, round(seconds * 1000))}

    def form_answer(self, slide: Quiz, form: Form) -> dict[str, Any]:
        choice = next(iter(form.get("choice", [])), "")
        return {"choice": choice, "name": next(iter(form.get("name", [])), "")}

    def answer_limit(self, slide: Quiz) -> int:
        return 1

    def new_tally(self, slide: Quiz, language: str) -> Tally:
        return QuizTally(slide)

    def public(self, slide: Quiz, state: State) -> dict[str, Any]:
        data: dict[str, Any] = msgspec.to_builtins(slide)
        if slide.id not in state.revealed:
            data.pop("correct", None)
        return data

    def own(self, slide: Quiz, mine: dict[str, Any] | None, state: State) -> dict[str, Any] | None:
        if mine is None or slide.id in state.revealed:
            return mine
        return {"choice": mine["choice"], "used": 1}

    def items(
        self, slide: Quiz, response: StoredResponse, language: str, hidden: set[str]
    ) -> list[Item]:
        scored = slide.scored(response.value)
        if scored is None:
            return []
        choice, points = scored
        right = slide.right(choice)
        return [
            Item(item="right" if right else "wrong", value=slide.options[choice], number=points)
        ]

    def describe(self, slide: Quiz) -> dict[str, Any]:
        return {"options": list(slide.options), "correct": list(slide.correct)}

    def codebook(self, question: Mapping[str, Any]) -> list[str]:
        right = set(question["correct"])
        lines = [
            "Options (the right ones marked). A right answer scores the question's points less "
            "up to half of them for the time taken: points × (1 − t / (2 × time limit)), t the "
            "seconds from the question's first showing; without a time limit, all the points. "
            "A wrong answer scores 0. Nicknames are not exported.",
            "",
        ]
        lines += [f"- {md(o)}{' (right)' if o in right else ''}" for o in question["options"]]
        return [*lines, ""]

    def result_rows(self, results: Results) -> list[list[Any]]:
        return [["option", "right", "count"]] + [
            [o["text"], "yes" if o["correct"] else "no", o["count"]] for o in results["options"]
        ]
