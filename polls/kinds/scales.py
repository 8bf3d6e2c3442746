"""Scales: several statements, each rated on the same scale (Likert), optionally skipped."""

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
    check_scale,
    choice_index,
    md,
    mean_of_item,
    newest_ratings,
)
from polls.kinds.fields import QUESTION, Boolean, Checker, Integer, Lines, Text


class Scales(Slide, tag="scales", kw_only=True, frozen=True):
    question: str
    statements: tuple[str, ...]
    min: int = 1
    max: int = 5
    min_label: str = ""
    max_label: str = ""
    allow_skip: bool = False


class ScaleTally(Tally):
    kind = "scales"

    def __init__(self, slide: Scales) -> None:
        super().__init__()
        self.slide = slide
        self.latest = [Latest() for _ in slide.statements]
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

    def mine(self, participant: str) -> dict[str, Any] | None:
        ratings: dict[str, int | str] = {}
        for index, values in enumerate(self.values):
            if participant in values:
                rating = values[participant]
                ratings[str(index)] = "skip" if rating is None else rating
        return {"ratings": ratings} if ratings else None


class ScalesKind(Kind[Scales]):
    name = "scales"
    label = N_("Scales")
    slide_type = Scales
    fields = (
        QUESTION,
        Lines(
            name="statements",
            label=N_("Statements, one per line"),
            low=1,
            high=10,
            max_length=200,
        ),
        Integer(name="min", label=N_("Lowest"), low=-10, high=10),
        Integer(name="max", label=N_("Highest"), low=-10, high=10),
        Text(name="min_label", label=N_("Label of the lowest"), max_length=60),
        Text(name="max_label", label=N_("Label of the highest"), max_length=60),
        Boolean(name="allow_skip", label=N_("Allow skipping a statement")),
    )
    columns: ClassVar[dict[str, str]] = {
        "item": "the statement rated",
        "value": "the rating (empty when skipped)",
        "value_number": "the rating",
    }
    by_tag = "mean"
    answers_replace = True

    def refine(self, checker: Checker, values: dict[str, Any]) -> None:
        check_scale(checker, values)

    def check_answer(self, slide: Scales, value: dict[str, Any], language: str) -> CheckedAnswer:
        raw = value.get("ratings")
        if isinstance(raw, list):
            raw = {str(i): v for i, v in enumerate(raw) if v is not None}
        if not isinstance(raw, dict) or not raw:
            raise InvalidAnswer(N_("Rate at least one statement."))
        ratings: dict[str, int | str] = {}
        for key, rating in raw.items():
            index = choice_index(key, len(slide.statements), N_("There is no such statement."))
            if rating == "skip":
                if not slide.allow_skip:
                    raise InvalidAnswer(N_("Skipping is not allowed on this question."))
                ratings[str(index)] = "skip"
                continue
            if isinstance(rating, str) and rating.strip().lstrip("-").isdigit():
                rating = int(rating)
            if isinstance(rating, bool) or not isinstance(rating, int):
                raise InvalidAnswer(N_("A rating must be a whole number."))
            if not slide.min <= rating <= slide.max:
                raise InvalidAnswer(
                    N_("A rating must be from %(low)s to %(high)s."), low=slide.min, high=slide.max
                )
            ratings[str(index)] = rating
        # Stored with the statements in order; most answers rate one statement at a time.
        ordered = ratings if len(ratings) == 1 else dict(sorted(ratings.items()))
        return CheckedAnswer({"ratings": ordered}, 1)

    def form_answer(self, slide: Scales, form: Form) -> dict[str, Any]:
        ratings: dict[str, Any] = {}
        for index in range(len(slide.statements)):
            value = next(iter(form.get(f"rating-{index}", [])), "")
            if value:
                ratings[str(index)] = value
        return {"ratings": ratings}

    def new_tally(self, slide: Scales, language: str) -> Tally:
        return ScaleTally(slide)

    def counted(self, slide: Scales, responses: Iterable[StoredResponse]) -> list[StoredResponse]:
        return newest_ratings(responses)

    def items(
        self, slide: Scales, response: StoredResponse, language: str, hidden: set[str]
    ) -> list[Item]:
        ratings = response.value.get("ratings")
        found = []
        for index, rating in ratings.items() if isinstance(ratings, dict) else ():
            statement = slide.statements[int(index)]
            if rating == "skip":
                found.append(Item(item=statement, value="", skipped=True))
            else:
                found.append(Item(item=statement, value=str(rating), number=float(str(rating))))
        return found

    def describe(self, slide: Scales) -> dict[str, Any]:
        return {
            "statements": list(slide.statements),
            "min": slide.min,
            "max": slide.max,
            "min_label": slide.min_label,
            "max_label": slide.max_label,
        }

    def codebook(self, question: Mapping[str, Any]) -> list[str]:
        lines = [
            f"Scale {question['min']} ({md(question['min_label']) or 'low'}) to "
            f"{question['max']} ({md(question['max_label']) or 'high'}). Statements:"
        ]
        lines += [""] + [f"{i}. {md(s)}" for i, s in enumerate(question["statements"], 1)]
        return [*lines, ""]

    def result_rows(self, results: Results) -> list[list[Any]]:
        values = list(range(results["min"], results["max"] + 1))
        header = ["statement", "n", "mean", "skipped", *[f"= {v}" for v in values]]
        return [header] + [
            [s["text"], s["count"], s["mean"], s["skipped"], *s["distribution"]]
            for s in results["statements"]
        ]

    def tag_items(self, question: Mapping[str, Any]) -> list[str]:
        return list(question["statements"])

    def tag_figure(self, item: str, rows: Sequence[ItemRow]) -> Any:
        return mean_of_item(item, rows)
