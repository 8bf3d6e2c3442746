"""How many acknowledged answers a second the write path commits on SQLite (WAL, synchronous=FULL).

Runs the real Writer over the real SQLite storage in this process, with a fixed number of
answers in flight at once (like that many phones each waiting for its acknowledgement), and
prints answers per second and the acknowledgement latency percentiles.

    .venv/bin/python benchmarks/write_path.py --answers 50000 --in-flight 1000
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from polls.domain.documents import load_document
from polls.live.writer import Writer
from polls.storage import Submission, open_storage
from polls.storage.presentations import create_presentation

ROOT = Path(__file__).resolve().parent.parent


async def run(answers: int, in_flight: int, folder: Path) -> None:
    storage = open_storage(f"sqlite:///{folder / 'bench.db'}")
    await storage.connect()
    created = await create_presentation(
        storage, load_document(ROOT / "examples" / "closing-round.en.yaml")
    )
    writer = Writer(storage)
    await writer.start()
    latencies: list[float] = []
    next_index = 0

    async def phone() -> None:
        nonlocal next_index
        while next_index < answers:
            index = next_index
            next_index += 1
            started = time.perf_counter()
            await writer.answer(
                Submission(
                    presentation_id=created.presentation.id,
                    slide_id="verdict",
                    participant=f"p{index % 100_000}",
                    submission_id=f"s{index}",
                    value={"ratings": {"0": 1 + index % 5}},
                    items=1,
                    limit=0,
                    created_at=time.time(),
                )
            )
            latencies.append(time.perf_counter() - started)

    began = time.perf_counter()
    await asyncio.gather(*(phone() for _ in range(in_flight)))
    elapsed = time.perf_counter() - began
    await writer.stop()
    await storage.disconnect()
    latencies.sort()
    print(f"answers          {answers}")
    print(f"in flight        {in_flight}")
    print(f"answers/s        {answers / elapsed:,.0f}")
    print(f"ack p50          {1000 * statistics.median(latencies):.1f} ms")
    print(f"ack p99          {1000 * latencies[int(0.99 * len(latencies)) - 1]:.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--answers", type=int, default=20_000)
    parser.add_argument("--in-flight", type=int, default=500)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        asyncio.run(run(args.answers, args.in_flight, Path(folder)))


if __name__ == "__main__":
    main()
