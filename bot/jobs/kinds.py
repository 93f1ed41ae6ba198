"""What a tracker cycle polls: orders and refills, each with how to read, ask and store them."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from bot.core.tracking import status_update
from bot.panel import OrderState, OrderStatus, PanelAccountApi, RefillState, RefillStatus
from bot.storage import OrderStatusUpdate, RefillStatusUpdate

PAGE = 1000  # rows read from storage at a time


@dataclass
class CycleStats:
    orders_checked: int = 0
    refills_checked: int = 0
    requests: int = 0
    changes: int = 0  # stored answers that differ from what was stored before
    told: int = 0  # orders and refills shown to their users in a message
    messages: int = 0
    accounts_failed: int = 0
    accounts_paused: int = 0
    skipped: int = 0  # rows not asked about: their account backs off, or their panel was down
    seconds: float = 0.0
    finished_at: float = 0.0  # Unix time the cycle ended (for /healthz and /stats)


class Kind(Protocol):
    """What one half of a cycle polls: orders or refills."""

    name: str

    def pages(self, db: Any) -> AsyncIterator[list[Any]]: ...

    def panel_id(self, row: Any) -> int: ...

    async def ask(self, api: PanelAccountApi, ids: list[int]) -> Mapping[int, object]: ...

    def count(self, stats: CycleStats, checked: int) -> None: ...

    def update(self, row: Any, answer: object) -> Any | None:
        """What to write for this answer, or None when it says nothing new (no write at all)."""

    async def store(self, db: Any, updates: list[Any]) -> int:
        """Write a chunk's updates in one transaction; returns how many rows changed."""


class Orders:
    name = "order"

    def pages(self, db: Any) -> AsyncIterator[list[Any]]:
        return db.iter_open_orders(page_size=PAGE)

    def panel_id(self, row: Any) -> int:
        return int(row.panel_order_id)

    async def ask(self, api: PanelAccountApi, ids: list[int]) -> Mapping[int, object]:
        return await api.statuses(ids)

    def count(self, stats: CycleStats, checked: int) -> None:
        stats.orders_checked += checked

    def update(self, row: Any, answer: object) -> OrderStatusUpdate | None:
        if not isinstance(answer, OrderStatus) or _same_order_status(row, answer):
            return None
        # A new order's first answer is normally "Pending": the user has just been told the
        # order was placed (or asked to follow it), so that is not news worth a message; nor is
        # a new subscription's first "Active".
        not_news = row.status is None and answer.status in (OrderState.PENDING, OrderState.ACTIVE)
        return status_update(row.tg_id, row, answer, shown_to_user=not_news)

    async def store(self, db: Any, updates: list[OrderStatusUpdate]) -> int:
        return len(await db.update_order_statuses(updates))


class Refills:
    name = "refill"

    def pages(self, db: Any) -> AsyncIterator[list[Any]]:
        return db.iter_open_refills(page_size=PAGE)

    def panel_id(self, row: Any) -> int:
        return int(row.refill_id)

    async def ask(self, api: PanelAccountApi, ids: list[int]) -> Mapping[int, object]:
        return await api.refill_statuses(ids)

    def count(self, stats: CycleStats, checked: int) -> None:
        stats.refills_checked += checked

    def update(self, row: Any, answer: object) -> RefillStatusUpdate | None:
        if not isinstance(answer, RefillStatus):
            return None
        if row.status == answer.state.value and row.final == answer.is_final:
            return None  # unchanged: no write (see _same_order_status)
        not_news = row.status is None and answer.state is RefillState.PENDING  # just requested
        return RefillStatusUpdate(row.id, answer.state.value, answer.is_final, time.time(), told=not_news)

    async def store(self, db: Any, updates: list[RefillStatusUpdate]) -> int:
        return len(await db.update_refill_statuses(updates))


def _same_order_status(row: Any, answer: OrderStatus) -> bool:
    """True if the answer says nothing new about the stored order.

    Unchanged answers are not written at all (so the order's `checked_at` only moves when
    something changed): every write is a durable SQLite transaction on the connection the
    handlers share, and most open orders do not change from one cycle to the next.
    """
    return (
        row.status == answer.status.value
        and row.charge == answer.charge
        and row.start_count == answer.start_count
        and row.remains == answer.remains
        and row.final == answer.is_final
    )


ORDERS = Orders()
REFILLS = Refills()
