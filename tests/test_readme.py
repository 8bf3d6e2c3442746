"""The README's commands, run as written: what a newcomer types first must work."""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.server import free_port

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
VENV_POLLS = ROOT / ".venv" / "bin" / "polls"


def readme_commands(heading: str) -> list[str]:
    """The commands in the first shell block under a README heading, without comments."""
    section = README.split(f"## {heading}\n", 1)[1]
    block = section.split("```sh\n", 1)[1].split("```", 1)[0]
    return [line.split("  #", 1)[0].strip() for line in block.splitlines() if line.strip()]


@contextmanager
def make_run(port: int, env: dict[str, str]) -> Iterator[str]:
    """`make run PORT=port` until the service listens; yields what it printed by then."""
    process = subprocess.Popen(
        ["make", "-s", "run", f"PORT={port}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # make and the service it starts are stopped together
    )
    printed: list[str] = []
    try:
        assert process.stdout is not None
        for line in process.stdout:
            printed.append(line)
            if "Uvicorn running on" in line:
                break
        else:
            raise AssertionError("make run did not start the service:\n" + "".join(printed))
        yield "".join(printed)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=60)
        assert process.stdout is not None
        process.stdout.close()


def run(command: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """A README command line, with `.venv/bin/polls` as the installed command."""
    words = shlex.split(command)
    assert words[0] == ".venv/bin/polls", command
    return subprocess.run(
        [sys.executable, "-m", "polls", *words[1:]],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def plain_environment() -> dict[str, str]:
    """This environment without polls' settings and the calling make's variables."""
    return {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("POLLS_") and key not in {"MAKEFLAGS", "MAKELEVEL", "MFLAGS"}
    }


@pytest.mark.e2e
def test_the_quick_start_and_the_commands_beside_it(tmp_path: Path) -> None:
    """`make run PORT=…` prints the demo's links on that port; `polls create` and `polls list`
    beside it print links on that port too (not the default one); the README's export example
    finds the demo; a second `make run` says where the presentations are."""
    if not VENV_POLLS.exists():
        pytest.skip("make run installs into .venv, which `make test` creates")
    assert readme_commands("Quick start")[0].startswith("make run")
    port = free_port()
    env = plain_environment()
    env["POLLS_DATABASE_URL"] = f"sqlite:///{tmp_path / 'polls.db'}"
    served = f"http://127.0.0.1:{port}"
    with make_run(port, env) as printed:
        assert re.search(rf"Participants: {served}/\d{{8}}", printed), printed
        assert f"Presenter:    {served}/present/" in printed
        for command in readme_commands("Creating a presentation"):
            if "my-session.yaml" in command or " ID" in command:
                continue  # a file of the reader's own; an id they choose
            done = run(command, env)
            assert done.returncode == 0, done.stderr
            assert served in done.stdout, (command, done.stdout)
            assert ":8000" not in done.stdout + done.stderr
        export = readme_commands("Research exports")[0].replace("exports/", str(tmp_path / "out"))
        done = run(export, env)
        assert done.returncode == 0 and "Exported 1 presentation(s)" in done.stdout, done.stderr
    with make_run(port, env) as printed:
        assert "open presentation(s)" in printed and f"{served}/" in printed
        assert "polls list" in printed


@pytest.mark.e2e
def test_make_run_on_postgresql_and_redis(empty_postgres_url: str, redis_url: str) -> None:
    """`make run` with the two scale-out URLs set (a new, empty database) serves the demo, its
    database and broker ready: their drivers come with the install."""
    if not VENV_POLLS.exists():
        pytest.skip("make run installs into .venv, which `make test` creates")
    port = free_port()
    env = plain_environment() | {
        "POLLS_DATABASE_URL": empty_postgres_url,
        "POLLS_BROKER_URL": redis_url,
    }
    with make_run(port, env) as printed:
        assert "/present/" in printed, printed
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/ready", timeout=30) as response:
            ready = json.loads(response.read())
    assert ready.items() >= {"status": "ready", "database": "ok", "broker": "ok"}.items()
