"""Creating presentations and issuing their links, for the CLI, the HTTP API and the demo."""

from __future__ import annotations

import secrets
import time

import msgspec

from polls.core.codes import format_code, new_code
from polls.core.errors import Unavailable
from polls.core.i18n import N_
from polls.core.models import Document, Presentation, State
from polls.core.security import PRESENTER, RESEARCHER, hash_secret, new_secret
from polls.storage import Storage


class Created(msgspec.Struct, frozen=True):
    presentation: Presentation
    presenter_secret: str
    researcher_secret: str


async def create_presentation(storage: Storage, document: Document) -> Created:
    """Store a presentation under a fresh join code, presenter and researcher secrets."""
    secret, research = new_secret(), new_secret()
    for _ in range(50):
        presentation = Presentation(
            id=secrets.token_hex(6),
            code=new_code(),
            document=document,
            state=State(),
            created_at=time.time(),
        )
        hashes = {PRESENTER: hash_secret(secret), RESEARCHER: hash_secret(research)}
        if await storage.create_presentation(presentation, hashes):
            return Created(presentation, secret, research)
    raise Unavailable(N_("No free join code was found; try again."))


async def new_role_secret(storage: Storage, presentation_id: str, role: str) -> str:
    """Replace a presentation's presenter or researcher secret; the old link stops working."""
    secret = new_secret()
    await storage.set_secret_hash(presentation_id, role, hash_secret(secret))
    return secret


def participant_url(base_url: str, presentation: Presentation) -> str:
    return f"{base_url}/{presentation.code}"


def presenter_url(base_url: str, presentation_id: str, secret: str) -> str:
    return f"{base_url}/present/{presentation_id}?key={secret}"


def researcher_url(base_url: str, presentation_id: str, secret: str) -> str:
    return f"{base_url}/research/{presentation_id}?key={secret}"


def links(base_url: str, presentation: Presentation, created: Created | None) -> dict[str, str]:
    """What a person needs to run a presentation (secret links only right after creating)."""
    found = {
        "id": presentation.id,
        "title": presentation.document.title,
        "code": format_code(presentation.code),
        "participant_url": participant_url(base_url, presentation),
    }
    if created is not None:
        found["presenter_url"] = presenter_url(base_url, presentation.id, created.presenter_secret)
        found["researcher_url"] = researcher_url(
            base_url, presentation.id, created.researcher_secret
        )
    return found
