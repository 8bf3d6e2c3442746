"""The application factory: routes, the lifespan that opens every resource, error handling."""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.templating import Jinja2Templates

from polls import metrics
from polls.broker import Broker, open_broker
from polls.config import Settings
from polls.core.errors import DocumentInvalid, PollsError
from polls.core.i18n import N_, preferred_language, translations
from polls.core.images import MAX_UPLOAD
from polls.core.words import load_dictionaries
from polls.live.hub import Hub
from polls.live.upkeep import RetentionStatus, keep_purging
from polls.live.writer import Writer
from polls.research.offload import Offload
from polls.storage import OUTAGES, Storage, is_outage, open_storage
from polls.web import api, images, pages, questions, report, research, sockets, themes
from polls.web.assets import Assets, ServeAssets, find_folder, page_environment
from polls.web.headers import SecurityHeaders

log = logging.getLogger("polls")
MAX_BODY_BYTES = 512 * 1024


class Services:
    """Everything a request handler needs, opened in the lifespan."""

    def __init__(
        self, settings: Settings, storage: Storage, broker: Broker, assets: Assets
    ) -> None:
        self.settings = settings
        self.storage = storage
        self.broker = broker
        self.writer = Writer(storage)
        self.research = Offload(settings.database_url, storage)
        self.retention = RetentionStatus()
        self.hub = Hub(storage, broker, self.writer, results_interval=settings.results_interval)
        environment = page_environment()
        self.assets = assets
        environment.globals["asset"] = assets.url
        self.templates = Jinja2Templates(env=environment)


def wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or "application/json" in request.headers.get(
        "accept", ""
    )


async def polls_error(request: Request, exc: Exception) -> Response:
    """The one place where errors become HTTP responses."""
    assert isinstance(exc, PollsError)
    metrics.refusals.labels(exc.code).inc()
    if wants_json(request):
        body: dict[str, Any] = {"code": exc.code, "reason": pages.localised(request, exc)}
        if isinstance(exc, DocumentInvalid):
            body.update(pages.localised_problems(request, exc.problems))
        return JSONResponse({"error": body}, status_code=exc.status)
    return pages.error_page(request, exc.status, pages.localised(request, exc))


async def storage_away(request: Request, exc: Exception) -> Response:
    """The database is away (down, restarting, locked): 503 unavailable, no traceback."""
    if not is_outage(exc):
        raise exc  # a statement that failed is a bug: the server's 500
    log.debug("a request met an unavailable database", exc_info=exc)
    return await polls_error(request, sockets.DATABASE_AWAY)


NOTHING_HERE = N_("There is nothing at this address.")


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404:
        gettext = translations(preferred_language(request.headers.get("accept-language")))
        reason = gettext(NOTHING_HERE)
    else:
        reason = str(exc.detail)
    if wants_json(request):
        return JSONResponse({"error": {"code": "http", "reason": reason}}, exc.status_code)
    return pages.error_page(request, exc.status_code, reason)


def create_app(settings: Settings | None = None, *, freeze_after_start: bool = False) -> Starlette:
    """The application. ``freeze_after_start`` (for ``polls serve``) keeps the objects that
    exist after start-up out of garbage collections; tests that start many apps leave it off."""
    settings = settings or Settings.from_env()
    assets = Assets(find_folder("static"))

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        storage = open_storage(settings.database_url)
        broker = open_broker(settings.broker_url)
        await storage.connect()
        await broker.connect()
        services = Services(settings, storage, broker, assets)
        app.state.services = services
        await services.writer.start()
        stopping = asyncio.Event()
        purging = asyncio.create_task(
            keep_purging(services.hub, settings.retention_days, services.retention, stopping),
            name="polls-purge",
        )
        try:
            load_dictionaries()  # before the freeze: they live as long as the service
            if freeze_after_start:
                gc.freeze()  # what exists now lives as long as the service: never scan it
            yield
        finally:
            # The purge ends after its current query: cancelling a database call midway can
            # leave the driver waiting on a connection that is being closed.
            stopping.set()
            await purging
            services.research.close()
            await services.hub.close()
            await services.writer.stop()
            await broker.disconnect()
            await storage.disconnect()

    routes = [
        Route("/", pages.home),
        Route("/join", pages.join),
        Route("/health", api.health),
        Route("/ready", api.ready),
        Route("/present/{presentation_id}", pages.presenter),
        Route("/present/{presentation_id}/console", pages.console),
        Route("/present/{presentation_id}/edit", pages.edit),
        Route("/present", pages.presentations),
        Route("/new", pages.new),
        Route("/api/presentations", api.create, methods=["POST"]),
        Route("/api/presentations/{presentation_id}", api.presentation, methods=["GET", "PUT"]),
        Route("/api/presentations/{presentation_id}/results", api.results),
        Route("/api/presentations/{presentation_id}/control", api.control, methods=["POST"]),
        Route(
            "/api/presentations/{presentation_id}/images",
            images.upload,
            methods=["POST"],
            max_body_size=2 * MAX_UPLOAD,  # past MAX_UPLOAD the handler says why, in JSON
        ),
        Route("/images/{name}.{ext}", images.serve),
        Route(
            "/api/presentations/{presentation_id}/answers",
            research.delete_answers,
            methods=["DELETE"],
        ),
        Route("/api/export.{kind}", research.export_many),
        Route("/api/join/{code}", api.participant_state),
        Route("/api/join/{code}/answers", api.participant_answer, methods=["POST"]),
        Route("/api/join/{code}/mine", api.participant_mine),
        Route("/api/join/{code}/reactions", api.participant_react, methods=["POST"]),
        Route("/api/join/{code}/withdraw", api.participant_withdraw, methods=["POST"]),
        Route("/api/join/{code}/questions", questions.questions),
        Route("/api/join/{code}/questions", questions.ask, methods=["POST"]),
        Route("/api/join/{code}/upvotes", questions.upvote, methods=["POST"]),
        Route("/research/{presentation_id}", research.page),
        Route("/research/{presentation_id}/export.{kind}", research.export_one),
        Route("/research/{presentation_id}/codebook.{kind}", research.codebook_one),
        Route("/research/{presentation_id}/cloud/{slide}.{kind}", research.cloud),
        Route("/research/{presentation_id}/delete", research.delete_answers, methods=["POST"]),
        Route("/research/{presentation_id}/report.{kind}", report.report_one),
        Route("/api/report.{kind}", report.report_many),
        Route("/research/{presentation_id}/themes", themes.page),
        Route("/research/{presentation_id}/themes", themes.edit, methods=["POST"]),
        WebSocketRoute("/ws/join/{code}", sockets.participant),
        WebSocketRoute("/ws/present/{presentation_id}", sockets.presenter),
        Route("/{code}/withdraw", pages.withdraw, methods=["GET", "POST"]),
        Route("/{code}/questions", questions.page, methods=["GET", "POST"]),
        Route("/{code}", pages.participant, methods=["GET", "POST"]),
    ]
    middleware: list[Middleware] = [
        Middleware(ServeAssets, assets=assets),
        Middleware(SecurityHeaders),
    ]
    return Starlette(
        routes=routes,
        middleware=middleware,
        lifespan=lifespan,
        exception_handlers={
            PollsError: polls_error,
            HTTPException: http_error,
            **dict.fromkeys(OUTAGES, storage_away),
        },
        max_body_size=MAX_BODY_BYTES,
    )
