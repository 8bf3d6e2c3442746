"""What an operator watches during a live event, in Prometheus's format.

The figures are kept in every process (a counter costs a fraction of a microsecond); they are
published only when ``POLLS_METRICS_PORT`` is set, on that port and apart from the service's
own, so nobody in the audience can read them. With ``polls serve --workers N`` the worker
processes write their figures to files in a shared folder (prometheus-client's multiprocess
mode) and the parent process serves their sum.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    start_http_server,
)
from prometheus_client.multiprocess import MultiProcessCollector

MULTIPROCESS_FOLDER = "PROMETHEUS_MULTIPROC_DIR"  # prometheus-client's own setting

participants = Gauge(
    "polls_participants_connected",
    "Phones connected over a WebSocket.",
    multiprocess_mode="livesum",
)
presenters = Gauge(
    "polls_presenters_connected",
    "Presenter screens and consoles connected.",
    multiprocess_mode="livesum",
)
answers = Counter(
    "polls_answers_acknowledged",
    "Answers committed and acknowledged (a retry of a stored answer counts again).",
)
commit_seconds = Histogram(
    "polls_commit_seconds",
    "Time to commit one batch of answers or joins.",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
)
batch_size = Histogram(
    "polls_commit_batch_size",
    "Answers or joins committed together in one transaction.",
    buckets=(1, 2, 5, 10, 20, 50, 100, 200, 500),
)
writer_queue = Gauge(
    "polls_writer_queue_depth",
    "Writes waiting for the database.",
    multiprocess_mode="livesum",
)
broker_reconnects = Counter(
    "polls_broker_reconnects",
    "Times the connection to Redis came back after trouble.",
)
refusals = Counter(
    "polls_refusals",
    "Messages and requests refused, by the error code the client sees.",
    ["code"],
)


def prepare_workers() -> Path:
    """Before worker processes start: the folder where they will write their figures."""
    folder = os.environ.get(MULTIPROCESS_FOLDER)
    if folder:
        path = Path(folder)
        for stale in path.glob("*.db"):  # the figures of a previous run
            stale.unlink()
    else:
        path = Path(tempfile.mkdtemp(prefix="polls-metrics-"))
        os.environ[MULTIPROCESS_FOLDER] = str(path)
    return path


def publish(host: str, port: int, workers_folder: Path | None = None) -> None:
    """Serve the figures at http://host:port/metrics from a thread of this process: this
    process's own, or the sum of the worker processes' in workers_folder."""
    if workers_folder is None:
        start_http_server(port, addr=host)
        return
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=str(workers_folder))  # type: ignore[no-untyped-call]
    start_http_server(port, addr=host, registry=registry)
