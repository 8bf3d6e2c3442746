"""Who may do what: secrets in headers or cookies, secret links swapped for cookies, the
participant's pseudonymous cookie, and the public address. Shared by pages, API and sockets."""

from __future__ import annotations

from starlette.requests import HTTPConnection, Request
from starlette.responses import RedirectResponse, Response

from polls.core.errors import Forbidden
from polls.core.security import (
    PARTICIPANT_COOKIE,
    PRESENTER,
    bearer_token,
    new_participant_token,
    role_cookie,
    secret_matches,
    valid_participant_token,
)

PARTICIPANT_COOKIE_DAYS = 30


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
        raise Forbidden("This needs the presenter link of this presentation.")


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
