"""What the themes page and the exports show of a presentation's coding: its open answers with
their themes, counts per theme and question, and the suggestions still open.

Pure functions of a :class:`~polls.research.dataset.Source`.
"""

from __future__ import annotations

from typing import Any

import msgspec

from polls.core.models import Slide
from polls.kinds import kind_of
from polls.research.coding import keep_answers, suggest
from polls.research.dataset import Source, hidden_reason, question_id, slide_items
from polls.storage.base import hidden_by_slide

SAMPLE = 3  # answers shown with each suggestion before "and N more"


class Answer(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    text: str
    hidden: bool  # hidden by the presenter
    withheld: bool  # kept off a screen that holds swearing back (and hidden ones)
    themes: list[str]  # theme ids


def themed_slides(source: Source) -> list[Slide]:
    """The slides whose answers are coded into themes (open questions)."""
    return [s for s in source.presentation.document.slides if kind_of(s).themed]


def answers_of(source: Source, slide: Slide) -> list[Answer]:
    """A slide's answers that count, oldest first, with their themes."""
    hidden = hidden_by_slide(source.moderation).get(slide.id, set())
    found = []
    for _, items in slide_items(source, slide, hidden):
        for item in items:
            given = set(source.coding.assigned.get(item.moderation, ()))
            found.append(
                Answer(
                    id=item.moderation,
                    text=item.value,
                    hidden=item.hidden,
                    withheld=bool(hidden_reason(item, hidden, hold_profanity=True)),
                    themes=[t.id for t in source.coding.themes if t.id in given],
                )
            )
    return found


def view(source: Source) -> dict[str, Any]:
    """Everything the themes page shows, as plain data."""
    by_slide = [(slide, answers_of(source, slide)) for slide in themed_slides(source)]
    # Without the answers that are gone (deleted or withdrawn).
    coding = keep_answers(source.coding, (a.id for _, answers in by_slide for a in answers))
    language = source.presentation.document.language
    questions = []
    totals = dict.fromkeys((t.id for t in coding.themes), 0)
    for slide, answers in by_slide:
        counts = coding.counts(a.id for a in answers)
        for theme_id, count in counts.items():
            totals[theme_id] += count
        texts = {a.id: a.text for a in answers}
        suggestions = [
            {
                **msgspec.to_builtins(suggestion),
                "sample": [texts[a] for a in suggestion.answers[:SAMPLE]],
                "more": max(0, len(suggestion.answers) - SAMPLE),
            }
            for suggestion in suggest(
                [(a.id, a.text) for a in answers], language, coding.handled, scope=slide.id
            )
        ]
        questions.append(
            {
                "slide_id": slide.id,
                "question_id": question_id(slide),
                "heading": kind_of(slide).heading(slide),
                "answers": msgspec.to_builtins(answers),
                "counts": counts,
                "coded": sum(1 for a in answers if a.themes),
                "suggestions": suggestions,
            }
        )
    return {
        "version": coding.version,
        "themes": [{"id": t.id, "name": t.name, "total": totals[t.id]} for t in coding.themes],
        "questions": questions,
    }
