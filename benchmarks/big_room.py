"""A room larger than one load-generating process can hold: phones over several workers on
PostgreSQL and Redis, each worker's phones held by a process of their own.

One process may not open more files than the machine's limit (``ulimit -Hn``; 20,000 on the
machine the figures come from), and every phone is a socket. So each worker's phones are loaded,
joined and held by a child process, which reports back over its standard output; the presenter
stays here. The clock is the same in every process (``time.perf_counter`` is the system's
monotonic clock), so a slide change is timed from the moment the presenter sends it to the last
phone it reaches in any process.

What it reports: how long every phone took to load the page and its files, then how long all
of them took to join (the WebSocket, with the cookie the page gave) at once, the workers' memory
per connection, and slide changes to every phone.

    .venv/bin/python benchmarks/big_room.py --phones 20000 --workers 2
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run
import scale


@dataclasses.dataclass
class Remote:
    """A worker seen from a child process: its port only."""

    port: int

    def cpu_seconds(self) -> float:
        return 0.0


async def hold(port: int, code: str, count: int, start: int) -> None:
    """The child: load, join and hold ``count`` phones; then, for each ``wait`` line read, report
    when every phone got its next slide; ``close`` ends it."""
    run.pin(1)
    loop = asyncio.get_running_loop()
    cookies, _ = await run.page_loads(Remote(port), code, count)  # type: ignore[arg-type]
    print("loaded", flush=True)
    assert (await loop.run_in_executor(None, sys.stdin.readline)).strip() == "join"
    phones, _ = await run.join_many(port, code, count, start=start, cookies=cookies)
    print(json.dumps({"joined": time.perf_counter()}), flush=True)
    while (await loop.run_in_executor(None, sys.stdin.readline)).strip() == "wait":
        for phone in phones:
            while not phone.slides.empty():
                phone.slides.get_nowait()
        print("ready", flush=True)
        arrivals = await asyncio.wait_for(asyncio.gather(*(p.slides.get() for p in phones)), 60)
        print(json.dumps({"p50": statistics.median(arrivals), "last": max(arrivals)}), flush=True)
    await run.close_all(phones)


async def measure(workers: int, phones: int) -> dict[str, Any]:
    run.pin(1)
    plan = dataclasses.replace(scale.PLAN, workers=workers, phones=phones)
    share = phones // workers
    async with contextlib.AsyncExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        database_url = await stack.enter_async_context(scale.database(plan, folder))
        servers = stack.enter_context(scale.workers(workers, database_url, folder))
        presentation = run.create(servers[0].port)
        screen = await run.presenter(servers[0].port, presentation)
        memory_before = sum(server.rss_kib() for server in servers)
        run.step(f"{phones:,} phones load the page, then join at once, {share:,} on each worker")
        began = time.perf_counter()
        children = [
            await asyncio.create_subprocess_exec(
                sys.executable,
                __file__,
                "--hold",
                str(server.port),
                presentation["code"],
                str(share),
                str(index * share),
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
            )
            for index, server in enumerate(servers)
        ]
        for child in children:
            assert child.stdout is not None
            assert (await child.stdout.readline()).strip() == b"loaded"
        loaded = time.perf_counter() - began
        began = time.perf_counter()
        for child in children:
            assert child.stdin is not None
            child.stdin.write(b"join\n")
            await child.stdin.drain()
        ends = []
        for child in children:
            assert child.stdout is not None
            ends.append(json.loads(await child.stdout.readline())["joined"])
        joined = max(ends) - began
        memory = sum(server.rss_kib() for server in servers) - memory_before
        slide_changes = []
        for slide in (1, 2, 3):
            run.step(f"slide change to all {phones:,} phones")
            for child in children:
                assert child.stdin is not None and child.stdout is not None
                child.stdin.write(b"wait\n")
                await child.stdin.drain()
                assert (await child.stdout.readline()).strip() == b"ready"
            sent = time.perf_counter()
            await screen.send(json.dumps({"type": "goto", "slide": slide, "id": f"big{slide}"}))
            reports = []
            for child in children:
                assert child.stdout is not None
                reports.append(json.loads(await child.stdout.readline()))
            slide_changes.append(1000 * (max(r["last"] for r in reports) - sent))
        for child in children:
            assert child.stdin is not None
            child.stdin.write(b"close\n")
            await child.stdin.drain()
            await child.wait()
        await screen.close()
    return {
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "workers": workers,
        "phones": phones,
        "load_seconds": loaded,
        "join_seconds": joined,
        "kib_per_connection": memory / phones,
        "slide_change_ms": slide_changes,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description="polls: a room over several workers")
    parser.add_argument("--phones", type=int, default=20_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--hold", nargs=4, help=argparse.SUPPRESS)  # the child's part
    args = parser.parse_args()
    run.tune_load_generator()
    if args.hold:
        port, code, count, start = args.hold
        asyncio.run(hold(int(port), code, int(count), int(start)))
        return
    scale.allow_open_files(args.phones // args.workers)
    results = asyncio.run(measure(args.workers, args.phones))
    changes = ", ".join(f"{ms:.0f}" for ms in results["slide_change_ms"])
    print(
        f"{results['phones']:,} phones on {results['workers']} workers (PostgreSQL and Redis):\n"
        f"  page loads (the page and its files)   {results['load_seconds']:.1f} s\n"
        f"  joins, all at once                    {results['join_seconds']:.1f} s\n"
        f"  workers' memory per connection        {results['kib_per_connection']:.1f} KiB\n"
        f"  slide change to every phone           {changes} ms"
    )
    run.save(results, args.json)


if __name__ == "__main__":
    main()
