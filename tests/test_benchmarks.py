"""The benchmark scripts still run (a few seconds, small numbers), so they cannot rot."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_script(*arguments: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run a benchmark script from the project's root; it must exit cleanly."""
    done = subprocess.run(
        [sys.executable, *arguments],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=timeout,
    )
    assert done.returncode == 0, done.stderr
    return done


def test_write_path_benchmark_runs_and_reports() -> None:
    """The write-path benchmark completes and prints its figures."""
    done = run_script("benchmarks/write_path.py", "--answers", "300", "--in-flight", "30")
    assert "answers/s" in done.stdout and "ack p99" in done.stdout


def test_socket_path_benchmark_runs_and_reports() -> None:
    """The socket-path benchmark echoes through both protocols, and through ours handing each
    message over directly, cleanly, and prints the savings."""
    done = run_script("benchmarks/socket_path.py", "--messages", "200", "--rounds", "1")
    assert done.stdout.count("saved") == 2 and "Exception" not in done.stderr


def test_load_benchmark_harness_runs_and_reports() -> None:
    """The load harness runs its smoke plan against real servers and prints every figure,
    its phones loading the page and its files as the page does."""
    done = run_script("benchmarks/run.py", "--smoke", timeout=240)
    for figure in (
        "server memory per connection",
        "closed loop: raw echo",
        "server CPU",
        "per echo",
        "presenter latency",
        "50 page loads (page and its files)",
        "slide change to 50 phones",
        "voting lock to 50 phones",
        "phones not reading",
        "during an XLSX export of 500",
        "upvotes at 100/s, 50 phones watching",
        "a quiz question answered by 50 phones in 1 s",
    ):
        assert figure in done.stdout


def test_scale_out_benchmark_runs_and_reports(tmp_path: Path) -> None:
    """The scale-out harness runs its smoke plan on SQLite, then against two workers on the
    machine's PostgreSQL and Redis with the SQLite figures beside it, and prints every figure."""
    sqlite = tmp_path / "sqlite.json"
    done = run_script("benchmarks/scale.py", "--smoke", "--sqlite", "--json", str(sqlite))
    assert "1 on SQLite" in done.stdout
    done = run_script(
        "benchmarks/scale.py", "--smoke", "--against", str(sqlite), "--soak-minutes", "0.05",
        timeout=240,
    )  # fmt: skip
    for figure in (
        "2 on PostgreSQL and Redis",
        "page loads (the page and its files)",
        "joins",
        "server memory per connection",
        "answers at 100/s (open loop)",
        "(workers",
        "Redis",
        "answers per commit",
        "bytes of WAL per answer",
        "closed loop",
        "presenter latency, answers on the last worker",
        "slide change to 40 phones on every worker",
        "phones not reading",
        "rate held, against SQLite's",
        "soak",
    ):
        assert figure in done.stdout


def test_event_cost_benchmark_runs_and_reports() -> None:
    """The cost of one more worker per answer is measured and printed."""
    done = run_script("benchmarks/event_cost.py", "--batch", "5")
    assert "µs per answer for each further worker" in done.stdout


def test_big_room_benchmark_runs_and_reports() -> None:
    """A room held by a load process per worker joins, and every phone gets each slide."""
    done = run_script("benchmarks/big_room.py", "--phones", "60", "--workers", "2", timeout=240)
    for figure in ("page loads", "joins, all at once", "memory per connection", "slide change"):
        assert figure in done.stdout


def test_capacity_model_fits_and_checks_a_smoke_run(tmp_path: Path) -> None:
    """The capacity model reads a one-worker run, predicts a two-worker run and sizes rooms of
    10,000, 70,000 and 1,000,000 phones."""
    one, two = tmp_path / "one.json", tmp_path / "two.json"
    run_script("benchmarks/scale.py", "--smoke", "--workers", "1", "--json", str(one))
    run_script("benchmarks/scale.py", "--smoke", "--json", str(two))
    done = run_script("benchmarks/capacity.py", str(one), "--check", str(two))
    assert "predicted" in done.stdout and "1,000,000 phones" in done.stdout
