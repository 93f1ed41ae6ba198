"""Orders: the user's history, status updates from the tracker, and the tracker's paged queries."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Iterable, Sequence
from decimal import Decimal

from bot.folding import fold

from .base import StoreBase, chunks, money_to_text, pages_by_account, require_account, rows_by_id, text_to_money
from .connection import Session
from .models import NewOrder, Order, OrderStatusUpdate
from .refills import _MARK_TOLD as _MARK_REFILL_TOLD

_FIELDS = (
    "id", "tg_id", "account_id", "panel_order_id", "service_id", "service_name", "service_type", "link",
    "quantity", "expected_charge", "currency", "refill_allowed", "cancel_allowed", "status", "charge",
    "start_count", "remains", "checked_at", "told_status", "final", "created_at",
)  # fmt: skip
_COLUMNS = ", ".join(_FIELDS)
_O_COLUMNS = ", ".join(f"o.{name}" for name in _FIELDS)


def order_from_row(row: sqlite3.Row) -> Order:
    return Order(
        id=row["id"],
        tg_id=row["tg_id"],
        account_id=row["account_id"],
        panel_order_id=row["panel_order_id"],
        service_id=row["service_id"],
        service_name=row["service_name"],
        service_type=row["service_type"],
        link=row["link"],
        quantity=row["quantity"],
        expected_charge=text_to_money(row["expected_charge"]),
        currency=row["currency"],
        refill_allowed=bool(row["refill_allowed"]),
        cancel_allowed=bool(row["cancel_allowed"]),
        status=row["status"],
        charge=text_to_money(row["charge"]),
        start_count=row["start_count"],
        remains=row["remains"],
        checked_at=row["checked_at"],
        told_status=row["told_status"],
        final=bool(row["final"]),
        created_at=row["created_at"],
    )


_INSERT_ORDER = """
    INSERT INTO orders (tg_id, account_id, panel_order_id, service_id, service_name, service_type, link,
                        quantity, expected_charge, currency, refill_allowed, cancel_allowed, created_at, search_text)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (account_id, panel_order_id) DO NOTHING"""


def search_text(service_name: str | None, link: str | None) -> str:
    """What /orders <words> searches in (orders.search_text): the service's name and the link, folded."""
    return fold(f"{service_name or ''} {link or ''}")


def _insert_params(tg_id: int, order: NewOrder, now: float) -> tuple[object, ...]:
    return (
        tg_id,
        order.account_id,
        int(order.panel_order_id),
        order.service_id,
        order.service_name,
        order.service_type,
        order.link,
        order.quantity,
        money_to_text(order.expected_charge),
        order.currency,
        int(order.refill_allowed),
        int(order.cancel_allowed),
        now,
        search_text(order.service_name, order.link),
    )


async def insert_order(session: Session, tg_id: int, order: NewOrder, now: float) -> int:
    """Insert unless the panel order id is already known for that account; returns rows added (0/1).

    The composite foreign key rejects an account that is not this user's.
    """
    return await session.execute(_INSERT_ORDER, _insert_params(tg_id, order, now))


async def select_order(session: Session, tg_id: int, account_id: int, panel_order_id: int) -> Order | None:
    row = await session.one(
        f"SELECT {_COLUMNS} FROM orders WHERE tg_id = ? AND account_id = ? AND panel_order_id = ?",
        (tg_id, account_id, panel_order_id),
    )
    return None if row is None else order_from_row(row)


class OrdersMixin(StoreBase):
    async def track_orders(self, tg_id: int, orders: Sequence[NewOrder]) -> int:
        """Remember many orders in one transaction; returns how many were not tracked before."""
        if not orders:
            return 0
        now = self._clock()
        async with self._conn.transaction() as session:
            for account_id in {order.account_id for order in orders}:
                await require_account(session, tg_id, account_id)
            added = await session.executemany(_INSERT_ORDER, [_insert_params(tg_id, order, now) for order in orders])
        return added

    async def get_order(self, tg_id: int, panel_order_id: int, account_id: int | None = None) -> Order | None:
        """The user's order by the panel's id. Without `account_id`, an order on the active
        account wins over one with the same id on another panel, then the newest."""
        async with self._conn.reading() as session:
            if account_id is not None:
                return await select_order(session, tg_id, account_id, panel_order_id)
            row = await session.one(
                f"""SELECT {_O_COLUMNS} FROM orders o JOIN accounts a ON a.id = o.account_id
                    WHERE o.tg_id = ? AND o.panel_order_id = ?
                    ORDER BY a.active DESC, o.id DESC LIMIT 1""",
                (tg_id, panel_order_id),
            )
        return None if row is None else order_from_row(row)

    async def get_order_by_pk(self, tg_id: int, order_pk: int) -> Order | None:
        async with self._conn.reading() as session:
            row = await session.one(f"SELECT {_COLUMNS} FROM orders WHERE id = ? AND tg_id = ?", (order_pk, tg_id))
        return None if row is None else order_from_row(row)

    async def list_orders(
        self, tg_id: int, *, account_id: int | None = None, offset: int = 0, limit: int = 10
    ) -> list[Order]:
        """Newest first."""
        where, params = _user_filter(tg_id, account_id)
        async with self._conn.reading() as session:
            rows = await session.all(
                f"SELECT {_COLUMNS} FROM orders WHERE {where} ORDER BY id DESC LIMIT ? OFFSET ?",
                (*params, limit, offset),
            )
        return [order_from_row(row) for row in rows]

    async def count_orders(self, tg_id: int, account_id: int | None = None) -> int:
        where, params = _user_filter(tg_id, account_id)
        async with self._conn.reading() as session:
            return int(await session.scalar(f"SELECT COUNT(*) FROM orders WHERE {where}", params))

    async def tracked_orders(self, tg_id: int, account_id: int, ids: Iterable[int]) -> dict[int, Order]:
        """The user's stored orders on that account among these panel order ids, by panel id."""
        wanted = sorted({int(i) for i in ids})
        found: dict[int, Order] = {}
        async with self._conn.reading() as session:
            for part in chunks(wanted):
                marks = ", ".join("?" * len(part))
                rows = await session.all(
                    f"""SELECT {_COLUMNS} FROM orders
                        WHERE tg_id = ? AND account_id = ? AND panel_order_id IN ({marks})""",
                    (tg_id, account_id, *part),
                )
                found.update((row["panel_order_id"], order_from_row(row)) for row in rows)
        return found

    async def update_order_statuses(self, updates: Sequence[OrderStatusUpdate]) -> set[int]:
        """Store what the panel reported about many orders in one transaction.

        Returns the pks whose stored status changed (anything but `checked_at`). Updates naming
        an order that is not that user's (or was removed meanwhile) are ignored. One durable
        transaction per tracker chunk instead of one per order: each commit is an fsync.
        """
        changed: set[int] = set()
        if not updates:
            return changed
        async with self._conn.transaction() as session:
            stored = await rows_by_id(
                session, "SELECT id, tg_id, status, charge, start_count, remains, final FROM orders",
                [update.order_pk for update in updates],
            )  # fmt: skip
            writes, touches, told = [], [], []
            for update in updates:
                charge = money_to_text(update.charge)  # refuses a float before anything is compared
                row = stored.get(update.order_pk)
                if row is None or row["tg_id"] != update.tg_id:
                    continue
                if _status_differs(row, update):
                    changed.add(update.order_pk)
                    writes.append((
                        update.status, charge, update.start_count, update.remains,
                        int(update.final), update.checked_at, update.order_pk,
                    ))  # fmt: skip
                else:
                    touches.append((update.checked_at, update.order_pk))
                if update.told:
                    told.append((update.status, update.order_pk, update.status))
            # Each statement is a round trip to the SQLite thread: none for an empty list.
            if writes:
                await session.executemany(
                    """UPDATE orders SET status = ?, charge = ?, start_count = ?, remains = ?, final = ?,
                           checked_at = ?
                       WHERE id = ?""",
                    writes,
                )
            if touches:
                await session.executemany("UPDATE orders SET checked_at = ? WHERE id = ?", touches)
            if told:
                await session.executemany(_MARK_TOLD, told)
        return changed

    async def update_order_status(
        self,
        tg_id: int,
        order_pk: int,
        *,
        status: str,
        charge: Decimal | None,
        start_count: int | None,
        remains: int | None,
        final: bool,
        checked_at: float,
    ) -> bool:
        """One order's `update_order_statuses`: True if anything but `checked_at` changed; False
        also when the order is not this user's (or was removed meanwhile)."""
        update = OrderStatusUpdate(order_pk, tg_id, status, charge, start_count, remains, final, checked_at)
        return order_pk in await self.update_order_statuses([update])

    async def mark_orders_told(self, told: Iterable[tuple[int, str]]) -> int:
        """Tracker: the users have been told about these (order pk, status) pairs; returns how many
        were not marked so before. The status is the one that was shown, not the current one, so
        a change that raced the message is still due."""
        params = [(status, order_pk, status) for order_pk, status in told]
        if not params:
            return 0
        async with self._conn.transaction() as session:
            return await session.executemany(_MARK_TOLD, params)

    async def mark_order_told(self, order_pk: int, status: str) -> bool:
        return await self.mark_orders_told([(order_pk, status)]) > 0

    async def mark_told(self, orders: Iterable[tuple[int, str]], refills: Iterable[tuple[int, str]]) -> None:
        """Tracker: one message told the users about these orders and refills ((pk, status shown)
        pairs, as in mark_orders_told). One transaction, so one fsync: called right after Telegram
        accepted the message, it is the whole window in which a crash makes the message repeat."""
        order_params = [(status, pk, status) for pk, status in orders]
        refill_params = [(status, pk, status) for pk, status in refills]
        if not order_params and not refill_params:
            return
        async with self._conn.transaction() as session:
            if order_params:
                await session.executemany(_MARK_TOLD, order_params)
            if refill_params:
                await session.executemany(_MARK_REFILL_TOLD, refill_params)

    async def iter_open_orders(
        self, page_size: int = 500, *, checked_before: float | None = None
    ) -> AsyncIterator[list[Order]]:
        """Tracker: non-final orders of users who have not blocked the bot, on accounts that are not
        paused, ordered by (account_id, id), one page at a time.

        Keyset-paginated (see base.pages_by_account): the lock is not held while the caller works
        on a page. `checked_before` skips orders checked at or after that time.
        """
        where = "o.final = 0 AND a.paused = 0 AND u.blocked = 0"
        params: dict[str, object] = {}
        if checked_before is not None:
            where += " AND (o.checked_at IS NULL OR o.checked_at < :checked_before)"
            params["checked_before"] = checked_before
        select = f"""SELECT {_O_COLUMNS} FROM orders o
                     JOIN accounts a ON a.id = o.account_id
                     JOIN users u ON u.tg_id = o.tg_id"""
        async for rows in pages_by_account(self._conn, select, where, "o", params, page_size):
            yield [order_from_row(row) for row in rows]

    async def untold_orders(self, limit: int = 500, after_pk: int = 0) -> list[Order]:
        """Tracker: orders whose status the user has not been told yet (e.g. after a crash between
        "panel reported" and "user told"), users who blocked the bot excluded; page with after_pk."""
        async with self._conn.reading() as session:
            rows = await session.all(
                f"""SELECT {_O_COLUMNS} FROM orders o JOIN users u ON u.tg_id = o.tg_id
                    WHERE o.status IS NOT o.told_status AND o.id > ? AND u.blocked = 0
                    ORDER BY o.id LIMIT ?""",
                (after_pk, limit),
            )
        return [order_from_row(row) for row in rows]


_MARK_TOLD = "UPDATE orders SET told_status = ? WHERE id = ? AND told_status IS NOT ?"


def _status_differs(row: sqlite3.Row, update: OrderStatusUpdate) -> bool:
    # Money compares as numbers: "1.50" and "1.5" are the same charge.
    return (
        row["status"] != update.status
        or text_to_money(row["charge"]) != update.charge
        or row["start_count"] != update.start_count
        or row["remains"] != update.remains
        or bool(row["final"]) != update.final
    )


def _user_filter(tg_id: int, account_id: int | None) -> tuple[str, tuple[int, ...]]:
    if account_id is None:
        return "tg_id = ?", (tg_id,)
    return "tg_id = ? AND account_id = ?", (tg_id, account_id)
