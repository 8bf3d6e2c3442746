"""The ``polls`` command: serve, create, list, close, presenter-link."""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from polls.config import Settings
from polls.core.errors import DocumentInvalid, PollsError
from polls.core.security import PRESENTER, RESEARCHER
from polls.domain.documents import read_document_data, validate_document
from polls.imaging import attach_images
from polls.logs import configure as configure_logging
from polls.research.collect import FORMATS, collect, file_stem, parse_tags, render
from polls.research.dataset import build_dataset
from polls.research.exports import codebook, codebook_markdown
from polls.storage import Storage, open_storage
from polls.storage.presentations import (
    Created,
    create_presentation,
    links,
    new_role_secret,
    participant_url,
    presenter_url,
    researcher_url,
)
from polls.storage.retention import purge
from polls.storage.single_process import AlreadyServed, claim, served_at

T = TypeVar("T")


def _with_storage(settings: Settings, work: Callable[[Storage], Awaitable[T]]) -> T:
    async def run() -> T:
        storage = open_storage(settings.database_url)
        await storage.connect()
        try:
            return await work(storage)
        finally:
            await storage.disconnect()

    return asyncio.run(run())


def links_base(settings: Settings) -> str:
    """Where printed links point: POLLS_PUBLIC_URL, else the address of the service serving
    this SQLite database now, else the address these settings would serve at (said on
    stderr, so that a wrong guess is visible)."""
    if settings.public_url:
        return settings.base_url
    found = served_at(settings.database_url)
    if found:
        return found
    print(
        f"(Links use {settings.base_url}: set POLLS_PUBLIC_URL to the address people open.)",
        file=sys.stderr,
    )
    return settings.base_url


def tune_garbage_collection() -> None:
    """Collect young objects in rounds of 10,000 and the old generation far less often.

    The default thresholds ran full collections of about 240 ms under load with thousands of
    connections. Larger young rounds (50,000, then 20 of them before the middle generation)
    let the middle generation grow to a million objects after a room joined, and its
    collection paused the service for 440-500 ms; rounds of 10,000, and 10 of them, keep every
    pause near or under 130 ms and make joining no slower (docs/benchmarks.md).
    """
    gc.set_threshold(10_000, 10, 100)


def worker_app() -> Any:
    """The application of one ``polls serve`` process, from the settings in the environment
    (the entry point uvicorn imports in each process of ``--workers N``)."""
    from polls.web.app import create_app

    settings = Settings.from_env()
    configure_logging(settings.log_level, settings.log_format)
    tune_garbage_collection()
    return create_app(settings, freeze_after_start=True)


def first_start(settings: Settings) -> None:
    """Before serving: on the first start, create the demo presentation and print its links;
    on later starts, print where the open presentations are (presenter links are stored only
    as hashes, so they cannot be printed again)."""

    async def work(storage: Storage) -> list[dict[str, Any]]:
        existing = await storage.presentations()
        if existing or not settings.demo_file:
            return [links(settings.base_url, p, None) for p in existing if p.closed_at is None]
        demo = Path(settings.demo_file)
        try:
            data = read_document_data(demo)
        except OSError:
            print(f"Demo presentation {settings.demo_file} not found; no demo.", file=sys.stderr)
            return []
        images = attach_images(data, demo.parent)
        created = await create_presentation(storage, validate_document(data))
        for image in images:
            await storage.save_image(created.presentation.id, image)
        return [links(settings.base_url, created.presentation, created)]

    shown = _with_storage(settings, work)
    if not shown:
        return
    first = shown[0]
    if "presenter_url" in first:
        print(
            "\n  polls is running with a demo presentation: " + first["title"] + "\n"
            f"  Participants: {first['participant_url']}  (join code {first['code']})\n"
            f"  Presenter:    {first['presenter_url']}\n"
            f"  Researcher:   {first['researcher_url']}\n"
            "  Keep these links private; `polls presenter-link ID` makes a new one.\n",
            flush=True,
        )
        return
    lines = [f"\n  polls is running at {settings.base_url} with {len(shown)} open presentation(s):"]
    for row in shown[:5]:
        lines.append(f"  {row['participant_url']}  (join code {row['code']})  {row['title']}")
    if len(shown) > 5:
        lines.append(f"  ... and {len(shown) - 5} more.")
    lines.append(
        "  `polls list` shows them all; `polls presenter-link ID` gives a presenter link.\n"
    )
    print("\n".join(lines), flush=True)


def several_workers_refused(settings: Settings) -> str | None:
    """Why these settings cannot run several worker processes, or None if they can."""
    if settings.workers < 1:
        return "--workers must be at least 1."
    if settings.workers == 1:
        return None
    if settings.database_url.startswith("sqlite"):
        return (
            f"--workers {settings.workers} needs PostgreSQL and Redis: one process serves a "
            "SQLite database (each would keep its own rooms, so presenters would miss answers). "
            "Set POLLS_DATABASE_URL=postgresql://... and POLLS_BROKER_URL=redis://..., or run "
            "one worker."
        )
    if settings.broker_url.startswith("memory"):
        return (
            f"--workers {settings.workers} needs Redis to share live events between the "
            "workers: set POLLS_BROKER_URL=redis://host:6379/0, or run one worker."
        )
    return None


def websocket_protocol(settings: Settings) -> Any:
    """uvicorn's WebSocket protocol for the POLLS_WEBSOCKET setting."""
    if settings.websocket == "standard":
        return "websockets-sansio"
    if settings.websocket != "polls":
        raise ValueError(f"POLLS_WEBSOCKET must be polls or standard, not {settings.websocket!r}")
    from polls.live.wire import PollsWebSocketProtocol

    return PollsWebSocketProtocol


def serve(settings: Settings) -> int:
    import os

    import uvicorn

    from polls import metrics
    from polls.domain.protocol import MAX_MESSAGE_BYTES

    configure_logging(settings.log_level, settings.log_format)
    refused = several_workers_refused(settings)
    if refused is not None:
        print(refused, file=sys.stderr)
        return 2
    try:
        protocol = websocket_protocol(settings)
        lock = claim(settings.database_url, settings.base_url)
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2
    except AlreadyServed as exc:
        print(
            f"Another polls process is serving {exc} already. One process serves a SQLite "
            "database: to run several workers, give them a PostgreSQL database and Redis "
            "(POLLS_DATABASE_URL=postgresql://..., POLLS_BROKER_URL=redis://...).",
            file=sys.stderr,
        )
        return 2
    several = settings.workers > 1
    first_start(settings)
    # The worker processes read their settings from the environment, as given here.
    os.environ["POLLS_HOST"], os.environ["POLLS_PORT"] = settings.host, str(settings.port)
    if settings.metrics_port:
        folder = metrics.prepare_workers() if several else None
        metrics.publish(settings.host, settings.metrics_port, folder)
    uvicorn.run(
        "polls.cli:worker_app" if several else worker_app(),
        factory=several,
        workers=settings.workers if several else None,
        host=settings.host,
        port=settings.port,
        access_log=False,  # access logs would hold addresses and presenter links
        log_config=None,  # polls.logs has set the handlers, the format and the filters
        ws_max_size=MAX_MESSAGE_BYTES,
        ws_per_message_deflate=False,
        ws=protocol,
        ws_ping_interval=settings.ping_interval,
        ws_ping_timeout=settings.ping_interval,
        log_level=settings.log_level,
        proxy_headers=True,
        forwarded_allow_ips=settings.forwarded_allow_ips,
        server_header=False,
    )
    if lock is not None:
        lock.close()
    return 0


def create(settings: Settings, path: Path, as_json: bool) -> int:
    try:
        data = read_document_data(path)
        images = attach_images(data, path.parent)
        document = validate_document(data)
    except DocumentInvalid as exc:
        print(f"{path}: the presentation has problems:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"{path}: {exc.strerror}", file=sys.stderr)
        return 2

    async def work(storage: Storage) -> Created:
        created = await create_presentation(storage, document)
        for image in images:
            await storage.save_image(created.presentation.id, image)
        return created

    created = _with_storage(settings, work)
    found = links(links_base(settings), created.presentation, created)
    if as_json:
        print(json.dumps(found, ensure_ascii=False, indent=2))
    else:
        print(f"Created: {found['title']}")
        print(f"Join code:    {found['code']}")
        print(f"Participants: {found['participant_url']}")
        print(f"Presenter:    {found['presenter_url']}  (keep this link private)")
        print(f"Researcher:   {found['researcher_url']}  (read-only; keep it private)")
    return 0


def list_presentations(settings: Settings, as_json: bool) -> int:
    base = links_base(settings)

    async def work(storage: Storage) -> list[dict[str, Any]]:
        rows = []
        for presentation in await storage.presentations():
            row: dict[str, Any] = links(base, presentation, None)
            row["language"] = presentation.document.language
            row["tags"] = presentation.document.tags
            row["created_at"] = time.strftime(
                "%Y-%m-%d %H:%M", time.localtime(presentation.created_at)
            )
            row["open"] = presentation.closed_at is None
            rows.append(row)
        return rows

    rows = _with_storage(settings, work)
    if as_json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    if not rows:
        print("No presentations yet. Create one with: polls create FILE")
    for row in rows:
        state = "open" if row["open"] else "closed"
        print(
            f"{row['id']}  {row['code']}  {row['created_at']}  {state:6}  "
            f"{row['participant_url']}  {row['title']}"
        )
    return 0


def close(settings: Settings, presentation_id: str) -> int:
    closed = _with_storage(
        settings, lambda storage: storage.close_presentation(presentation_id, time.time())
    )
    print(
        "Closed; its join code no longer works." if closed else "No open presentation with that id."
    )
    return 0 if closed else 1


def role_link(settings: Settings, presentation_id: str, role: str) -> int:
    async def work(storage: Storage) -> tuple[str, str] | None:
        presentation = await storage.presentation(presentation_id)
        if presentation is None:
            return None
        secret = await new_role_secret(storage, presentation_id, role)
        return participant_url(base, presentation), secret

    base = links_base(settings)

    found = _with_storage(settings, work)
    if found is None:
        print("No presentation with that id.", file=sys.stderr)
        return 1
    make = presenter_url if role == PRESENTER else researcher_url
    print(f"Participants: {found[0]}")
    print(f"{role.capitalize() + ':':13} {make(base, presentation_id, found[1])}")
    print(f"The previous {role} link no longer works.")
    return 0


def export(settings: Settings, args: argparse.Namespace) -> int:
    """Write the chosen presentations' data, codebook (and word clouds, with zip) to a folder."""
    try:
        tags = parse_tags(args.tag)
        if not tags and not args.id:
            raise PollsError("Choose presentations with --id ID or --tag key=value.")
        sources = _with_storage(settings, lambda storage: collect(storage, args.id, tags))
    except PollsError as exc:
        print(exc.reason, file=sys.stderr)
        return 2
    if not sources:
        print("No presentation matches.", file=sys.stderr)
        return 1
    folder: Path = args.output
    folder.mkdir(parents=True, exist_ok=True)
    stem = file_stem(sources)
    kinds = list(FORMATS) if args.format == "all" else [args.format]
    dataset = build_dataset(sources, link_participants=args.link_participants)
    for kind in kinds:
        data = render(kind, dataset, sources, excel=args.excel, min_cell=settings.min_cell)
        (folder / f"{stem}.{kind}").write_bytes(data)
    (folder / f"{stem}.codebook.md").write_text(
        codebook_markdown(dataset, min_cell=settings.min_cell), encoding="utf-8"
    )
    (folder / f"{stem}.codebook.json").write_text(
        json.dumps(codebook(dataset, min_cell=settings.min_cell), ensure_ascii=False, indent=1),
        encoding="utf-8",
    )
    print(
        f"Exported {len(sources)} presentation(s), {len(dataset.rows)} rows, to {folder}/{stem}.*"
    )
    return 0


def purge_expired(settings: Settings) -> int:
    report = _with_storage(
        settings, lambda storage: purge(storage, settings.retention_days, time.time())
    )
    for purged in report:
        print(f"{purged.presentation_id}  deleted {purged.answers} answers  {purged.title}")
    print(f"Purged {sum(p.answers for p in report)} expired answers.")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    settings = Settings.from_env()
    parser = argparse.ArgumentParser(prog="polls", description="Live audience polling.")
    commands = parser.add_subparsers(dest="command", required=True)
    serve_cmd = commands.add_parser("serve", help="run the service")
    serve_cmd.add_argument("--host", default=settings.host)
    serve_cmd.add_argument("--port", type=int, default=settings.port)
    serve_cmd.add_argument(
        "--workers",
        type=int,
        default=settings.workers,
        help="processes sharing the port (more than one needs PostgreSQL and Redis)",
    )
    create_cmd = commands.add_parser("create", help="create a presentation from a YAML/JSON file")
    create_cmd.add_argument("file", type=Path)
    create_cmd.add_argument("--json", action="store_true", help="print the links as JSON")
    list_cmd = commands.add_parser("list", help="list presentations")
    list_cmd.add_argument("--json", action="store_true")
    close_cmd = commands.add_parser("close", help="close a presentation: its code stops working")
    close_cmd.add_argument("id")
    link_cmd = commands.add_parser("presenter-link", help="issue a new presenter link")
    link_cmd.add_argument("id")
    research_cmd = commands.add_parser("researcher-link", help="issue a new researcher link")
    research_cmd.add_argument("id")
    export_cmd = commands.add_parser("export", help="export answers for analysis")
    export_cmd.add_argument("--id", action="append", default=[], help="a presentation id")
    export_cmd.add_argument("--tag", action="append", default=[], help="key=value; all must match")
    export_cmd.add_argument("--format", choices=[*FORMATS, "all"], default="all")
    export_cmd.add_argument("--excel", action="store_true", help="CSV with a BOM for Excel")
    export_cmd.add_argument(
        "--link-participants",
        action="store_true",
        help="the same phone gets the same pseudonym across presentations",
    )
    export_cmd.add_argument("--output", type=Path, default=Path("exports"))
    commands.add_parser("purge", help="delete answers past their retention period")
    args = parser.parse_args(argv)
    if args.command == "serve":
        import dataclasses

        settings = dataclasses.replace(
            settings, host=args.host, port=args.port, workers=args.workers
        )
        return serve(settings)
    if args.command == "create":
        return create(settings, args.file, args.json)
    if args.command == "list":
        return list_presentations(settings, args.json)
    if args.command == "close":
        return close(settings, args.id)
    if args.command == "export":
        return export(settings, args)
    if args.command == "purge":
        return purge_expired(settings)
    return role_link(
        settings, args.id, PRESENTER if args.command == "presenter-link" else RESEARCHER
    )


if __name__ == "__main__":
    sys.exit(main())
