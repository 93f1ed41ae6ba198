"""Refill requests of the user's orders, and the tracker's paged queries over them."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Sequence

from .base import StoreBase, pages_by_account, rows_by_id
from .errors import NotFoundError
from .models import Refill, RefillStatusUpdate

_FIELDS = (
    "id", "tg_id", "account_id", "order_id", "refill_id", "status", "final", "checked_at", "told_status", "created_at",
)  # fmt: skip
# Every query joins the order for its panel id, which notifications show.
_SELECT = (
    "SELECT " + ", ".join(f"r.{name}" for name in _FIELDS) + ", o.panel_order_id"
    " FROM refills r JOIN orders o ON o.id = r.order_id"
)

_MARK_TOLD = "UPDATE refills SET told_status = ? WHERE id = ? AND told_status IS NOT ?"


def _refill(row: sqlite3.Row) -> Refill:
    return Refill(
        id=row["id"],
        tg_id=row["tg_id"],
        account_id=row["account_id"],
        order_id=row["order_id"],
        panel_order_id=row["panel_order_id"],
        refill_id=row["refill_id"],
        status=row["status"],
        final=bool(row["final"]),
        checked_at=row["checked_at"],
        told_status=row["told_status"],
        created_at=row["created_at"],
    )


class RefillsMixin(StoreBase):
    async def record_refill(self, tg_id: int, account_id: int, order_pk: int, refill_id: int) -> Refill:
        """Remember a refill the panel accepted; recording the same panel refill id again returns the
        stored one. Raises NotFoundError unless the order is this user's, on that account."""
        async with self._conn.transaction() as session:
            if (
                await session.one(
                    "SELECT 1 FROM orders WHERE id = ? AND account_id = ? AND tg_id = ?", (order_pk, account_id, tg_id)
                )
                is None
            ):
                raise NotFoundError(f"order {order_pk} not found for this user and account")
            await session.execute(
                """INSERT INTO refills (tg_id, account_id, order_id, refill_id, created_at) VALUES (?, ?, ?, ?, ?)
                   ON CONFLICT (account_id, refill_id) DO NOTHING""",
                (tg_id, account_id, order_pk, int(refill_id), self._clock()),
            )
            row = await session.one(
                f"{_SELECT} WHERE r.account_id = ? AND r.refill_id = ? AND r.tg_id = ?",
                (account_id, int(refill_id), tg_id),
            )
        assert row is not None
        return _refill(row)

    async def update_refill_statuses(self, updates: Sequence[RefillStatusUpdate]) -> set[int]:
        """Tracker: store what the panel reported about many refills in one transaction; returns
        the pks whose status or final flag changed."""
        changed: set[int] = set()
        if not updates:
            return changed
        async with self._conn.transaction() as session:
            stored = await rows_by_id(session, "SELECT id, status, final FROM refills", [u.refill_pk for u in updates])
            writes, touches, told = [], [], []
            for update in updates:
                row = stored.get(update.refill_pk)
                if row is None:
                    continue
                if row["status"] != update.status or bool(row["final"]) != update.final:
                    changed.add(update.refill_pk)
                    writes.append((update.status, int(update.final), update.checked_at, update.refill_pk))
                else:
                    touches.append((update.checked_at, update.refill_pk))
                if update.told:
                    told.append((update.status, update.refill_pk, update.status))
            if writes:  # each statement is a round trip to the SQLite thread: none for an empty list
                await session.executemany(
                    "UPDATE refills SET status = ?, final = ?, checked_at = ? WHERE id = ?", writes
                )
            if touches:
                await session.executemany("UPDATE refills SET checked_at = ? WHERE id = ?", touches)
            if told:
                await session.executemany(_MARK_TOLD, told)
        return changed

    async def iter_open_refills(self, page_size: int = 500) -> AsyncIterator[list[Refill]]:
        """Tracker: non-final refills of non-blocked users on non-paused accounts, by (account_id, id),
        keyset-paginated like iter_open_orders."""
        select = f"""{_SELECT}
                     JOIN accounts a ON a.id = r.account_id
                     JOIN users u ON u.tg_id = r.tg_id"""
        where = "r.final = 0 AND a.paused = 0 AND u.blocked = 0"
        async for rows in pages_by_account(self._conn, select, where, "r", {}, page_size):
            yield [_refill(row) for row in rows]

    async def untold_refills(self, limit: int = 500, after_pk: int = 0) -> list[Refill]:
        """Tracker: refills whose status the user has not been told yet (blocked users excluded)."""
        async with self._conn.reading() as session:
            rows = await session.all(
                f"""{_SELECT} JOIN users u ON u.tg_id = r.tg_id
                    WHERE r.status IS NOT r.told_status AND r.id > ? AND u.blocked = 0
                    ORDER BY r.id LIMIT ?""",
                (after_pk, limit),
            )
        return [_refill(row) for row in rows]
