"""The wire protocol, with no I/O: parse client messages, check answers, encode replies.

Every client message is a JSON object with a ``type``. The same parsing and
the same answer checks serve the WebSocket and the HTTP fallback, so both
accept and refuse exactly the same things. ``docs/protocol.md`` describes
every message.
"""

from __future__ import annotations

import re
import secrets
from typing import Any

import msgspec

from polls.core.errors import BadMessage, MessageTooLarge, PollsError, UnknownMessage
from polls.core.i18n import N_
from polls.core.models import Document, Presentation, Slide, State
from polls.kinds import kind_of
from polls.kinds.base import CheckedAnswer
from polls.kinds.qa import qa_enabled

MAX_MESSAGE_BYTES = 16 * 1024


class _Message(msgspec.Struct, tag_field="type", kw_only=True, forbid_unknown_fields=True):
    id: str | None = None


class Answer(_Message, tag="answer"):
    id: str
    slide: str
    value: dict[str, Any]


class Ping(_Message, tag="ping"):
    pass


class React(_Message, tag="react"):
    """A reaction (heart, applause, ...) to the slide shown; counted, not acknowledged."""

    reaction: str
    slide: str | None = None


class Ask(_Message, tag="ask"):
    """A question to the speaker; acknowledged once stored, like an answer."""

    id: str
    text: str


class Upvote(_Message, tag="upvote"):
    """An upvote of a question (``up: false`` takes it back); the newest one counts."""

    id: str
    question: int
    up: bool = True


class Questions(_Message, tag="questions"):
    """A phone opens (``watch: true``) or closes the audience's questions: while open, it is
    sent the questions as they change."""

    watch: bool = True


class Mine(_Message, tag="mine"):
    """A phone asks for its own answers on a slide, to show them again."""

    slide: str


class Goto(_Message, tag="goto"):
    slide: int


class Next(_Message, tag="next"):
    pass


class Previous(_Message, tag="previous"):
    pass


class Voting(_Message, tag="voting"):
    open: bool
    slide: str | None = None


class ShowResults(_Message, tag="results_visible"):
    visible: bool
    slide: str | None = None


class Timer(_Message, tag="timer"):
    """Start a countdown on a slide (``seconds`` more if one runs), or stop it (0)."""

    seconds: int
    slide: str | None = None


class QuestionAction(_Message, tag="question"):
    """The presenter on one audience question: ``answering`` (now), ``answered``, ``reopen``
    (neither), ``hide`` (from the audience, kept in the data) or ``show`` (approve it, or show
    it again)."""

    question: int
    action: str


class Reveal(_Message, tag="reveal"):
    """Show a quiz question's right answer (phones learn whether they were right), which
    closes voting on it; ``shown: false`` takes it off again."""

    shown: bool = True
    slide: str | None = None


class Hide(_Message, tag="hide"):
    slide: str
    item: str


class Restore(_Message, tag="restore"):
    slide: str
    item: str


ParticipantMessage = Answer | Mine | React | Ask | Upvote | Questions | Ping
Control = (
    Goto | Next | Previous | Voting | ShowResults | Timer | Reveal | QuestionAction | Hide | Restore
)
PresenterMessage = Control | Ping

_participant_decoder = msgspec.json.Decoder(ParticipantMessage)
_presenter_decoder = msgspec.json.Decoder(PresenterMessage)
_PARTICIPANT_TYPES = frozenset({"answer", "mine", "react", "ask", "upvote", "questions", "ping"})
_PRESENTER_TYPES = frozenset(
    {
        "goto",
        "next",
        "previous",
        "voting",
        "results_visible",
        "timer",
        "question",
        "hide",
        "restore",
        "ping",
    }
)
_encoder = msgspec.json.Encoder()


def _classify(data: str | bytes, known: frozenset[str], error: msgspec.DecodeError) -> Exception:
    try:
        raw = msgspec.json.decode(data)
    except msgspec.DecodeError:
        return BadMessage("The message is not valid JSON.")
    if not isinstance(raw, dict):
        return BadMessage("The message must be a JSON object with a 'type'.")
    refused: PollsError
    if not isinstance(raw.get("type"), str):
        refused = BadMessage("The message must be a JSON object with a 'type'.")
    elif raw["type"] not in known:
        refused = UnknownMessage(f"Unknown message type {raw['type'][:40]!r}.")
    else:
        refused = BadMessage(f"The message has a missing or wrong field: {error}")
    message_id = raw.get("id")
    if isinstance(message_id, str) and SUBMISSION_ID.fullmatch(message_id):
        refused.message_id = message_id  # so the client knows which message was refused
    return refused


def _check_size(data: str | bytes) -> None:
    size = len(data) if isinstance(data, bytes) else len(data.encode("utf-8", "replace"))
    if size > MAX_MESSAGE_BYTES:
        raise MessageTooLarge(f"Messages may be at most {MAX_MESSAGE_BYTES} bytes.")


def parse_participant_message(data: str | bytes) -> ParticipantMessage:
    """A participant's message, or BadMessage / UnknownMessage / MessageTooLarge."""
    _check_size(data)
    try:
        message = _participant_decoder.decode(data)
    except msgspec.DecodeError as exc:
        raise _classify(data, _PARTICIPANT_TYPES, exc) from None
    if isinstance(message, Answer | Ask | Upvote):
        check_submission_id(message.id)
    return message


def parse_presenter_message(data: str | bytes) -> PresenterMessage:
    """A presenter's message, or BadMessage / UnknownMessage / MessageTooLarge."""
    _check_size(data)
    try:
        return _presenter_decoder.decode(data)
    except msgspec.DecodeError as exc:
        raise _classify(data, _PRESENTER_TYPES, exc) from None


SUBMISSION_ID = re.compile(r"[A-Za-z0-9_.:-]{1,64}")  # checked on every answer: one C call


def check_submission_id(value: str) -> str:
    if SUBMISSION_ID.fullmatch(value) is None:
        raise BadMessage(N_("A submission id must be 1-64 letters, digits, '_', '.', ':' or '-'."))
    return value


def new_submission_id(now: float) -> str:
    """A fresh submission id that sorts by time: milliseconds since 1970 in 11 hex digits, then
    16 random ones (``static/participant.js`` makes them the same way).

    SQLite finds retries by an index in submission-id order, so answers given around the same
    time are stored next to each other there instead of each on a page of its own."""
    return f"{int(now * 1000):011x}{secrets.token_hex(8)}"


# ---- answers -------------------------------------------------------------------------------


def check_answer(slide: Slide, value: dict[str, Any], language: str) -> CheckedAnswer:
    """Validate an answer against its slide; raise InvalidAnswer with a reason to show."""
    return kind_of(slide).check_answer(slide, value, language)


# ---- server messages -----------------------------------------------------------------------


def encode(message: dict[str, Any]) -> str:
    """Encode a server message once; the same string goes to every receiver."""
    return _encoder.encode(message).decode("utf-8")


def slide_message(presentation: Presentation, now: float) -> dict[str, Any]:
    """What every participant sees: the current slide, whether voting is open at ``now``, and
    when it closes by itself if a countdown runs (milliseconds since 1970, the server's clock,
    as ``now`` in the welcome)."""
    slide = presentation.current_slide
    state = presentation.state
    deadline = None if slide is None else state.deadline(slide.id)
    return {
        "type": "slide",
        "index": state.current,
        "count": len(presentation.document.slides),
        "version": state.version,
        "voting": slide is not None and state.voting_open(slide.id, now),
        "closes_at": None if deadline is None else round(deadline * 1000),
        "reactions": list(presentation.document.reactions),
        "qa": qa_enabled(presentation.document),
        "revealed": slide is not None and slide.id in state.revealed,
        "slide": public_slide(slide, state) if slide is not None else None,
    }


def public_slide(slide: Slide, state: State) -> dict[str, Any]:
    """A slide as participants see it: without the presenter's notes, and without what its
    kind keeps from them in this state (a quiz's right answers until they are revealed)."""
    data = kind_of(slide).public(slide, state)
    data.pop("notes", None)
    for empty in ("time_limit", "image", "image_alt"):
        if not data.get(empty):
            data.pop(empty, None)
    return data


def state_message(state: State) -> dict[str, Any]:
    return {"type": "state", "state": msgspec.to_builtins(state)}


def presentation_summary(presentation: Presentation) -> dict[str, Any]:
    document: Document = presentation.document
    return {
        "id": presentation.id,
        "title": document.title,
        "language": document.language,
        "code": presentation.code,
    }


def ack_message(submission_id: str | None, *, duplicate: bool = False) -> dict[str, Any]:
    return {"type": "ack", "id": submission_id, "duplicate": duplicate}


def mine_message(
    message_id: str | None, slide_id: str, value: dict[str, Any] | None
) -> dict[str, Any]:
    """A participant's own answers on a slide (``value`` is None before the first)."""
    return {"type": "mine", "id": message_id, "slide": slide_id, "value": value}


def error_message(code: str, reason: str, message_id: str | None = None) -> dict[str, Any]:
    return {"type": "error", "id": message_id, "code": code, "reason": reason}
