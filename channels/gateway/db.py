"""The gateway's one SQLite file (queue, outbox, ratings, staff accounts): one
connection, one worker thread, opened once for the app's lifetime.

Every query runs off the event loop and one at a time, inside its own
transaction, so a read-then-write step (claiming a case, counting a login
failure) is never interleaved with another. Conditional UPDATEs keep those
steps correct even when a second process (the staff CLI, another gateway)
writes to the same file.
"""
from __future__ import annotations

import asyncio
import os
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable, Iterable, Optional, TypeVar

from bot.settings import Settings
from channels.gateway.files import DIR_MODE, FILE_MODE, private_database

T = TypeVar("T")


def database_path(settings: Settings) -> Path:
    """Setting `database`, else <data_dir>/kaifong.sqlite3 (the staff CLI opens it too)."""
    return Path(settings.database or Path(settings.data_dir) / "kaifong.sqlite3")


def connect(path: Path | str, schemas: Iterable[str] = ()) -> sqlite3.Connection:
    """A connection in autocommit mode (transactions are explicit), schemas applied."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
    # Made for its owner only before SQLite opens it: SQLite gives the write-ahead log and
    # shared memory the database's own mode. An older file is made private here too.
    os.close(os.open(path, os.O_RDWR | os.O_CREAT, FILE_MODE))
    private_database(path)
    conn = sqlite3.connect(path, timeout=10, isolation_level=None, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")      # a committed case survives a power cut
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA busy_timeout=10000")
    for schema in schemas:
        conn.executescript(schema)
    return conn


def in_transaction(conn: sqlite3.Connection, fn: Callable[..., T], *args: Any) -> T:
    """Run fn(conn, *args) in one write transaction: all of it or none of it."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        result = fn(conn, *args)
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
    return result


class Database:
    """The async face of one SQLite file for the gateway."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._executor: Optional[ThreadPoolExecutor] = None
        self._conn: Optional[sqlite3.Connection] = None

    async def open(self, schemas: Iterable[str] = ()) -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kaifong-db")
        schemas = list(schemas)
        self._conn = await self._submit(lambda: connect(self.path, schemas))

    async def apply(self, schema: str) -> None:
        """Add the tables of one part of the gateway (each store applies its own)."""
        await self._submit(lambda: self._connection().executescript(schema))

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """fn(conn, *args) in one transaction, on the database thread."""
        return await self._submit(lambda: in_transaction(self._connection(), fn, *args))

    async def close(self) -> None:
        if self._executor is None:
            return
        conn, self._conn = self._conn, None
        if conn is not None:
            await self._submit(conn.close)
        self._executor.shutdown(wait=True)
        self._executor = None

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            raise RuntimeError("the database is not open")
        return self._conn

    async def _submit(self, call: Callable[[], T]) -> T:
        if self._executor is None:
            raise RuntimeError("the database is not open")
        return await asyncio.get_running_loop().run_in_executor(self._executor, call)
