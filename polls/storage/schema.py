"""The tables as the current schema has them, for SQLAlchemy Core queries.

The DDL that creates and changes them lives in :mod:`polls.storage.migrations`.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Float,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()

presentations = Table(
    "presentations",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("code", String(8), nullable=False),
    Column("title", Text, nullable=False),
    Column("language", String(2), nullable=False),
    Column("tags", Text, nullable=False),
    Column("document", Text, nullable=False),
    Column("state", Text, nullable=False),
    Column("created_at", Float, nullable=False),
    Column("closed_at", Float),
)

secrets = Table(
    "secrets",
    metadata,
    Column("presentation_id", String(32), primary_key=True),
    Column("role", String(16), primary_key=True),
    Column("hash", String(64), nullable=False),
)

participants = Table(
    "participants",
    metadata,
    Column("presentation_id", String(32), primary_key=True),
    Column("participant", String(32), primary_key=True),
    Column("joined_at", Float, nullable=False),
)

responses = Table(
    "responses",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("presentation_id", String(32), nullable=False),
    Column("slide_id", String(40), nullable=False),
    Column("participant", String(32), nullable=False),
    Column("submission_id", String(64), nullable=False),
    Column("value", Text, nullable=False),
    Column("item_count", Integer, nullable=False),
    Column("created_at", Float, nullable=False),
)

moderation = Table(
    "moderation",
    metadata,
    Column("presentation_id", String(32), primary_key=True),
    Column("slide_id", String(40), primary_key=True),
    Column("item", String(200), primary_key=True),
    Column("hidden_at", Float, nullable=False),
)

coding = Table(
    "coding",
    metadata,
    Column("presentation_id", String(32), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("data", Text, nullable=False),
    Column("saved_at", Float, nullable=False),
)

reactions = Table(
    "reactions",
    metadata,
    Column("presentation_id", String(32), primary_key=True),
    Column("slide_id", String(40), primary_key=True),
    Column("minute", Integer, primary_key=True),
    Column("reaction", String(16), primary_key=True),
    Column("count", Integer, nullable=False),
)

images = Table(
    "images",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("presentation_id", String(32), nullable=False),
    Column("content_type", String(32), nullable=False),
    Column("width", Integer, nullable=False),
    Column("height", Integer, nullable=False),
    Column("data", LargeBinary, nullable=False),
    Column("created_at", Float, nullable=False),
)
