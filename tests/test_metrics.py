"""Prometheus metrics on their own port: what an operator watches during a live event."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families
from websockets.asyncio.client import connect

from tests.conftest import DOCUMENT
from tests.server import Service, free_port, running

pytestmark = [pytest.mark.e2e, pytest.mark.anyio]


def status(url: str) -> int:
    """The HTTP status of a GET."""
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            code: int = response.status
    except urllib.error.HTTPError as refused:
        refused.close()
        return refused.code
    return code


def scrape(port: int) -> dict[str, float]:
    """Every sample at http://127.0.0.1:port/metrics, by name and labels."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as response:
        text = response.read().decode()
    samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            labels = ",".join(f"{k}={v}" for k, v in sorted(sample.labels.items()))
            samples[sample.name + (f"{{{labels}}}" if labels else "")] = sample.value
    return samples


async def answer_once(service: Service) -> tuple[str, str]:
    """A phone answers the word cloud; returns the presentation's id and code."""
    made = service.http("POST", "/api/presentations", DOCUMENT)
    code = made["code"].replace(" ", "")
    key = made["presenter_url"].split("key=")[1]
    origin = {"origin": service.url}
    async with connect(
        f"ws://127.0.0.1:{service.port}/ws/present/{made['id']}",
        additional_headers={"authorization": f"Bearer {key}", **origin},
    ) as screen:
        await screen.send(json.dumps({"type": "next", "id": "n1"}))
        while json.loads(await screen.recv()).get("type") != "ack":
            pass
    async with connect(f"ws://127.0.0.1:{service.port}/ws/join/{code}", origin=None) as phone:
        answer = {"type": "answer", "id": "a1", "slide": "words", "value": {"words": ["rust"]}}
        await phone.send(json.dumps(answer))
        while json.loads(await phone.recv())["type"] != "ack":
            pass
    return made["id"], code


async def test_metrics_count_connections_answers_commits_and_refusals(tmp_path: Path) -> None:
    """With POLLS_METRICS_PORT set, /metrics on that port (and not on the service's) shows the
    phones connected, answers acknowledged, commits with their batch sizes, and refusals by
    the code the client saw."""
    metrics_port = free_port()
    with running(tmp_path / "metrics.db", POLLS_METRICS_PORT=str(metrics_port)) as service:
        await answer_once(service)
        assert status(f"{service.url}/api/join/10000000") == 404
        assert status(f"{service.url}/metrics") == 404
        async with connect(f"ws://127.0.0.1:{service.port}/ws/join/{10000001}") as phone:
            assert json.loads(await phone.recv())["code"] == "unknown_code"
        found = scrape(metrics_port)
        assert found["polls_answers_acknowledged_total"] == 1
        assert found["polls_commit_batch_size_count"] >= 2  # the presentation's join, the answer
        assert found["polls_commit_seconds_count"] == found["polls_commit_batch_size_count"]
        assert found["polls_refusals_total{code=unknown_code}"] == 2
        assert found["polls_participants_connected"] == 0
        assert found["polls_presenters_connected"] == 0
        assert found["polls_writer_queue_depth"] == 0
        _, code = await answer_once(service)
        async with connect(f"ws://127.0.0.1:{service.port}/ws/join/{code}") as phone:
            assert json.loads(await phone.recv())["type"] == "welcome"
            assert scrape(metrics_port)["polls_participants_connected"] == 1
