"""Alembic environment: runs on the connection the caller hands in (see bot.storage.database)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from bot.storage.models import metadata

config = context.config
connection = config.attributes.get("connection")

if connection is None:  # e.g. ``alembic -x url=...`` by hand
    engine = create_engine(context.get_x_argument(as_dictionary=True)["url"])
    with engine.begin() as conn:
        context.configure(connection=conn, target_metadata=metadata, render_as_batch=True)
        context.run_migrations()
else:
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
