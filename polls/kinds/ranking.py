"""Ranking: each participant puts every option in order; the screen shows the options by their
mean rank, with how often each was put in each place."""

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
from polls.kinds.fields import QUESTION, Lines


class Ranking(Slide, tag="ranking", kw_only=True, frozen=True):
    question: str
    options: tuple[str, ...]


def stored_order(value: Mapping[str, Any], size: int) -> tuple[int, ...] | None:
    """The option positions, first place first, of a stored answer (None if it is not one)."""
    order = value.get("order")
    if not isinstance(order, list) or len(order) != size:
        return None
    found = tuple(int(o) for o in order if isinstance(o, int) and 0 <= o < size)
    return found if len(set(found)) == size else None


class RankingTally(Tally):
    kind = "ranking"

    def __init__(self, slide: Ranking) -> None:
        super().__init__()
        self.slide = slide
        self.size = len(slide.options)
        self.latest = Latest()
        self.orders: dict[str, tuple[int, ...]] = {}
        # places[option][rank - 1]: how many put that option in that place.
        self.places = [[0] * self.size for _ in slide.options]

    def apply(self, response: StoredResponse) -> None:
        order = stored_order(response.value, self.size)
        if order is None:
            return
        super().apply(response)
        if self.latest.is_newer(response):
            self._count(self.orders.get(response.participant, ()), -1)
            self.orders[response.participant] = order
            self._count(order, 1)

    def _count(self, order: tuple[int, ...], change: int) -> None:
        for place, option in enumerate(order):
            self.places[option][place] += change

    def snapshot(self, hidden: frozenset[str] = frozenset()) -> Results:
        respondents = len(self.orders)
        options = []
        for index, (text, ranks) in enumerate(zip(self.slide.options, self.places, strict=True)):
            total = sum(count * (place + 1) for place, count in enumerate(ranks))
            mean = total / respondents if respondents else None
            options.append(
                {
                    "index": index,
                    "text": text,
                    "mean_rank": None if mean is None else round(mean, 2),
                    "points": None if mean is None else round(self.size + 1 - mean, 2),
                    "ranks": list(ranks),
                }
            )
        options.sort(key=lambda o: (o["mean_rank"] is None, o["mean_rank"] or 0, o["index"]))
        return {**super().snapshot(hidden), "respondents": respondents, "options": options}

    def mine(self, participant: str) -> dict[str, Any] | None:
        order = self.orders.get(participant)
        return None if order is None else {"order": list(order)}


class RankingKind(Kind[Ranking]):
    name = "ranking"
    label = N_("Ranking")
    slide_type = Ranking
    fields = (
        QUESTION,
        Lines(name="options", label=N_("Options, one per line"), low=2, high=10, max_length=120),
    )
    columns: ClassVar[dict[str, str]] = {
        "item": "the option ranked",
        "value": "its place (1 is first)",
        "value_number": "its place (1 is first)",
    }
    by_tag = "mean"
    answers_replace = True

    def check_answer(self, slide: Ranking, value: dict[str, Any], language: str) -> CheckedAnswer:
        size = len(slide.options)
        wrong = InvalidAnswer(
            N_("Give each option a different place, from 1 to %(count)s."), count=size
        )
        if "ranks" in value:  # a place per option, as the plain form sends them
            ranks = value["ranks"]
            if not isinstance(ranks, list) or len(ranks) != size:
                raise wrong
            places = [_place(rank) for rank in ranks]
            if sorted(places) != list(range(1, size + 1)):
                raise wrong
            order = sorted(range(size), key=lambda option: places[option])
        else:
            raw = value.get("order")
            if not isinstance(raw, list) or len(raw) != size:
                raise InvalidAnswer(N_("Put every option in order."))
            missing = N_("There is no such option.")
            order = [choice_index(o, size, missing) for o in raw]
            if len(set(order)) != size:
                raise InvalidAnswer(N_("Put every option in order, each once."))
        return CheckedAnswer({"order": order}, 1)

    def form_answer(self, slide: Ranking, form: Form) -> dict[str, Any]:
        ranks = [next(iter(form.get(f"rank-{i}", [])), "") for i in range(len(slide.options))]
        return {"ranks": ranks}

    def new_tally(self, slide: Ranking, language: str) -> Tally:
        return RankingTally(slide)

    def counted(self, slide: Ranking, responses: Iterable[StoredResponse]) -> list[StoredResponse]:
        return newest_per_participant(responses)

    def items(
        self, slide: Ranking, response: StoredResponse, language: str, hidden: set[str]
    ) -> list[Item]:
        order = stored_order(response.value, len(slide.options)) or ()
        return [
            Item(item=slide.options[option], value=str(place), number=float(place))
            for place, option in enumerate(order, 1)
        ]

    def describe(self, slide: Ranking) -> dict[str, Any]:
        return {"options": list(slide.options)}

    def codebook(self, question: Mapping[str, Any]) -> list[str]:
        size = len(question["options"])
        lines = [
            f"Each participant put all {size} options in order; value_number is an option's "
            "place, 1 being first. Summaries order the options by mean place (lower is better),"
            f" which is the order of Borda points: place r of {size} earns {size + 1} - r points,"
            f" so a mean place m is {size + 1} - m points. Options:",
            "",
        ]
        lines += [f"- {md(o)}" for o in question["options"]]
        return [*lines, ""]

    def result_rows(self, results: Results) -> list[list[Any]]:
        size = len(results["options"])
        places = [f"place {place}" for place in range(1, size + 1)]
        header = ["option", "mean place", "Borda points", *places]
        return [header] + [
            [o["text"], o["mean_rank"], o["points"], *o["ranks"]] for o in results["options"]
        ]

    def tag_items(self, question: Mapping[str, Any]) -> list[str]:
        return list(question["options"])

    def tag_figure(self, item: str, rows: Sequence[ItemRow]) -> Any:
        return mean_of_item(item, rows)


def _place(raw: object) -> int:
    """A place as the form or a client gives it (a number or digits); 0 if it is neither."""
    if isinstance(raw, str) and raw.strip().isdigit():
        return int(raw)
    return raw if isinstance(raw, int) and not isinstance(raw, bool) else 0
