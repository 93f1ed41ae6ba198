"""What a tracker cycle polls: orders and refills, each with how to read, ask and store them."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from bot.core.tracking import store_status
from bot.panel import OrderState, OrderStatus, PanelAccountApi, RefillState, RefillStatus

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


class Kind(Protocol):
    """What one half of a cycle polls: orders or refills."""

    name: str

    def pages(self, db: Any) -> AsyncIterator[list[Any]]: ...

    def panel_id(self, row: Any) -> int: ...

    async def ask(self, api: PanelAccountApi, ids: list[int]) -> Mapping[int, object]: ...

    def count(self, stats: CycleStats, checked: int) -> None: ...

    async def store(self, db: Any, row: Any, answer: object) -> bool: ...


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

    async def store(self, db: Any, row: Any, answer: object) -> bool:
        if not isinstance(answer, OrderStatus) or _same_order_status(row, answer):
            return False
        # A new order's first answer is normally "Pending": the user has just been told the
        # order was placed (or asked to follow it), so that is not news worth a message.
        not_news = row.status is None and answer.status is OrderState.PENDING
        return await store_status(db, row.tg_id, row, answer, shown_to_user=not_news)


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

    async def store(self, db: Any, row: Any, answer: object) -> bool:
        if not isinstance(answer, RefillStatus):
            return False
        if row.status == answer.state.value and row.final == answer.is_final:
            return False  # unchanged: no write (see _same_order_status)
        changed = await db.update_refill_status(row.id, answer.state.value, answer.is_final, time.time())
        if changed and row.status is None and answer.state is RefillState.PENDING:
            await db.mark_refill_told(row.id, answer.state.value)  # just requested: not news
        return bool(changed)


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
