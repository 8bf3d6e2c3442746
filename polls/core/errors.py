"""The exception tree. Each error carries its HTTP status and a stable code.

They are translated to HTTP responses and WebSocket error messages in one
place (:mod:`polls.web.app` and :mod:`polls.web.sockets`); the reason is always text a
client can show to a person.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence


class PollsError(Exception):
    """Base of every error a client can be told about."""

    status: int = 400
    code: str = "bad_request"
    # The id of the message refused, when it had one that could be read: echoed in the error.
    message_id: str | None = None

    def __init__(self, reason: str, **params: object) -> None:
        """``reason`` is English; with params it is a ``%(name)s`` template, translatable."""
        self.template = reason
        self.params = params
        self.reason = reason % params if params else reason
        super().__init__(self.reason)

    def translated(self, gettext: Callable[[str], str]) -> str:
        """The reason in another language (English where there is no translation)."""
        template = gettext(self.template)
        return template % self.params if self.params else template


class BadMessage(PollsError):
    """Malformed JSON or a message with missing or wrong fields."""

    code = "bad_message"


class UnknownMessage(PollsError):
    """A message type this endpoint does not know."""

    code = "unknown_type"


class MessageTooLarge(PollsError):
    """A message or request body over the size cap."""

    status = 413
    code = "too_large"


class InvalidAnswer(PollsError):
    """An answer that does not fit its question (out of range, too long, empty)."""

    status = 422
    code = "invalid_answer"


class InvalidImage(PollsError):
    """An upload that is not an image polls can show, or too large."""

    status = 422
    code = "invalid_image"


class NotCurrentSlide(PollsError):
    """An answer to a slide that is not shown right now."""

    status = 409
    code = "not_current"


class VotingLocked(PollsError):
    """An answer while the presenter has locked voting."""

    status = 409
    code = "voting_locked"


class VotingClosed(VotingLocked):
    """An answer after the slide's countdown ran out."""

    code = "voting_closed"


class LimitReached(PollsError):
    """A participant has used up the answers this question allows."""

    status = 409
    code = "limit_reached"


class Problem(str):
    """One problem of a document: ``path: message`` in English (what logs and the command
    line show), with the message's template and values to say it in another language."""

    path: str
    template: str
    params: dict[str, object]

    def __new__(cls, path: str, template: str, **params: object) -> Problem:
        message = template % params if params else template
        made = super().__new__(cls, f"{path}: {message}")
        made.path, made.template, made.params = path, template, params
        return made

    def translated(self, gettext: Callable[[str], str]) -> str:
        """The message alone (without its path), in another language."""
        template = gettext(self.template)
        return template % self.params if self.params else template


class DocumentInvalid(PollsError):
    """A presentation document with problems; every one is listed by its path."""

    status = 422
    code = "invalid_document"

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = list(problems)


class Forbidden(PollsError):
    """A missing or wrong secret."""

    status = 403
    code = "forbidden"


class NotFound(PollsError):
    """Something that does not exist (or no longer does)."""

    status = 404
    code = "not_found"


class UnknownCode(NotFound):
    """A join code that matches no open presentation."""

    code = "unknown_code"


class RateLimited(PollsError):
    """Too many messages or attempts in a short time."""

    status = 429
    code = "rate_limited"


class Unavailable(PollsError):
    """The service cannot take the request right now (shutting down, storage away)."""

    status = 503
    code = "unavailable"
