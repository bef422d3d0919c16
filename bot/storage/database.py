"""One SQLAlchemy engine for the shared state, migrated (under a lock) before first use."""

from __future__ import annotations

import contextlib
import fcntl
import logging
from collections.abc import Callable, Iterator
from pathlib import Path

from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url

log = logging.getLogger("beian_bot.storage")

MIGRATIONS = Path(__file__).parent / "migrations"
# any fixed 64-bit number: the advisory lock replicas take while one of them migrates
PG_LOCK_KEY = 0x6265_6961_6E00_0014
DEFAULT_FILE = "beian.sqlite3"


def database_url(url: str | None, data_dir: str | Path) -> str:
    """The URL to use: the configured one (``postgresql://`` means psycopg 3), else SQLite in ``data_dir``."""
    if not url:
        return f"sqlite:///{Path(data_dir) / DEFAULT_FILE}"
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


class Database:
    """An engine with the schema at the newest migration; safe to share between threads."""

    def __init__(self, url: str, pool_size: int = 5, upgrade: bool = True) -> None:
        self.url = make_url(url)
        self.is_sqlite = self.url.get_backend_name() == "sqlite"
        if self.is_sqlite:
            path = self.url.database
            if path and path != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            self.engine: Engine = create_engine(self.url, connect_args={"timeout": 30, "check_same_thread": False})
            event.listen(self.engine, "connect", _sqlite_pragmas)
        else:
            self.engine = create_engine(
                self.url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True, pool_recycle=1800
            )
        if upgrade:
            self.upgrade()

    @contextlib.contextmanager
    def begin(self) -> Iterator[Connection]:
        """A connection in a transaction: committed on success, rolled back on error."""
        with self.engine.begin() as conn:
            yield conn

    @contextlib.contextmanager
    def migration_lock(self) -> Iterator[Connection]:
        """A transaction no other process can migrate beside: a file lock on SQLite, an advisory lock on
        PostgreSQL (released when the transaction ends)."""
        with self._file_lock(), self.engine.begin() as conn:
            if not self.is_sqlite:
                conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": PG_LOCK_KEY})
            yield conn

    @contextlib.contextmanager
    def _file_lock(self) -> Iterator[None]:
        path = self.url.database if self.is_sqlite else None
        if not path or path == ":memory:":
            yield
            return
        with open(f"{path}.migrate.lock", "w") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def upgrade(self, revision: str = "head", after: Callable[[Connection], None] | None = None) -> None:
        """Run the migrations up to ``revision``; ``after`` runs in the same locked transaction."""
        from alembic import command

        config = alembic_config()
        with self.migration_lock() as conn:
            config.attributes["connection"] = conn
            command.upgrade(config, revision)
            if after is not None:
                after(conn)

    def revision(self) -> str | None:
        """The migration the database is at."""
        from alembic.runtime.migration import MigrationContext

        with self.engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()

    def close(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()


def alembic_config() -> Config:
    """Alembic's configuration pointing at the migrations shipped in this package."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def _sqlite_pragmas(dbapi_conn: object, _record: object) -> None:
    cur = dbapi_conn.cursor()  # type: ignore[attr-defined]
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()
