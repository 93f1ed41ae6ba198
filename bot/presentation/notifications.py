"""The tracker's notifications: what changed in a user's orders and refills.

A round of changes may need several messages (Telegram's size limit). Each message is built
together with the orders and refills it shows, so that its buttons are those orders' and the
tracker marks as told exactly what each message showed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from telegram import InlineKeyboardButton as Button
from telegram import InlineKeyboardMarkup as Keyboard

from bot import callback_data as cb
from bot.i18n import Html
from bot.presentation.buttons import button
from bot.presentation.orders import (
    order_buttons,
    order_summary,
    refillable,
    status_name,
)
from bot.presentation.texts import Texts

MESSAGE_MAX = 3800  # below Telegram's 4096, for the header and the entities' markup
REFILL_BUTTONS_MAX = 20  # per message: a longer keyboard buries the text; /orders has every order


class NotificationMessage(NamedTuple):
    """One message of a notification, with the orders and refills it shows (in that order)."""

    text: Html
    keyboard: Keyboard | None
    orders: tuple[Any, ...]
    refills: tuple[Any, ...]


def refill_line(tx: Texts, refill) -> Html:
    return tx("notify.refill_line", refill=refill.refill_id, id=refill.panel_order_id, status=status_name(tx, refill.status))


def notification(tx: Texts, orders: list, refills: list, limit: int = MESSAGE_MAX,
                 panels: Mapping[int, str] | None = None) -> list[NotificationMessage]:
    """One message for all of a user's changes in a cycle (split only past Telegram's size).
    `panels`: the name of each order's panel by account id, for users who have several."""
    header = tx("notify.title")
    panels = panels or {}
    blocks = [(order_summary(tx, o, panels.get(o.account_id)), o, None) for o in orders] + [(refill_line(tx, r), None, r) for r in refills]
    parts: list[tuple[str, list, list]] = []
    current: str
    shown_orders: list[Any]
    shown_refills: list[Any]
    current, shown_orders, shown_refills = header, [], []
    for block, order, refill in blocks:
        # A message's first block always goes in (an order's card is far shorter than the
        # limit): a message is never just the header.
        if (shown_orders or shown_refills) and len(current) + len(block) + 2 > limit:
            parts.append((current, shown_orders, shown_refills))
            current, shown_orders, shown_refills = header, [], []
        current = f"{current}\n\n{block}"
        if order is not None:
            shown_orders.append(order)
        else:
            shown_refills.append(refill)
    parts.append((current, shown_orders, shown_refills))

    messages = []
    for index, (text, shown_orders, shown_refills) in enumerate(parts):
        if len(orders) == 1 and not refills:  # one order: its own buttons, as on its card
            rows = order_buttons(tx, orders[0], with_refresh=True)
        else:
            rows = _refill_rows(tx, shown_orders)
            if index == len(parts) - 1:
                rows.append([button(tx.plain("button.orders"), cb.Orders(0))])
        messages.append(NotificationMessage(Html(text), Keyboard(rows) if rows else None,
                                            tuple(shown_orders), tuple(shown_refills)))
    return messages


def _refill_rows(tx: Texts, orders: Sequence[Any]) -> list[list[Button]]:
    """A Refill button for each order shown that may be refilled now (the first few)."""
    shown = [o for o in orders if refillable(o)][:REFILL_BUTTONS_MAX]
    return [[button(f"{tx.plain('button.refill')} #{o.panel_order_id}", cb.Refill(o.id))] for o in shown]
