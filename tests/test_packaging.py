"""What an install of polls brings with it."""

from __future__ import annotations

import os
import re
from importlib.metadata import requires
from pathlib import Path


def test_the_scale_out_drivers_come_with_every_install() -> None:
    """`pip install polls` (and so `make run`) brings asyncpg and redis, which the settings'
    postgresql:// and redis:// URLs need, without naming an extra."""
    always = {
        re.split(r"[\s<>=!\[;]", line, maxsplit=1)[0].lower()
        for line in requires("polls") or []
        if "extra ==" not in line
    }
    assert {"asyncpg", "redis"} <= always


def test_uvicorn_and_websockets_are_bounded_above() -> None:
    """wire.py leans on uvicorn's and websockets' internals: both have an upper bound, so a new
    release is taken on purpose, after the wire tests pass with it."""
    for name in ("uvicorn", "websockets"):
        line = next(r for r in requires("polls") or [] if r.lower().startswith(name))
        assert "<" in line, line


def test_the_constraints_pin_every_dependency_within_its_range() -> None:
    """deploy/constraints.txt (make lock) pins each package pyproject.toml names, tests' too,
    at a version its range allows, and make, CI and the image install with it: a dependency
    added or a range moved without `make lock` fails here."""
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    root = Path(__file__).resolve().parent.parent
    pinned = {}
    for line in (root / "deploy" / "constraints.txt").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, version = line.split("==")
            pinned[canonicalize_name(name)] = version.strip()
    for line in requires("polls") or []:
        requirement = Requirement(line.split(";")[0])
        name = canonicalize_name(requirement.name)
        assert name in pinned, f"{name} is not in deploy/constraints.txt: run make lock"
        assert requirement.specifier.contains(pinned[name], prereleases=True), (
            f"{name}=={pinned[name]} is outside {requirement.specifier}: run make lock"
        )
    assert "-c $(CONSTRAINTS)" in (root / "Makefile").read_text()
    assert "-c deploy/constraints.txt" in (root / "Dockerfile").read_text()


def test_a_built_wheel_serves_its_pages_from_anywhere(tmp_path: Path) -> None:
    """The wheel carries the templates, the browser code and the translations: installed away
    from this checkout and started from another folder, it serves the join page, a phone's
    page with its script, and the presenter's screen."""
    import subprocess
    import sys
    import urllib.request

    from tests.conftest import DOCUMENT
    from tests.server import Service

    root = Path(__file__).resolve().parent.parent
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path / "wheel"),
         str(root)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert built.returncode == 0, built.stderr[-2000:]
    (wheel,) = (tmp_path / "wheel").glob("polls-*.whl")
    target = tmp_path / "installed"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target),
         str(wheel)],
        check=True, capture_output=True,
    )  # fmt: skip
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    service = Service(elsewhere / "polls.db", PYTHONPATH=str(target), POLLS_DEMO_FILE="")
    service.cwd = elsewhere
    service.start()
    try:
        where = subprocess.run(
            [sys.executable, "-c", "import polls; print(polls.__file__)"],
            env={**os.environ, "PYTHONPATH": str(target)}, cwd=elsewhere,
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
        assert where.startswith(str(target))  # the wheel's polls, not this checkout's
        made = service.http("POST", "/api/presentations", DOCUMENT)
        code = made["code"].replace(" ", "")

        browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())

        def get(path: str) -> str:
            with browser.open(service.url + path, timeout=30) as response:
                assert response.status == 200, path
                return str(response.read().decode())

        assert "<form" in get("/")
        phone = get(f"/{code}")
        script = re.search(r'src="([^"]*participant\.js[^"]*)"', phone)
        assert script is not None and "WebSocket" in get(script.group(1))
        key = made["presenter_url"].split("key=", 1)[1]
        assert "presenter.js" in get(f"/present/{made['id']}?key={key}")  # the key becomes a cookie
    finally:
        service.kill()
