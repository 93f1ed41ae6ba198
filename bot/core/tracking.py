"""Checking orders and asking for refills and cancels: shared by the handlers and the tracker."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass

from bot.panel import ItemError, OrderStatus, PanelError
from bot.storage import OrderStatusUpdate


def status_update(tg_id: int, order, status: OrderStatus, *, shown_to_user: bool = False) -> OrderStatusUpdate:
    """What to store about one of the user's orders after the panel answered `status`.

    `shown_to_user`: the user is looking at this status right now (a refresh they asked
    for), so the tracker must not notify them about it again.
    """
    return OrderStatusUpdate(
        order_pk=order.id,
        tg_id=tg_id,
        status=status.status.value,
        charge=status.charge,
        start_count=status.start_count,
        remains=status.remains,
        final=status.is_final,
        checked_at=time.time(),
        told=shown_to_user,
    )


async def store_status(db, tg_id: int, order, status: OrderStatus, *, shown_to_user: bool = False) -> bool:
    """Record what the panel said about one of the user's stored orders; True if it changed."""
    update = status_update(tg_id, order, status, shown_to_user=shown_to_user)
    return order.id in await db.update_order_statuses([update])


async def refresh_orders(db, api, tg_id: int, orders: list) -> dict[int, OrderStatus | ItemError]:
    """One batched status call (per 100) for `orders`, stored in one transaction; returns the
    panel's answers."""
    answers = await api.statuses([o.panel_order_id for o in orders])
    updates = [
        status_update(tg_id, order, answer, shown_to_user=True)
        for order in orders
        if isinstance(answer := answers.get(order.panel_order_id), OrderStatus)
    ]
    await db.update_order_statuses(updates)
    return answers


@dataclass
class RefillAnswer:
    order_id: int
    refill_id: int | None = None
    error: PanelError | None = None


async def request_refills(db, api, tg_id: int, account, ids: Iterable[int]) -> list[RefillAnswer]:
    """Ask for refills of `ids` and store each refill given for a tracked order."""
    ids = list(ids)
    answers = await api.refills(ids)
    results = []
    for order_id in ids:
        answer = answers.get(order_id)
        if isinstance(answer, ItemError):
            results.append(RefillAnswer(order_id, error=answer.error))
            continue
        if answer is None:
            continue
        order = await db.get_order(tg_id, order_id, account_id=account.id)
        if order is not None:
            await db.record_refill(tg_id, account.id, order.id, int(answer))
        results.append(RefillAnswer(order_id, refill_id=int(answer)))
    return results
