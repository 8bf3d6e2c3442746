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


def test_scale_out_benchmark_runs_and_reports() -> None:
    """The scale-out harness runs its smoke plan against two workers on the machine's
    PostgreSQL and Redis and prints every figure."""
    done = run_script("benchmarks/scale.py", "--smoke", timeout=240)
    for figure in (
        "workers (PostgreSQL, Redis)",
        "server memory per connection",
        "answers at 100/s (open loop)",
        "Redis",
        "presenter latency, answers on the other worker",
        "slide change to 40 phones on every worker",
        "phones not reading",
    ):
        assert figure in done.stdout
