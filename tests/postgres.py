"""A real PostgreSQL 15 server for tests: initdb and pg_ctl in a temporary folder, run as user ``postgres``."""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

BIN = Path(os.environ.get("BEIAN_TEST_PG_BIN", "/usr/lib/postgresql/15/bin"))


def available() -> bool:
    """Whether the server binaries are installed."""
    return (BIN / "initdb").exists() and (BIN / "pg_ctl").exists()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_postgres(args: list[str]) -> list[str]:
    # the server refuses to run as root; as another user it runs directly
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *args]
    return args


class PostgresServer:
    """One running server; :meth:`database` makes an empty database and returns its URL."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.data = root / "data"
        self.port = _free_port()
        self.user = "postgres" if os.geteuid() == 0 else pwd.getpwuid(os.geteuid()).pw_name

    def start(self) -> None:
        """initdb (trust on loopback) and start on a free port; waits until it accepts connections."""
        self.root.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
        if not self.data.exists():
            subprocess.run(
                _as_postgres([str(BIN / "initdb"), "-D", str(self.data), "-A", "trust", "-U", self.user, "-E", "UTF8"]),
                check=True,
                capture_output=True,
                timeout=120,
            )
        self._ctl("start", "-w", "-t", "60", "-l", str(self.root / "server.log"), "-o", self._options())

    def _options(self) -> str:
        return f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"

    def _ctl(self, *args: str) -> None:
        command = _as_postgres([str(BIN / "pg_ctl"), "-D", str(self.data), *args])
        subprocess.run(command, check=True, capture_output=True, timeout=120)

    def stop(self, mode: str = "fast") -> None:
        """Stop the server (``immediate`` is a crash)."""
        self._ctl("stop", "-w", "-m", mode)

    def restart(self) -> None:
        """Stop and start again on the same port and data."""
        self.stop()
        self._ctl("start", "-w", "-t", "60", "-l", str(self.root / "server.log"), "-o", self._options())

    def url(self, database: str = "postgres") -> str:
        """A psycopg 3 URL for a database on this server."""
        return f"postgresql+psycopg://{self.user}@127.0.0.1:{self.port}/{database}"

    def database(self) -> str:
        """A new empty database; its URL."""
        import psycopg

        name = f"t_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(f"host=127.0.0.1 port={self.port} user={self.user} dbname=postgres", autocommit=True) as c:
            c.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


@contextmanager
def running() -> Iterator[PostgresServer]:
    """A server for the duration of the block, in a folder of its own under /tmp (pytest's temporary folders
    are private to the user running the tests; the server runs as ``postgres``)."""
    server = PostgresServer(Path(tempfile.mkdtemp(prefix="beian-pg-")))
    server.start()
    try:
        yield server
    finally:
        try:
            server.stop("immediate")
        finally:
            shutil.rmtree(server.root, ignore_errors=True)
