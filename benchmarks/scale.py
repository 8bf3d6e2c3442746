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
import json
import os
import resource
import secrets
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
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
    closed_seconds: float
    soak_seconds: float
    backend: str = "postgres"  # or "sqlite": one worker on a SQLite file, the in-process broker


PLAN = Plan(
    workers=2,
    phones=10_000,
    rates=[1000, 2000, 4000, 6000, 8000, 10_000, 12_000, 14_000],
    rate_seconds=5,
    presenter_rate=1000,
    closed_seconds=10,
    soak_seconds=180,
)
SMOKE = Plan(
    workers=2,
    phones=40,
    rates=[100, 200, 300],
    rate_seconds=1,
    presenter_rate=50,
    closed_seconds=1,
    soak_seconds=0,
)


def service_cpu_seconds() -> dict[str, float]:
    """CPU time PostgreSQL's processes and Redis have used so far (all of them: the backends
    serving the workers, the WAL writer, the checkpointer), by server. A backend that has ended
    is counted in its parent's time for children it has waited for (the postmaster's)."""
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
                ticks[server] += sum(int(field) for field in fields[11:15])
    return {server: count / os.sysconf("SC_CLK_TCK") for server, count in ticks.items()}


@contextlib.asynccontextmanager
async def fresh_database() -> AsyncIterator[str]:
    """A new PostgreSQL database on the machine's server, dropped afterwards."""
    name = "polls_bench_" + secrets.token_hex(4)

    async def admin(sql: str) -> None:
        conn = await asyncpg.connect(POSTGRES_URL)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    await admin(f"CREATE DATABASE {name}")
    try:
        yield f"{POSTGRES_URL.rsplit('/', 1)[0]}/{name}"
    finally:
        await admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@contextlib.asynccontextmanager
async def database(plan: Plan, folder: Path) -> AsyncIterator[str]:
    """The database URL for a run: a fresh PostgreSQL database, or a SQLite file in ``folder``."""
    if plan.backend == "sqlite":
        yield f"sqlite:///{folder / 'bench.db'}"
    else:
        async with fresh_database() as url:
            yield url


@contextlib.contextmanager
def workers(count: int, database_url: str, folder: Path) -> Iterator[list[run.Server]]:
    """``count`` workers on their own ports, sharing the database and the broker; started one
    after the other (the first migrates the database). On SQLite, the in-process broker."""
    env = {
        "POLLS_DATABASE_URL": database_url,
        "POLLS_DEMO_FILE": "",
        "POLLS_LOG_LEVEL": "warning",
    }
    if database_url.startswith("postgresql"):
        env["POLLS_BROKER_URL"] = REDIS_URL
    with contextlib.ExitStack() as stack:
        started = []
        for _ in range(count):
            port = run.free_port()
            command = [sys.executable, "-m", "polls", "serve", "--port", str(port)]
            started.append(stack.enter_context(run.Server(command, env, port, database=folder)))
        yield started


async def postgres_totals(database_url: str) -> tuple[int, int]:
    """Transactions committed in the run's PostgreSQL database and WAL bytes the server has
    written so far (0, 0 on SQLite)."""
    if not database_url.startswith("postgresql"):
        return 0, 0
    conn = await asyncpg.connect(database_url)
    try:
        commits = await conn.fetchval(
            "SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()"
        )
        wal = await conn.fetchval("SELECT wal_bytes FROM pg_stat_wal")
    finally:
        await conn.close()
    return int(commits), int(wal)


def allow_open_files(phones: int) -> None:
    """Let this process (and the workers it starts) hold a socket per phone and then some:
    raise the limit on open files, the hard one too where allowed (as root)."""
    want = phones + 4096
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft >= want:
        return
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, max(hard, want)))
    except (ValueError, OSError):
        sys.exit(f"{phones:,} phones need {want:,} open files; the limit is {hard:,} (ulimit -Hn)")


class AllWorkers:
    """The workers as one server, for run.py's helpers that watch one (the soak's memory)."""

    def __init__(self, servers: list[run.Server]) -> None:
        self.servers = servers

    def rss_kib(self) -> int:
        return sum(server.rss_kib() for server in self.servers)


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


async def measure(plan: Plan) -> dict[str, Any]:
    run.pin(1)
    results: dict[str, Any] = {
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "workers": plan.workers,
        "backend": plan.backend,
        "phones": plan.phones,
    }
    async with contextlib.AsyncExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        database_url = await stack.enter_async_context(database(plan, folder))
        servers = stack.enter_context(workers(plan.workers, database_url, folder))
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
        fanning = Spent()
        with fanning.measure(servers):
            results["fan_out"] = await run.fan_out(screen, phones, 1, stalled=0.0)
        results["fan_out"]["cpu_us_per_phone"] = fanning.per(len(phones))
        await run.drained(phones[0])
        answers = []
        for rate in plan.rates:
            run.step(
                f"answers at {rate:,}/s for {plan.rate_seconds:.0f} s, spread over the workers"
            )
            used, (commands, received) = cpu(servers), redis_totals()
            commits, wal = await postgres_totals(database_url)
            result = await run.open_loop(
                phones, rate, plan.rate_seconds, "scale", offset=rate * 1000
            )
            result.pop("sent_at")
            now_commands, now_received = redis_totals()
            result["cpu_us_per_answer"] = per_answer(used, cpu(servers), result["sent"])
            result["redis_commands_per_answer"] = (now_commands - commands) / result["sent"]
            result["redis_bytes_per_answer"] = (now_received - received) / result["sent"]
            now_commits, now_wal = await postgres_totals(database_url)
            result["commits_per_answer"] = (now_commits - commits) / result["sent"]
            result["wal_bytes_per_answer"] = (now_wal - wal) / result["sent"]
            answers.append(result)
            await run.drained(phones[0])
            if result["acked_share"] < 0.999 or result["ack_p99_ms"] > 100:
                break
        results["open_loop"] = answers
        results["sustained_per_s"] = max((r["offered_per_s"] for r in held(answers)), default=0)
        run.step(f"closed loop for {plan.closed_seconds:.0f} s, every phone")
        closed = Spent()
        with closed.measure(servers):
            rate = await run.closed_loop_polls(phones, plan.closed_seconds, offset=90_000_000)
        results["closed_loop"] = {
            "per_s": rate,
            "cpu_us_per_answer": closed.per(max(1, round(rate * closed.seconds))),
        }
        await run.drained(phones[0])
        run.step("presenter latency for answers on the other worker")
        await run.goto(screen, 2)
        elsewhere = by_worker[-1]  # the last worker's phones: the presenter is on the first
        results["presenter"] = await run.presenter_latency(
            screen, elsewhere, plan.presenter_rate, plan.rate_seconds
        )
        if plan.soak_seconds:
            run.step(f"soak: 500 answers/s for {plan.soak_seconds / 60:.0f} minutes")
            await run.goto(screen, 1)
            results["soak"] = await run.soak(AllWorkers(servers), phones, plan.soak_seconds)
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


def held(answers: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The open-loop runs the service held: at least 99.9 % acknowledged, p99 at most 100 ms."""
    return [r for r in answers if r["acked_share"] >= 0.999 and r["ack_p99_ms"] <= 100]


def against_rows(results: dict[str, Any], sqlite: dict[str, Any]) -> list[tuple[str, str]]:
    """This run against a SQLite run of the same plan: the rate held, and CPU per answer at
    the highest rate both held (open loop) and in the closed loop."""
    both = min(results["sustained_per_s"], sqlite["sustained_per_s"])

    def at(figures: dict[str, Any]) -> float:
        return float(
            next(
                r["cpu_us_per_answer"]["all"]
                for r in figures["open_loop"]
                if r["offered_per_s"] == both
            )
        )

    rate_ratio = results["sustained_per_s"] / max(1, sqlite["sustained_per_s"])
    closed_ratio = (
        results["closed_loop"]["cpu_us_per_answer"]["all"]
        / sqlite["closed_loop"]["cpu_us_per_answer"]["all"]
    )
    return [
        (
            "rate held, against SQLite's (one worker, same plan)",
            f"{rate_ratio:.2f} × ({results['sustained_per_s']:,}/s against "
            f"{sqlite['sustained_per_s']:,}/s)",
        ),
        (
            f"server CPU per answer at {both:,}/s, against SQLite's",
            f"{at(results) / at(sqlite):.2f} × ({at(results):.0f} µs against {at(sqlite):.0f} µs)",
        ),
        ("server CPU per answer in the closed loop, against SQLite's", f"{closed_ratio:.2f} ×"),
    ]


def table(results: dict[str, Any]) -> str:
    capacity = results["capacity"]
    rows = [
        (
            "workers",
            f"{results['workers']} on "
            + ("SQLite" if results["backend"] == "sqlite" else "PostgreSQL and Redis"),
        ),
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
                f"p99 {run_['ack_p99_ms']:.0f} ms; {split(run_['cpu_us_per_answer'])}/answer"
                + (
                    ""
                    if results["backend"] == "sqlite"
                    else f"; Redis {run_['redis_commands_per_answer']:.2f} commands and "
                    f"{run_['redis_bytes_per_answer']:.0f} bytes in per answer; "
                    f"{1 / max(run_['commits_per_answer'], 1e-9):.0f} answers per commit, "
                    f"{run_['wal_bytes_per_answer']:.0f} bytes of WAL per answer"
                ),
            )
        )
    presenter = results["presenter"]
    closed = results["closed_loop"]
    fan_out = results["fan_out"]
    rows += [
        ("highest rate held (>= 99.9 %, p99 <= 100 ms)", f"{results['sustained_per_s']:,}/s"),
        (
            "closed loop (every phone, 10 messages/s at most)",
            f"{closed['per_s']:,.0f} answers/s; {split(closed['cpu_us_per_answer'])}/answer",
        ),
        (
            f"presenter latency, answers on the last worker, {presenter['rate']:,}/s",
            f"p50 {presenter['p50_ms']:.0f} ms, p99 {presenter['p99_ms']:.0f} ms",
        ),
        (
            f"slide change to {fan_out['phones']:,} phones on every worker",
            f"p50 {fan_out['p50_ms']:.0f} ms, all {fan_out['all_ms']:.0f} ms; "
            f"{split(fan_out['cpu_us_per_phone'])}/phone",
        ),
        (
            f"the same with {results['fan_out_stalled']['stalled']} phones not reading",
            f"p50 {results['fan_out_stalled']['p50_ms']:.0f} ms, "
            f"all {results['fan_out_stalled']['all_ms']:.0f} ms",
        ),
    ]
    if "against" in results:
        rows += against_rows(results, results["against"])
    if "soak" in results:
        soak = results["soak"]
        rows.append(
            (
                f"soak, 500 answers/s for {soak['minutes']:.0f} minutes: workers' memory",
                f"{soak['rss_first_half_mib']:.0f} MiB in the first half, "
                f"{soak['rss_second_half_mib']:.0f} MiB in the second",
            )
        )
    width = max(len(name) for name, _ in rows)
    return "\n".join(f"{name:<{width}}  {value}" for name, value in rows)


def main() -> None:
    parser = argparse.ArgumentParser(description="polls load benchmarks, scaled out")
    parser.add_argument("--smoke", action="store_true", help="a few seconds: the harness works")
    parser.add_argument("--workers", type=int, help="workers (2 unless told)")
    parser.add_argument("--phones", type=int, help="phones in the room")
    parser.add_argument(
        "--sqlite", action="store_true", help="one worker on SQLite instead, for comparison"
    )
    parser.add_argument("--soak-minutes", type=float, help="minutes of soak (3 unless told)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument(
        "--against", type=Path, help="a SQLite run's figures (--sqlite --json) to compare with"
    )
    args = parser.parse_args()
    plan = SMOKE if args.smoke else PLAN
    if args.workers:
        plan = dataclasses.replace(plan, workers=args.workers)
    if args.phones:
        plan = dataclasses.replace(plan, phones=args.phones)
    if args.soak_minutes is not None:
        plan = dataclasses.replace(plan, soak_seconds=60 * args.soak_minutes)
    if args.sqlite:
        plan = dataclasses.replace(plan, backend="sqlite", workers=1)
    run.tune_load_generator()
    allow_open_files(plan.phones)
    results = asyncio.run(measure(plan))
    if args.against:
        results["against"] = json.loads(args.against.read_text())
    print(table(results))
    run.save(results, args.json)


if __name__ == "__main__":
    main()
