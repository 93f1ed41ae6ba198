"""`Database`: the bot's whole storage API, opened once at start-up and shared by everyone."""

from __future__ import annotations

import asyncio
import logging
import os
import stat
import time
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from .accounts import AccountsMixin
from .balances import BalancesMixin
from .catalogue import CatalogueMixin
from .claims import ClaimsMixin
from .connection import Connection
from .crypto import CHECK_META_KEY, ApiKeyCipher, cipher_from_key, resolve_key, wrong_key_error
from .history import HistoryMixin
from .intents import IntentsMixin
from .mass import MassMixin
from .migrations import migrate, schema_version
from .models import Account, User
from .operations import OperationsMixin
from .orders import OrdersMixin
from .refills import RefillsMixin
from .session_cache import DEFAULT_SIZE as SESSION_CACHE_SIZE
from .session_cache import SessionCache
from .users import UsersMixin

log = logging.getLogger(__name__)

# The database holds every user's orders, links and (encrypted) keys: like the encryption key
# file, it is for the bot's own account only. SQLite creates the -wal and -shm files with the
# database file's permissions, so making that file owner-only covers them too.
_FOLDER_MODE = 0o700
_FILE_MODE = 0o600
_SIDE_FILES = ("-wal", "-shm", "-journal")


class Database(
    UsersMixin, BalancesMixin, AccountsMixin, CatalogueMixin, IntentsMixin, OrdersMixin, HistoryMixin, RefillsMixin,
    ClaimsMixin, MassMixin, OperationsMixin,
):
    """Every method that reads or changes a user's data takes that user's Telegram id and only
    touches that user's rows; the few id-only methods are for the background tracker."""

    def __init__(
        self, conn: Connection, cipher: ApiKeyCipher, clock: Callable[[], float], *, session_cache_size: int
    ) -> None:
        # Use Database.open(); this constructor assumes a migrated, key-checked connection.
        self._conn = conn
        self._cipher = cipher
        self._clock = clock
        self._sessions = SessionCache(session_cache_size)
        # tg_id -> (the session copy they were read with, the keys), see api_keys().
        self._keys: OrderedDict[int, tuple[object, tuple[str, ...]]] = OrderedDict()
        self._keys_size = session_cache_size
        self._closed = False

    @classmethod
    async def open(
        cls,
        path: str | Path,
        encryption_key: str | None = None,
        *,
        clock: Callable[[], float] = time.time,
        session_cache_size: int = SESSION_CACHE_SIZE,
    ) -> Database:
        """Open (creating folder and file owner-only if needed), check the encryption key, migrate.

        Raises StorageKeyError for a malformed or wrong key (the database is left as it was),
        SchemaTooNewError if a newer build migrated the file. `clock` stamps created/updated times.
        `session_cache_size`: users whose row and active account are kept in memory (0: none;
        needed only if another process writes the same file, see session_cache.py).
        """
        path = Path(path)
        if encryption_key is not None:
            # A malformed key fails before any file is created.
            cipher_from_key(encryption_key, source="ENCRYPTION_KEY")
        await asyncio.to_thread(_prepare_owner_only_files, path)
        conn = await Connection.open(path)
        try:
            # Check the key before migrating, so that a wrong key changes nothing at all.
            check_value = await _stored_check_value(conn)
            cipher = await asyncio.to_thread(
                resolve_key, encryption_key, path, database_has_keys=check_value is not None
            )
            if check_value is not None and not cipher.matches(check_value):
                raise wrong_key_error(encryption_key, path)
            await migrate(conn)
            if check_value is None:
                async with conn.transaction() as session:
                    await session.execute(
                        "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING",
                        (CHECK_META_KEY, cipher.make_check_value()),
                    )
                # Another process may have stored its check value first.
                stored = await _stored_check_value(conn)
                if stored is None or not cipher.matches(stored):
                    raise wrong_key_error(encryption_key, path)
        except BaseException:
            await conn.close()
            raise
        return cls(conn, cipher, clock, session_cache_size=session_cache_size)

    async def user_and_account(self, tg_id: int, default_language: str) -> tuple[User, Account | None]:
        """The user's row (created with `default_language` on first contact) and active account,
        from memory when nothing changed them since the last read (see session_cache.py)."""
        cached = self._sessions.get(tg_id)
        if cached is not None:
            return cached
        generation = self._sessions.generation
        entry = (await self.ensure_user(tg_id, default_language), await self.active_account(tg_id))
        self._sessions.put(tg_id, entry, generation)
        return entry

    async def api_keys(self, tg_id: int) -> tuple[str, ...]:
        """The API keys of all the user's accounts (to recognise one typed into a message).

        Kept in memory for as long as the user's session copy (session_cache.py) is the same
        object: every change to an account forgets that copy, so the keys are then read again.
        """
        session = self._sessions.get(tg_id)
        cached = self._keys.get(tg_id)
        if session is not None and cached is not None and cached[0] is session:
            self._keys.move_to_end(tg_id)
            return cached[1]
        keys = tuple(account.api_key for account in await self.accounts(tg_id))
        # Kept only if nothing forgot the user meanwhile (the same copy is still there).
        if session is not None and self._sessions.get(tg_id) is session:
            self._keys[tg_id] = (session, keys)
            self._keys.move_to_end(tg_id)
            while len(self._keys) > self._keys_size:
                self._keys.popitem(last=False)
        return keys

    async def close(self) -> None:
        if not self._closed:
            self._closed = True
            await self._conn.close()

    async def __aenter__(self) -> Database:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    @property
    def connection(self) -> Connection:
        """For storage modules that keep their own tables on the same connection (persistence)."""
        return self._conn

    def __repr__(self) -> str:
        return f"Database({str(self._conn.path)!r})"


async def _stored_check_value(conn: Connection) -> str | None:
    if await schema_version(conn) < 1:  # a new file: no meta table yet
        return None
    async with conn.reading() as session:
        value = await session.scalar("SELECT value FROM meta WHERE key = ?", (CHECK_META_KEY,))
    return None if value is None else str(value)


def _prepare_owner_only_files(path: Path) -> None:
    """Create the database's folder (0700) and file (0600) owner-only; tighten an existing
    database (and its WAL, SHM, journal files) that others can read. Blocking: run in a thread.

    An existing folder is left as it is: it may be a shared one (the working directory).
    """
    path.parent.parent.mkdir(parents=True, exist_ok=True)
    try:
        path.parent.mkdir(mode=_FOLDER_MODE)
    except FileExistsError:
        pass
    else:
        os.chmod(path.parent, _FOLDER_MODE)  # mkdir's mode is reduced by the umask; be exact
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, _FILE_MODE)
    except FileExistsError:
        pass
    else:
        # An empty file is an empty SQLite database; SQLite gives its WAL and SHM this mode.
        try:
            os.fchmod(fd, _FILE_MODE)
        finally:
            os.close(fd)
        return
    if not _is_sqlite_file(path):
        return  # not a database (the open fails next, naming the path): leave the file as it is
    for file in (path, *(path.with_name(path.name + suffix) for suffix in _SIDE_FILES)):
        try:
            mode = stat.S_IMODE(file.stat().st_mode)
            if mode & 0o077:
                os.chmod(file, mode & 0o700)
                log.warning("%s was open to other users (mode %o); it is now owner-only (%o)",
                            file, mode, mode & 0o700)
        except FileNotFoundError:
            continue
        except OSError as exc:
            log.warning("could not make %s owner-only: %s", file, exc)


def _is_sqlite_file(path: Path) -> bool:
    """True for an SQLite database (or an empty file, which SQLite treats as one)."""
    try:
        with open(path, "rb") as file:
            header = file.read(16)
    except OSError:
        return False
    return header in (b"", b"SQLite format 3\x00")
