"""2×2 grid: each participant rates items on two axes (impact and effort, say); the screen
shows each item's mean as a dot in the plane with its spread."""

from __future__ import annotations

import math
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
from polls.kinds.fields import QUESTION, Checker, Integer, Lines, Text


class Grid(Slide, tag="grid", kw_only=True, frozen=True):
    question: str
    items: tuple[str, ...]
    x_label: str
    y_label: str
    min: int = 1
    max: int = 5


def axis_item(item: str, axis: str) -> str:
    """An item and an axis as one export item ("Help online — Impact")."""
    return f"{item} — {axis}"


def stored_point(raw: object, low: int, high: int) -> tuple[int, int] | None:
    """A stored rating of one item, (x, y); None if it is not one."""
    if not isinstance(raw, list) or len(raw) != 2:
        return None
    x, y = raw
    ok = all(isinstance(v, int) and not isinstance(v, bool) and low <= v <= high for v in (x, y))
    return (int(x), int(y)) if ok else None


class _Sums:
    """Running sums of one item's points, so a snapshot costs the same for 10 or 10,000."""

    def __init__(self) -> None:
        self.n = self.x = self.y = self.xx = self.yy = 0

    def add(self, point: tuple[int, int], change: int) -> None:
        x, y = point
        self.n += change
        self.x += change * x
        self.y += change * y
        self.xx += change * x * x
        self.yy += change * y * y

    def figures(self) -> dict[str, Any]:
        if not self.n:
            return {"count": 0, "x": None, "y": None, "sd_x": None, "sd_y": None}
        mean_x, mean_y = self.x / self.n, self.y / self.n
        return {
            "count": self.n,
            "x": round(mean_x, 2),
            "y": round(mean_y, 2),
            "sd_x": round(math.sqrt(max(0.0, self.xx / self.n - mean_x**2)), 2),
            "sd_y": round(math.sqrt(max(0.0, self.yy / self.n - mean_y**2)), 2),
        }


class GridTally(Tally):
    kind = "grid"

    def __init__(self, slide: Grid) -> None:
        super().__init__()
        self.slide = slide
        self.latest = [Latest() for _ in slide.items]
        self.points: list[dict[str, tuple[int, int]]] = [{} for _ in slide.items]
        self.sums = [_Sums() for _ in slide.items]

    def apply(self, response: StoredResponse) -> None:
        ratings = response.value.get("ratings")
        if not isinstance(ratings, dict):
            return
        super().apply(response)
        for raw_index, raw in ratings.items():
            index = int(raw_index)
            point = stored_point(raw, self.slide.min, self.slide.max)
            if point is None or not 0 <= index < len(self.points):
                continue
            if self.latest[index].is_newer(response):
                before = self.points[index].get(response.participant)
                if before is not None:
                    self.sums[index].add(before, -1)
                self.points[index][response.participant] = point
                self.sums[index].add(point, 1)

    def snapshot(self, hidden: frozenset[str] = frozenset()) -> Results:
        items = [
            {"text": text, **sums.figures()}
            for text, sums in zip(self.slide.items, self.sums, strict=True)
        ]
        return {
            **super().snapshot(hidden),
            "min": self.slide.min,
            "max": self.slide.max,
            "x_label": self.slide.x_label,
            "y_label": self.slide.y_label,
            "items": items,
        }

    def mine(self, participant: str) -> dict[str, Any] | None:
        ratings = {
            str(index): list(points[participant])
            for index, points in enumerate(self.points)
            if participant in points
        }
        return {"ratings": ratings} if ratings else None


class GridKind(Kind[Grid]):
    name = "grid"
    label = N_("2×2 grid")
    slide_type = Grid
    fields = (
        QUESTION,
        Lines(name="items", label=N_("Items, one per line"), low=1, high=10, max_length=120),
        Text(name="x_label", label=N_("Horizontal axis"), max_length=60, required=True),
        Text(name="y_label", label=N_("Vertical axis"), max_length=60, required=True),
        Integer(name="min", label=N_("Lowest"), low=-10, high=10),
        Integer(name="max", label=N_("Highest"), low=-10, high=10),
    )
    columns: ClassVar[dict[str, str]] = {
        "item": "the item rated and the axis, as 'item — axis label'",
        "value": "the rating on that axis",
        "value_number": "the rating on that axis",
    }
    by_tag = "mean"
    answers_replace = True

    def refine(self, checker: Checker, values: dict[str, Any]) -> None:
        check_scale(checker, values)

    def check_answer(self, slide: Grid, value: dict[str, Any], language: str) -> CheckedAnswer:
        raw = value.get("ratings")
        if isinstance(raw, list):
            raw = {str(i): v for i, v in enumerate(raw) if v is not None}
        if not isinstance(raw, dict) or not raw:
            raise InvalidAnswer(N_("Rate at least one item."))
        ratings: dict[str, list[int]] = {}
        for key, point in raw.items():
            index = choice_index(key, len(slide.items), N_("There is no such item."))
            item = slide.items[index]
            if not isinstance(point, list) or len(point) != 2 or "" in point or None in point:
                raise InvalidAnswer(N_("Rate %(item)s on both axes."), item=item)
            numbers = [_rating(v) for v in point]
            if any(n is None or not slide.min <= n <= slide.max for n in numbers):
                raise InvalidAnswer(
                    N_("A rating must be from %(low)s to %(high)s."), low=slide.min, high=slide.max
                )
            ratings[str(index)] = [int(n or 0) for n in numbers]
        return CheckedAnswer({"ratings": dict(sorted(ratings.items()))}, 1)

    def form_answer(self, slide: Grid, form: Form) -> dict[str, Any]:
        ratings: dict[str, Any] = {}
        for index in range(len(slide.items)):
            x = next(iter(form.get(f"x-{index}", [])), "")
            y = next(iter(form.get(f"y-{index}", [])), "")
            if x or y:
                ratings[str(index)] = [x, y]
        return {"ratings": ratings}

    def new_tally(self, slide: Grid, language: str) -> Tally:
        return GridTally(slide)

    def counted(self, slide: Grid, responses: Iterable[StoredResponse]) -> list[StoredResponse]:
        return newest_ratings(responses)

    def items(
        self, slide: Grid, response: StoredResponse, language: str, hidden: set[str]
    ) -> list[Item]:
        ratings = response.value.get("ratings")
        found = []
        for index, raw in ratings.items() if isinstance(ratings, dict) else ():
            point = stored_point(raw, slide.min, slide.max)
            if point is None:
                continue
            text = slide.items[int(index)]
            for axis, rating in zip((slide.x_label, slide.y_label), point, strict=True):
                found.append(
                    Item(item=axis_item(text, axis), value=str(rating), number=float(rating))
                )
        return found

    def describe(self, slide: Grid) -> dict[str, Any]:
        return {
            "items": list(slide.items),
            "x_label": slide.x_label,
            "y_label": slide.y_label,
            "min": slide.min,
            "max": slide.max,
        }

    def codebook(self, question: Mapping[str, Any]) -> list[str]:
        lines = [
            f"Each item rated on two axes, {md(question['x_label'])} (horizontal) and "
            f"{md(question['y_label'])} (vertical), each from {question['min']} to "
            f"{question['max']}; a rated item has two rows, item 'item — axis'. Items:",
            "",
        ]
        lines += [f"{i}. {md(s)}" for i, s in enumerate(question["items"], 1)]
        return [*lines, ""]

    def result_rows(self, results: Results) -> list[list[Any]]:
        x, y = results["x_label"], results["y_label"]
        header = ["item", "n", f"mean {x}", f"sd {x}", f"mean {y}", f"sd {y}"]
        return [header] + [
            [i["text"], i["count"], i["x"], i["sd_x"], i["y"], i["sd_y"]] for i in results["items"]
        ]

    def tag_items(self, question: Mapping[str, Any]) -> list[str]:
        return [
            axis_item(item, axis)
            for item in question["items"]
            for axis in (question["x_label"], question["y_label"])
        ]

    def tag_figure(self, item: str, rows: Sequence[ItemRow]) -> Any:
        return mean_of_item(item, rows)


def _rating(raw: object) -> int | None:
    if isinstance(raw, str) and raw.strip().lstrip("-").isdigit():
        return int(raw)
    return raw if isinstance(raw, int) and not isinstance(raw, bool) else None
