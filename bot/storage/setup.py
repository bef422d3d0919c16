"""Open the configured database: migrated to the newest schema, the old SQLite files imported once."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import Connection

from bot.storage.database import Database, database_url

if TYPE_CHECKING:
    from bot.config import Settings


def open_database(settings: Settings, upgrade: bool = True) -> Database:
    """The database ``BEIAN_DATABASE_URL`` names (SQLite in the data folder by default), migrated unless
    ``upgrade`` is false."""
    from bot.question_log import question_key
    from bot.storage.legacy import import_legacy

    db = Database(database_url(settings.database_url, settings.data_dir), settings.database_pool_size, upgrade=False)
    if upgrade:

        def legacy(conn: Connection) -> None:
            import_legacy(conn, settings.data_dir, question_key)

        try:
            db.upgrade(after=legacy)
        except BaseException:
            db.close()
            raise
    return db
