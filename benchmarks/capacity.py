"""The capacity model of the scale-out path, from measured costs, and its check.

Costs come from a one-worker run of ``scale.py`` on PostgreSQL and Redis (its JSON):

- CPU per second = F + c_commit × commits/s + c_answer × answers/s, fitted by least squares over
  the rates that worker held, for the workers and for PostgreSQL apart. F is the room's cost of
  being there (keepalives, the results timer); c_commit a batch's round trips and commit;
  c_answer the rest of an answer's way.
- A worker's writer stores one batch at a time, so its commits per second k(r) depend on its own
  answer rate r: read off the same run (interpolated between its rates).
- Memory per connection, event bytes per answer, CPU per phone of a slide change.

The check predicts a two-worker run from these alone (each worker takes half the answers, so
W × k(R / W) commits a second) and compares it with that run's measurements. The plan then
sizes rooms of 10,000, 70,000 and 1,000,000 phones.

    .venv/bin/python benchmarks/capacity.py benchmarks/results/scale-1.json \\
        --check benchmarks/results/scale-2.json
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import json
import math
from pathlib import Path
from typing import Any

PHONES_PER_WORKER = 10_000  # held with ≤ 40 KB each, joined in seconds (docs/benchmarks.md)
CORE_BUDGET = 0.7  # of a core per worker, leaving room for bursts (a slide change, joins)
EVENT_US = 1.3  # decode and count another worker's answer (event_cost.py)


def held(results: dict[str, Any]) -> list[dict[str, Any]]:
    return [r for r in results["open_loop"] if r["acked_share"] >= 0.999 and r["ack_p99_ms"] <= 100]


def commits_per_answer(run: dict[str, Any]) -> float:
    """Commits per answer; older runs lack the count, and Redis's commands (one publish per
    committed batch) stand in for it."""
    return float(run.get("commits_per_answer") or run["redis_commands_per_answer"])


def solve(rows: list[list[float]], values: list[float]) -> list[float]:
    """Least squares by the normal equations; an unknown the runs cannot tell apart from the
    others (too few rates) is taken as 0."""
    n = len(rows[0])
    matrix = [[sum(r[i] * r[j] for r in rows) for j in range(n)] for i in range(n)]
    vector = [sum(r[i] * v for r, v in zip(rows, values, strict=True)) for i in range(n)]
    for i in range(n):
        if abs(matrix[i][i]) < 1e-12:
            continue
        for j in range(i + 1, n):
            factor = matrix[j][i] / matrix[i][i]
            matrix[j] = [a - factor * b for a, b in zip(matrix[j], matrix[i], strict=True)]
            vector[j] -= factor * vector[i]
    found = [0.0] * n
    for i in reversed(range(n)):
        if abs(matrix[i][i]) < 1e-12:
            continue
        rest = sum(matrix[i][k] * found[k] for k in range(i + 1, n))
        found[i] = (vector[i] - rest) / matrix[i][i]
    return found


@dataclasses.dataclass
class Costs:
    fixed: dict[str, float]  # cores for a room of `phones`, by part
    per_commit_us: dict[str, float]
    per_answer_us: dict[str, float]
    commit_rates: list[tuple[float, float]]  # (answers/s, commits/s) of one worker's writer
    phones: int
    kib_per_connection: float
    redis_bytes_per_answer: float
    slide_change_us_per_phone: float
    wal_bytes_per_answer: float

    @classmethod
    def measured(cls, results: dict[str, Any]) -> Costs:
        runs = held(results)
        rates = [float(r["offered_per_s"]) for r in runs]
        commits = [commits_per_answer(r) * rate for r, rate in zip(runs, rates, strict=True)]
        fixed, per_commit, per_answer = {}, {}, {}
        for part in ("workers", "postgres"):
            used = [
                r["cpu_us_per_answer"][part] * rate / 1e6
                for r, rate in zip(runs, rates, strict=True)
            ]
            rows = [[1.0, c, rate] for c, rate in zip(commits, rates, strict=True)]
            f, c, a = solve(rows, used)
            fixed[part], per_commit[part], per_answer[part] = f, 1e6 * c, 1e6 * a
        fan_out = results["fan_out"]
        return cls(
            fixed=fixed,
            per_commit_us=per_commit,
            per_answer_us=per_answer,
            commit_rates=list(zip(rates, commits, strict=True)),
            phones=int(results["capacity"]["connections"]),
            kib_per_connection=float(results["capacity"]["kib_per_connection"]),
            redis_bytes_per_answer=sum(r["redis_bytes_per_answer"] for r in runs) / len(runs),
            slide_change_us_per_phone=float(
                fan_out.get("cpu_us_per_phone", {}).get("workers", 1000 * fan_out["all_ms"])
                / (1 if "cpu_us_per_phone" in fan_out else fan_out["phones"])
            ),
            wal_bytes_per_answer=sum(r.get("wal_bytes_per_answer", 0) for r in runs) / len(runs),
        )

    def commits(self, rate: float) -> float:
        """Commits a second of one worker taking ``rate`` answers a second."""
        points = self.commit_rates
        if rate <= points[0][0]:
            return points[0][1] * rate / points[0][0] if rate < 1 else points[0][1]
        for (r0, c0), (r1, c1) in itertools.pairwise(points):
            if rate <= r1:
                return c0 + (c1 - c0) * (rate - r0) / (r1 - r0)
        return points[-1][1] * rate / points[-1][0]  # past the last: batches keep their size

    def cores(self, part: str, phones: int, rate: float, workers: int) -> float:
        """Cores ``part`` (workers or postgres, all of them) uses for a room."""
        commits = workers * self.commits(rate / workers)
        cores = (
            self.fixed[part] * phones / self.phones
            + self.per_commit_us[part] * commits / 1e6
            + self.per_answer_us[part] * rate / 1e6
        )
        if part == "workers":  # every worker counts every other worker's answers too
            cores += EVENT_US * rate * (workers - 1) / 1e6
        return cores


def check(costs: Costs, measured: dict[str, Any]) -> list[tuple[str, float, float]]:
    """(figure, predicted, measured) for a run with more workers."""
    workers, phones = int(measured["workers"]), int(measured["capacity"]["connections"])
    pairs = []
    for run in held(measured):
        rate = float(run["offered_per_s"])
        cores = sum(costs.cores(part, phones, rate, workers) for part in ("workers", "postgres"))
        spent = run["cpu_us_per_answer"]["workers"] + run["cpu_us_per_answer"]["postgres"]
        pairs.append((f"CPU µs per answer at {rate:,.0f}/s", 1e6 * cores / rate, spent))
    pairs.append(
        (
            "memory KiB per connection",
            costs.kib_per_connection,
            float(measured["capacity"]["kib_per_connection"]),
        )
    )
    fast = held(measured)[-1]
    pairs.append(
        (
            f"Redis bytes in per answer at {fast['offered_per_s']:,}/s",
            costs.redis_bytes_per_answer,
            float(fast["redis_bytes_per_answer"]),
        )
    )
    return pairs


def plan(
    costs: Costs, phones: int, seconds_to_answer: float, slide_target: float
) -> dict[str, Any]:
    """Workers, cores and what saturates first for a room where everyone answers within
    ``seconds_to_answer`` and a slide change must reach all within ``slide_target`` seconds."""
    rate = phones / seconds_to_answer
    workers = math.ceil(phones / PHONES_PER_WORKER)
    while costs.cores("workers", phones, rate, workers) / workers > CORE_BUDGET:
        workers += 1
    per_worker_slide = costs.slide_change_us_per_phone * phones / workers / 1e6
    while per_worker_slide > slide_target:
        workers += 1
        per_worker_slide = costs.slide_change_us_per_phone * phones / workers / 1e6
    commits = workers * costs.commits(rate / workers)
    # Each committed batch is one publish, which Redis sends on to every worker.
    return {
        "phones": phones,
        "answers_per_s": rate,
        "workers": workers,
        "worker_cores": costs.cores("workers", phones, rate, workers),
        "postgres_cores": costs.cores("postgres", phones, rate, workers),
        "commits_per_s": commits,
        "redis_messages_out_per_s": commits * workers,
        "redis_mb_out_per_s": costs.redis_bytes_per_answer * rate * workers / 1e6,
        "wal_mb_per_s": costs.wal_bytes_per_answer * rate / 1e6,
        "memory_gib": costs.kib_per_connection * phones / 2**20,
        "slide_change_s": per_worker_slide,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("one_worker", type=Path, help="scale.py --workers 1 --json FILE")
    parser.add_argument("--check", type=Path, help="a run with more workers to predict")
    args = parser.parse_args()
    costs = Costs.measured(json.loads(args.one_worker.read_text()))
    print("measured costs (one worker, PostgreSQL and Redis):")
    for part in ("workers", "postgres"):
        print(
            f"  {part}: {costs.fixed[part]:.2f} cores for {costs.phones:,} phones, "
            f"{costs.per_commit_us[part]:.0f} µs per commit, "
            f"{costs.per_answer_us[part]:.1f} µs per answer"
        )
    print(
        f"  {costs.kib_per_connection:.1f} KiB per connection, "
        f"{costs.redis_bytes_per_answer:.0f} Redis bytes per answer, "
        f"{costs.slide_change_us_per_phone:.1f} µs of worker CPU per phone for a slide change, "
        f"{costs.wal_bytes_per_answer:.0f} WAL bytes per answer"
    )
    if args.check:
        measured = json.loads(args.check.read_text())
        print(f"check against {measured['workers']} workers, {measured['phones']:,} phones:")
        for figure, predicted, found in check(costs, measured):
            error = 100 * (predicted - found) / found
            print(f"  {figure}: predicted {predicted:.1f}, measured {found:.1f} ({error:+.0f} %)")
    print("plan: everyone answers within 10 s; a slide change reaches all within 1 s")
    for phones in (10_000, 70_000, 1_000_000):
        p = plan(costs, phones, 10, 1.0)
        print(
            f"  {phones:>9,} phones, {p['answers_per_s']:,.0f} answers/s: "
            f"{p['workers']} workers ({p['worker_cores']:.1f} cores), "
            f"PostgreSQL {p['postgres_cores']:.1f} cores and {p['commits_per_s']:,.0f} commits/s, "
            f"{p['wal_mb_per_s']:.1f} MB/s of WAL; Redis {p['redis_messages_out_per_s']:,.0f} "
            f"messages/s and {p['redis_mb_out_per_s']:.1f} MB/s out; "
            f"{p['memory_gib']:.1f} GiB for connections; slide change {p['slide_change_s']:.2f} s"
        )


if __name__ == "__main__":
    main()
