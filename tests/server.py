"""The real service as a subprocess (``polls serve``) on a free port, for end-to-end tests."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


def free_port() -> int:
    """A port nobody listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class Service:
    """``polls serve`` as a subprocess on a free port, on a SQLite file that outlives it."""

    def __init__(self, database: Path, **settings: str) -> None:
        self.database = database
        self.settings = settings
        self.process: subprocess.Popen[str] | None = None
        self.port = 0
        self.output: list[str] = []
        self.cwd: Path | None = None  # where the process runs; this checkout unless set

    def start(self) -> None:
        self.port = free_port()
        env = {
            **os.environ,
            "POLLS_DATABASE_URL": f"sqlite:///{self.database}",
            "POLLS_DEMO_FILE": "",
            "POLLS_RESULTS_INTERVAL": "0.05",
            **self.settings,
        }
        self.process = subprocess.Popen(
            [sys.executable, "-m", "polls", "serve", "--port", str(self.port)],
            env=env,
            cwd=self.cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,  # its own process group: a signal reaches every worker
        )
        assert self.process.stdout is not None
        for line in self.process.stdout:  # ready when uvicorn says so
            self.output.append(line)
            if "Uvicorn running on" in line:
                return
        raise AssertionError("the service did not start:\n" + "".join(self.output))

    def kill(self, how: signal.Signals = signal.SIGKILL) -> None:
        """Stop the service by a signal to each of its processes: SIGKILL (a crash) or SIGTERM
        (an orderly stop)."""
        assert self.process is not None
        os.killpg(self.process.pid, how)
        self.process.wait()
        assert self.process.stdout is not None
        self.output.append(self.process.stdout.read())
        self.process.stdout.close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def http(self, method: str, path: str, body: Any = None, key: str | None = None) -> Any:
        request = urllib.request.Request(
            self.url + path,
            method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={"content-type": "application/json"}
            | ({"authorization": f"Bearer {key}"} if key else {}),
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())


@contextmanager
def running(database: Path, **settings: str) -> Iterator[Service]:
    """A started service, killed afterwards unless a test has done so already."""
    service = Service(database, **settings)
    service.start()
    try:
        yield service
    finally:
        if service.process is not None and service.process.poll() is None:
            service.kill()


@contextmanager
def two_workers(
    folder: Path, database_url: str, broker_url: str
) -> Iterator[tuple[Service, Service]]:
    """Two started services that share a PostgreSQL database and a Redis broker (scaled out),
    killed afterwards unless a test has done so already."""
    shared = {"POLLS_DATABASE_URL": database_url, "POLLS_BROKER_URL": broker_url}
    services = (Service(folder / "a.db", **shared), Service(folder / "b.db", **shared))
    try:
        for service in services:
            service.start()
        yield services
    finally:
        for service in services:
            if service.process is not None and service.process.poll() is None:
                service.kill()
