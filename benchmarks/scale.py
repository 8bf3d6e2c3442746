"""Load benchmarks on the scale-out path: ``polls serve`` workers sharing PostgreSQL and Redis.

The same phones and scenarios as ``benchmarks/run.py`` (each phone loads the page and its files,
joins with the cookie it got, answers with submission ids and waits for the ack), spread evenly
over the workers, with the presenter on the first. Each run uses a database of its own on the
PostgreSQL server (made and dropped here) and the Redis server, both of the machine
(``POLLS_TEST_POSTGRES_URL``, ``POLLS_TEST_REDIS_URL``: the test suite's). Server CPU is every
process that serves: the workers, PostgreSQL's backends and Redis.

    .venv/bin/python benchmarks/scale.py --workers 2          # make bench-scale (with 1)
    .venv/bin/python benchmarks/scale.py --smoke              # a few seconds: make test
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import gc
import json
import os
import secrets
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import redis

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run  # the single-worker harness: phones, scenarios, servers

POSTGRES_URL = os.environ.get(
    "POLLS_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("POLLS_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@dataclasses.dataclass
class Plan:
    workers: int
    phones: int
    rates: list[int]
    rate_seconds: float
    presenter_rate: int


PLAN = Plan(
    workers=2, phones=10_000, rates=[1000, 2000, 4000, 6000], rate_seconds=5, presenter_rate=1000
)
SMOKE = Plan(workers=2, phones=40, rates=[100], rate_seconds=1, presenter_rate=50)


def service_cpu_seconds() -> dict[str, float]:
    """CPU time PostgreSQL's processes and Redis have used so far (all of them: the backends
    serving the workers, the WAL writer, the checkpointer), by server."""
    ticks = {"postgres": 0, "redis": 0}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            stat = (entry / "stat").read_text()
            name = stat[stat.index("(") + 1 : stat.rindex(")")]
            server = "postgres" if name.startswith("postgres") else "redis"
            if name.startswith(("postgres", "redis-server")):
                fields = stat[stat.rindex(")") + 2 :].split()
                ticks[server] += int(fields[11]) + int(fields[12])
    return {server: count / os.sysconf("SC_CLK_TCK") for server, count in ticks.items()}


@contextlib.contextmanager
def fresh_database() -> Iterator[str]:
    """A new PostgreSQL database on the machine's server, dropped afterwards."""
    name = "polls_bench_" + secrets.token_hex(4)

    async def admin(sql: str) -> None:
        conn = await asyncpg.connect(POSTGRES_URL)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(admin(f"CREATE DATABASE {name}"))
    try:
        yield f"{POSTGRES_URL.rsplit('/', 1)[0]}/{name}"
    finally:
        asyncio.run(admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


@contextlib.contextmanager
def workers(count: int, database_url: str, folder: Path) -> Iterator[list[run.Server]]:
    """``count`` workers on their own ports, sharing the database and the broker; started one
    after the other (the first migrates the database)."""
    env = {
        "POLLS_DATABASE_URL": database_url,
        "POLLS_BROKER_URL": REDIS_URL,
        "POLLS_DEMO_FILE": "",
        "POLLS_LOG_LEVEL": "warning",
    }
    with contextlib.ExitStack() as stack:
        started = []
        for _ in range(count):
            port = run.free_port()
            command = [sys.executable, "-m", "polls", "serve", "--port", str(port)]
            started.append(stack.enter_context(run.Server(command, env, port, database=folder)))
        yield started


def cpu(servers: list[run.Server]) -> dict[str, float]:
    """CPU seconds so far of the workers, PostgreSQL and Redis."""
    return {"workers": sum(server.cpu_seconds() for server in servers), **service_cpu_seconds()}


@dataclasses.dataclass
class Spent:
    """Wall-clock time and CPU time by part, added up over several stretches."""

    seconds: float = 0.0
    cpu: dict[str, float] = dataclasses.field(default_factory=dict)

    @contextlib.contextmanager
    def measure(self, servers: list[run.Server]) -> Iterator[None]:
        before, began = cpu(servers), time.perf_counter()
        yield
        self.seconds += time.perf_counter() - began
        for part, used in cpu(servers).items():
            self.cpu[part] = self.cpu.get(part, 0.0) + used - before[part]

    def per(self, count: int) -> dict[str, float]:
        """Microseconds of CPU per one of ``count``, by part and in all."""
        return per_answer({part: 0.0 for part in self.cpu}, self.cpu, count)


def per_answer(before: dict[str, float], after: dict[str, float], answers: int) -> dict[str, float]:
    """Microseconds of CPU per answer of each part and of all of them together."""
    spent = {part: 1e6 * (after[part] - before[part]) / answers for part in before}
    return {**spent, "all": sum(spent.values())}


def redis_totals() -> tuple[int, int]:
    """Commands Redis has processed and bytes it has received so far."""
    stats = redis.Redis.from_url(REDIS_URL).info("stats")
    return int(stats["total_commands_processed"]), int(stats["total_net_input_bytes"])


async def measure(plan: Plan, database_url: str) -> dict[str, Any]:
    run.pin(1)
    results: dict[str, Any] = {"date": time.strftime("%Y-%m-%d %H:%M"), "workers": plan.workers}
    with (
        tempfile.TemporaryDirectory() as folder,
        workers(plan.workers, database_url, Path(folder)) as servers,
    ):
        presentation = run.create(servers[0].port)
        screen = await run.presenter(servers[0].port, presentation)
        share = plan.phones // plan.workers
        run.step(f"{plan.phones:,} phones load the page and join, {share:,} on each worker")
        memory_before = sum(server.rss_kib() for server in servers)
        by_worker: list[list[run.Phone]] = []
        loading, joining = Spent(), Spent()
        for index, server in enumerate(servers):
            with loading.measure(servers):
                cookies, _ = await run.page_loads(server, presentation["code"], share)
            with joining.measure(servers):
                group, _ = await run.join_many(
                    server.port, presentation["code"], share, start=index * share, cookies=cookies
                )
            by_worker.append(group)
        phones = [phone for group in zip(*by_worker, strict=True) for phone in group]
        results["capacity"] = {
            "connections": len(phones),
            "load_seconds": loading.seconds,
            "join_seconds": joining.seconds,
            "cpu_us_per_load": loading.per(len(phones)),
            "cpu_us_per_join": joining.per(len(phones)),
            "kib_per_connection": (
                (sum(server.rss_kib() for server in servers) - memory_before) / len(phones)
            ),
        }
        run.step("slide change to every phone on every worker")
        results["fan_out"] = await run.fan_out(screen, phones, 1, stalled=0.0)
        await run.drained(phones[0])
        answers = []
        for rate in plan.rates:
            run.step(
                f"answers at {rate:,}/s for {plan.rate_seconds:.0f} s, spread over the workers"
            )
            used, (commands, received) = cpu(servers), redis_totals()
            result = await run.open_loop(
                phones, rate, plan.rate_seconds, "scale", offset=rate * 1000
            )
            result.pop("sent_at")
            now_commands, now_received = redis_totals()
            result["cpu_us_per_answer"] = per_answer(used, cpu(servers), result["sent"])
            result["redis_commands_per_answer"] = (now_commands - commands) / result["sent"]
            result["redis_bytes_per_answer"] = (now_received - received) / result["sent"]
            answers.append(result)
            await run.drained(phones[0])
            if result["acked_share"] < 0.999 or result["ack_p99_ms"] > 100:
                break
        results["open_loop"] = answers
        held = [r for r in answers if r["acked_share"] >= 0.999 and r["ack_p99_ms"] <= 100]
        results["sustained_per_s"] = max((r["offered_per_s"] for r in held), default=0)
        run.step("presenter latency for answers on the other worker")
        await run.goto(screen, 2)
        elsewhere = by_worker[-1]  # the last worker's phones: the presenter is on the first
        results["presenter"] = await run.presenter_latency(
            screen, elsewhere, plan.presenter_rate, plan.rate_seconds
        )
        run.step("slide change with 1 % of phones not reading")
        results["fan_out_stalled"] = await run.fan_out(screen, phones, 3, stalled=0.01)
        await run.close_all(phones)
    return results


def split(cpu_us: dict[str, float]) -> str:
    """CPU time in all and by part: '812 µs CPU (workers 300, PostgreSQL 500, Redis 12)'."""
    return (
        f"{cpu_us['all']:.0f} µs CPU (workers {cpu_us['workers']:.0f}, "
        f"PostgreSQL {cpu_us['postgres']:.0f}, Redis {cpu_us['redis']:.0f})"
    )


def table(results: dict[str, Any]) -> str:
    capacity = results["capacity"]
    rows = [
        ("workers (PostgreSQL, Redis)", str(results["workers"])),
        ("connections", f"{capacity['connections']:,}"),
        (
            "page loads (the page and its files)",
            f"{capacity['load_seconds']:.1f} s; {split(capacity['cpu_us_per_load'])}/page",
        ),
        (
            "joins",
            f"{capacity['join_seconds']:.1f} s; {split(capacity['cpu_us_per_join'])}/join",
        ),
        ("server memory per connection", f"{capacity['kib_per_connection']:.1f} KiB"),
    ]
    for run_ in results["open_loop"]:
        rows.append(
            (
                f"answers at {run_['offered_per_s']:,}/s (open loop)",
                f"{100 * run_['acked_share']:.2f} % acked, p50 {run_['ack_p50_ms']:.0f} ms, "
                f"p99 {run_['ack_p99_ms']:.0f} ms; {split(run_['cpu_us_per_answer'])}/answer; "
                "Redis "
                f"{run_['redis_commands_per_answer']:.2f} commands and "
                f"{run_['redis_bytes_per_answer']:.0f} bytes in per answer",
            )
        )
    presenter = results["presenter"]
    rows += [
        ("highest rate held (>= 99.9 %, p99 <= 100 ms)", f"{results['sustained_per_s']:,}/s"),
        (
            f"presenter latency, answers on the other worker, {presenter['rate']:,}/s",
            f"p50 {presenter['p50_ms']:.0f} ms, p99 {presenter['p99_ms']:.0f} ms",
        ),
        (
            f"slide change to {results['fan_out']['phones']:,} phones on every worker",
            f"p50 {results['fan_out']['p50_ms']:.0f} ms, all {results['fan_out']['all_ms']:.0f} ms",
        ),
        (
            f"the same with {results['fan_out_stalled']['stalled']} phones not reading",
            f"p50 {results['fan_out_stalled']['p50_ms']:.0f} ms, "
            f"all {results['fan_out_stalled']['all_ms']:.0f} ms",
        ),
    ]
    width = max(len(name) for name, _ in rows)
    return "\n".join(f"{name:<{width}}  {value}" for name, value in rows)


def main() -> None:
    parser = argparse.ArgumentParser(description="polls load benchmarks, scaled out")
    parser.add_argument("--smoke", action="store_true", help="a few seconds: the harness works")
    parser.add_argument("--workers", type=int, help="workers (2 unless told)")
    parser.add_argument("--phones", type=int, help="phones in the room")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    plan = SMOKE if args.smoke else PLAN
    if args.workers:
        plan = dataclasses.replace(plan, workers=args.workers)
    if args.phones:
        plan = dataclasses.replace(plan, phones=args.phones)
    gc.set_threshold(50_000, 20, 100)
    gc.freeze()
    with contextlib.suppress(ImportError):
        import uvloop

        uvloop.install()
    with fresh_database() as database_url:
        results = asyncio.run(measure(plan, database_url))
    print(table(results))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
