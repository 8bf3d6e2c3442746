"""The audience's questions to the speaker as an export table: one row per question, with its
upvotes, status and times (never who asked or who voted)."""

from __future__ import annotations

import csv
from typing import IO

from polls.research.dataset import AUDIENCE_COLUMNS, Dataset
from polls.research.exports import safe_cell

__all__ = ["AUDIENCE_COLUMNS", "audience_rows", "write_audience_csv"]


def audience_rows(dataset: Dataset, *, neutralise: bool = True) -> list[list[str | int]]:
    """One row per question (AUDIENCE_COLUMNS); text neutralised against formulas for CSV."""
    text = safe_cell if neutralise else str
    return [
        [
            q.presentation_id,
            q.number,
            text(q.text),
            q.asked_at,
            q.votes,
            q.status,
            q.answered_at,
            int(q.hidden),
            q.hidden_reason,
            int(q.profanity),
        ]
        for q in dataset.audience_questions
    ]


def write_audience_csv(target: IO[str], dataset: Dataset) -> None:
    writer = csv.writer(target, lineterminator="\r\n")
    writer.writerow([name for name, _, _ in AUDIENCE_COLUMNS])
    writer.writerows(audience_rows(dataset))
