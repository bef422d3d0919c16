"""One SQLAlchemy engine for the shared state, migrated (under a lock) before first use."""

from __future__ import annotations

import contextlib
import fcntl
import logging
from collections.abc import Callable, Iterator
from pathlib import Path

from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event, exc, text
from sqlalchemy.engine import ExceptionContext, make_url
from sqlalchemy.pool import ConnectionPoolEntry, QueuePool

from bot.errors import Unavailable

log = logging.getLogger("beian_bot.storage")

MIGRATIONS = Path(__file__).parent / "migrations"
# any fixed 64-bit number: the advisory lock replicas take while one of them migrates
PG_LOCK_KEY = 0x6265_6961_6E00_0014
# and the one replicas take while one of them builds an index version into a shared Chroma server
PG_BUILD_KEY = 0x6265_6961_6E00_0015
DOWN = "the database cannot be reached right now; try again shortly"
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

    def __init__(
        self,
        url: str,
        pool_size: int = 20,
        upgrade: bool = True,
        *,
        max_overflow: int = 20,
        pool_timeout: float = 5.0,
        connect_timeout: int = 3,
        pre_ping: bool = True,
        pool_recycle: int = 1800,
    ) -> None:
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
                self.url,
                poolclass=_Pool,
                pool_size=pool_size,
                max_overflow=max_overflow,
                pool_timeout=pool_timeout,
                pool_pre_ping=pre_ping,
                pool_recycle=pool_recycle,
                connect_args={"connect_timeout": connect_timeout},
            )
        event.listen(self.engine, "handle_error", _unreachable)
        # the same pool, each statement committed on its own: single-statement reads and writes on the request
        # path skip BEGIN / COMMIT round trips
        self.autocommit: Engine = self.engine.execution_options(isolation_level="AUTOCOMMIT")
        if upgrade:
            self.upgrade()

    def connect(self) -> Connection:
        """A connection without a transaction of its own (reads)."""
        return self.engine.connect()

    @contextlib.contextmanager
    def build_lock(self) -> Iterator[None]:
        """Held while building an index version into a shared Chroma server: replicas that see one curation
        change build one after another, and all but the first find every vector on the server. A no-op on
        SQLite (one host)."""
        if self.is_sqlite:
            yield
            return
        with self.engine.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": PG_BUILD_KEY})
            conn.commit()
            try:
                yield
            finally:
                try:
                    conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": PG_BUILD_KEY})
                    conn.commit()
                except Unavailable:  # the session ended with the server: its lock went with it
                    pass

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


class _Pool(QueuePool):
    """A queue pool that reports a wait for a free connection past ``pool_timeout`` as the database being
    unavailable (a 503 with Retry-After), like a refused connection."""

    def _do_get(self) -> ConnectionPoolEntry:
        try:
            return super()._do_get()
        except exc.TimeoutError as err:
            raise Unavailable(f"{DOWN} (no free connection)") from err


def _unreachable(ctx: ExceptionContext) -> None:
    """Connection-level failures (refused, reset, server shutting down, locked) become :class:`Unavailable`;
    errors in a statement itself (a constraint, bad SQL) stay what they are."""
    if ctx.is_pre_ping:  # the pool handles these itself by reconnecting
        return
    if ctx.is_disconnect or isinstance(ctx.sqlalchemy_exception, exc.OperationalError | exc.InterfaceError):
        raise Unavailable(DOWN)


def _sqlite_pragmas(dbapi_conn: object, _record: object) -> None:
    cur = dbapi_conn.cursor()  # type: ignore[attr-defined]
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()
