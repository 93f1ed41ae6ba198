"""`python -m bot backup PATH`: a consistent copy of the live database, while the bot runs.

SQLite's online backup API (sqlite3's `Connection.backup`) copies the pages as one read
transaction sees them: in WAL mode the bot keeps writing meanwhile and the copy is the database
as it was at one instant, never half a transaction. The copy is checked (`integrity_check`),
made self-contained (journal mode DELETE: no -wal file to forget), owner-only like the
database, and appears under its name only when complete.

The copy holds the API keys encrypted: restoring it needs the encryption key too
(ENCRYPTION_KEY, or encryption.key beside the database), which is deliberately not copied
into the backup. Keep the two together, but apart from where untrusted eyes reach.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from bot.storage.connection import BUSY_TIMEOUT_MS

_PAGES_PER_STEP = -1  # all at once: one read transaction, so one instant of the database


class BackupError(Exception):
    """The backup could not be made; the message says why (no secret in it)."""


@dataclass(frozen=True)
class BackupResult:
    path: Path
    bytes: int
    users: int
    orders: int
    schema_version: int


def default_name(now: float | None = None) -> str:
    return time.strftime("bot-backup-%Y%m%d-%H%M%S.sqlite3", time.localtime(now))


def backup_database(source: Path, destination: str | Path) -> BackupResult:
    """Copy `source` (a live database) to `destination`: a new file, or a folder (existing, or
    named with a trailing "/") to put a dated file in. Blocking: run in a thread (`backup()`)."""
    folder = str(destination).endswith(("/", os.sep))
    destination = Path(destination)
    if folder or destination.is_dir():
        destination = destination / default_name()
    if destination.exists():
        raise BackupError(f"{destination} exists already: choose a new name or a folder")
    if not source.is_file():
        raise BackupError(f"there is no database at {source} (DATABASE_PATH)")
    destination.parent.mkdir(parents=True, exist_ok=True)
    partial = destination.with_name(f".{destination.name}.partial-{os.getpid()}")
    try:
        _copy(source, partial)
        result = _check(partial, destination)
        # Appears under its name only once complete; never over an existing file.
        os.link(partial, destination)
    except sqlite3.Error as exc:
        raise BackupError(f"the backup of {source} failed: {exc}") from None
    except FileExistsError:
        raise BackupError(f"{destination} exists already: choose a new name or a folder") from None
    finally:
        partial.unlink(missing_ok=True)
    return result


async def backup(source: Path, destination: str | Path) -> BackupResult:
    return await asyncio.to_thread(backup_database, source, destination)


def _copy(source: Path, partial: Path) -> None:
    # mode=rw: a missing database is an error, not a new empty file.
    uri = f"file:{quote(str(source.resolve()))}?mode=rw"
    src = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
    try:
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.close(fd)
        os.chmod(partial, 0o600)  # API keys (encrypted) and users' orders: the owner's only
        dst = sqlite3.connect(partial)
        try:
            src.backup(dst, pages=_PAGES_PER_STEP)
            dst.execute("PRAGMA journal_mode = DELETE")
            dst.commit()
        finally:
            dst.close()
    finally:
        src.close()
    with open(partial, "rb") as file:
        os.fsync(file.fileno())


def _check(partial: Path, destination: Path) -> BackupResult:
    conn = sqlite3.connect(f"file:{quote(str(partial))}?mode=ro", uri=True)
    try:
        verdict = conn.execute("PRAGMA integrity_check").fetchone()[0]
        if verdict != "ok":
            raise BackupError(f"the copy failed its integrity check ({verdict}); the database was not changed")
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        users = conn.execute("SELECT count(*) FROM users").fetchone()[0] if version else 0
        orders = conn.execute("SELECT count(*) FROM orders").fetchone()[0] if version else 0
    finally:
        conn.close()
    return BackupResult(destination, partial.stat().st_size, users, orders, version)
