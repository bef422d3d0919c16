"""Tickets, question log, feedback, curation overlay and changes, API keys, webhook outbox, conversations."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create every table of the first schema."""
    op.create_table(
        "tickets",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("at", sa.Float(), nullable=False),
        sa.Column("session_id", sa.String(128), nullable=False),
        sa.Column("note", sa.Text()),
        sa.Column("contact", sa.Text()),
        sa.Column("user_ref", sa.Text()),
        sa.Column("transcript", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False, server_default="open"),
        sa.Column("claimed_by", sa.String(200)),
        sa.Column("claimed_at", sa.Float()),
        sa.Column("closed_by", sa.String(200)),
        sa.Column("closed_at", sa.Float()),
        sa.Column("resolution", sa.Text()),
        sa.PrimaryKeyConstraint("id", name="pk_tickets"),
    )
    op.create_index("ix_tickets_at", "tickets", ["at"])
    op.create_index("ix_tickets_status_at", "tickets", ["status", "at"])
    op.create_table(
        "questions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.Float(), nullable=False),
        sa.Column("session_id", sa.String(128), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("norm", sa.Text(), nullable=False, server_default=""),
        sa.Column("confident", sa.Boolean(), nullable=False),
        sa.Column("entry_id", sa.String(128)),
        sa.Column("title", sa.Text()),
        sa.PrimaryKeyConstraint("id", name="pk_questions"),
    )
    op.create_index("ix_questions_confident_norm", "questions", ["confident", "norm"])
    op.create_index("ix_questions_session", "questions", ["session_id", "norm"])
    op.create_table(
        "feedback",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.Float(), nullable=False),
        sa.Column("session_id", sa.String(128)),
        sa.Column("question", sa.Text()),
        sa.Column("norm", sa.Text()),
        sa.Column("entry_id", sa.String(128)),
        sa.Column("helpful", sa.Boolean(), nullable=False),
        sa.Column("comment", sa.Text()),
        sa.PrimaryKeyConstraint("id", name="pk_feedback"),
    )
    op.create_index("ix_feedback_helpful_norm", "feedback", ["helpful", "norm"])
    op.create_table(
        "overlay",
        sa.Column("entry_id", sa.String(128), nullable=False),
        sa.Column("data", sa.JSON()),
        sa.Column("updated_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("entry_id", name="pk_overlay"),
    )
    op.create_table(
        "changes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.Float(), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("entry_id", sa.String(128), nullable=False),
        sa.Column("before", sa.JSON()),
        sa.Column("after", sa.JSON()),
        sa.Column("overlay_before", sa.JSON()),
        sa.Column("overlay_after", sa.JSON()),
        sa.Column("had_overlay", sa.Boolean(), nullable=False),
        sa.Column("reverted_by", sa.Integer()),
        sa.PrimaryKeyConstraint("id", name="pk_changes"),
    )
    op.create_index("ix_changes_entry", "changes", ["entry_id"])
    op.create_table(
        "api_keys",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("revoked_at", sa.Float()),
        sa.Column("last_used_at", sa.Float()),
        sa.PrimaryKeyConstraint("id", name="pk_api_keys"),
    )
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("ticket_id", sa.String(64), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("next_at", sa.Float(), nullable=False),
        sa.Column("delivered_at", sa.Float()),
        sa.Column("last_error", sa.Text()),
        sa.PrimaryKeyConstraint("id", name="pk_outbox"),
    )
    op.create_index("ix_outbox_due", "outbox", ["delivered_at", "next_at"])
    op.create_table(
        "conversations",
        sa.Column("session_id", sa.String(128), nullable=False),
        sa.Column("turns", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("updated_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("session_id", name="pk_conversations"),
    )
    op.create_index("ix_conversations_updated", "conversations", ["updated_at"])
    op.create_table(
        "imports",
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("at", sa.Float(), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_imports"),
    )


def downgrade() -> None:
    """Drop them all."""
    for table in ("imports", "conversations", "outbox", "api_keys", "changes", "overlay", "feedback", "questions"):
        op.drop_table(table)
    op.drop_table("tickets")
