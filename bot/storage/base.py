"""What the Database mixins share: the connection, the cipher, the clock, and small converters."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from decimal import Decimal
from typing import TypeVar

from .connection import Connection, Session
from .crypto import ApiKeyCipher
from .errors import NotFoundError
from .session_cache import SessionCache

T = TypeVar("T")

# SQLite allows 32766 host parameters per statement; stay far below.
MAX_PARAMS_PER_QUERY = 500


class StoreBase:
    _conn: Connection
    _cipher: ApiKeyCipher
    _clock: Callable[[], float]
    _sessions: SessionCache  # see session_cache.py: every change to a user or account forgets it


def money_to_text(value: Decimal | int | None) -> str | None:
    """Money is stored as the text of a Decimal, never as a binary float."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (Decimal, int)):
        raise TypeError(f"money must be Decimal (or int), not {type(value).__name__}")
    return str(value)


def text_to_money(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def chunks(items: Sequence[T], size: int = MAX_PARAMS_PER_QUERY) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


async def rows_by_id(session: Session, select: str, ids: Sequence[int]) -> dict[int, sqlite3.Row]:
    """The rows of `select` (which names an `id` column and no WHERE) with these ids, by id,
    asked MAX_PARAMS_PER_QUERY ids at a time."""
    found: dict[int, sqlite3.Row] = {}
    for part in chunks(sorted(set(ids))):
        marks = ", ".join("?" * len(part))
        found.update((row["id"], row) for row in await session.all(f"{select} WHERE id IN ({marks})", part))
    return found


async def require_account(session: Session, tg_id: int, account_id: int) -> None:
    """Refuse to touch an account that is not this user's (same error as a missing one)."""
    row = await session.one("SELECT 1 FROM accounts WHERE id = ? AND tg_id = ?", (account_id, tg_id))
    if row is None:
        raise NotFoundError(f"account {account_id} not found for this user")


async def pages_by_account(
    conn: Connection, select: str, where: str, alias: str, params: dict[str, object], page_size: int
) -> AsyncIterator[list[sqlite3.Row]]:
    """Keyset pagination over rows ordered by (account_id, id), for the tracker.

    Each page is a fresh query after the last (account_id, id) seen, so nothing is held in
    memory or under the lock between pages, and rows added meanwhile are still reached. A
    single row-value condition `(account_id, id) > (?, ?)` only seeks on account_id in SQLite,
    re-scanning a big account on every page; two index seeks (rest of this account, then the
    following accounts) keep each page cheap however many rows there are.
    """
    if page_size < 1:
        raise ValueError("page_size must be at least 1")
    same_account = (
        f"{select} WHERE {where} AND {alias}.account_id = :account AND {alias}.id > :after "
        f"ORDER BY {alias}.id LIMIT :limit"
    )
    later_accounts = (
        f"{select} WHERE {where} AND {alias}.account_id > :account ORDER BY {alias}.account_id, {alias}.id LIMIT :limit"
    )
    account, after = 0, 0
    while True:
        async with conn.reading() as session:
            rows = await session.all(same_account, {**params, "account": account, "after": after, "limit": page_size})
            if len(rows) < page_size:
                rows += await session.all(later_accounts, {**params, "account": account, "limit": page_size - len(rows)})
        if not rows:
            return
        yield rows
        if len(rows) < page_size:
            return
        account, after = rows[-1]["account_id"], rows[-1]["id"]
