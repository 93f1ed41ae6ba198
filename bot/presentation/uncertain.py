"""Orders whose outcome is unknown (the panel's answer to `add` was lost): cards and list."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from telegram import InlineKeyboardButton as Button
from telegram import InlineKeyboardMarkup as Keyboard

from bot import callback_data as cb
from bot.core.ordering import OrderKind
from bot.core.uncertain import UncertainOrder, reason_kind
from bot.i18n import Html
from bot.presentation.buttons import button
from bot.presentation.texts import Texts, shorten

UNCERTAIN_LISTED = 8  # on the first page of /orders; more are rare (each needs a lost answer)


def when(tx: Texts, timestamp: float) -> str:
    """A moment as each language writes it, in the user's time zone."""
    return tx.datetime(timestamp)


def uncertain_reason(tx: Texts, reason: str | None) -> Html:
    """What happened to the `add` (see bot.core.ordering.unknown_reason), as a sentence."""
    kind, http_status = reason_kind(reason)
    return tx(f"uncertain.reason.{kind}", status=http_status or "")


def _uncertain_details(tx: Texts, item: UncertainOrder) -> list[str]:
    name = shorten(item.service_name or "—", 200)
    parts: list[str] = [
        tx("confirm.service", id=item.service_id or "—", name=name),
        tx("confirm.link", link=shorten(item.link or "—", 300)),
    ]
    if item.quantity is not None and item.kind is OrderKind.COMMENTS:
        parts.append(tx("confirm.comments", count=tx.number(item.quantity)))
    elif item.quantity is not None and item.kind is not OrderKind.PACKAGE:
        parts.append(tx("confirm.quantity", quantity=tx.number(item.quantity)))
    if item.charge is not None:
        parts.append(tx("confirm.charge", charge=tx.money(item.charge, item.currency)))
    return parts


def _balance_lines(tx: Texts, item: UncertainOrder, balance_now: tuple[Decimal, str | None] | None,
                   balance_failed: bool) -> list[str]:
    """The balance before Confirm and now, as numbers: a clue for the user, never a verdict."""
    lines: list[str] = []
    before_currency = item.balance_currency or item.currency
    if item.balance_before is not None:
        lines.append(tx("uncertain.balance_before", balance=tx.money(item.balance_before, before_currency)))
    if balance_now is not None:
        amount, currency = balance_now
        now_text = tx.money(amount, currency or before_currency)
        if item.balance_before is not None and (currency or before_currency) == before_currency:
            lines.append(tx("uncertain.balance_now", balance=now_text, change=tx.money(amount - item.balance_before, before_currency)))
        else:
            lines.append(tx("uncertain.balance_now_plain", balance=now_text))
    elif balance_failed:
        lines.append(tx("uncertain.balance_unavailable"))
    if lines:
        lines.append(tx("uncertain.balance_hint"))
    return lines


def uncertain_card(tx: Texts, item: UncertainOrder, panel: str, *, lead: Html | None = None,
                   balance_now: tuple[Decimal, str | None] | None = None, balance_failed: bool = False,
                   note: Html | None = None) -> tuple[Html, Keyboard]:
    """An order whose outcome is unknown: what was ordered, what happened, the evidence there
    is, and the two ways to settle it."""
    parts = [lead, ""] if lead else []
    parts += [tx("uncertain.title", time=when(tx, item.created_at)), *_uncertain_details(tx, item), ""]
    parts.append(uncertain_reason(tx, item.reason))
    parts += _balance_lines(tx, item, balance_now, balance_failed)
    parts += ["", tx("uncertain.what_to_do", panel=panel)]
    if note:
        parts += ["", note]
    rows = [
        [button(tx.plain("button.placed_yes"), cb.UncertainPlaced(item.token)),
         button(tx.plain("button.placed_no"), cb.UncertainNotPlaced(item.token))],
        [button(tx.plain("button.check_balance"), cb.UncertainCard(item.token))],
        [button(tx.plain("button.orders"), cb.Orders(0)), button(tx.plain("button.menu"), cb.MainMenu())],
    ]
    return Html("\n".join(parts)), Keyboard(rows)


def uncertain_not_placed_card(tx: Texts, item: UncertainOrder) -> tuple[Html, Keyboard]:
    """An order the user settled as not placed: it may be placed again, as a new order."""
    parts = [tx("uncertain.not_placed_title", time=when(tx, item.created_at)), *_uncertain_details(tx, item), "",
             tx("uncertain.not_placed_note")]
    rows = [
        [button(tx.plain("button.place_again"), cb.UncertainAgain(item.token))],
        [button(tx.plain("button.orders"), cb.Orders(0)), button(tx.plain("button.menu"), cb.MainMenu())],
    ]
    return Html("\n".join(parts)), Keyboard(rows)


def uncertain_list(tx: Texts, items: Sequence[UncertainOrder]) -> tuple[list[str], list[list[Button]]]:
    """The lines and buttons that list orders whose outcome is unknown (nothing if none)."""
    if not items:
        return [], []
    lines: list[str] = [tx("uncertain.list_title", count=tx.number(len(items)))]
    for item in items[:UNCERTAIN_LISTED]:
        values = {"time": when(tx, item.created_at), "name": shorten(item.service_name or "—", 60),
                  "link": shorten(item.link or "—", 60), "charge": tx.money(item.charge, item.currency)}
        if item.quantity is not None and item.kind is not OrderKind.PACKAGE:
            lines.append(tx("uncertain.list_line", quantity=tx.number(item.quantity), **values))
        else:
            lines.append(tx("uncertain.list_line_package", **values))
    lines.append("")
    rows = [[button(f"❓ {item.service_name or '—'}", cb.UncertainCard(item.token))] for item in items[:UNCERTAIN_LISTED]]
    return lines, rows
