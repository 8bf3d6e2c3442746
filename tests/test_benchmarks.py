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
