"""One SQLite connection shared by every handler and the background tracker.

aiosqlite runs statements on its own thread, one after another, but a transaction spans several
awaits: without care another coroutine's statement could land inside it. So every transaction,
and every read, holds one asyncio lock for its whole duration; SQLite work is quick, so the lock
is held for milliseconds. Each write runs in `BEGIN IMMEDIATE ... COMMIT` and is rolled back on
any error, including cancellation.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import sqlite3
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiosqlite

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 5000
Params = Sequence[Any] | dict[str, Any]

# Set while the current task holds the lock: a nested transaction would deadlock on the
# non-reentrant lock, so it fails loudly instead.
_holding_lock: contextvars.ContextVar[bool] = contextvars.ContextVar("storage_holding_lock", default=False)


class Session:
    """Statements run while the connection lock is held (inside or outside a transaction)."""

    __slots__ = ("_raw",)

    def __init__(self, raw: aiosqlite.Connection) -> None:
        self._raw = raw

    async def execute(self, sql: str, params: Params = ()) -> int:
        """Run one statement; returns the number of rows it changed."""
        async with self._raw.execute(sql, params) as cursor:
            return cursor.rowcount

    async def executemany(self, sql: str, rows: Iterable[Params]) -> int:
        async with self._raw.executemany(sql, rows) as cursor:
            return cursor.rowcount

    async def one(self, sql: str, params: Params = ()) -> sqlite3.Row | None:
        async with self._raw.execute(sql, params) as cursor:
            return await cursor.fetchone()

    async def all(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        return list(await self._raw.execute_fetchall(sql, params))

    async def scalar(self, sql: str, params: Params = ()) -> Any:
        row = await self.one(sql, params)
        return None if row is None else row[0]


class Connection:
    def __init__(self, raw: aiosqlite.Connection, path: Path) -> None:
        self._raw = raw
        self._lock = asyncio.Lock()
        self.path = path

    @classmethod
    async def open(cls, path: Path) -> Connection:
        # isolation_level=None: we issue BEGIN/COMMIT ourselves instead of sqlite3's implicit ones.
        raw = await aiosqlite.connect(path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
        try:
            raw.row_factory = sqlite3.Row
            mode = await _pragma(raw, "journal_mode = WAL")
            if str(mode).lower() != "wal":
                log.warning("SQLite refused WAL mode for %s (got %s); concurrency will suffer", path, mode)
            await raw.execute("PRAGMA foreign_keys = ON")
            await raw.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            # FULL: a committed order intent must survive a power cut, or a retry could order twice.
            await raw.execute("PRAGMA synchronous = FULL")
            # Deleted rows ("delete my data", replaced keys) are overwritten, not left in free pages.
            await raw.execute("PRAGMA secure_delete = ON")
        except BaseException:
            await raw.close()
            raise
        return cls(raw, path)

    async def close(self) -> None:
        async with self._lock:
            await self._raw.close()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Session]:
        """A write transaction: committed when the block ends, rolled back if it raises."""
        async with self._locked():
            await self._raw.execute("BEGIN IMMEDIATE")
            try:
                yield Session(self._raw)
                await self._raw.execute("COMMIT")
            except BaseException:
                # SQLite rolls some failures back by itself; ROLLBACK then would be an error.
                if self._raw.in_transaction:
                    await self._raw.execute("ROLLBACK")
                raise

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[Session]:
        """Reads only; holding the lock means they never see another coroutine's uncommitted rows."""
        async with self._locked():
            yield Session(self._raw)

    @asynccontextmanager
    async def _locked(self) -> AsyncIterator[None]:
        if _holding_lock.get():
            raise RuntimeError("storage: nested use of the connection inside a transaction would deadlock")
        async with self._lock:
            token = _holding_lock.set(True)
            try:
                yield
            finally:
                _holding_lock.reset(token)


async def _pragma(raw: aiosqlite.Connection, statement: str) -> Any:
    async with raw.execute(f"PRAGMA {statement}") as cursor:
        row = await cursor.fetchone()
    return None if row is None else row[0]
