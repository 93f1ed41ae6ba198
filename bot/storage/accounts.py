"""Panel accounts: several per user, exactly one active, API keys encrypted at rest.

A removed account is not deleted: its row stays, without its key, so that the orders placed
through it stay in the user's history (foreign keys would delete them with it). Everything here
except `remove_account` and the re-adding `save_account` sees live accounts only; a removed one
is also `paused`, which the tracker's queries already leave out. Adding the same panel URL
again brings the row (and its history) back with the new key.
"""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Callable, Coroutine
from typing import Any, Concatenate, ParamSpec, TypeVar

from .base import StoreBase
from .connection import Session
from .errors import NotFoundError
from .models import Account

T = TypeVar("T")
P = ParamSpec("P")
S = TypeVar("S", bound="AccountsMixin")

_ACCOUNT_COLUMNS = "id, tg_id, panel_url, api_key_enc, currency, label, active, paused, created_at"
LIVE = "removed_at IS NULL"  # an account the user has not removed (see the module docstring)


def _forgets_owner(
    method: Callable[Concatenate[S, int, P], Coroutine[Any, Any, T]],
) -> Callable[Concatenate[S, int, P], Coroutine[Any, Any, T]]:
    """For methods taking (self, tg_id, ...): the user's cached session is dropped once the
    change is written (or failed), see session_cache.py."""

    @functools.wraps(method)
    async def wrapper(self: S, tg_id: int, *args: P.args, **kwargs: P.kwargs) -> T:
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
        for a paused account); a removed one comes back. A None currency or label keeps the
        stored one.
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
                       paused = 0,
                       removed_at = NULL""",
                (tg_id, panel_url, encrypted, currency, label, self._clock()),
            )
            account = await self._one_account(session, "tg_id = ? AND panel_url = ?", (tg_id, panel_url))
        assert account is not None
        return account

    async def active_account(self, tg_id: int) -> Account | None:
        async with self._conn.reading() as session:
            return await self._one_account(session, f"tg_id = ? AND active = 1 AND {LIVE}", (tg_id,))

    async def get_account(self, tg_id: int, account_id: int) -> Account | None:
        async with self._conn.reading() as session:
            return await self._one_account(session, f"id = ? AND tg_id = ? AND {LIVE}", (account_id, tg_id))

    async def accounts(self, tg_id: int) -> list[Account]:
        """The user's accounts, oldest first."""
        async with self._conn.reading() as session:
            rows = await session.all(
                f"SELECT {_ACCOUNT_COLUMNS} FROM accounts WHERE tg_id = ? AND {LIVE} ORDER BY id", (tg_id,)
            )
        return [self._account(row) for row in rows]

    @_forgets_owner
    async def set_account_currency(self, tg_id: int, account_id: int, currency: str | None) -> bool:
        async with self._conn.transaction() as session:
            changed = await session.execute(
                f"UPDATE accounts SET currency = ? WHERE id = ? AND tg_id = ? AND {LIVE}", (currency, account_id, tg_id)
            )
        return changed > 0

    @_forgets_owner
    async def set_active_account(self, tg_id: int, account_id: int) -> bool:
        """Returns False (and changes nothing) if the account is not this user's, or removed."""
        async with self._conn.transaction() as session:
            if await session.one(f"SELECT 1 FROM accounts WHERE id = ? AND tg_id = ? AND {LIVE}",
                                 (account_id, tg_id)) is None:
                return False
            await session.execute("UPDATE accounts SET active = 0 WHERE tg_id = ? AND active = 1", (tg_id,))
            await session.execute("UPDATE accounts SET active = 1 WHERE id = ? AND tg_id = ?", (account_id, tg_id))
        return True

    @_forgets_owner
    async def rename_account(self, tg_id: int, account_id: int, label: str | None) -> bool:
        """Set the name the user gave the panel (None: none, the host is shown)."""
        async with self._conn.transaction() as session:
            changed = await session.execute(
                f"UPDATE accounts SET label = ? WHERE id = ? AND tg_id = ? AND {LIVE}", (label, account_id, tg_id)
            )
        return changed > 0

    @_forgets_owner
    async def remove_account(self, tg_id: int, account_id: int) -> bool:
        """Remove the account: its key and catalogue cache are deleted, its orders, refills and
        intents are kept for the user's history but no longer tracked (see the module docstring).

        If it was the active account, the newest remaining one becomes active, so the user is
        never left with accounts but none active. Returns False if the account is not this
        user's, or already removed.
        """
        async with self._conn.transaction() as session:
            row = await session.one(f"SELECT active FROM accounts WHERE id = ? AND tg_id = ? AND {LIVE}",
                                    (account_id, tg_id))
            if row is None:
                return False
            # The key is overwritten, not kept encrypted: a removed panel needs none.
            await session.execute(
                """UPDATE accounts SET removed_at = ?, api_key_enc = '', active = 0, paused = 1, low_balance_told = 0
                   WHERE id = ? AND tg_id = ?""",
                (self._clock(), account_id, tg_id),
            )
            await session.execute("DELETE FROM catalogue_cache WHERE account_id = ?", (account_id,))
            if row["active"]:
                await session.execute(
                    f"""UPDATE accounts SET active = 1
                        WHERE id = (SELECT MAX(id) FROM accounts WHERE tg_id = ? AND {LIVE})""",
                    (tg_id,),
                )
        return True

    async def removed_account_ids(self, tg_id: int) -> set[int]:
        """The user's removed accounts (their orders are history: not tracked, no actions)."""
        async with self._conn.reading() as session:
            rows = await session.all("SELECT id FROM accounts WHERE tg_id = ? AND removed_at IS NOT NULL", (tg_id,))
        return {row["id"] for row in rows}

    async def set_account_paused(self, account_id: int, paused: bool) -> bool:
        """For the tracker (e.g. the panel rejects the key). True only if the flag changed,
        so the owner is told once."""
        try:
            async with self._conn.transaction() as session:
                changed = await session.execute(
                    f"UPDATE accounts SET paused = ? WHERE id = ? AND paused != ? AND {LIVE}",
                    (int(paused), account_id, int(paused)),
                )
        finally:
            self._sessions.forget()  # the owner is not at hand; pausing is rare
        return changed > 0

    async def get_account_for_tracking(self, account_id: int) -> Account | None:
        """For the tracker only, which works from rows it already got per user: not user-facing."""
        async with self._conn.reading() as session:
            return await self._one_account(session, f"id = ? AND {LIVE}", (account_id,))
