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

from polls.core.errors import BadMessage, InvalidAnswer, MessageTooLarge, UnknownMessage
from polls.core.i18n import N_
from polls.core.models import (
    Content,
    Document,
    MultipleChoice,
    OpenEnded,
    Presentation,
    Scales,
    Slide,
    State,
    WordCloud,
)
from polls.core.words import clean_multiline, clean_word, word_key

MAX_MESSAGE_BYTES = 16 * 1024


class _Message(msgspec.Struct, tag_field="type", kw_only=True, forbid_unknown_fields=True):
    id: str | None = None


class Answer(_Message, tag="answer"):
    id: str
    slide: str
    value: dict[str, Any]


class Ping(_Message, tag="ping"):
    pass


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


class Hide(_Message, tag="hide"):
    slide: str
    item: str


class Restore(_Message, tag="restore"):
    slide: str
    item: str


ParticipantMessage = Answer | Ping
Control = Goto | Next | Previous | Voting | ShowResults | Hide | Restore
PresenterMessage = Control | Ping

_participant_decoder = msgspec.json.Decoder(ParticipantMessage)
_presenter_decoder = msgspec.json.Decoder(PresenterMessage)
_PARTICIPANT_TYPES = frozenset({"answer", "ping"})
_PRESENTER_TYPES = frozenset(
    {"goto", "next", "previous", "voting", "results_visible", "hide", "restore", "ping"}
)
_encoder = msgspec.json.Encoder()


def _classify(data: str | bytes, known: frozenset[str], error: msgspec.DecodeError) -> Exception:
    try:
        raw = msgspec.json.decode(data)
    except msgspec.DecodeError:
        return BadMessage("The message is not valid JSON.")
    if not isinstance(raw, dict) or not isinstance(raw.get("type"), str):
        return BadMessage("The message must be a JSON object with a 'type'.")
    if raw["type"] not in known:
        return UnknownMessage(f"Unknown message type {raw['type'][:40]!r}.")
    return BadMessage(f"The message has a missing or wrong field: {error}")


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
    if isinstance(message, Answer):
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
        raise BadMessage("A submission id must be 1-64 letters, digits, '_', '.', ':' or '-'.")
    return value


def new_submission_id(now: float) -> str:
    """A fresh submission id that sorts by time: milliseconds since 1970 in 11 hex digits, then
    16 random ones (``static/participant.js`` makes them the same way).

    SQLite finds retries by an index in submission-id order, so answers given around the same
    time are stored next to each other there instead of each on a page of its own."""
    return f"{int(now * 1000):011x}{secrets.token_hex(8)}"


# ---- answers -------------------------------------------------------------------------------


class CheckedAnswer(msgspec.Struct, frozen=True):
    """An answer that fits its slide: the value as stored, and how many items it uses up."""

    value: dict[str, Any]
    items: int


def check_answer(slide: Slide, value: dict[str, Any], language: str) -> CheckedAnswer:
    """Validate an answer against its slide; raise InvalidAnswer with a reason to show."""
    if isinstance(slide, WordCloud):
        return _check_words(slide, value, language)
    if isinstance(slide, Scales):
        return _check_ratings(slide, value)
    if isinstance(slide, MultipleChoice):
        return _check_choices(slide, value)
    if isinstance(slide, OpenEnded):
        return _check_text(slide, value)
    assert isinstance(slide, Content)
    raise InvalidAnswer(N_("This slide takes no answers."))


def _check_words(slide: WordCloud, value: dict[str, Any], language: str) -> CheckedAnswer:
    raw = value.get("words")
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, list) or not all(isinstance(w, str) for w in raw):
        raise InvalidAnswer(N_("Send the words as a list of text."))
    words = [clean_word(w) for w in raw]
    words = [w for w in words if w]
    if not words:
        raise InvalidAnswer(N_("Type at least one word."))
    if len(words) > slide.max_words:
        raise InvalidAnswer(N_("At most %(count)s words."), count=slide.max_words)
    for word in words:
        if len(word) > slide.max_length:
            raise InvalidAnswer(
                N_("A word may be at most %(count)s characters."), count=slide.max_length
            )
        if not word_key(word, language):
            raise InvalidAnswer(N_("A word must have at least one letter, digit or emoji."))
    return CheckedAnswer({"words": words}, len(words))


def _check_ratings(slide: Scales, value: dict[str, Any]) -> CheckedAnswer:
    raw = value.get("ratings")
    if isinstance(raw, list):
        raw = {str(i): v for i, v in enumerate(raw) if v is not None}
    if not isinstance(raw, dict) or not raw:
        raise InvalidAnswer(N_("Rate at least one statement."))
    ratings: dict[str, int | str] = {}
    for key, rating in raw.items():
        index = _index(key, len(slide.statements), N_("There is no such statement."))
        if rating == "skip":
            if not slide.allow_skip:
                raise InvalidAnswer(N_("Skipping is not allowed on this question."))
            ratings[str(index)] = "skip"
            continue
        if isinstance(rating, str) and rating.strip().lstrip("-").isdigit():
            rating = int(rating)
        if isinstance(rating, bool) or not isinstance(rating, int):
            raise InvalidAnswer(N_("A rating must be a whole number."))
        if not slide.min <= rating <= slide.max:
            raise InvalidAnswer(
                N_("A rating must be from %(low)s to %(high)s."), low=slide.min, high=slide.max
            )
        ratings[str(index)] = rating
    # Stored with the statements in order; most answers rate one statement at a time.
    ordered = ratings if len(ratings) == 1 else dict(sorted(ratings.items()))
    return CheckedAnswer({"ratings": ordered}, 1)


def _check_choices(slide: MultipleChoice, value: dict[str, Any]) -> CheckedAnswer:
    raw = value.get("choices")
    if isinstance(raw, int | str):
        raw = [raw]
    if not isinstance(raw, list) or not raw:
        raise InvalidAnswer(N_("Choose at least one option."))
    choices = sorted({_index(c, len(slide.options), N_("There is no such option.")) for c in raw})
    if not slide.multiple and len(choices) > 1:
        raise InvalidAnswer(N_("Choose one option."))
    return CheckedAnswer({"choices": choices}, 1)


def _check_text(slide: OpenEnded, value: dict[str, Any]) -> CheckedAnswer:
    raw = value.get("text")
    if not isinstance(raw, str):
        raise InvalidAnswer(N_("Send the answer as text."))
    text = clean_multiline(raw)
    if not text:
        raise InvalidAnswer(N_("The answer is empty."))
    if len(text) > slide.max_length:
        raise InvalidAnswer(
            N_("An answer may be at most %(count)s characters."), count=slide.max_length
        )
    return CheckedAnswer({"text": text}, 1)


def _index(raw: object, size: int, missing: str) -> int:
    if isinstance(raw, str) and raw.strip().isdigit():
        raw = int(raw)
    if isinstance(raw, bool) or not isinstance(raw, int) or not 0 <= raw < size:
        raise InvalidAnswer(missing)
    return raw


# ---- server messages -----------------------------------------------------------------------


def encode(message: dict[str, Any]) -> str:
    """Encode a server message once; the same string goes to every receiver."""
    return _encoder.encode(message).decode("utf-8")


def slide_message(presentation: Presentation) -> dict[str, Any]:
    """What every participant sees: the current slide and whether voting is open."""
    slide = presentation.current_slide
    state = presentation.state
    return {
        "type": "slide",
        "index": state.current,
        "count": len(presentation.document.slides),
        "version": state.version,
        "voting": slide is not None and state.voting_open(slide.id),
        "slide": public_slide(slide) if slide is not None else None,
    }


def public_slide(slide: Slide) -> dict[str, Any]:
    """A slide as participants see it: without the presenter's notes."""
    data: dict[str, Any] = msgspec.to_builtins(slide)
    data.pop("notes", None)
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


def error_message(code: str, reason: str, message_id: str | None = None) -> dict[str, Any]:
    return {"type": "error", "id": message_id, "code": code, "reason": reason}
