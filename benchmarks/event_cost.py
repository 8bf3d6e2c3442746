"""What one more worker costs per answer: reading the answer's event from the broker and counting
it in that worker's own tally of the slide.

Every worker with phones in a room keeps its own tallies, so each answer committed anywhere is
decoded and counted by every worker: with W workers, W − 1 of them do this for an answer they did
not receive. The events are those the committing worker publishes, one per committed batch, made
here with the load benchmark's presentation and answers (ratings of three statements).

    .venv/bin/python benchmarks/event_cost.py --batch 50
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

from polls.core.models import StoredResponse
from polls.domain.documents import document_from_builtins
from polls.domain.tally import new_tally
from polls.live.events import ResponsesEvent, encode_event, event_decoder

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run  # the load benchmark: its presentation and its answers


def events(batch: int, count: int) -> list[bytes]:
    """``count`` encoded events of ``batch`` committed ratings each, as a worker publishes them."""
    made = []
    for number in range(count):
        items = []
        for index in range(number * batch, (number + 1) * batch):
            sent = run.answer(index, "scale")
            items.append(
                StoredResponse(
                    id=index + 1,
                    presentation_id="p" * 12,
                    slide_id="scale",
                    participant=f"{index % 10_000:032x}",
                    submission_id=sent["id"],
                    value=sent["value"],
                    created_at=time.time(),
                )
            )
        made.append(encode_event(ResponsesEvent(items)))
    return made


def microseconds_per_answer(batch: int, rounds: int = 7) -> tuple[float, float]:
    """Median µs per answer to decode its event and count it; bytes per answer of the event."""
    document = document_from_builtins(run.DOCUMENT)
    slide = document.slide("scale")
    assert slide is not None
    raw = events(batch, 200)
    timings = []
    for _ in range(rounds):
        tally = new_tally(slide, document.language)
        began = time.perf_counter()
        for message in raw:
            event = event_decoder.decode(message)
            assert isinstance(event, ResponsesEvent)
            for response in event.items:
                tally.apply(response)
        timings.append((time.perf_counter() - began) / (batch * len(raw)))
    return 1e6 * statistics.median(timings), sum(map(len, raw)) / (batch * len(raw))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=50, help="answers per event")
    args = parser.parse_args()
    cost, size = microseconds_per_answer(args.batch)
    print(f"{cost:.1f} µs per answer for each further worker; {size:.0f} bytes of event each")


if __name__ == "__main__":
    main()
