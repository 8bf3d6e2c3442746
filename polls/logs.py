"""Logging for ``polls serve``: ISO timestamps, text or one JSON object a line, and no client
address or join code in any line up to ``info``.

uvicorn writes a line for every WebSocket handshake (``127.0.0.1:33204 - "WebSocket
/ws/join/54248156" [accepted]``), with the client's address, the join code in the path and, behind
a trusted proxy, the forwarded address. Those lines are dropped here, at the logger that writes
them, and the sockets write lines of their own that name the presentation only.
"""

from __future__ import annotations

import json
import logging
import sys
import time

FORMATS = ("text", "json")
# uvicorn's WebSocket lines all carry the client address and the path: '%s - "WebSocket %s" ...'
# at info, '%sWebSocket connection made' and the like (address prefix) at its trace level, as
# are its HTTP connection lines ('%sHTTP connection made').
_ADDRESSED = ('"WebSocket %s"', "%sWebSocket ", "%sHTTP ")


class NoAddresses(logging.Filter):
    """Drops uvicorn's per-connection lines, which hold the client's address and the path."""

    def filter(self, record: logging.LogRecord) -> bool:
        template = record.msg if isinstance(record.msg, str) else ""
        return not any(marker in template for marker in _ADDRESSED)


def _timestamp(record: logging.LogRecord) -> str:
    seconds = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
    return f"{seconds}.{int(record.msecs):03d}Z"


class TextFormatter(logging.Formatter):
    """``2026-12-04T18:35:10.123Z WARNING polls.broker: message``"""

    def format(self, record: logging.LogRecord) -> str:
        line = f"{_timestamp(record)} {record.levelname} {record.name}: {record.getMessage()}"
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


class JsonFormatter(logging.Formatter):
    """One JSON object a line, for log collectors: time, level, logger, message (and error)."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": _timestamp(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure(level: str, style: str) -> None:
    """One handler on the root logger, for polls, uvicorn and websockets alike."""
    if style not in FORMATS:
        raise ValueError(f"POLLS_LOG_FORMAT must be one of {', '.join(FORMATS)}, not {style!r}")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if style == "json" else TextFormatter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.asgi", "websockets"):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
    errors = logging.getLogger("uvicorn.error")
    if not any(isinstance(found, NoAddresses) for found in errors.filters):
        errors.addFilter(NoAddresses())
    logging.getLogger("uvicorn.access").disabled = True  # it would hold every address and link
