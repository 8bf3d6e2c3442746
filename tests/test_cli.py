"""The polls command: create, list, close and presenter-link, as people run them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def polls(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "POLLS_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}",
        "POLLS_PUBLIC_URL": "https://polls.example",
    }
    return command(env, *args)


def command(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """`polls ARGS` with these settings, run to its end (a serve that should refuse to start)."""
    return subprocess.run(
        [sys.executable, "-m", "polls", *args],
        env=env,
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
        timeout=60,
    )


def test_create_prints_the_code_and_both_links(tmp_path: Path) -> None:
    """Creating from the Dutch example prints the join code, participant and presenter URLs."""
    done = polls(tmp_path, "create", "examples/closing-round.nl.yaml")
    assert done.returncode == 0, done.stderr
    assert "Join code:" in done.stdout
    assert "https://polls.example/present/" in done.stdout and "?key=" in done.stdout


def test_create_json_for_scripts_and_list(tmp_path: Path) -> None:
    """--json gives machine-readable links; list shows the presentation with its code."""
    created = json.loads(
        polls(tmp_path, "create", "examples/closing-round.en.yaml", "--json").stdout
    )
    assert set(created) == {
        "id",
        "title",
        "code",
        "participant_url",
        "presenter_url",
        "researcher_url",
    }
    assert created["participant_url"] == "https://polls.example/" + created["code"].replace(" ", "")
    listed = polls(tmp_path, "list")
    assert (
        created["id"] in listed.stdout
        and created["code"] in listed.stdout
        and "open" in listed.stdout
    )
    rows = json.loads(polls(tmp_path, "list", "--json").stdout)
    assert rows[0]["tags"]["region"] == "Arnhem" and "presenter_url" not in rows[0]


def test_invalid_files_list_every_problem(tmp_path: Path) -> None:
    """A broken presentation file is refused with its problems and exit code 2."""
    broken = tmp_path / "broken.yaml"
    broken.write_text(
        "title: ''\nslides:\n  - kind: scales\n    question: Q\n    statements: ['']\n"
    )
    done = polls(tmp_path, "create", str(broken))
    assert done.returncode == 2
    assert "title: must not be empty" in done.stderr
    assert "slides[0].statements[0]: must not be empty" in done.stderr
    assert polls(tmp_path, "create", str(tmp_path / "missing.yaml")).returncode == 2


def test_close_and_new_presenter_link(tmp_path: Path) -> None:
    """A new presenter link replaces the old one; closing frees the code."""
    created = json.loads(
        polls(tmp_path, "create", "examples/closing-round.en.yaml", "--json").stdout
    )
    fresh = polls(tmp_path, "presenter-link", created["id"])
    assert fresh.returncode == 0 and "?key=" in fresh.stdout
    assert created["presenter_url"] not in fresh.stdout
    assert polls(tmp_path, "close", created["id"]).returncode == 0
    assert "closed" in polls(tmp_path, "list").stdout
    assert polls(tmp_path, "close", created["id"]).returncode == 1
    assert polls(tmp_path, "presenter-link", "nope").returncode == 1


@pytest.mark.parametrize("args", [[], ["frobnicate"]])
def test_usage_errors(tmp_path: Path, args: list[str]) -> None:
    """Wrong usage prints help and fails, without a traceback."""
    done = polls(tmp_path, *args)
    assert done.returncode == 2 and "usage: polls" in done.stderr and "Traceback" not in done.stderr


def test_a_second_service_on_one_sqlite_file_refuses_to_start(tmp_path: Path) -> None:
    """While one `polls serve` serves a SQLite file, a second one on it stops at once and says
    why (and what to use for several workers); commands that read or purge keep working; once
    the first is gone, even by SIGKILL, a new one starts."""
    from tests.server import Service, running

    database = tmp_path / "cli.db"
    with running(database) as first:
        env = {**os.environ, "POLLS_DATABASE_URL": f"sqlite:///{database}", "POLLS_DEMO_FILE": ""}
        second = command(env, "serve", "--port", "0")
        assert second.returncode == 2
        assert "is serving" in second.stderr and "PostgreSQL" in second.stderr
        assert polls(tmp_path, "purge").returncode == 0
        assert polls(tmp_path, "list").returncode == 0
        first.kill()
    again = Service(database)
    again.start()
    again.kill()


@pytest.mark.parametrize(
    ("settings", "reason"),
    [
        ({}, "one process serves a SQLite database"),
        ({"POLLS_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"}, "needs Redis"),
    ],
)
def test_several_workers_are_refused_without_postgresql_and_redis(
    tmp_path: Path, settings: dict[str, str], reason: str
) -> None:
    """`polls serve --workers 2` on SQLite, or without Redis, stops at once and says what it
    needs, before it opens anything."""
    env = {
        **os.environ,
        "POLLS_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}",
        "POLLS_BROKER_URL": "memory://",
        **settings,
    }
    done = command(env, "serve", "--workers", "2", "--port", "0")
    assert done.returncode == 2 and reason in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "cli.db").exists()


def test_create_stores_the_images_the_file_names(tmp_path: Path) -> None:
    """A slide's image given as a file beside the YAML is stored, re-encoded, and the slide
    names it by its URL; a missing file is refused with the slide's path."""
    from tests.test_images import photo

    (tmp_path / "deur.jpg").write_bytes(photo())
    document = tmp_path / "sessie.yaml"
    document.write_text(
        "title: Sessie\nslides:\n  - kind: content\n    title: Kijk\n    image: deur.jpg\n"
        "    image_alt: Een rode deur\n",
        encoding="utf-8",
    )
    created = json.loads(polls(tmp_path, "create", str(document), "--json").stdout)
    check = (
        "import asyncio, json, sys\n"
        "from polls.storage import open_storage\n"
        "async def main():\n"
        "    storage = open_storage(sys.argv[1]); await storage.connect()\n"
        "    found = await storage.presentation(sys.argv[2])\n"
        "    url = found.document.slides[0].image\n"
        "    image = await storage.image(url.split('/')[-1].split('.')[0])\n"
        "    print(json.dumps([url, image.url, image.content_type]))\n"
        "asyncio.run(main())\n"
    )
    stored = subprocess.run(
        [sys.executable, "-c", check, f"sqlite:///{tmp_path / 'cli.db'}", created["id"]],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
        timeout=60,
    )
    url, image_url, content_type = json.loads(stored.stdout)
    assert url == image_url and url.startswith("/images/") and content_type == "image/jpeg"
    document.write_text(document.read_text(encoding="utf-8").replace("deur", "weg"), "utf-8")
    refused = polls(tmp_path, "create", str(document))
    assert refused.returncode == 2 and "slides[0].image: cannot read weg.jpg" in refused.stderr
