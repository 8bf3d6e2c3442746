"""100 points: each participant spreads a fixed number of points over the options, exactly all
of them; the screen shows the average points per option, most first."""

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
    mean_of_item,
    newest_per_participant,
)
from polls.kinds.fields import QUESTION, Integer, Lines


class HundredPoints(Slide, tag="hundred_points", kw_only=True, frozen=True):
    question: str
    options: tuple[str, ...]
    points: int = 100


def stored_points(value: Mapping[str, Any], size: int) -> tuple[int, ...] | None:
    """The points per option of a stored answer (None if it is not one)."""
    spread = value.get("points")
    if not isinstance(spread, list) or len(spread) != size:
        return None
    if any(isinstance(p, bool) or not isinstance(p, int) or p < 0 for p in spread):
        return None
    return tuple(spread)


class PointsTally(Tally):
    kind = "hundred_points"

    def __init__(self, slide: HundredPoints) -> None:
        super().__init__()
        self.slide = slide
        self.latest = Latest()
        self.spreads: dict[str, tuple[int, ...]] = {}
        self.totals = [0] * len(slide.options)
        self.given = [0] * len(slide.options)  # how many gave the option any points

    def apply(self, response: StoredResponse) -> None:
        spread = stored_points(response.value, len(self.slide.options))
        if spread is None:
            return
        super().apply(response)
        if self.latest.is_newer(response):
            self._count(self.spreads.get(response.participant), -1)
            self.spreads[response.participant] = spread
            self._count(spread, 1)

    def _count(self, spread: tuple[int, ...] | None, change: int) -> None:
        for index, given in enumerate(spread or ()):
            self.totals[index] += change * given
            self.given[index] += change * (given > 0)

    def snapshot(self, hidden: frozenset[str] = frozenset()) -> Results:
        respondents = len(self.spreads)
        most_first = sorted(range(len(self.totals)), key=lambda index: -self.totals[index])
        options = [
            {
                "index": index,
                "text": self.slide.options[index],
                "total": self.totals[index],
                "mean": round(self.totals[index] / respondents, 1) if respondents else None,
                "given": self.given[index],
            }
            for index in most_first
        ]
        return {
            **super().snapshot(hidden),
            "respondents": respondents,
            "points": self.slide.points,
            "options": options,
        }

    def mine(self, participant: str) -> dict[str, Any] | None:
        spread = self.spreads.get(participant)
        return None if spread is None else {"points": list(spread)}


class HundredPointsKind(Kind[HundredPoints]):
    name = "hundred_points"
    label = N_("100 points")
    slide_type = HundredPoints
    fields = (
        QUESTION,
        Lines(name="options", label=N_("Options, one per line"), low=2, high=10, max_length=120),
        Integer(name="points", label=N_("Points to spread"), low=10, high=1000),
    )
    columns: ClassVar[dict[str, str]] = {
        "item": "the option given points",
        "value": "the points given to it",
        "value_number": "the points given to it",
    }
    by_tag = "mean"
    answers_replace = True

    def check_answer(
        self, slide: HundredPoints, value: dict[str, Any], language: str
    ) -> CheckedAnswer:
        size = len(slide.options)
        raw = value.get("points")
        if isinstance(raw, dict):
            missing = N_("There is no such option.")
            spread_of = {choice_index(key, size, missing): given for key, given in raw.items()}
            raw = [spread_of.get(index, 0) for index in range(size)]
        if not isinstance(raw, list) or len(raw) != size:
            raise InvalidAnswer(N_("Give points to the options."))
        spread = [_given(given) for given in raw]
        if any(given < 0 for given in spread):
            raise InvalidAnswer(N_("Points must be whole numbers, 0 or more."))
        total = sum(spread)
        if total != slide.points:
            raise InvalidAnswer(
                N_("The points must add up to %(points)s; yours add up to %(total)s."),
                points=slide.points,
                total=total,
            )
        return CheckedAnswer({"points": spread}, 1)

    def form_answer(self, slide: HundredPoints, form: Form) -> dict[str, Any]:
        return {
            "points": [
                next(iter(form.get(f"points-{i}", [])), "").strip() or "0"
                for i in range(len(slide.options))
            ]
        }

    def new_tally(self, slide: HundredPoints, language: str) -> Tally:
        return PointsTally(slide)

    def counted(
        self, slide: HundredPoints, responses: Iterable[StoredResponse]
    ) -> list[StoredResponse]:
        return newest_per_participant(responses)

    def items(
        self, slide: HundredPoints, response: StoredResponse, language: str, hidden: set[str]
    ) -> list[Item]:
        spread = stored_points(response.value, len(slide.options)) or ()
        return [
            Item(item=option, value=str(given), number=float(given))
            for option, given in zip(slide.options, spread, strict=True)
        ]

    def describe(self, slide: HundredPoints) -> dict[str, Any]:
        return {"options": list(slide.options), "points": slide.points}

    def codebook(self, question: Mapping[str, Any]) -> list[str]:
        lines = [
            f"Each participant spread exactly {question['points']} points over the options; "
            "there is one row per option, 0 included. Options:",
            "",
        ]
        lines += [f"- {md(o)}" for o in question["options"]]
        return [*lines, ""]

    def result_rows(self, results: Results) -> list[list[Any]]:
        return [["option", "mean points", "total points", "gave any"]] + [
            [o["text"], o["mean"], o["total"], o["given"]] for o in results["options"]
        ]

    def tag_items(self, question: Mapping[str, Any]) -> list[str]:
        return list(question["options"])

    def tag_figure(self, item: str, rows: Sequence[ItemRow]) -> Any:
        return mean_of_item(item, rows)


def _given(raw: object) -> int:
    """Points as given (a number or digits); -1 for anything else."""
    if isinstance(raw, str) and raw.strip().isdigit():
        return int(raw)
    return raw if isinstance(raw, int) and not isinstance(raw, bool) else -1
