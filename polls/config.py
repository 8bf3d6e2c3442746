"""Settings, read once from environment variables (``POLLS_*``).

README.md has a table of every setting; a test keeps the two in agreement.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


def _setting(default: Any, env: str, help: str) -> Any:
    return field(default=default, metadata={"env": env, "help": help})


@dataclass(frozen=True)
class Settings:
    database_url: str = _setting(
        "sqlite:///data/polls.db",
        "POLLS_DATABASE_URL",
        "Where answers are stored: `sqlite:///path.db` or `postgresql://user@host/db`.",
    )
    broker_url: str = _setting(
        "memory://",
        "POLLS_BROKER_URL",
        "How workers share live events: `memory://` (one process) or `redis://host:6379/0`.",
    )
    host: str = _setting("127.0.0.1", "POLLS_HOST", "Address `polls serve` listens on.")
    port: int = _setting(8000, "POLLS_PORT", "Port `polls serve` listens on.")
    workers: int = _setting(
        1,
        "POLLS_WORKERS",
        "Processes `polls serve` runs on its port (`--workers`); more than one needs PostgreSQL "
        "and Redis.",
    )
    websocket: str = _setting(
        "polls",
        "POLLS_WEBSOCKET",
        "`polls` (the tuned WebSocket layer) or `standard` (uvicorn's own: slower, the same "
        "behaviour; the way round a uvicorn upgrade that breaks the tuned one).",
    )
    metrics_port: int = _setting(
        0,
        "POLLS_METRICS_PORT",
        "If set, Prometheus metrics at `http://POLLS_HOST:PORT/metrics`, apart from the "
        "service's port (connections, answers, commits, queue, refusals); 0: off.",
    )
    public_url: str = _setting(
        "",
        "POLLS_PUBLIC_URL",
        "The address people type, for printed links and the join bar; default `http://HOST:PORT`.",
    )
    allowed_origins: tuple[str, ...] = _setting(
        (),
        "POLLS_ALLOWED_ORIGINS",
        "Comma-separated extra origins allowed to open WebSockets "
        "(the service's own origin always is).",
    )
    admin_token: str = _setting(
        "",
        "POLLS_ADMIN_TOKEN",
        "If set, creating presentations over HTTP needs `Authorization: Bearer <token>`.",
    )
    demo_file: str = _setting(
        "examples/closing-round.en.yaml",
        "POLLS_DEMO_FILE",
        "Presentation created on first start when there is none; empty to skip.",
    )
    organiser_token: str = _setting(
        "",
        "POLLS_ORGANISER_TOKEN",
        "If set, `Authorization: Bearer <token>` reads and exports every presentation "
        "(for research teams).",
    )
    retention_days: int = _setting(
        365,
        "POLLS_RETENTION_DAYS",
        "Days answers are kept, unless a presentation sets `retention_days`; "
        "expired answers are purged daily.",
    )
    min_cell: int = _setting(
        5,
        "POLLS_MIN_CELL",
        "Breakdowns in summaries show `< N` for groups smaller than this.",
    )
    privacy_notice: str = _setting(
        "",
        "POLLS_PRIVACY_NOTICE",
        "Privacy notice shown when joining; empty for the built-in one (anonymous, on the "
        "shared screen, kept for the retention period, deletable).",
    )
    results_interval: float = _setting(
        0.05,
        "POLLS_RESULTS_INTERVAL",
        "Seconds between live result updates of one slide on presenter screens (coalesced; "
        "an answer waits for the next update, so this bounds its way to the screen; 0.1 "
        "halves the updates).",
    )
    ping_interval: float = _setting(
        30.0,
        "POLLS_PING_INTERVAL",
        "Seconds between keepalive pings on a WebSocket (connections take turns, so a room's "
        "pings are spread over it); a connection that does not answer within this time is "
        "closed. Keep it under the idle timeout of any proxy in front.",
    )
    log_level: str = _setting(
        "info",
        "POLLS_LOG_LEVEL",
        "debug, info, warning or error. Up to `info` no line holds a client address or join "
        "code; `debug` adds every WebSocket frame (answers' text, no addresses).",
    )
    log_format: str = _setting(
        "text", "POLLS_LOG_FORMAT", "`text` (ISO timestamps) or `json` (one object a line)."
    )
    forwarded_allow_ips: str = _setting(
        "127.0.0.1",
        "POLLS_FORWARDED_ALLOW_IPS",
        "Comma-separated addresses of trusted proxies (or `*`): their `X-Forwarded-For` and "
        "`X-Forwarded-Proto` give the client address (for throttling) and the scheme (for "
        "`Secure` cookies).",
    )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for item in dataclasses.fields(cls):
            raw = environ.get(item.metadata["env"])
            if raw is None:
                continue
            if isinstance(item.default, bool):
                values[item.name] = raw.strip().lower() in {"1", "true", "yes", "on"}
            elif isinstance(item.default, int):
                values[item.name] = int(raw)
            elif isinstance(item.default, float):
                values[item.name] = float(raw)
            elif isinstance(item.default, tuple):
                values[item.name] = tuple(p.strip() for p in raw.split(",") if p.strip())
            else:
                values[item.name] = raw
        return cls(**values)

    @property
    def base_url(self) -> str:
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")


def documented_settings() -> list[tuple[str, str, str]]:
    """(environment variable, default, help) of every setting, for docs and tests."""
    rows = []
    for item in dataclasses.fields(Settings):
        default = item.default
        shown = ",".join(default) if isinstance(default, tuple) else str(default)
        rows.append((item.metadata["env"], shown, item.metadata["help"]))
    return rows
