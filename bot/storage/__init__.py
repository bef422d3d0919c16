"""The shared state behind SQLAlchemy: SQLite under the data folder by default, PostgreSQL by URL."""

from bot.storage.database import Database, database_url

__all__ = ["Database", "database_url"]
