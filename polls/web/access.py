"""Who may do what: secrets in headers or cookies, secret links swapped for cookies, the
participant's pseudonymous cookie, and the public address. Shared by pages, API and sockets."""

from __future__ import annotations

from starlette.requests import HTTPConnection, Request
from starlette.responses import RedirectResponse, Response

from polls.core.codes import parse_code
from polls.core.errors import Forbidden, RateLimited, UnknownCode
from polls.core.i18n import N_
from polls.core.security import (
    PARTICIPANT_COOKIE,
    PRESENTER,
    bearer_token,
    new_participant_token,
    participant_key,
    role_cookie,
    secret_matches,
    valid_participant_token,
)
from polls.live.hub import NO_SUCH_CODE

PARTICIPANT_COOKIE_DAYS = 30
# Wrong join codes per client address, on every path and every worker: a burst of GUESS_BURST,
# then GUESS_RATE a second (docs/security.md has the arithmetic behind them).
GUESS_RATE, GUESS_BURST = 1 / 3, 150
TOO_MANY_CODES = N_("Too many wrong codes. Please wait a minute and try again.")


def client_address(connection: HTTPConnection) -> str:
    """The client's address (a trusted proxy's X-Forwarded-For): for throttles, never kept."""
    return connection.client.host if connection.client else "unknown"


async def open_code(connection: HTTPConnection, typed: str) -> str:
    """The code of an open presentation in what was typed, or UnknownCode. Wrong codes are
    counted per client address; a client past its budget is refused even a right code, or a
    guesser could tell right from wrong by the refusal."""
    services = connection.app.state.services
    bucket = "code-guesses:" + client_address(connection)
    if not await services.broker.spend(bucket, GUESS_RATE, GUESS_BURST, take=False):
        raise RateLimited(TOO_MANY_CODES)
    code = parse_code(typed)
    if code is not None and services.hub.open_room_id(code) is not None:
        return code  # an open room knows its code: a room of phones loading costs no lookups
    if code is None or await services.storage.presentation_by_code(code) is None:
        await services.broker.spend(bucket, GUESS_RATE, GUESS_BURST, take=True)
        raise UnknownCode(NO_SUCH_CODE)
    return code


def base_url(connection: HTTPConnection) -> str:
    """The address people use: the configured public URL, else the one this request (or
    socket) came to, as an http(s) address."""
    configured: str = connection.app.state.services.settings.public_url
    if configured:
        return configured.rstrip("/")
    scheme = {"ws": "http", "wss": "https"}.get(connection.url.scheme, connection.url.scheme)
    return f"{scheme}://{connection.url.netloc}"


def bearer(request: Request) -> str | None:
    return bearer_token(request.headers.get("authorization"))


async def holds_secret(connection: HTTPConnection, presentation_id: str, *roles: str) -> bool:
    """Whether the request or socket carries one of these roles' secrets for the presentation,
    in an ``Authorization: Bearer`` header or in the role's cookie."""
    storage = connection.app.state.services.storage
    for role in roles:
        secret = bearer_token(connection.headers.get("authorization")) or connection.cookies.get(
            role_cookie(role, presentation_id)
        )
        if secret_matches(secret, await storage.secret_hash(presentation_id, role)):
            return True
    return False


async def require_presenter(request: Request, presentation_id: str) -> None:
    """Presenter access: the secret from the presenter cookie or an Authorization header."""
    if not await holds_secret(request, presentation_id, PRESENTER):
        raise Forbidden(N_("This needs the presenter link of this presentation."))


async def swap_key_for_cookie(
    request: Request, presentation_id: str, role: str, clean_path: str, days: int
) -> Response:
    """A secret link's ``?key=`` becomes an HttpOnly cookie; the browser goes to the clean URL,
    so the secret leaves the address bar and the history."""
    key = request.query_params["key"]
    storage = request.app.state.services.storage
    if not secret_matches(key, await storage.secret_hash(presentation_id, role)):
        raise Forbidden(f"This {role} link is not valid (any more).")
    response = RedirectResponse(clean_path, status_code=303)
    response.set_cookie(
        role_cookie(role, presentation_id),
        key,
        max_age=days * 86400,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )
    return response


def participant_token(request: Request) -> tuple[str, bool]:
    """The participant's pseudonymous token from the cookie, or a new one (True)."""
    token = request.cookies.get(PARTICIPANT_COOKIE)
    if valid_participant_token(token):
        assert token is not None
        return token, False
    return new_participant_token(), True


def remember_participant(request: Request, response: Response, token: str) -> None:
    response.set_cookie(
        PARTICIPANT_COOKIE,
        token,
        max_age=PARTICIPANT_COOKIE_DAYS * 86400,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )


def known_participant(request: Request, refusal: str) -> str:
    """The participant key of the cookie the page set, or Forbidden with ``refusal``: where a
    fresh cookie per request would make a per-participant rule (one vote, a rate) no rule."""
    token = request.cookies.get(PARTICIPANT_COOKIE)
    if token is None or not valid_participant_token(token):
        raise Forbidden(refusal)
    return participant_key(token)
