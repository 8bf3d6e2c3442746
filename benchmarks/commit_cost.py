"""What a commit of answers costs on PostgreSQL, apart from the answers in it.

Stores batches of ratings through polls' storage on a fresh database of the machine's server
(``POLLS_TEST_POSTGRES_URL``), one batch at a time as the writer does, and counts this process's
CPU (the worker's side: SQLAlchemy, asyncpg) and every PostgreSQL process's. Batches of one give
the cost of a commit; batches of 500 the cost of one more answer in a batch.

    .venv/bin/python benchmarks/commit_cost.py
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import scale  # the scale-out harness: a fresh database, PostgreSQL's CPU

from polls.storage import Submission, open_storage


async def cost(batch: int, answers: int) -> dict[str, float]:
    """µs per batch of the worker's side and of PostgreSQL, storing ``answers`` in batches."""
    async with scale.fresh_database() as url:
        storage = open_storage(url)
        await storage.connect()
        made = 0

        async def one_batch() -> None:
            nonlocal made
            now = time.time()
            batch_of = []
            for _ in range(batch):
                made += 1
                batch_of.append(
                    Submission(
                        presentation_id="commit-cost",
                        slide_id="scale",
                        participant=f"phone-{made:08d}",
                        submission_id=f"{int(now * 1000):011x}-{made}",
                        value={"ratings": {"0": 1 + made % 5}},
                        items=1,
                        limit=0,
                        created_at=now,
                    )
                )
            await storage.store_answers(batch_of)

        try:
            for _ in range(20):  # connections made, statements prepared
                await one_batch()
            batches = max(20, answers // batch)
            before, began = scale.service_cpu_seconds()["postgres"], time.process_time()
            for _ in range(batches):
                await one_batch()
            worker = time.process_time() - began
            postgres = scale.service_cpu_seconds()["postgres"] - before
        finally:
            await storage.disconnect()
    return {"worker": 1e6 * worker / batches, "postgres": 1e6 * postgres / batches}


def measure(answers: int = 5000) -> dict[str, float]:
    """µs of CPU per commit and per answer in a batch, worker's side and PostgreSQL's."""
    alone = asyncio.run(cost(1, answers // 2))
    large = asyncio.run(cost(500, answers * 4))
    per_answer = {part: (large[part] - alone[part]) / 499 for part in ("worker", "postgres")}
    per_commit = {part: alone[part] - per_answer[part] for part in ("worker", "postgres")}
    return {
        "commit_worker_us": per_commit["worker"],
        "commit_postgres_us": per_commit["postgres"],
        "answer_worker_us": per_answer["worker"],
        "answer_postgres_us": per_answer["postgres"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--answers", type=int, default=5000, help="answers in batches of one")
    args = parser.parse_args()
    found = measure(args.answers)
    print(
        f"a commit: {found['commit_worker_us']:.0f} µs of the worker's CPU and "
        f"{found['commit_postgres_us']:.0f} µs of PostgreSQL's; one more answer in it: "
        f"{found['answer_worker_us']:.1f} µs and {found['answer_postgres_us']:.1f} µs"
    )


if __name__ == "__main__":
    main()
