"""Load benchmarks: phones and a presenter screen against a real ``polls serve``.

The server runs as its own process pinned to one core; this load generator runs pinned to the
other, doing what the phones' page does: load the page and the files it names (once; a slide
change no longer loads anything), then speak the documented protocol over one socket (cookie,
welcome, slide, answer, ack). Every run also measures a raw Starlette/uvicorn WebSocket echo
on the same machine, so figures can be read as ratios that hold on other hardware.

    .venv/bin/python benchmarks/run.py --quick        # under two minutes: make bench
    .venv/bin/python benchmarks/run.py                # everything: make bench-full
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import gc
import gzip
import json
import os
import platform
import posixpath
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgspec
from picows import WSCloseCode, WSFrame, WSListener, WSMsgType, WSTransport, ws_connect
from websockets.asyncio.client import ClientConnection, connect

ROOT = Path(__file__).resolve().parent.parent
OPEN_ANSWERS_PER_PHONE = 10
DOCUMENT = {
    "title": "Benchmark",
    "language": "en",
    "slides": [
        {"kind": "content", "id": "intro", "title": "Welcome"},
        {"kind": "scales", "id": "scale", "question": "Q", "statements": ["a", "b", "c"]},
        {
            "kind": "open_ended",
            "id": "open",
            "question": "Q",
            "max_answers": OPEN_ANSWERS_PER_PHONE,
        },
        {"kind": "content", "id": "outro", "title": "Thanks"},
        {
            "kind": "quiz",
            "id": "quiz",
            "question": "Q",
            "options": ["a", "b", "c", "d"],
            "correct": ["b"],
        },
        {"kind": "leaderboard", "id": "board"},
    ],
    "reactions": ["heart", "clap"],
    "qa": True,
}


# ---- processes ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def tune_load_generator() -> None:
    """Set up a load-generating process: uvloop where installed, and rare collections. The
    load generator holds thousands of connections too: without this its own full collections
    (hundreds of milliseconds) would be measured as the server's latency."""
    gc.set_threshold(50_000, 20, 100)
    gc.freeze()
    with contextlib.suppress(ImportError):
        import uvloop

        uvloop.install()


def save(results: dict[str, Any], path: Path | None) -> None:
    """Write a run's figures as JSON, if a file was named (``--json``)."""
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(results, indent=1))


def pin(core: int) -> None:
    """Pin this process to one core, where the machine has more than one."""
    if hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) > 1:
        os.sched_setaffinity(0, {core % (os.cpu_count() or 1)})


@dataclass
class Server:
    command: list[str]
    env: dict[str, str]
    port: int
    process: subprocess.Popen[bytes] | None = None
    database: Path = Path()  # polls' SQLite file

    def __enter__(self) -> Server:
        self.process = subprocess.Popen(
            self.command,
            env={**os.environ, **self.env},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            preexec_fn=lambda: pin(0),
        )
        for _ in range(200):
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port)):
                return self
            time.sleep(0.05)  # waiting for a subprocess to listen, not synchronising a test
        raise RuntimeError("the server did not start")

    def __exit__(self, *exc: object) -> None:
        assert self.process is not None
        self.process.terminate()
        self.process.wait(10)

    def cpu_seconds(self) -> float:
        """CPU time the server has used so far (user and system, all its threads)."""
        assert self.process is not None
        stat = Path(f"/proc/{self.process.pid}/stat").read_text()
        fields = stat[stat.rindex(")") + 2 :].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def rss_kib(self) -> int:
        assert self.process is not None
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        return 0


@contextlib.contextmanager
def polls_server(folder: Path) -> Iterator[Server]:
    port = free_port()
    env = {
        "POLLS_DATABASE_URL": f"sqlite:///{folder / 'bench.db'}",
        "POLLS_DEMO_FILE": "",
        "POLLS_LOG_LEVEL": "warning",
    }
    command = [sys.executable, "-m", "polls", "serve", "--port", str(port)]
    with Server(command, env, port, database=folder / "bench.db") as s:
        yield s


@contextlib.contextmanager
def echo_server() -> Iterator[Server]:
    port = free_port()
    command = [sys.executable, str(ROOT / "benchmarks" / "echo_app.py"), "--port", str(port)]
    with Server(command, {}, port) as s:
        yield s


def http(port: int, method: str, path: str, body: Any = None, key: str | None = None) -> Any:
    headers = {"content-type": "application/json"}
    if key:
        headers["authorization"] = f"Bearer {key}"
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers=headers,
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


# ---- clients --------------------------------------------------------------------------------


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


class Reply(msgspec.Struct):
    """The two fields of a server message the load generator looks at."""

    type: str
    id: str | None = None


decode_reply = msgspec.json.Decoder(Reply).decode


class Phone(WSListener):  # type: ignore[misc]
    """One participant connection on picows: frames are handled as they arrive, no task each.

    An efficient client matters: with a pure-Python one, reading 10,000 slide messages took
    the load generator longer than the server took to send them."""

    def __init__(self) -> None:
        self.transport: WSTransport | None = None
        self.waiting: dict[str, asyncio.Future[float]] = {}
        self.slides: asyncio.Queue[float] = asyncio.Queue()
        self.greeted: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._greetings = 0

    def on_ws_connected(self, transport: WSTransport) -> None:
        self.transport = transport

    def on_ws_frame(self, transport: WSTransport, frame: WSFrame) -> None:
        if frame.msg_type is not WSMsgType.TEXT:
            return
        now = time.perf_counter()
        reply = decode_reply(frame.get_payload_as_bytes())
        if reply.id is not None:  # ack, error, pong (or the echo's copy of what was sent)
            future = self.waiting.pop(reply.id, None)
            if future is not None and not future.done():
                future.set_result(now if reply.type != "error" else -1.0)
        elif reply.type == "slide":
            self.slides.put_nowait(now)
        if reply.type in ("welcome", "slide") and not self.greeted.done():
            self._greetings += 1
            if self._greetings == 2:
                self.greeted.set_result(None)

    def on_ws_disconnected(self, transport: WSTransport) -> None:
        for future in self.waiting.values():  # nothing pending will be answered
            if not future.done():
                future.set_result(-1.0)
        self.waiting.clear()
        if not self.greeted.done():
            self.greeted.cancel()  # a join waiting for it fails

    def stop_reading(self) -> None:
        """Behave like a phone that stopped reading: the server's sends back up."""
        assert self.transport is not None
        self.transport.underlying_transport.pause_reading()

    async def request(self, message: dict[str, Any]) -> float:
        """Send and wait for the reply: its arrival time, or -1 if refused or the link is lost."""
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        if self.transport is None or self.transport.is_disconnected:
            return -1.0
        self.waiting[message["id"]] = future
        self.transport.send(WSMsgType.TEXT, msgspec.json.encode(message))
        return await future

    def close(self) -> None:
        if self.transport is not None and not self.transport.is_disconnected:
            self.transport.send_close(WSCloseCode.OK)
            self.transport.disconnect()


def cookie_of(index: int) -> str:
    return f"polls_participant=bench-{index:08d}-participant"


async def join(port: int, code: str, cookie: str) -> Phone:
    _, phone = await ws_connect(
        Phone,
        f"ws://127.0.0.1:{port}/ws/join/{code}",
        extra_headers={"cookie": cookie},
        websocket_handshake_timeout=60,
    )
    await phone.greeted  # welcome, then the current slide
    return phone


async def join_many(
    port: int, code: str, count: int, start: int = 0, cookies: list[str] | None = None
) -> tuple[list[Phone], float]:
    """Join count phones, 500 handshakes in flight at once; returns phones and seconds."""
    gate = asyncio.Semaphore(500)

    async def one(index: int) -> Phone:
        async with gate:
            cookie = cookies[index - start] if cookies else cookie_of(index)
            return await join(port, code, cookie)

    began = time.perf_counter()
    phones = await asyncio.gather(*(one(start + i) for i in range(count)))
    return list(phones), time.perf_counter() - began


async def close_all(phones: list[Phone]) -> None:
    for phone in phones:
        phone.close()


async def presenter(port: int, presentation: dict[str, Any]) -> ClientConnection:
    ws = await connect(
        f"ws://127.0.0.1:{port}/ws/present/{presentation['id']}",
        additional_headers={"authorization": f"Bearer {presentation['key']}"},
        compression=None,
        max_queue=None,
        ping_interval=None,
    )
    await ws.recv()
    return ws


async def goto(screen: ClientConnection, slide: int) -> None:
    """Move the presentation to a slide and wait until the server has applied it."""
    await screen.send(json.dumps({"type": "goto", "slide": slide, "id": f"go{slide}"}))
    while True:
        message = json.loads(await screen.recv())
        if message.get("type") == "ack" and message.get("id") == f"go{slide}":
            return


def create(port: int) -> dict[str, Any]:
    made = http(port, "POST", "/api/presentations", DOCUMENT)
    return {
        "id": made["id"],
        "code": made["code"].replace(" ", ""),
        "key": made["presenter_url"].split("key=")[1],
    }


# ---- scenarios ------------------------------------------------------------------------------


# ---- the page, as a browser loads it ----------------------------------------------------------

ASSET = re.compile(rb'(?:href|src)="(/static/[^"]+)"')
IMPORTED = re.compile(rb'from\s*"(\.{1,2}/[^"]+)"')


async def get(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, path: str, cookie: str
) -> tuple[int, dict[bytes, bytes], bytes]:
    """One HTTP/1.1 request on a kept-alive connection, as a browser sends it."""
    lines = [f"GET {path} HTTP/1.1", "Host: 127.0.0.1", "Accept-Encoding: gzip"]
    if cookie:
        lines.append(f"Cookie: {cookie}")
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
    head = await reader.readuntil(b"\r\n\r\n")
    status_line, *header_lines = head[:-4].split(b"\r\n")
    headers: dict[bytes, bytes] = {}
    for line in header_lines:
        name, _, value = line.partition(b":")
        headers.setdefault(name.strip().lower(), value.strip())
    length = int(headers.get(b"content-length", b"0"))
    body = await reader.readexactly(length) if length else b""
    return int(status_line.split()[1]), headers, body


def page_files(page: bytes) -> list[str]:
    """What the page makes the browser fetch: its stylesheet, its script and every slide kind's
    module (preloaded, so that a slide change fetches nothing)."""
    return [m.decode() for m in ASSET.findall(page)]


async def load_page(port: int, code: str) -> tuple[str, int]:
    """A phone opens the page for the first time: the page (which gives it its cookie), then
    every file the page and its modules name, on one kept-alive connection. Returns the
    cookie and the bytes received."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        status, headers, page = await get(reader, writer, f"/{code}", "")
        assert status == 200, status
        cookie = headers[b"set-cookie"].split(b";", 1)[0].decode()
        received = len(page)
        wanted, fetched = page_files(page), set()
        while wanted:
            path = wanted.pop()
            if path in fetched:
                continue
            fetched.add(path)
            status, headers, body = await get(reader, writer, path, cookie)
            assert status == 200, (path, status)
            received += len(body)
            if path.split("?")[0].endswith(".js"):
                text = (
                    gzip.decompress(body) if headers.get(b"content-encoding") == b"gzip" else body
                )
                base = posixpath.dirname(path.split("?")[0])
                wanted += [
                    posixpath.normpath(posixpath.join(base, m.decode()))
                    for m in IMPORTED.findall(text)
                ]
        return cookie, received
    finally:
        writer.close()


async def page_loads(server: Server, code: str, count: int) -> tuple[list[str], dict[str, float]]:
    """count phones load the page and its files, 500 at a time (as a room arriving)."""
    gate = asyncio.Semaphore(500)

    async def one() -> tuple[str, int]:
        async with gate:
            return await load_page(server.port, code)

    used, began = server.cpu_seconds(), time.perf_counter()
    loaded = await asyncio.gather(*(one() for _ in range(count)))
    seconds = time.perf_counter() - began
    return [cookie for cookie, _ in loaded], {
        "pages": count,
        "seconds": seconds,
        "per_s": count / seconds,
        "kib_per_page": sum(size for _, size in loaded) / count / 1024,
        "server_cpu_ms_per_page": 1000 * (server.cpu_seconds() - used) / count,
    }


async def capacity(
    server: Server, code: str, count: int, cookies: list[str] | None = None
) -> tuple[list[Phone], dict[str, float]]:
    """Connect idle phones; memory per connection, handshakes per second, probe round trip."""
    before = server.rss_kib()
    phones, seconds = await join_many(server.port, code, count, cookies=cookies)
    after = server.rss_kib()
    rtts = []
    for index in range(200):
        phone = phones[(index * 7919) % len(phones)]
        sent = time.perf_counter()
        rtts.append(await phone.request({"type": "ping", "id": f"probe{index}"}) - sent)
    return phones, {
        "connections": count,
        "join_seconds": seconds,
        "handshakes_per_s": count / seconds,
        "kib_per_connection": (after - before) / count,
        "probe_p99_ms": 1000 * percentile(rtts, 0.99),
    }


def answer(index: int, slide: str) -> dict[str, Any]:
    if slide == "scale":
        value: dict[str, Any] = {"ratings": {str(index % 3): 1 + index % 5}}
    else:
        value = {"text": f"answer {index}"}
    # Ids begin with the time of sending in milliseconds, as phones make them (on the server's
    # clock, which here is the same one); the number after it keeps them apart.
    made = f"{int(time.time() * 1000):011x}-{index}"
    return {"type": "answer", "id": made, "slide": slide, "value": value}


async def open_loop(
    phones: list[Phone],
    rate: int,
    seconds: float,
    slide: str,
    offset: int,
    make: Callable[[int], dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Answers at a fixed arrival rate, whether or not earlier ones were acknowledged (or other
    acknowledged messages: ``make(index)`` gives the index-th)."""
    total = int(rate * seconds)
    sent_at: list[float] = [0.0] * total
    latencies: list[float] = []
    # Only answers in flight are held: keeping every finished task made the load generator's own
    # garbage collections take 300 ms, which showed up as the server's latency.
    in_flight: set[asyncio.Task[None]] = set()
    gc.freeze()  # what exists now (phones, earlier figures) lives on: keep it out of collections

    async def one(index: int) -> None:
        sent_at[index] = time.perf_counter()
        message = make(index) if make is not None else answer(offset + index, slide)
        acked = await phones[index % len(phones)].request(message)
        if acked > 0:
            latencies.append(acked - sent_at[index])

    began = time.perf_counter()
    tick = 0.005
    started = 0
    for step in range(int(seconds / tick)):
        due = int(min(total, (step + 1) * tick * rate))
        while started < due:
            task = asyncio.create_task(one(started))
            in_flight.add(task)
            task.add_done_callback(in_flight.discard)
            started += 1
        await asyncio.sleep(max(0.0, began + (step + 1) * tick - time.perf_counter()))
    if in_flight:
        await asyncio.wait(set(in_flight), timeout=5)
    for task in list(in_flight):
        task.cancel()
    return {
        "offered_per_s": rate,
        "sent": total,
        "acked_share": len(latencies) / total,
        "ack_p50_ms": 1000 * percentile(latencies, 0.5),
        "ack_p99_ms": 1000 * percentile(latencies, 0.99),
        "sent_at": sent_at,
    }


async def drained(phone: Phone) -> None:
    """Wait until the server has worked through what is queued: a fresh answer is acked."""
    for attempt in range(120):
        if await phone.request(answer(99_000_000 + attempt, "scale")) > 0:
            return
        await asyncio.sleep(1)


async def closed_loop(phones: list[Phone], seconds: float, offset: int, pace: float = 0.0) -> float:
    """Each connection sends an answer and waits for its reply, again and again (at most one
    every ``pace`` seconds): replies per second."""
    done = 0
    deadline = time.perf_counter() + seconds

    async def loop(phone: Phone, lane: int) -> None:
        nonlocal done
        index = 0
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            if await phone.request(answer(offset + lane * 1_000_000 + index, "scale")) > 0:
                done += 1
            index += 1
            if pace:
                await asyncio.sleep(max(0.0, started + pace - time.perf_counter()))

    began = time.perf_counter()
    await asyncio.gather(*(loop(phone, lane) for lane, phone in enumerate(phones)))
    return done / (time.perf_counter() - began)


async def closed_loop_polls(phones: list[Phone], seconds: float, offset: int) -> float:
    """The closed loop against polls: answers per second.

    Phones are limited to 10 messages a second each (a protocol rule), so the load is spread
    over every connected phone, and the echo baseline uses as many connections."""
    return await closed_loop(phones, seconds, offset, pace=0.1)


async def closed_loop_echo(echo: Server, connections: int, seconds: float) -> tuple[float, float]:
    """The same closed loop against the raw echo, with the same client: messages per second,
    and the echo server's CPU microseconds per message."""
    sockets = [
        (await ws_connect(Phone, f"ws://127.0.0.1:{echo.port}/echo"))[1] for _ in range(connections)
    ]
    used, began = echo.cpu_seconds(), time.perf_counter()
    rate = await closed_loop(sockets, seconds, 0)
    messages = rate * (time.perf_counter() - began)
    cpu_per_message = 1e6 * (echo.cpu_seconds() - used) / max(1.0, messages)
    await close_all(sockets)
    return rate, cpu_per_message


async def presenter_latency(
    screen: ClientConnection, phones: list[Phone], rate: int, seconds: float
) -> dict[str, float]:
    """How long after sending an answer the presenter's results first include it.

    The answers go to an open question, whose shown total counts every stored answer; a phone
    may give it at most 10 (the most a presentation can allow), so the run is cut short to
    stay within that: every answer sent can be stored and seen."""
    seconds = min(seconds, len(phones) * OPEN_ANSWERS_PER_PHONE / rate)
    seen: list[tuple[float, int]] = []

    async def watch() -> None:
        with contextlib.suppress(Exception):
            async for raw in screen:
                message = json.loads(raw)
                if message.get("type") == "results" and message.get("slide") == "open":
                    seen.append((time.perf_counter(), (message["results"] or {}).get("total", 0)))

    watcher = asyncio.create_task(watch())
    run = await open_loop(phones, rate, seconds, "open", offset=50_000_000)
    watcher.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await watcher  # the screen's socket is read by one coroutine at a time
    latencies = []
    position = 0
    for index, sent in enumerate(sorted(run["sent_at"])):
        while position < len(seen) and seen[position][1] < index + 1:
            position += 1
        if position < len(seen):
            latencies.append(seen[position][0] - sent)
    return {
        "rate": rate,
        "seconds": seconds,
        "shown_share": len(latencies) / max(1, run["sent"]),
        "p50_ms": 1000 * percentile(latencies, 0.5),
        "p99_ms": 1000 * percentile(latencies, 0.99),
    }


async def reactions_to_screen(
    server: Server, screen: ClientConnection, phones: list[Phone], seconds: float
) -> dict[str, float]:
    """Every phone reacts once a second (the most a participant may), as a room tapping at
    once: how long until the screen's counts include each reaction, how many messages the
    screen got for them, and the server's CPU per reaction. Reactions are not acknowledged, so
    the screen's running total is what tells they arrived."""
    rate = len(phones)
    total = int(rate * seconds)
    seen: list[tuple[float, int]] = []
    # As the page sends it: the reaction and the slide shown (the scale, at this point).
    payload = msgspec.json.encode({"type": "react", "reaction": "heart", "slide": "scale"})

    async def watch() -> None:
        with contextlib.suppress(Exception):
            async for raw in screen:
                message = json.loads(raw)
                if message.get("type") == "reactions":
                    seen.append((time.perf_counter(), sum(message["totals"].values())))

    watcher = asyncio.create_task(watch())
    used = server.cpu_seconds()
    sent_at: list[float] = []
    began = time.perf_counter()
    tick = 0.005
    for step_ in range(int(seconds / tick)):
        due = int(min(total, (step_ + 1) * tick * rate))
        while len(sent_at) < due:
            phone = phones[len(sent_at) % len(phones)]
            if phone.transport is not None and not phone.transport.is_disconnected:
                phone.transport.send(WSMsgType.TEXT, payload)
            sent_at.append(time.perf_counter())
        await asyncio.sleep(max(0.0, began + (step_ + 1) * tick - time.perf_counter()))
    # Until the screen has counted them all (or stops hearing of more for 5 s).
    last = -1
    while not seen or seen[-1][1] < total:
        await asyncio.sleep(1)
        if len(seen) == last:
            break
        last = len(seen)
    watcher.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await watcher
    cpu = server.cpu_seconds() - used
    latencies = []
    position = 0
    for index, sent in enumerate(sent_at):
        while position < len(seen) and seen[position][1] < index + 1:
            position += 1
        if position < len(seen):
            latencies.append(seen[position][0] - sent)
    return {
        "phones": len(phones),
        "rate": rate,
        "seconds": seconds,
        "counted_share": seen[-1][1] / total if seen else 0.0,
        "p50_ms": 1000 * percentile(latencies, 0.5),
        "p99_ms": 1000 * percentile(latencies, 0.99),
        "screen_messages_per_s": len(seen) / seconds,
        "server_cpu_us_per_reaction": 1e6 * cpu / max(1, total),
    }


async def upvotes(
    server: Server, screen: ClientConnection, phones: list[Phone], rate: int, seconds: float
) -> dict[str, Any]:
    """A question asked, every phone opening the questions (as the page does when its panel
    opens: each then gets the list once a second), and upvotes at ``rate`` a second as the page
    sends them: each phone taps up, then down, and so on. Acks as for answers; whether the
    console's count ends exactly at the phones whose last tap was up; the server's CPU."""
    asked = await phones[0].request(
        {"type": "ask", "id": f"{time.time_ns():x}-ask", "text": "Who?"}
    )
    assert asked > 0, "the question was refused"
    counts: list[tuple[float, int]] = []
    question: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    async def watch() -> None:
        with contextlib.suppress(Exception):
            async for raw in screen:
                message = json.loads(raw)
                if message.get("type") == "questions" and message["items"]:
                    newest = max(message["items"], key=lambda item: item["id"])
                    if not question.done():
                        question.set_result(newest["id"])
                    counts.append((time.perf_counter(), newest["votes"]))

    watcher = asyncio.create_task(watch())
    qid = await asyncio.wait_for(question, 30)
    for start in range(0, len(phones), 500):
        await asyncio.gather(
            *(
                phone.request({"type": "questions", "id": f"w-{start + n}"})
                for n, phone in enumerate(phones[start : start + 500])
            )
        )
    made = f"{time.time_ns():x}"
    rounds = (int(rate * seconds) - 1) // len(phones) + 1  # taps per phone, the last one wins

    def upvote(index: int) -> dict[str, Any]:
        up = (index // len(phones)) % 2 == 0
        return {"type": "upvote", "id": f"{made}-{index}", "question": qid, "up": up}

    used = server.cpu_seconds()
    run = await open_loop(phones, rate, seconds, "", 0, make=upvote)
    cpu = server.cpu_seconds() - used
    total = int(rate * seconds)
    last_tap = {index % len(phones): upvote(index)["up"] for index in range(total)}
    expected = sum(last_tap.values())
    done = time.perf_counter()
    while not counts or counts[-1][1] != expected:
        if time.perf_counter() - done > 10:
            break
        await asyncio.sleep(0.05)
    settled = counts[-1][0] - done if counts and counts[-1][1] == expected else float("nan")
    watcher.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await watcher
    run.pop("sent_at")
    return {
        **run,
        "rounds": rounds,
        "expected_votes": expected,
        "counted_votes": counts[-1][1] if counts else 0,
        "console_settled_ms": 1000 * max(0.0, settled),
        "server_cpu_us_per_upvote": 1e6 * cpu / max(1, total),
    }


QUIZ_SLIDE = 4  # positions in DOCUMENT
BOARD_SLIDE = 5


async def quiz_round(
    server: Server, screen: ClientConnection, phones: list[Phone], seconds: float
) -> dict[str, Any]:
    """A quiz question answered once by every phone within ``seconds`` (one option each, as
    the page sends it); the presenter reveals the answer and every phone asks how it did, as
    the page does when the reveal arrives; then the leaderboard: until the screen has its top
    10 of every player, and until every phone that asked (as the page does on a leaderboard)
    has its own place."""
    await goto(screen, QUIZ_SLIDE)
    made = f"{time.time_ns():x}"

    def pick(index: int) -> dict[str, Any]:
        value = {"choice": index % 4}
        return {"type": "answer", "id": f"{made}-{index}", "slide": "quiz", "value": value}

    used = server.cpu_seconds()
    run = await open_loop(phones, max(1, round(len(phones) / seconds)), seconds, "", 0, make=pick)
    cpu = server.cpu_seconds() - used
    run.pop("sent_at")
    reveal = await fan_out(screen, phones, QUIZ_SLIDE, 0.0, control={"type": "reveal"})
    began = time.perf_counter()
    told = await asyncio.gather(
        *(
            p.request({"type": "mine", "id": f"{made}-m{n}", "slide": "quiz"})
            for n, p in enumerate(phones)
        )
    )
    scored_ms = 1000 * (max(told) - began)
    board: asyncio.Future[float] = asyncio.get_running_loop().create_future()

    async def watch() -> None:
        with contextlib.suppress(Exception):
            async for raw in screen:
                message = json.loads(raw)
                results = message.get("results") or {}
                if (
                    message.get("type") == "results"
                    and message.get("slide") == "board"
                    and results.get("players") == round(run["sent"] * run["acked_share"])
                    and not board.done()
                ):
                    board.set_result(time.perf_counter())

    for phone in phones:
        while not phone.slides.empty():
            phone.slides.get_nowait()
    watcher = asyncio.create_task(watch())
    began = time.perf_counter()
    await screen.send(json.dumps({"type": "goto", "slide": BOARD_SLIDE, "id": f"{made}-board"}))

    async def place(n: int, phone: Phone) -> float:
        await phone.slides.get()
        return await phone.request({"type": "mine", "id": f"{made}-b{n}", "slide": "board"})

    placed = await asyncio.wait_for(
        asyncio.gather(*(place(n, p) for n, p in enumerate(phones))), 60
    )
    ready = await asyncio.wait_for(board, 30)
    watcher.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await watcher
    return {
        **run,
        "server_cpu_us_per_answer": 1e6 * cpu / max(1, run["sent"]),
        "reveal_all_ms": reveal["all_ms"],
        "scores_all_ms": scored_ms,
        "refused_scores": sum(1 for t in told if t < 0),
        "board_screen_ms": 1000 * (ready - began),
        "board_phones_ms": 1000 * (max(placed) - began),
        "refused_places": sum(1 for t in placed if t < 0),
    }


async def fan_out(
    screen: ClientConnection,
    phones: list[Phone],
    slide: int,
    stalled: float,
    control: dict[str, Any] | None = None,
) -> dict[str, float]:
    """Time for a slide change (or another control) to reach every (reading) phone; some phones
    may stop reading."""
    stopped = phones[: int(len(phones) * stalled)]
    for phone in stopped:
        phone.stop_reading()
    reading = phones[len(stopped) :]
    for phone in reading:
        while not phone.slides.empty():
            phone.slides.get_nowait()
    began = time.perf_counter()
    message = control or {"type": "goto", "slide": slide}
    await screen.send(json.dumps({**message, "id": f"fan{slide}{message['type']}"}))
    arrivals = await asyncio.wait_for(asyncio.gather(*(p.slides.get() for p in reading)), 30)
    delays = [t - began for t in arrivals]
    return {
        "phones": len(reading),
        "stalled": len(stopped),
        "p50_ms": 1000 * statistics.median(delays),
        "all_ms": 1000 * max(delays),
    }


# ---- the run --------------------------------------------------------------------------------


@dataclass
class Plan:
    phones: int
    rates: list[int]
    rate_seconds: float
    loop_seconds: float
    presenter_rate: int
    soak_seconds: float
    export_answers: int  # in the log of the presentation a researcher exports during answers
    export_rate: int = 1000  # answers per second meanwhile
    upvote_rate: int = 5000  # upvotes of one question per second, from every phone in turn
    quiz_seconds: float = 10  # every phone answers one quiz question within this time


QUICK = Plan(
    phones=2000,
    rates=[2000, 6000, 10_000, 12_000],
    rate_seconds=5,
    loop_seconds=5,
    presenter_rate=10_000,
    soak_seconds=0,
    export_answers=20_000,
)
FULL = Plan(
    phones=10_000,
    rates=[2000, 4000, 6000, 8000, 10_000, 12_000],
    rate_seconds=60,
    loop_seconds=20,
    presenter_rate=10_000,
    soak_seconds=600,
    export_answers=200_000,
)
SMOKE = Plan(
    phones=50,
    rates=[100],
    rate_seconds=1,
    loop_seconds=1,
    presenter_rate=100,
    soak_seconds=0,
    export_answers=500,
    export_rate=100,
    upvote_rate=100,
    quiz_seconds=1,
)


async def soak(server: Server, phones: list[Phone], seconds: float) -> dict[str, float]:
    """A moderate steady rate for a long time, with the server's memory sampled."""
    samples = [server.rss_kib()]
    began = time.perf_counter()
    offset = 80_000_000
    while time.perf_counter() - began < seconds:
        await open_loop(phones, 500, 10, "scale", offset)
        offset += 10_000
        samples.append(server.rss_kib())
    half = len(samples) // 2
    return {
        "minutes": seconds / 60,
        "rss_first_half_mib": statistics.mean(samples[:half]) / 1024,
        "rss_second_half_mib": statistics.mean(samples[half:]) / 1024,
    }


async def seed_log(database: Path, presentation_id: str, answers: int) -> None:
    """Give the presentation a log as large as a long evaluation's: open answers written
    through polls' storage straight into the database file, beside the running server."""
    from polls.storage import Submission, open_storage

    storage = open_storage(f"sqlite:///{database}")
    await storage.connect()
    try:
        for start in range(0, answers, 5000):
            await storage.store_answers(
                [
                    Submission(
                        presentation_id=presentation_id,
                        slide_id="open",
                        participant=f"seed-{n // OPEN_ANSWERS_PER_PHONE:07d}",
                        submission_id=f"seed-{n}",
                        value={"text": f"answer {n}: more places to meet in the neighbourhood"},
                        items=1,
                        limit=OPEN_ANSWERS_PER_PHONE,
                        created_at=time.time(),
                    )
                    for n in range(start, min(answers, start + 5000))
                ]
            )
    finally:
        await storage.disconnect()


def download(port: int, presentation: dict[str, Any], kind: str) -> tuple[int, float]:
    """A researcher's download of the presentation's export, as the research page's script
    makes it (``?progress=1``: lines of progress, then the file): its size and how long it
    took."""
    began = time.perf_counter()
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/research/{presentation['id']}/export.{kind}?progress=1",
        headers={"authorization": f"Bearer {presentation['key']}"},
    )
    size = 0
    with urllib.request.urlopen(request, timeout=600) as response:
        while True:  # progress lines until the file's
            line = json.loads(response.readline())
            if "error" in line:
                raise RuntimeError(f"the export failed: {line['error']}")
            if "file" in line:
                break
        while chunk := response.read(1 << 16):
            size += len(chunk)
    if size != line["file"]["size"]:
        raise RuntimeError(f"the export broke off after {size} bytes")
    return size, time.perf_counter() - began


async def answers_during_export(
    server: Server, presentation: dict[str, Any], phones: list[Phone], rate: int
) -> dict[str, Any]:
    """Phones answer at a steady rate, in rounds of two seconds, for as long as a researcher's
    XLSX export of the whole log takes; the worst round counts. The service's memory is
    sampled meanwhile (the export is made in a process of its own)."""
    before = server.rss_kib()
    peak = before
    export = asyncio.get_running_loop().run_in_executor(
        None, download, server.port, presentation, "xlsx"
    )
    rounds = []
    offset = 70_000_000
    while not export.done() or not rounds:
        run = await open_loop(phones, rate, 2, "scale", offset)
        run.pop("sent_at")
        rounds.append(run)
        offset += 10_000
        peak = max(peak, server.rss_kib())
    size, took = await export
    return {
        "rate": rate,
        "rounds": len(rounds),
        "acked_share": min(r["acked_share"] for r in rounds),
        "ack_p99_ms": max(r["ack_p99_ms"] for r in rounds),
        "export_seconds": took,
        "export_mib": size / 2**20,
        "rss_before_mib": before / 1024,
        "rss_peak_mib": peak / 1024,
    }


def step(what: str) -> None:
    print(f"... {what}", file=sys.stderr, flush=True)


async def measure(plan: Plan) -> dict[str, Any]:
    pin(1)
    results: dict[str, Any] = {
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "machine": (
            f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
        ),
    }
    step("raw echo baseline")
    with echo_server() as echo:
        results["echo_msgs_per_s"], results["echo_cpu_us_per_msg"] = await closed_loop_echo(
            echo, plan.phones, plan.loop_seconds
        )
    with tempfile.TemporaryDirectory() as folder, polls_server(Path(folder)) as server:
        presentation = create(server.port)
        screen = await presenter(server.port, presentation)
        step(f"{plan.phones:,} phones load the page")
        cookies, results["page_loads"] = await page_loads(server, presentation["code"], plan.phones)
        step(f"connecting {plan.phones:,} phones")
        phones, results["capacity"] = await capacity(
            server, presentation["code"], plan.phones, cookies
        )
        step("slide change to every phone")
        results["fan_out"] = await fan_out(screen, phones, 1, stalled=0.0)
        step("voting lock to every phone")
        results["fan_out_lock"] = await fan_out(
            screen, phones, 1, stalled=0.0, control={"type": "voting", "open": False}
        )
        await fan_out(screen, phones, 1, stalled=0.0, control={"type": "voting", "open": True})
        await drained(phones[0])  # the joins are written behind the phones' backs: let them land
        answers = []
        for rate in plan.rates:
            step(f"answers at {rate:,}/s for {plan.rate_seconds:.0f} s")
            used = server.cpu_seconds()
            run = await open_loop(phones, rate, plan.rate_seconds, "scale", offset=rate * 1000)
            run["server_cpu_us_per_answer"] = 1e6 * (server.cpu_seconds() - used) / run["sent"]
            run.pop("sent_at")
            answers.append(run)
            await drained(phones[0])
            if run["acked_share"] < 0.999 or run["ack_p99_ms"] > 100:
                break  # past the highest rate held: higher ones only pile up queues
        results["open_loop"] = answers
        held = [r for r in answers if r["acked_share"] >= 0.999 and r["ack_p99_ms"] <= 100]
        results["sustained_per_s"] = max((r["offered_per_s"] for r in held), default=0)
        step("closed loop")
        used, began = server.cpu_seconds(), time.perf_counter()
        results["polls_closed_loop_per_s"] = await closed_loop_polls(
            phones, plan.loop_seconds, 90_000_000
        )
        answered = results["polls_closed_loop_per_s"] * (time.perf_counter() - began)
        results["polls_cpu_us_per_answer"] = 1e6 * (server.cpu_seconds() - used) / max(1, answered)
        best = max(results["sustained_per_s"], results["polls_closed_loop_per_s"])
        results["ratio_to_echo"] = best / results["echo_msgs_per_s"]
        # The same comparison by CPU time, which does not depend on how busy the core got.
        # (A smoke run is too short for the clock's ticks: then it is 0.)
        polls_cpu = results["polls_cpu_us_per_answer"]
        results["cpu_ratio_to_echo"] = (
            results["echo_cpu_us_per_msg"] / polls_cpu if polls_cpu else 0.0
        )
        step(f"reactions from {plan.phones:,} phones at 1/s each")
        results["reactions"] = await reactions_to_screen(
            server, screen, phones, min(plan.rate_seconds, 10)
        )
        step(f"upvotes at {plan.upvote_rate:,}/s")
        results["upvotes"] = await upvotes(
            server, screen, phones, plan.upvote_rate, min(plan.rate_seconds, 10)
        )
        step("presenter latency")
        await goto(screen, 2)
        results["presenter"] = await presenter_latency(
            screen, phones, plan.presenter_rate, plan.rate_seconds
        )
        if plan.soak_seconds:
            await goto(screen, 1)
            results["soak"] = await soak(server, phones, plan.soak_seconds)
        step(f"answers while a {plan.export_answers:,}-answer log is exported")
        await goto(screen, 1)
        await seed_log(server.database, presentation["id"], plan.export_answers)
        results["export"] = await answers_during_export(
            server, presentation, phones, plan.export_rate
        )
        results["export"]["answers"] = plan.export_answers
        step(f"a quiz question answered by {plan.phones:,} phones, revealed, and the leaderboard")
        results["quiz"] = await quiz_round(server, screen, phones, plan.quiz_seconds)
        step("slide change with 1 % of phones not reading")
        results["fan_out_stalled"] = await fan_out(screen, phones, 3, stalled=0.01)
        await close_all(phones)
    return results


def len_phones(results: dict[str, Any]) -> int:
    return int(results["capacity"]["connections"])


def table(results: dict[str, Any]) -> str:
    capacity_ = results["capacity"]
    loads = results["page_loads"]
    rows = [
        ("machine", results["machine"]),
        (
            f"{loads['pages']:,} page loads (page and its files)",
            f"{loads['seconds']:.1f} s ({loads['per_s']:,.0f}/s), {loads['kib_per_page']:.1f} KiB "
            f"and {loads['server_cpu_ms_per_page']:.2f} ms server CPU each",
        ),
        ("connections", f"{capacity_['connections']:,}"),
        ("joins", f"{capacity_['join_seconds']:.1f} s ({capacity_['handshakes_per_s']:,.0f}/s)"),
        ("server memory per connection", f"{capacity_['kib_per_connection']:.1f} KiB"),
        ("probe round trip p99 (idle)", f"{capacity_['probe_p99_ms']:.1f} ms"),
    ]
    for run in results["open_loop"]:
        rows.append(
            (
                f"answers at {run['offered_per_s']:,}/s (open loop)",
                f"{100 * run['acked_share']:.2f} % acked, p50 {run['ack_p50_ms']:.0f} ms, "
                f"p99 {run['ack_p99_ms']:.0f} ms, "
                f"server CPU {run['server_cpu_us_per_answer']:.0f} µs/answer",
            )
        )
    rows += [
        ("highest rate held (>= 99.9 %, p99 <= 100 ms)", f"{results['sustained_per_s']:,}/s"),
        ("closed loop: polls answers/s", f"{results['polls_closed_loop_per_s']:,.0f}"),
        ("closed loop: raw echo messages/s", f"{results['echo_msgs_per_s']:,.0f}"),
        ("best polls answers/s / echo messages/s", f"{results['ratio_to_echo']:.2f}"),
        (
            "closed loop: server CPU per answer / per echo",
            f"{results['polls_cpu_us_per_answer']:.0f} µs / "
            f"{results['echo_cpu_us_per_msg']:.0f} µs (echo / polls "
            f"{results['cpu_ratio_to_echo']:.2f})",
        ),
        (
            f"presenter latency at {results['presenter']['rate']:,}/s "
            f"for {results['presenter']['seconds']:.0f} s",
            f"p50 {results['presenter']['p50_ms']:.0f} ms, "
            f"p99 {results['presenter']['p99_ms']:.0f} ms",
        ),
        (
            f"slide change to {results['fan_out']['phones']:,} phones",
            f"p50 {results['fan_out']['p50_ms']:.0f} ms, all {results['fan_out']['all_ms']:.0f} ms",
        ),
        (
            f"voting lock to {results['fan_out_lock']['phones']:,} phones",
            f"p50 {results['fan_out_lock']['p50_ms']:.0f} ms, "
            f"all {results['fan_out_lock']['all_ms']:.0f} ms",
        ),
        (
            f"the same with {results['fan_out_stalled']['stalled']} phones not reading",
            f"p50 {results['fan_out_stalled']['p50_ms']:.0f} ms, "
            f"all {results['fan_out_stalled']['all_ms']:.0f} ms",
        ),
    ]
    reacting = results["reactions"]
    rows.append(
        (
            f"reactions from {reacting['phones']:,} phones at 1/s each",
            f"{100 * reacting['counted_share']:.1f} % on the screen, p50 "
            f"{reacting['p50_ms']:.0f} ms, p99 {reacting['p99_ms']:.0f} ms; "
            f"{reacting['screen_messages_per_s']:.0f} screen messages/s; server CPU "
            f"{reacting['server_cpu_us_per_reaction']:.0f} µs/reaction",
        )
    )
    voting = results["upvotes"]
    rows.append(
        (
            f"upvotes at {voting['offered_per_s']:,}/s, {len_phones(results):,} phones watching",
            f"{100 * voting['acked_share']:.2f} % acked, p50 {voting['ack_p50_ms']:.0f} ms, "
            f"p99 {voting['ack_p99_ms']:.0f} ms; console count {voting['counted_votes']:,} of "
            f"{voting['expected_votes']:,} expected, settled {voting['console_settled_ms']:.0f} ms "
            f"after the last; server CPU {voting['server_cpu_us_per_upvote']:.0f} µs/upvote",
        )
    )
    quiz = results["quiz"]
    rows.append(
        (
            f"a quiz question answered by {len_phones(results):,} phones in "
            f"{quiz['sent'] / quiz['offered_per_s']:.0f} s",
            f"{100 * quiz['acked_share']:.2f} % acked, p50 {quiz['ack_p50_ms']:.0f} ms, "
            f"p99 {quiz['ack_p99_ms']:.0f} ms, server CPU {quiz['server_cpu_us_per_answer']:.0f} "
            f"µs/answer; reveal to every phone {quiz['reveal_all_ms']:.0f} ms, every score "
            f"{quiz['scores_all_ms']:.0f} ms; leaderboard on the screen "
            f"{quiz['board_screen_ms']:.0f} ms, every phone's place "
            f"{quiz['board_phones_ms']:.0f} ms",
        )
    )
    export = results["export"]
    rows.append(
        (
            f"answers at {export['rate']:,}/s during an XLSX export of {export['answers']:,}",
            f"{100 * export['acked_share']:.1f} % acked, p99 {export['ack_p99_ms']:.0f} ms "
            f"(worst of {export['rounds']} rounds); export {export['export_mib']:.1f} MiB in "
            f"{export['export_seconds']:.1f} s; server memory {export['rss_before_mib']:.0f} "
            f"-> {export['rss_peak_mib']:.0f} MiB",
        )
    )
    if "soak" in results:
        soak_ = results["soak"]
        rows.append(
            (
                f"soak {soak_['minutes']:.0f} min: server memory",
                f"{soak_['rss_first_half_mib']:.0f} MiB -> {soak_['rss_second_half_mib']:.0f} MiB",
            )
        )
    width = max(len(name) for name, _ in rows)
    return "\n".join(f"{name:<{width}}  {value}" for name, value in rows)


def main() -> None:
    parser = argparse.ArgumentParser(description="polls load benchmarks")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_true", help="under two minutes")
    mode.add_argument("--smoke", action="store_true", help="a few seconds: the harness works")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument(
        "--export-answers", type=int, help="answers in the log exported during answering"
    )
    parser.add_argument("--phones", type=int, help="phones in the room (the plan's otherwise)")
    args = parser.parse_args()
    plan = SMOKE if args.smoke else QUICK if args.quick else FULL
    if args.export_answers:
        plan = dataclasses.replace(plan, export_answers=args.export_answers)
    if args.phones:
        plan = dataclasses.replace(plan, phones=args.phones)
    tune_load_generator()
    results = asyncio.run(measure(plan))
    print(table(results))
    save(results, args.json)


if __name__ == "__main__":
    main()
