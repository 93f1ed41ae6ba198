"""Placing an order: the prompts for the link and the quantity, and the confirmation card."""

from __future__ import annotations

from decimal import Decimal

from telegram import InlineKeyboardMarkup as Keyboard

from bot import callback_data as cb
from bot.core.ordering import OrderKind, charge_for, order_kind
from bot.core.platforms import platform_of
from bot.i18n import Html
from bot.panel import Service
from bot.presentation.buttons import button
from bot.presentation.texts import Texts, shorten

_GENERIC_EXAMPLE = "https://example.com/your-post"


def link_example(service_name: str, category: str = "") -> str:
    """An example link of the service's platform, so users know what to paste."""
    platform = platform_of(service_name, category)
    return (platform.example if platform else None) or _GENERIC_EXAMPLE


def link_prompt(tx: Texts, service_id: int, service_name: str, category: str = "") -> Html:
    return tx("order.ask_link", id=service_id, name=shorten(service_name, 200), example=link_example(service_name, category))


def quantity_prompt(tx: Texts, service: Service, token: str) -> tuple[Html, Keyboard]:
    """Ask for the quantity; quick buttons for min and max, and Cancel, all tied to the draft."""
    text = tx("order.ask_quantity", min=tx.number(service.min), max=tx.number(service.max))
    if service.step and service.step > 1:
        text = Html(text + "\n" + tx("service.step", step=tx.number(service.step)))
    buttons = [button(tx.number(service.min), cb.Quantity(token, service.min))]
    if service.max and service.max != service.min:
        buttons.append(button(tx.number(service.max), cb.Quantity(token, service.max)))
    return text, Keyboard([buttons, [button(tx.plain("button.abort"), cb.AbortOrder(token))]])


def confirmation_card(tx: Texts, service: Service, link: str, quantity: int | None, comments_count: int | None,
                      balance: Decimal | None, currency: str | None, token: str,
                      warning: Html | None = None) -> tuple[Html, Keyboard]:
    """`warning`: e.g. the same link's order still running (bot.presentation.history.duplicate_warning);
    the user may confirm anyway."""
    charge = charge_for(service, quantity)
    parts: list[str] = [
        tx("confirm.title"),
        tx("confirm.service", id=service.id, name=shorten(service.name, 200)),
        tx("confirm.link", link=link),
    ]
    if quantity is not None and order_kind(service) is not OrderKind.PACKAGE:
        parts.append(tx("confirm.quantity", quantity=tx.number(quantity)))
    if comments_count is not None:
        parts.append(tx("confirm.comments", count=tx.number(comments_count)))
    parts.append(tx("confirm.charge", charge=tx.money(charge, currency)))
    if balance is not None:
        parts.append(tx("confirm.balance", balance=tx.money(balance, currency)))
        if balance < charge:
            parts.append(tx("confirm.not_enough", missing=tx.money(charge - balance, currency)))
    if warning is not None:
        parts += ["", warning]
    rows = [
        [button(tx.plain("button.confirm"), cb.Confirm(token))],
        [button(tx.plain("button.edit"), cb.EditOrder(token)), button(tx.plain("button.abort"), cb.AbortOrder(token))],
    ]
    return Html("\n".join(parts)), Keyboard(rows)
