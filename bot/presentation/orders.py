"""The user's orders: an order's card (also shown in notifications) and the list of orders."""

from __future__ import annotations

import math
import time
from collections.abc import Sequence

from telegram import InlineKeyboardButton as Button
from telegram import InlineKeyboardMarkup as Keyboard

from bot import callback_data as cb
from bot.core.forms import Card, CardRow
from bot.core.uncertain import UncertainOrder
from bot.i18n import Html
from bot.presentation.buttons import button, pager
from bot.presentation.menu import back_to_menu
from bot.presentation.texts import Texts, shorten
from bot.presentation.uncertain import uncertain_list

ORDERS_PER_PAGE = 8
RECENT_SECONDS = 15 * 60  # an order this young and not yet checked is "checking soon", not "not checked yet"
REFUNDED_STATUSES = ("canceled", "partial")


def status_name(tx: Texts, status: str | None) -> str:
    if not status:
        return tx.plain("status.unknown")
    key = "status." + status.lower().replace(" ", "_")
    text = tx.i18n.raw(tx.lang, key)
    return status if text == key else text


def order_status_name(tx: Texts, order) -> str:
    """The order's status; one just placed and not asked about yet is about to be checked."""
    if not order.status and time.time() - order.created_at < RECENT_SECONDS:
        return tx.plain("status.checking_soon")
    return status_name(tx, order.status)


def refunded(order):
    """What the panel gave back on a Canceled or Partial order (the charge it expected less the
    charge it now reports), or None when the panel did not say or nothing was given back."""
    if (order.status or "").lower() not in REFUNDED_STATUSES:
        return None
    if order.charge is None or order.expected_charge is None or order.charge >= order.expected_charge:
        return None
    return order.expected_charge - order.charge


def order_summary(tx: Texts, order, panel: str | None = None, details: Sequence[CardRow] = ()) -> Html:
    """The lines that describe an order: used on its card and in notifications. `panel`: the
    name of the panel it was placed on, given to users who have several (see panel_names);
    `details`: the answers of its order type besides link and quantity (core.ordering.order_details)."""
    parts = [tx("order.title", id=order.panel_order_id, status=order_status_name(tx, order))]
    if panel:
        parts.append(tx("order.panel", panel=panel))
    parts.append(tx("order.service", name=shorten(order.service_name or "—", 200)))
    if order.link:
        parts.append(tx("order.link", link=shorten(order.link, 300)))
    if order.quantity:
        parts.append(tx("order.quantity", quantity=tx.number(order.quantity)))
    if details:
        parts += [Html(line) for line in Card(tuple(details), (), None).lines(tx)]  # rendered, values escaped
    if order.start_count is not None:
        parts.append(tx("order.start_count", value=tx.number(order.start_count)))
    if order.remains is not None:
        parts.append(tx("order.remains", value=tx.number(order.remains)))
    charge = order.charge if order.charge is not None else order.expected_charge
    if charge is not None:
        parts.append(tx("order.charge", charge=tx.money(charge, order.currency)))
    refund = refunded(order)
    if refund is not None:
        parts.append(tx("order.refunded", amount=tx.money(refund, order.currency)))
    return Html("\n".join(parts))


def refillable(order) -> bool:
    """Whether a Refill button belongs with the order: the panel allows it and the order is done."""
    return order.refill_allowed and (order.status or "").lower() in ("completed", "partial")


def order_buttons(tx: Texts, order, *, with_refresh: bool = True) -> list[list[Button]]:
    rows = []
    first = []
    if with_refresh:
        first.append(button(tx.plain("button.refresh"), cb.OrderCard(order.id, refresh=True)))
    if refillable(order):
        first.append(button(tx.plain("button.refill"), cb.Refill(order.id)))
    if order.cancel_allowed and not order.final:
        first.append(button(tx.plain("button.cancel_order"), cb.CancelOrder(order.id)))
    if first:
        rows.append(first)
    if order.service_id:
        rows.append([button(tx.plain("button.again"), cb.OrderAgain(order.id))])
    return rows


def order_card(tx: Texts, order, note: Html | None = None, panel: str | None = None,
               details: Sequence[CardRow] = ()) -> tuple[Html, Keyboard]:
    text = order_summary(tx, order, panel, details)
    if note:
        text = Html(text + "\n\n" + note)
    rows = order_buttons(tx, order)
    rows.append([button(tx.plain("button.orders"), cb.Orders(0)), button(tx.plain("button.menu"), cb.MainMenu())])
    return text, Keyboard(rows)


def orders_page(tx: Texts, orders: list, page: int, total: int, uncertain: Sequence[UncertainOrder] = ()) -> tuple[Html, Keyboard]:
    """A page of orders; `uncertain` (orders whose outcome is unknown) are listed above them."""
    pages = max(1, math.ceil(total / ORDERS_PER_PAGE))
    if not orders and not uncertain:
        return tx("orders.none"), Keyboard([[button(tx.plain("menu.new_order"), cb.Categories(0))], back_to_menu(tx)])
    lines, rows = uncertain_list(tx, uncertain)
    if orders:
        lines.append(tx("orders.title", total=tx.number(total)))
    for order in orders:
        lines.append(tx("orders.line", id=order.panel_order_id, status=order_status_name(tx, order),
                        name=shorten(order.service_name or "—", 60)))
    rows += [[button(f"#{o.panel_order_id} · {order_status_name(tx, o)}", cb.OrderCard(o.id))] for o in orders]
    rows.append(pager(tx, page, pages, lambda p: cb.Orders(p)))
    rows.append([button(tx.plain("button.refresh"), cb.Orders(page, refresh=True)), button(tx.plain("button.menu"), cb.MainMenu())])
    return Html("\n".join(lines)), Keyboard([r for r in rows if r])
