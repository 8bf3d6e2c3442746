"""The deployment of deploy/compose.yaml, without containers: Caddy (Debian's package) with
deploy/Caddyfile, the very file compose mounts, terminating TLS in front of two `polls serve`
processes (one of them with two workers) on a real PostgreSQL and Redis. Phones and a
presenter reach the service only through Caddy."""

from __future__ import annotations

import asyncio
import http.client
import json
import os
import shutil
import ssl
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import yaml
from websockets.asyncio.client import ClientConnection, connect

from polls.web.access import GUESS_BURST
from tests.conftest import DOCUMENT
from tests.server import Service, free_port
from tests.test_metrics import scrape

pytestmark = [pytest.mark.e2e, pytest.mark.anyio]
ROOT = Path(__file__).resolve().parent.parent
CADDYFILE = ROOT / "deploy" / "Caddyfile"
SITE = "127.0.0.1"  # Caddy issues a certificate for it from its own local authority
GUESSER, VISITOR = "127.0.0.7", "127.0.0.8"  # clients' addresses, as Caddy sees them
PHONES, FORM_PHONES = 20, 5


@contextmanager
def caddy(tmp_path: Path, upstreams: list[Service]) -> Iterator[tuple[int, ssl.SSLContext]]:
    """Caddy with deploy/Caddyfile until it serves HTTPS; yields its port and a TLS context
    that trusts its local authority (and nothing else)."""
    binary = shutil.which("caddy")
    if binary is None:
        if os.environ.get("CI"):
            raise AssertionError("Caddy is missing: make test installs Debian's caddy package")
        pytest.skip("no caddy here (apt-get install caddy); make test installs it")
    https_port = free_port()
    env = {
        **os.environ,
        "HOME": str(tmp_path),
        "XDG_DATA_HOME": str(tmp_path / "caddy-data"),
        "XDG_CONFIG_HOME": str(tmp_path / "caddy-config"),
        "CADDY_ADMIN": "off",
        "CADDY_HTTP_PORT": str(free_port()),
        "CADDY_HTTPS_PORT": str(https_port),
        "POLLS_SITE": SITE,
        "POLLS_UPSTREAMS": " ".join(f"127.0.0.1:{u.port}" for u in upstreams),
    }
    log = tmp_path / "caddy.log"
    with log.open("w") as written:
        process = subprocess.Popen(
            [binary, "run", "--config", str(CADDYFILE), "--adapter", "caddyfile"],
            env=env,
            stderr=written,
        )
    try:
        root = tmp_path / "caddy-data" / "caddy" / "pki" / "authorities" / "local" / "root.crt"
        context = until_serving(process, https_port, root, log)
        yield https_port, context
    finally:
        process.terminate()
        process.wait(timeout=30)


def until_serving(
    process: subprocess.Popen[bytes], port: int, root: Path, log: Path
) -> ssl.SSLContext:
    """Wait until Caddy answers /ready over HTTPS with a certificate from its own authority
    (made at its first start), which it does once an upstream passed its health check."""
    while process.poll() is None:
        if root.exists():
            context = ssl.create_default_context(cafile=str(root))
            try:
                connection = http.client.HTTPSConnection(SITE, port, context=context, timeout=10)
                connection.request("GET", "/ready")
                if connection.getresponse().status == 200:
                    connection.close()
                    return context
                connection.close()
            except (OSError, ssl.SSLError):
                pass
        time.sleep(0.05)  # polling a server coming up, not waiting for an outcome
    raise AssertionError("Caddy stopped:\n" + log.read_text())


class Proxied:
    """Requests through Caddy over verified HTTPS, from a chosen client address."""

    def __init__(self, port: int, context: ssl.SSLContext) -> None:
        self.port = port
        self.context = context
        self.origin = f"https://{SITE}:{port}"

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        headers: dict[str, str] | None = None,
        client: str = "127.0.0.1",
    ) -> tuple[http.client.HTTPResponse, bytes]:
        connection = http.client.HTTPSConnection(
            SITE, self.port, context=self.context, source_address=(client, 0), timeout=30
        )
        sent = {"content-type": "application/json", "origin": self.origin, **(headers or {})}
        connection.request(method, path, None if body is None else json.dumps(body), sent)
        response = connection.getresponse()
        data = response.read()
        connection.close()
        return response, data

    def socket(self, path: str, headers: dict[str, str] | None = None) -> Any:
        return connect(
            f"wss://{SITE}:{self.port}{path}",
            ssl=self.context,
            origin=self.origin,  # type: ignore[arg-type]
            additional_headers=headers or {},
        )


async def until(screen: ClientConnection, wanted: Any) -> dict[str, Any]:
    while True:
        message: dict[str, Any] = json.loads(await screen.recv())
        if wanted(message):
            return message


def word_cloud_answer(n: int) -> dict[str, Any]:
    return {"type": "answer", "id": f"w{n}", "slide": "words", "value": {"words": [f"samen{n}"]}}


def services(tmp_path: Path, postgres_url: str, redis_url: str) -> list[Service]:
    """Two polls processes, the first of two workers, as compose runs them."""
    shared = {
        "POLLS_DATABASE_URL": postgres_url,
        "POLLS_BROKER_URL": redis_url,
        "POLLS_FORWARDED_ALLOW_IPS": "127.0.0.1",  # Caddy, as the processes see it
    }
    first = Service(tmp_path / "unused-1.db", POLLS_WORKERS="2", **shared)
    second = Service(tmp_path / "unused-2.db", **shared)
    return [first, second]


def wait_ready(service: Service) -> None:
    """Until the service says its database and broker answer (all its workers share them)."""
    assert service.process is not None
    while service.process.poll() is None:
        try:
            with urllib.request.urlopen(service.url + "/ready", timeout=10) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.05)  # polling a server coming up, not waiting for an outcome
    raise AssertionError("the service stopped:\n" + "".join(service.output))


async def test_phones_and_a_presenter_through_caddy_in_front_of_two_processes(
    tmp_path: Path, postgres_url: str, redis_url: str
) -> None:
    """Through Caddy over HTTPS: phones on WebSockets and on the HTTP fallback answer, each
    acknowledged once and on the presenter's screen, whichever process and worker they reached;
    cookies are Secure; throttles see each client's own address (a guesser is held back, a
    visitor behind the same proxy is not) and no log holds one; metrics sum the workers."""
    upstreams = services(tmp_path, postgres_url, redis_url)
    metrics_ports = [free_port(), free_port()]
    for service, metrics_port in zip(upstreams, metrics_ports, strict=True):
        service.settings["POLLS_METRICS_PORT"] = str(metrics_port)
    try:
        for service in upstreams:
            service.start()
            wait_ready(service)
        with caddy(tmp_path, upstreams) as (port, context):
            proxied = Proxied(port, context)
            made_response, made_body = proxied.request("POST", "/api/presentations", DOCUMENT)
            assert made_response.status == 201, made_body
            made = json.loads(made_body)
            assert made["participant_url"].startswith("http")
            code, key = made["code"].replace(" ", ""), made["presenter_url"].split("key=")[1]
            screen_path = f"/ws/present/{made['id']}"
            async with proxied.socket(screen_path, {"authorization": f"Bearer {key}"}) as screen:
                await screen.send(json.dumps({"type": "next", "id": "to-words"}))
                await until(screen, lambda m: m["type"] == "ack")
                phones = [proxied.socket(f"/ws/join/{code}") for _ in range(PHONES)]
                opened = [await phone.__aenter__() for phone in phones]
                try:
                    for n, phone in enumerate(opened):
                        await phone.send(json.dumps(word_cloud_answer(n)))
                    for n, phone in enumerate(opened):
                        ack = await until(phone, lambda m: m["type"] in {"ack", "error"})
                        assert ack == {"type": "ack", "id": f"w{n}", "duplicate": False}
                    again = await opened[0].send(json.dumps(word_cloud_answer(0))) or await until(
                        opened[0], lambda m: m["type"] == "ack"
                    )
                    assert again["duplicate"] is True  # a retry is acknowledged, not counted
                finally:
                    for phone in phones:
                        await phone.__aexit__(None, None, None)
                for n in range(PHONES, PHONES + FORM_PHONES):
                    page, _ = proxied.request("GET", f"/{code}", headers={"accept": "text/html"})
                    cookie = page.getheader("set-cookie") or ""
                    assert page.status == 200 and "; Secure" in cookie and "HttpOnly" in cookie
                    answer = {k: v for k, v in word_cloud_answer(n).items() if k != "type"}
                    sent, body = proxied.request(
                        "POST",
                        f"/api/join/{code}/answers",
                        answer,
                        {"cookie": cookie.split(";")[0]},
                    )
                    assert sent.status == 200, body
                    assert json.loads(body)["duplicate"] is False
                shown = await asyncio.wait_for(
                    until(
                        screen,
                        lambda m: (
                            m["type"] == "results"
                            and (m["results"] or {}).get("total") == PHONES + FORM_PHONES
                        ),
                    ),
                    60,
                )
                assert len(shown["results"]["words"]) == PHONES + FORM_PHONES
            _, stored = proxied.request(
                "GET",
                f"/api/presentations/{made['id']}/results?slide=words",
                headers={"authorization": f"Bearer {key}"},
            )
            assert json.loads(stored)["results"]["total"] == PHONES + FORM_PHONES
            for _ in range(GUESS_BURST + 1):
                guess, _ = proxied.request("GET", "/api/join/10000000", client=GUESSER)
            assert guess.status == 429  # the guesser, known by the address Caddy forwarded ...
            visit, _ = proxied.request("GET", f"/api/join/{code}", client=VISITOR)
            assert visit.status == 200  # ... and not the visitor behind the same proxy
        acknowledged = sum(
            scrape(metrics_port)["polls_answers_acknowledged_total"]
            for metrics_port in metrics_ports
        )
        assert acknowledged == PHONES + FORM_PHONES + 1  # and the retry, acknowledged again
    finally:
        for service in upstreams:
            if service.process is not None and service.process.poll() is None:
                service.kill()
    output = "".join("".join(service.output) for service in upstreams)
    assert GUESSER not in output and VISITOR not in output and code not in output
    assert "Traceback" not in output


def test_compose_runs_this_caddyfile_in_front_of_the_workers() -> None:
    """compose.yaml mounts deploy/Caddyfile (the file the test above runs), names every polls
    service as an upstream, and its polls services use PostgreSQL, Redis and several workers."""
    compose = yaml.safe_load((ROOT / "deploy" / "compose.yaml").read_text())
    services = compose["services"]
    proxy = services["caddy"]
    assert "./Caddyfile:/etc/caddy/Caddyfile:ro" in proxy["volumes"]
    workers = sorted(name for name in services if name.startswith("polls"))
    assert proxy["environment"]["POLLS_UPSTREAMS"].split() == [f"{w}:8000" for w in workers]
    for name in workers:
        environment = services[name]["environment"]
        assert environment["POLLS_DATABASE_URL"].startswith("postgresql://")
        assert environment["POLLS_BROKER_URL"].startswith("redis://")
        assert "--workers" in services[name]["command"]
