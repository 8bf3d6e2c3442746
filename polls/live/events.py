"""The events that travel between workers through the broker (msgpack): hints, never truth."""

from __future__ import annotations

from typing import Any

import msgspec

from polls.core.models import State, StoredResponse

RESYNC_SECONDS = 30.0


class ResponsesEvent(msgspec.Struct, tag="responses"):
    items: list[StoredResponse]


class StateEvent(msgspec.Struct, tag="state"):
    state: State


class ModerationEvent(msgspec.Struct, tag="moderation"):
    slide: str
    item: str
    hidden: bool


class JoinedEvent(msgspec.Struct, tag="joined"):
    count: int


class ResetEvent(msgspec.Struct, tag="reset"):
    """Answers were deleted (withdrawal, purge): results must be rebuilt from storage."""


class DocumentEvent(msgspec.Struct, tag="document"):
    """The presenter changed the presentation (the editor). The document goes as plain data,
    since each slide is decoded by its kind (``documents.document_from_builtins``)."""

    document: dict[str, Any]


class OnlineEvent(msgspec.Struct, tag="online"):
    """How many phones one worker has connected to the presentation (a shared counter)."""

    worker: str
    count: int
    at: float


class AskOnline(msgspec.Struct, tag="ask_online"):
    """A worker that just opened the room asks the others for their counts."""


class ReactionsEvent(msgspec.Struct, tag="reactions"):
    """Reactions one worker took on a slide since its last such event, by name."""

    slide: str
    counts: dict[str, int]


Event = (
    ResponsesEvent
    | StateEvent
    | ModerationEvent
    | JoinedEvent
    | ResetEvent
    | DocumentEvent
    | OnlineEvent
    | AskOnline
    | ReactionsEvent
)
# Each worker repeats its count of phones this often; a count not repeated for three times as
# long is dropped, so a worker that died stops counting within 15 s.
ONLINE_HEARTBEAT_SECONDS = 5.0
ONLINE_STALE_SECONDS = 3 * ONLINE_HEARTBEAT_SECONDS
event_decoder = msgspec.msgpack.Decoder(Event)
encode_event = msgspec.msgpack.encode


def channel(presentation_id: str) -> str:
    return f"polls:presentation:{presentation_id}"
