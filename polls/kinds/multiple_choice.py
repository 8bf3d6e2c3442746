"""Multiple choice: one option, or several; the screen shows bars. Other slides' results can
be broken down by the option each participant chose."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, ClassVar

from polls.core.errors import InvalidAnswer
from polls.core.i18n import N_
from polls.core.models import Slide, StoredResponse
from polls.kinds.base import (
    CheckedAnswer,
    Form,
    Item,
    ItemRow,
    Kind,
    Latest,
    Results,
    Tally,
    choice_index,
    md,
    newest_per_participant,
)
from polls.kinds.fields import QUESTION, Boolean, Lines


class MultipleChoice(Slide, tag="multiple_choice", kw_only=True, frozen=True):
    question: str
    options: tuple[str, ...]
    multiple: bool = False


class ChoiceTally(Tally):
    kind = "multiple_choice"

    def __init__(self, slide: MultipleChoice) -> None:
        super().__init__()
        self.slide = slide
        self.latest = Latest()
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

    def mine(self, participant: str) -> dict[str, Any] | None:
        chosen = self.choices.get(participant)
        return None if chosen is None else {"choices": list(chosen)}


class MultipleChoiceKind(Kind[MultipleChoice]):
    name = "multiple_choice"
    label = N_("Multiple choice")
    slide_type = MultipleChoice
    fields = (
        QUESTION,
        Lines(name="options", label=N_("Options, one per line"), low=2, high=30, max_length=120),
        Boolean(name="multiple", label=N_("Allow several options")),
    )
    columns: ClassVar[dict[str, str]] = {
        "value": "the chosen option's text",
        "value_number": "the option's position, from 1",
    }
    groups_participants = True
    by_tag = "count"
    answers_replace = True

    def check_answer(
        self, slide: MultipleChoice, value: dict[str, Any], language: str
    ) -> CheckedAnswer:
        raw = value.get("choices")
        if isinstance(raw, int | str):
            raw = [raw]
        if not isinstance(raw, list) or not raw:
            raise InvalidAnswer(N_("Choose at least one option."))
        missing = N_("There is no such option.")
        choices = sorted({choice_index(c, len(slide.options), missing) for c in raw})
        if not slide.multiple and len(choices) > 1:
            raise InvalidAnswer(N_("Choose one option."))
        return CheckedAnswer({"choices": choices}, 1)

    def form_answer(self, slide: MultipleChoice, form: Form) -> dict[str, Any]:
        return {"choices": form.get("choice", [])}

    def new_tally(self, slide: MultipleChoice, language: str) -> Tally:
        return ChoiceTally(slide)

    def groups(
        self, slide: MultipleChoice, responses: Sequence[StoredResponse]
    ) -> dict[int, set[str]]:
        groups: dict[int, set[str]] = {index: set() for index in range(len(slide.options))}
        for response in self.counted(slide, (r for r in responses if r.slide_id == slide.id)):
            choices = response.value.get("choices")
            for choice in choices if isinstance(choices, list) else ():
                groups.setdefault(int(str(choice)), set()).add(response.participant)
        return groups

    def group_names(self, slide: MultipleChoice) -> tuple[str, ...]:
        return slide.options

    def counted(
        self, slide: MultipleChoice, responses: Iterable[StoredResponse]
    ) -> list[StoredResponse]:
        return newest_per_participant(responses)

    def items(
        self, slide: MultipleChoice, response: StoredResponse, language: str, hidden: set[str]
    ) -> list[Item]:
        choices = response.value.get("choices")
        found = []
        for choice in choices if isinstance(choices, list) else ():
            chosen = int(str(choice))
            found.append(Item(value=slide.options[chosen], number=float(chosen + 1)))
        return found

    def describe(self, slide: MultipleChoice) -> dict[str, Any]:
        return {"options": list(slide.options), "multiple": slide.multiple}

    def codebook(self, question: Mapping[str, Any]) -> list[str]:
        lines = ["Options (value_number in brackets):", ""]
        lines += [f"- [{i}] {md(o)}" for i, o in enumerate(question["options"], 1)]
        return [*lines, ""]

    def result_rows(self, results: Results) -> list[list[Any]]:
        return [["option", "count", "percent"]] + [
            [o["text"], o["count"], o["percent"]] for o in results["options"]
        ]

    def tag_items(self, question: Mapping[str, Any]) -> list[str]:
        return list(question["options"])

    def tag_figure(self, item: str, rows: Sequence[ItemRow]) -> Any:
        return sum(1 for r in rows if r.value == item)
