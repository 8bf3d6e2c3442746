"""The capacity model of the scale-out path, from measured costs, and its check.

Costs come from a one-worker run of ``scale.py`` on PostgreSQL and Redis (its JSON), from
``commit_cost.py`` (a commit measured alone) and from ``event_cost.py`` (what each further worker
spends on an answer it did not receive):

- CPU per second = F + c_commit × commits/s + c_answer × answers/s, for the workers and for
  PostgreSQL apart. c_commit is measured alone (a commit's round trips on both sides); F (the
  room being there: keepalives, the results timer) and c_answer (the rest of an answer's way)
  are fitted by least squares over the rates the worker held.
- A worker's writer stores one batch at a time, and while answers keep coming it commits as
  often as it can: k commits a second per worker, read off the same run, whatever the rate.
- Memory per connection, event bytes per answer, CPU per phone of a slide change.

The check predicts a two-worker run from these alone (W × k commits a second) and compares it
with that run's measurements. The plan then sizes rooms of 10,000, 70,000 and 1,000,000 phones.

    .venv/bin/python benchmarks/capacity.py benchmarks/results/scale-1.json \\
        --check benchmarks/results/scale-2.json
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import commit_cost  # a commit's cost, measured alone
import event_cost  # what another worker's answer costs a worker
import scale  # the runs' figures

PHONES_PER_WORKER = 10_000  # held with ≤ 40 KB each, joined in seconds (docs/benchmarks.md)
CORE_BUDGET = 0.7  # of a core per worker, leaving room for bursts (a slide change, joins)
WORKERS_PER_HOST = 7  # hosts of 8 cores: a worker per core, one core for the proxy


def held(results: dict[str, Any]) -> list[dict[str, Any]]:
    return scale.held(results["open_loop"])


def fit_line(points: list[tuple[float, float]]) -> tuple[float, float]:
    """Least squares: (intercept, slope) of y = intercept + slope × x."""
    n = len(points)
    mean_x = sum(x for x, _ in points) / n
    mean_y = sum(y for _, y in points) / n
    spread = sum((x - mean_x) ** 2 for x, _ in points)
    slope = sum((x - mean_x) * (y - mean_y) for x, y in points) / spread if spread else 0.0
    return mean_y - slope * mean_x, slope


@dataclasses.dataclass
class Costs:
    fixed: dict[str, float]  # cores for a room of `phones`, by part
    per_commit_us: dict[str, float]
    per_answer_us: dict[str, float]
    commits_per_worker: float  # a second, while answers keep coming
    phones: int
    kib_per_connection: float
    redis_bytes_per_answer: float
    slide_change_us_per_phone: float
    wal_bytes_per_answer: float
    event_us: float  # a worker decoding and counting another worker's answer

    @classmethod
    def measured(cls, results: dict[str, Any], commit: dict[str, float], event_us: float) -> Costs:
        runs = held(results)
        rates = [float(r["offered_per_s"]) for r in runs]
        commits = [r["commits_per_answer"] * rate for r, rate in zip(runs, rates, strict=True)]
        per_commit = {
            "workers": commit["commit_worker_us"],
            "postgres": commit["commit_postgres_us"],
        }
        fixed, per_answer = {}, {}
        for part in ("workers", "postgres"):
            rest = [
                (rate, r["cpu_us_per_answer"][part] * rate / 1e6 - per_commit[part] * c / 1e6)
                for r, rate, c in zip(runs, rates, commits, strict=True)
            ]
            fixed[part], slope = fit_line(rest)
            per_answer[part] = 1e6 * slope
        fan_out = results["fan_out"]
        return cls(
            fixed=fixed,
            per_commit_us=per_commit,
            per_answer_us=per_answer,
            commits_per_worker=sum(commits) / len(commits),
            phones=int(results["capacity"]["connections"]),
            kib_per_connection=float(results["capacity"]["kib_per_connection"]),
            redis_bytes_per_answer=sum(r["redis_bytes_per_answer"] for r in runs) / len(runs),
            slide_change_us_per_phone=float(fan_out["cpu_us_per_phone"]["workers"]),
            wal_bytes_per_answer=sum(r["wal_bytes_per_answer"] for r in runs) / len(runs),
            event_us=event_us,
        )

    def commits(self, rate: float, workers: int) -> float:
        """Commits a second of ``workers`` workers taking ``rate`` answers a second in all."""
        return min(rate, workers * self.commits_per_worker)

    def cores(self, part: str, phones: int, rate: float, workers: int) -> float:
        """Cores ``part`` (workers or postgres, all of them) uses for a room."""
        cores = (
            self.fixed[part] * phones / self.phones
            + self.per_commit_us[part] * self.commits(rate, workers) / 1e6
            + self.per_answer_us[part] * rate / 1e6
        )
        if part == "workers":  # every worker counts every other worker's answers too
            cores += self.event_us * rate * (workers - 1) / 1e6
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
    for run in held(measured):
        rate = float(run["offered_per_s"])
        pairs.append(
            (
                f"commits a second at {rate:,.0f}/s",
                costs.commits(rate, workers),
                run["commits_per_answer"] * rate,
            )
        )
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
    commits = costs.commits(rate, workers)
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
        "hosts": math.ceil(workers / WORKERS_PER_HOST),
        "memory_gib": costs.kib_per_connection * phones / 2**20,
        "slide_change_s": per_worker_slide,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("one_worker", type=Path, help="scale.py --workers 1 --json FILE")
    parser.add_argument("--check", type=Path, help="a run with more workers to predict")
    args = parser.parse_args()
    commit = commit_cost.measure()
    event_us, _ = event_cost.microseconds_per_answer(50)
    costs = Costs.measured(json.loads(args.one_worker.read_text()), commit, event_us)
    print("measured costs (one worker, PostgreSQL and Redis):")
    for part in ("workers", "postgres"):
        print(
            f"  {part}: {costs.fixed[part]:.2f} cores for a room of {costs.phones:,} phones, "
            f"{costs.per_commit_us[part]:.0f} µs per commit, "
            f"{costs.per_answer_us[part]:.1f} µs per answer"
        )
    print(
        f"  {costs.commits_per_worker:.0f} commits a second per worker, "
        f"{costs.event_us:.1f} µs per answer for each further worker, "
        f"{costs.kib_per_connection:.1f} KiB per connection, "
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
            f"{p['workers']} workers ({p['worker_cores']:.1f} cores) on {p['hosts']} hosts, "
            f"PostgreSQL {p['postgres_cores']:.1f} cores and {p['commits_per_s']:,.0f} commits/s, "
            f"{p['wal_mb_per_s']:.1f} MB/s of WAL; Redis {p['redis_messages_out_per_s']:,.0f} "
            f"messages/s and {p['redis_mb_out_per_s']:.1f} MB/s out; "
            f"{p['memory_gib']:.1f} GiB for connections; slide change {p['slide_change_s']:.2f} s"
        )


if __name__ == "__main__":
    main()
