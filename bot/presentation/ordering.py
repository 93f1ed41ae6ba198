"""Placing an order: the questions of its form, the confirmation card, Edit's menu and a question
asked again from it, and what a refusal of the panel means for the order (with add-funds)."""

from __future__ import annotations

import html
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from telegram import InlineKeyboardButton as Button
from telegram import InlineKeyboardMarkup as Keyboard

from bot import callback_data as cb
from bot.core.forms import Ask, Card, Problem, render
from bot.i18n import Html
from bot.panel import NotEnoughFunds, PanelError, QuantityOutOfRange, Service, ServiceKind
from bot.presentation.buttons import button
from bot.presentation.texts import Texts, shorten

_CHOICES_PER_ROW = 4


def _header(tx: Texts, service: Service) -> str:
    return tx("order.form_title", id=service.id, name=shorten(service.name, 200))


def form_prompt(tx: Texts, service: Service, ask: Ask, token: str, problem: Problem | None = None) -> tuple[Html, Keyboard]:
    """A question of the order's form: the service, the progress, the question and its example;
    after a refused answer, why first. Its buttons (choices, Skip, Cancel) carry the draft's token."""
    parts = [render(problem.msg, tx), ""] if problem is not None else []
    parts += [_header(tx, service) + " · " + render(ask.progress, tx), render(ask.prompt, tx), render(ask.example, tx)]
    choices = [button(html.unescape(render(choice.label, tx)), cb.FormChoice(token, choice.value)) for choice in ask.choices]
    rows = [choices[i:i + _CHOICES_PER_ROW] for i in range(0, len(choices), _CHOICES_PER_ROW)]
    last = [button(tx.plain("button.skip"), cb.FormSkip(token))] if ask.skippable else []
    rows.append(last + [button(tx.plain("button.abort"), cb.AbortOrder(token))])
    return Html("\n".join(parts)), Keyboard(rows)


def confirmation_card(tx: Texts, service: Service, card: Card, balance: Decimal | None, currency: str | None,
                      token: str, note: Html | None = None, panel: str | None = None) -> tuple[Html, Keyboard]:
    """The order as the form shows it (every value given, escaped), the balance, and whether
    it is enough when the charge is known in advance (not per post). `panel`: the name of the
    panel it goes to, for users of several (service numbers are each panel's own)."""
    parts: list[str] = [tx("confirm.title")]
    if panel:
        parts.append(tx("order.panel", panel=panel))
    parts += [tx("confirm.service", id=service.id, name=shorten(service.name, 200)), *card.lines(tx)]
    if balance is not None:
        parts.append(tx("confirm.balance", balance=tx.money(balance, currency)))
        if card.charge is not None and balance < card.charge:
            parts.append(tx("confirm.not_enough", missing=tx.money(card.charge - balance, currency)))
    if note:
        parts += ["", note]
    rows = [
        [button(tx.plain("button.confirm"), cb.Confirm(token))],
        [button(tx.plain("button.edit"), cb.EditOrder(token)), button(tx.plain("button.abort"), cb.AbortOrder(token))],
    ]
    return Html("\n".join(parts)), Keyboard(rows)


def invalid_order(tx: Texts, problem: Problem | None, token: str) -> tuple[Html, Keyboard]:
    """Confirm on a draft that is no longer a valid order (an expiry now past): nothing was sent."""
    reason = render(problem.msg, tx) if problem is not None else tx("form.problem.unsupported")
    rows = [[button(tx.plain("button.edit"), cb.EditOrder(token)), button(tx.plain("button.abort"), cb.AbortOrder(token))]]
    return tx("order.invalid", reason=Html(reason)), Keyboard(rows)


# --- Changing an order before Confirm (issue 18) --------------------------------------------------

def edit_menu(tx: Texts, service: Service, card: Card, fields: list[tuple[str, str]], token: str) -> tuple[Html, Keyboard]:
    """The card's Edit: the order as it is, and one button per question (`fields`: name and its
    card label's key) to change that answer alone, and the way back to the card."""
    parts = [tx("order.edit_which"), tx("confirm.service", id=service.id, name=shorten(service.name, 200)), *card.lines(tx)]
    choices = [button(tx.plain(label), cb.EditField(token, name)) for name, label in fields]
    rows = [choices[i:i + 2] for i in range(0, len(choices), 2)]
    rows.append([button(tx.plain("button.back_to_card"), cb.EditBack(token))])
    return Html("\n".join(parts)), Keyboard(rows)


def edit_prompt(tx: Texts, service: Service, ask: Ask, token: str, current: str | None,
                problem: Problem | None = None) -> tuple[Html, Keyboard]:
    """A question asked again from Edit: the form's own prompt, its current answer, and the way
    back to the card instead of Cancel (the rest of the order is kept)."""
    text, keyboard = form_prompt(tx, service, ask, token, problem)
    if current is not None:
        text = Html(text + "\n" + tx("order.edit_current", value=Html(current)))
    rows = [list(row) for row in keyboard.inline_keyboard[:-1]]
    last = [b for b in keyboard.inline_keyboard[-1] if b.callback_data != cb.AbortOrder(token).pack()]
    rows.append([*last, button(tx.plain("button.back_to_card"), cb.EditBack(token))])
    return text, Keyboard(rows)


def refusal_note(tx: Texts, error: PanelError, service: Service, values: dict[str, Any],
                 balance: Decimal | None = None, charge: Decimal | None = None, currency: str | None = None) -> Html | None:
    """What a definite refusal of the panel means for this order, and what can fix it; None when
    there is nothing more to say than the panel's error itself. `balance` (now) and `charge`,
    when known, say how much is missing.

    A quantity is blamed only where the user chose one: for comments it is their number of
    lines, and a package's is fixed (the service itself must have changed on the panel).
    """
    comments = values.get("comments")
    if isinstance(error, NotEnoughFunds):
        lines = [tx("order.refused_funds")]
        if balance is not None and charge is not None and charge > balance:
            lines.append(tx("order.refused_missing", balance=tx.money(balance, currency),
                            missing=tx.money(charge - balance, currency)))
        fix = "quantity" if "quantity" in values else "comments" if comments else None
        lines.append(tx(f"order.refused_top_up_{fix}" if fix else "order.refused_top_up"))
        return Html("\n".join(lines))
    if not isinstance(error, QuantityOutOfRange):
        return None
    low, high = service.min, service.max
    if error.bound is not None and error.kind == "min":  # the panel's own limit, if it changed since
        low = error.bound
    elif error.bound is not None and error.kind == "max":
        high = error.bound
    if isinstance(comments, list):
        return tx("order.refused_comments", min=tx.number(low), max=tx.number(high), count=tx.number(len(comments)))
    if "quantity" in values:
        return tx("order.refused_quantity", min=tx.number(low), max=tx.number(high))
    if service.kind is ServiceKind.PACKAGE:
        return tx("order.refused_package", text=shorten(error.panel_text or "", 200))
    return None


def top_up_url(panel_url: str) -> str | None:
    """The panel's page for adding funds: SMM panels' websites serve it at /addfunds."""
    parts = urlsplit(panel_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}/addfunds"


def with_top_up(tx: Texts, keyboard: Keyboard, url: str) -> Keyboard:
    """`keyboard` with an add-funds button (a link to the panel's website) on top."""
    return Keyboard([[Button(tx.plain("button.top_up"), url=url)], *keyboard.inline_keyboard])
