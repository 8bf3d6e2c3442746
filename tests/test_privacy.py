"""No addresses in anything the server writes, behind a trusted proxy as on a real server:
the service's own output is read after a whole session and searched for the addresses."""

from __future__ import annotations

import http.client
import json
from pathlib import Path
from typing import Any

import pytest
from websockets.asyncio.client import connect

from tests.conftest import DOCUMENT
from tests.server import running

pytestmark = [pytest.mark.e2e, pytest.mark.anyio]
PROXY = "127.0.0.5"  # the proxy's own address: a loopback address no other line mentions
VISITOR, GUESSER = "203.0.113.77", "203.0.113.66"


def through_proxy(port: int, method: str, path: str, client: str, body: Any = None) -> Any:
    """A request as the proxy sends it: from the proxy's address, naming the client."""
    connection = http.client.HTTPConnection("127.0.0.1", port, source_address=(PROXY, 0))
    headers = {"x-forwarded-for": client, "x-forwarded-proto": "https"}
    if body is not None:
        headers["content-type"] = "application/json"
    connection.request(method, path, None if body is None else json.dumps(body), headers)
    response = connection.getresponse()
    response.read()
    connection.close()
    return response


async def test_a_session_behind_a_proxy_leaves_no_address_in_the_log(tmp_path: Path) -> None:
    """Through a trusted proxy: the forwarded scheme makes cookies Secure, wrong codes are
    counted for the forwarded client (another client behind the same proxy still gets in),
    and after a phone answered and a screen watched, neither the proxy's address, nor the
    clients', nor the join code appears in the server's output, which is one JSON object a
    line."""
    settings = {"POLLS_FORWARDED_ALLOW_IPS": PROXY, "POLLS_LOG_FORMAT": "json"}
    with running(tmp_path / "privacy.db", **settings) as service:
        made = service.http("POST", "/api/presentations", DOCUMENT)
        code = made["code"].replace(" ", "")
        page = through_proxy(service.port, "GET", f"/{code}", VISITOR)
        assert page.status == 200
        cookie = page.getheader("set-cookie")
        assert "Secure" in cookie
        from polls.web.access import GUESS_BURST

        for guess in range(GUESS_BURST + 1):
            last = through_proxy(service.port, "GET", f"/api/join/{10_000_000 + guess}", GUESSER)
        assert last.status == 429  # the guesser is held back ...
        assert through_proxy(service.port, "GET", f"/api/join/{code}", VISITOR).status == 200
        headers = {"x-forwarded-for": VISITOR, "cookie": cookie.split(";")[0]}
        key = made["presenter_url"].split("key=")[1]
        async with (
            connect(
                f"ws://127.0.0.1:{service.port}/ws/present/{made['id']}",
                additional_headers={"authorization": f"Bearer {key}", "x-forwarded-for": VISITOR},
                local_addr=(PROXY, 0),
            ) as screen,
            connect(
                f"ws://127.0.0.1:{service.port}/ws/join/{code}",
                additional_headers=headers,
                local_addr=(PROXY, 0),
            ) as phone,
        ):
            await screen.send(json.dumps({"type": "next", "id": "n1"}))
            answer = {"type": "answer", "id": "a1", "slide": "words", "value": {"words": ["rust"]}}
            while json.loads(await phone.recv()).get("index") != 1:  # on the word cloud now
                pass
            await phone.send(json.dumps(answer))
            while json.loads(await phone.recv())["type"] != "ack":
                pass
            while True:
                results = json.loads(await screen.recv())
                if results["type"] == "results" and results["slide"] == "words":
                    counted = results["results"]
                    if counted and counted["total"] == 1:
                        break
        service.kill()
    written = "".join(service.output)
    for secret in (PROXY, VISITOR, GUESSER, code, code[:4] + " " + code[4:]):
        assert secret not in written, secret
    lines = [json.loads(line) for line in written.splitlines() if line.strip()]
    assert lines and all({"time", "level", "logger", "message"} <= line.keys() for line in lines)
    assert any("a screen connected to presentation" in line["message"] for line in lines)
