"""A report to hand over: one presentation or many (a series by tag), each question's result
as the screen drew it, open answers grouped by theme, the small-cell rule applied.

Pure functions from :class:`~polls.research.dataset.Source` to plain data, which the web layer
renders as printable HTML and as PDF (polls/web/report.py).

Questions of several sessions with the same kind, text and options are one question: their
answers are tallied together (each session's participants kept apart). A question answered by
fewer than ``min_cell`` people shows no figures, words or answers, only that it was asked.
Hidden answers (by the presenter, or held back as swearing) are left out, whatever a
presentation's profanity setting: a report is for others to read.
"""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

import msgspec

from polls.core.models import Slide, StoredResponse
from polls.domain.tally import tally
from polls.kinds import kind_of
from polls.research.cloud import to_svg
from polls.research.dataset import Source, describe_question
from polls.research.themes import answers_of
from polls.storage.base import hidden_by_slide


class _Asked(msgspec.Struct, kw_only=True):
    """One question as asked in one or more sessions."""

    slide: Slide
    responses: list[StoredResponse] = msgspec.field(default_factory=list)
    hidden: set[str] = msgspec.field(default_factory=set)
    sources: list[tuple[Source, Slide]] = msgspec.field(default_factory=list)


def language_of(sources: list[Source]) -> str:
    """The language most of the sessions are in (the first one's on a tie)."""
    counted = Counter(source.presentation.document.language for source in sources)
    return max(counted, key=counted.__getitem__)  # max keeps the first of equals


def _day(timestamp: float) -> str:
    return time.strftime("%Y-%m-%d", time.gmtime(timestamp))


def build_report(
    sources: list[Source], *, min_cell: int, tags: dict[str, str] | None = None
) -> dict[str, Any]:
    """Everything a report shows, as plain data (msgspec-encodable)."""
    language = language_of(sources) if sources else "en"
    asked: dict[bytes, _Asked] = {}
    for source in sources:
        presentation = source.presentation
        hidden = hidden_by_slide(source.moderation)
        for slide in presentation.document.slides:
            if not kind_of(slide).takes_answers:
                continue
            key = msgspec.json.encode(describe_question(slide))
            group = asked.setdefault(key, _Asked(slide=slide))
            group.sources.append((source, slide))
            group.hidden |= hidden.get(slide.id, set())
            # Participants are kept apart per session: one phone in two sessions is two people.
            group.responses += [
                msgspec.structs.replace(r, participant=f"{presentation.id}:{r.participant}")
                for r in source.responses
                if r.slide_id == slide.id
            ]
    sessions = [
        {
            "id": source.presentation.id,
            "title": source.presentation.document.title,
            "day": _day(source.presentation.created_at),
            "joined": source.joined,
            "tags": source.presentation.document.tags,
        }
        for source in sources
    ]
    days = sorted(_day(source.presentation.created_at) for source in sources)
    return {
        "language": language,
        "title": sources[0].presentation.document.title if len(sources) == 1 else "",
        "tags": tags or {},
        "sessions": sessions,
        "first_day": days[0] if days else "",
        "last_day": days[-1] if days else "",
        "joined": sum(source.joined for source in sources),
        "min_cell": min_cell,
        "questions": [_question(group, language, min_cell) for group in asked.values()],
        "made_at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }


def _question(group: _Asked, language: str, min_cell: int) -> dict[str, Any]:
    slide = group.slide
    kind = kind_of(slide)
    results = tally(slide, group.responses, language, frozenset(group.hidden), hold_profanity=True)
    respondents = len({r.participant for r in kind.counted(slide, group.responses)})
    question: dict[str, Any] = {
        "heading": kind.heading(slide),
        "kind": kind.name,
        "sessions": len(group.sources),
        "respondents": respondents,
        "shown": respondents >= min_cell,
    }
    if not question["shown"]:
        return question
    question["described"] = kind.describe(slide)
    question["results"] = results
    if kind.draws_cloud:
        question["cloud"] = to_svg(kind.cloud_words(results), results.get("view", []))
    if kind.themed:
        question.update(_themes(group))
    return question


def _themes(group: _Asked) -> dict[str, Any]:
    """The visible open answers by theme (themes of the same name across sessions are one),
    then those without a theme."""
    themes: dict[str, dict[str, Any]] = {}
    other: list[str] = []
    for source, slide in group.sources:
        for answer in answers_of(source, slide):
            if answer.withheld:
                continue
            names = source.coding.names_of(answer.id)
            for name in names:
                theme = themes.setdefault(name.casefold(), {"name": name, "answers": []})
                theme["answers"].append(answer.text)
            if not names:
                other.append(answer.text)
    return {"themes": list(themes.values()), "other": other}


_LOW, _MIDDLE, _HIGH = (179, 88, 6), (224, 224, 224), (33, 102, 172)  # orange, grey, blue


def shade(index: int, points: int) -> str:
    """The colour of point ``index`` (from 0) of a scale of ``points``: orange at the low end
    through grey to blue at the high end (told apart with any colour vision)."""
    position = index / (points - 1) if points > 1 else 1.0
    end = _LOW if position < 0.5 else _HIGH
    weight = abs(position - 0.5) * 2
    mixed = (round(m + (e - m) * weight) for m, e in zip(_MIDDLE, end, strict=True))
    return "#" + "".join(f"{part:02x}" for part in mixed)
