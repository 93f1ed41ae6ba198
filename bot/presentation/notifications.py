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
    order_status_name,
    order_summary,
    refunded,
    status_name,
)
from bot.presentation.texts import Texts, shorten

MESSAGE_MAX = 3800  # below Telegram's 4096, for the header and the entities' markup
ORDERS_PER_MESSAGE = 24  # each shown order has its card's button; more would bury the text
CARD_BUTTONS_PER_ROW = 3


class NotificationMessage(NamedTuple):
    """One message of a notification, with the orders and refills it shows (in that order)."""

    text: Html
    keyboard: Keyboard | None
    orders: tuple[Any, ...]
    refills: tuple[Any, ...]


def refill_line(tx: Texts, refill, order=None) -> Html:
    """A refill's change, naming its order's service and link when the order is known."""
    status = status_name(tx, refill.status)
    if order is None:
        return tx("notify.refill_line", refill=refill.refill_id, id=refill.panel_order_id, status=status)
    return tx("notify.refill_line_order", refill=refill.refill_id, id=refill.panel_order_id, status=status,
              name=shorten(order.service_name or "—", 60), link=shorten(order.link or "—", 80))


def order_line(tx: Texts, order, panel: str | None = None) -> Html:
    """One order of a round, on one line: its status, and what was refunded when the panel says;
    `panel` (for users with several) names the panel it is on."""
    line = tx("orders.line", id=order.panel_order_id, status=order_status_name(tx, order),
              name=shorten(order.service_name or "—", 50))
    refund = refunded(order)
    if refund is not None:
        line = Html(line + tx("notify.refunded_suffix", amount=tx.money(refund, order.currency)))
    if panel:
        line = Html(line + tx("notify.panel_suffix", panel=panel))
    return line


def notification(tx: Texts, orders: list, refills: list, limit: int = MESSAGE_MAX,
                 refill_orders: Mapping[int, Any] | None = None,
                 panels: Mapping[int, str] | None = None) -> list[NotificationMessage]:
    """One message for all of a user's changes in a cycle (split only past Telegram's size).

    A single order is shown as its card, with its buttons; a round of several is compact, one
    line per order, each order's card one tap away. `refill_orders`: refill row id -> its order.
    `panels`: the name of each order's panel by account id, for users who have several."""
    refill_orders = refill_orders or {}
    panels = panels or {}
    header = tx("notify.title")
    single = len(orders) == 1 and not refills
    blocks = [(order_summary(tx, o, panels.get(o.account_id)) if single else order_line(tx, o, panels.get(o.account_id)), o, None)
              for o in orders]
    blocks += [(refill_line(tx, r, refill_orders.get(r.id)), None, r) for r in refills]
    parts: list[tuple[str, list, list]] = []
    current: str
    shown_orders: list[Any]
    shown_refills: list[Any]
    current, shown_orders, shown_refills = header, [], []
    for block, order, refill in blocks:
        # A message's first block always goes in (an order's card is far shorter than the
        # limit): a message is never just the header.
        full = len(current) + len(block) + 2 > limit or (order is not None and len(shown_orders) >= ORDERS_PER_MESSAGE)
        if (shown_orders or shown_refills) and full:
            parts.append((current, shown_orders, shown_refills))
            current, shown_orders, shown_refills = header, [], []
        current = f"{current}\n{block}" if not single and (shown_orders or shown_refills) else f"{current}\n\n{block}"
        if order is not None:
            shown_orders.append(order)
        else:
            shown_refills.append(refill)
    parts.append((current, shown_orders, shown_refills))

    messages = []
    for index, (text, shown_orders, shown_refills) in enumerate(parts):
        if single:  # one order: its own buttons, as on its card
            rows = order_buttons(tx, orders[0], with_refresh=True)
        else:
            rows = _card_rows(shown_orders)
            if index == len(parts) - 1:
                rows.append([button(tx.plain("button.orders"), cb.Orders(0))])
        messages.append(NotificationMessage(Html(text), Keyboard(rows) if rows else None,
                                            tuple(shown_orders), tuple(shown_refills)))
    return messages


def _card_rows(orders: Sequence[Any]) -> list[list[Button]]:
    """A button per order shown in this message, opening its card (details, refill, cancel)."""
    buttons = [button(f"📦 #{o.panel_order_id}", cb.OrderCard(o.id)) for o in orders]
    return [buttons[i : i + CARD_BUTTONS_PER_ROW] for i in range(0, len(buttons), CARD_BUTTONS_PER_ROW)]
