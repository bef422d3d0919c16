"""The tables: tickets, the question log, feedback, curation, API keys, the webhook outbox, conversations."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

# named constraints: Alembic can then alter them the same way on SQLite and PostgreSQL
metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

tickets = Table(
    "tickets",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("at", Float, nullable=False),
    Column("session_id", String(128), nullable=False),
    Column("note", Text),
    Column("contact", Text),
    Column("user_ref", Text),
    Column("transcript", JSON, nullable=False),
    Column("status", String(16), nullable=False, server_default="open"),
    Column("claimed_by", String(200)),
    Column("claimed_at", Float),
    Column("closed_by", String(200)),
    Column("closed_at", Float),
    Column("resolution", Text),
    Index("ix_tickets_at", "at"),
    Index("ix_tickets_status_at", "status", "at"),
)

questions = Table(
    "questions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", Float, nullable=False),
    Column("session_id", String(128), nullable=False),
    Column("question", Text, nullable=False),
    Column("norm", Text, nullable=False, server_default=""),
    Column("confident", Boolean, nullable=False),
    Column("entry_id", String(128)),
    Column("title", Text),
    Index("ix_questions_confident_norm", "confident", "norm"),
    Index("ix_questions_session", "session_id", "norm"),
)

feedback = Table(
    "feedback",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", Float, nullable=False),
    Column("session_id", String(128)),
    Column("question", Text),
    Column("norm", Text),
    Column("entry_id", String(128)),
    Column("helpful", Boolean, nullable=False),
    Column("comment", Text),
    Index("ix_feedback_helpful_norm", "helpful", "norm"),
)

# The curation overlay: one row per curated entry, holding its whole state (None: retired).
overlay = Table(
    "overlay",
    metadata,
    Column("entry_id", String(128), primary_key=True),
    Column("data", JSON),
    Column("updated_at", Float, nullable=False),
)

changes = Table(
    "changes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", Float, nullable=False),
    Column("actor", String(200), nullable=False),
    Column("action", String(32), nullable=False),
    Column("entry_id", String(128), nullable=False),
    Column("before", JSON),  # the entry as readers saw it, None when it did not exist
    Column("after", JSON),
    # the overlay row before and after: what a revert restores, and how it tells a later edit
    Column("overlay_before", JSON),
    Column("overlay_after", JSON),
    Column("had_overlay", Boolean, nullable=False),
    Column("reverted_by", Integer),
    Index("ix_changes_entry", "entry_id"),
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("role", String(16), nullable=False),
    Column("hash", String(64), nullable=False),
    Column("created_at", Float, nullable=False),
    Column("revoked_at", Float),
    Column("last_used_at", Float),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("ticket_id", String(64), nullable=False),
    Column("url", Text, nullable=False),
    Column("payload", JSON, nullable=False),
    Column("created_at", Float, nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("next_at", Float, nullable=False),
    Column("delivered_at", Float),
    Column("last_error", Text),
    Index("ix_outbox_due", "delivered_at", "next_at"),
)

conversations = Table(
    "conversations",
    metadata,
    Column("session_id", String(128), primary_key=True),
    Column("turns", JSON, nullable=False),
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
    Index("ix_conversations_updated", "updated_at"),
)

# one row per legacy SQLite file imported, so an import never runs twice
imports = Table(
    "imports",
    metadata,
    Column("name", String(200), primary_key=True),
    Column("at", Float, nullable=False),
    Column("rows", Integer, nullable=False),
)
