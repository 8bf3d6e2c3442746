"""The benchmark scripts still run (a few seconds, small numbers), so they cannot rot."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_write_path_benchmark_runs_and_reports() -> None:
    """The write-path benchmark completes and prints its figures."""
    done = subprocess.run(
        [sys.executable, "benchmarks/write_path.py", "--answers", "300", "--in-flight", "30"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "answers/s" in done.stdout and "ack p99" in done.stdout


def test_socket_path_benchmark_runs_and_reports() -> None:
    """The socket-path benchmark echoes through both protocols, cleanly, and prints the saving."""
    done = subprocess.run(
        [sys.executable, "benchmarks/socket_path.py", "--messages", "200", "--rounds", "1"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "saved" in done.stdout and "Exception" not in done.stderr


def test_load_benchmark_harness_runs_and_reports() -> None:
    """The load harness runs its smoke plan against real servers and prints every figure."""
    done = subprocess.run(
        [sys.executable, "benchmarks/run.py", "--smoke"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=240,
    )
    assert done.returncode == 0, done.stderr
    for figure in (
        "server memory per connection",
        "closed loop: raw echo",
        "presenter latency",
        "slide change to 50 phones",
        "phones not reading",
    ):
        assert figure in done.stdout
