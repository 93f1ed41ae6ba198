"""Panel accounts: several per user, exactly one active, API keys encrypted at rest."""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from .base import StoreBase
from .connection import Session
from .errors import NotFoundError
from .models import Account

T = TypeVar("T")

_ACCOUNT_COLUMNS = "id, tg_id, panel_url, api_key_enc, currency, label, active, paused, created_at"


def _forgets_owner(method: Callable[..., Awaitable[T]]) -> Callable[..., Awaitable[T]]:
    """For methods taking (self, tg_id, ...): the user's cached session is dropped once the
    change is written (or failed), see session_cache.py."""

    @functools.wraps(method)
    async def wrapper(self: AccountsMixin, tg_id: int, *args: Any, **kwargs: Any) -> T:
        try:
            return await method(self, tg_id, *args, **kwargs)
        finally:
            self._sessions.forget(tg_id)

    return wrapper


class AccountsMixin(StoreBase):
    def _account(self, row: sqlite3.Row) -> Account:
        return Account(
            id=row["id"],
            tg_id=row["tg_id"],
            panel_url=row["panel_url"],
            api_key=self._cipher.decrypt(row["api_key_enc"]),
            currency=row["currency"],
            label=row["label"],
            active=bool(row["active"]),
            paused=bool(row["paused"]),
            created_at=row["created_at"],
        )

    async def _one_account(self, session: Session, where: str, params: tuple[object, ...]) -> Account | None:
        row = await session.one(f"SELECT {_ACCOUNT_COLUMNS} FROM accounts WHERE {where}", params)
        return None if row is None else self._account(row)

    @_forgets_owner
    async def save_account(
        self, tg_id: int, panel_url: str, api_key: str, currency: str | None, label: str | None = None
    ) -> Account:
        """Add the account, or replace the key of the user's account on the same panel URL.

        Either way it becomes the active account and is un-paused (a new key is the usual fix
        for a paused account). A None currency or label keeps the stored one.
        Raises NotFoundError if the user has no row yet (call ensure_user first).
        """
        encrypted = self._cipher.encrypt(api_key)
        async with self._conn.transaction() as session:
            if await session.one("SELECT 1 FROM users WHERE tg_id = ?", (tg_id,)) is None:
                raise NotFoundError("user not found: call ensure_user first")
            # Deactivate first: a partial unique index allows one active account per user.
            await session.execute("UPDATE accounts SET active = 0 WHERE tg_id = ? AND active = 1", (tg_id,))
            await session.execute(
                """INSERT INTO accounts (tg_id, panel_url, api_key_enc, currency, label, active, paused, created_at)
                   VALUES (?, ?, ?, ?, ?, 1, 0, ?)
                   ON CONFLICT (tg_id, panel_url) DO UPDATE SET
                       api_key_enc = excluded.api_key_enc,
                       currency = COALESCE(excluded.currency, accounts.currency),
                       label = COALESCE(excluded.label, accounts.label),
                       active = 1,
                       paused = 0""",
                (tg_id, panel_url, encrypted, currency, label, self._clock()),
            )
            account = await self._one_account(session, "tg_id = ? AND panel_url = ?", (tg_id, panel_url))
        assert account is not None
        return account

    async def active_account(self, tg_id: int) -> Account | None:
        async with self._conn.reading() as session:
            return await self._one_account(session, "tg_id = ? AND active = 1", (tg_id,))

    async def get_account(self, tg_id: int, account_id: int) -> Account | None:
        async with self._conn.reading() as session:
            return await self._one_account(session, "id = ? AND tg_id = ?", (account_id, tg_id))

    async def accounts(self, tg_id: int) -> list[Account]:
        """The user's accounts, oldest first."""
        async with self._conn.reading() as session:
            rows = await session.all(f"SELECT {_ACCOUNT_COLUMNS} FROM accounts WHERE tg_id = ? ORDER BY id", (tg_id,))
        return [self._account(row) for row in rows]

    @_forgets_owner
    async def set_account_currency(self, tg_id: int, account_id: int, currency: str | None) -> bool:
        async with self._conn.transaction() as session:
            changed = await session.execute(
                "UPDATE accounts SET currency = ? WHERE id = ? AND tg_id = ?", (currency, account_id, tg_id)
            )
        return changed > 0

    async def set_account_paused(self, account_id: int, paused: bool) -> bool:
        """For the tracker (e.g. the panel rejects the key). True only if the flag changed,
        so the owner is told once."""
        try:
            async with self._conn.transaction() as session:
                changed = await session.execute(
                    "UPDATE accounts SET paused = ? WHERE id = ? AND paused != ?", (int(paused), account_id, int(paused))
                )
        finally:
            self._sessions.forget()  # the owner is not at hand; pausing is rare
        return changed > 0

    async def get_account_for_tracking(self, account_id: int) -> Account | None:
        """For the tracker only, which works from rows it already got per user: not user-facing."""
        async with self._conn.reading() as session:
            return await self._one_account(session, "id = ?", (account_id,))
