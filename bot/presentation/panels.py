"""The user's panels (/panels): the list with balances, a panel's card, adding one; /balance
for several panels."""

from __future__ import annotations

import html
from collections.abc import Sequence

from telegram import InlineKeyboardMarkup as Keyboard

from bot import callback_data as cb
from bot.core.panels import PanelBalance, panel_host, panel_name
from bot.i18n import Html
from bot.presentation.buttons import button
from bot.presentation.menu import back_to_menu
from bot.presentation.texts import Texts

LOW_MARK = "⚠️"


def panel_balance(tx: Texts, line: PanelBalance) -> Html:
    """The balance, or the last one known when the panel did not answer now; ⚠️ below the
    user's low-balance alert."""
    known = line.known
    money = tx.money(known.amount, known.currency or line.account.currency)
    if line.fresh:
        text = Html(html.escape(money, quote=False))
    elif known.amount is not None:
        text = tx("panels.balance_last_known", balance=money)
    else:
        text = tx("panels.balance_unknown")
    return Html(f"{text} {LOW_MARK}") if known.below_threshold else text


def _line(tx: Texts, line: PanelBalance) -> Html:
    account = line.account
    mark, host, balance = "✅" if account.active else "▫️", panel_host(account.panel_url), panel_balance(tx, line)
    if account.label:  # else its name is its host: said once
        return tx("panels.line_named", mark=mark, name=account.label, host=host, balance=balance)
    return tx("panels.line", mark=mark, host=host, balance=balance)


def panels_page(tx: Texts, lines: Sequence[PanelBalance], note: Html | None = None) -> tuple[Html, Keyboard]:
    """Every panel: a tap on one makes it active, ⚙️ opens its card."""
    parts = [note] if note else []
    parts += [tx("panels.title", count=len(lines)), *(_line(tx, line) for line in lines), tx("panels.hint")]
    rows = [
        [button(("✅ " if line.account.active else "") + panel_name(line.account), cb.PanelSwitch(line.account.id)),
         button("⚙️", cb.PanelCard(line.account.id))]
        for line in lines
    ]
    rows.append([button(tx.plain("panels.add"), cb.PanelAdd())])
    rows.append(back_to_menu(tx))
    return Html("\n\n".join(parts)), Keyboard(rows)


def panel_card(tx: Texts, line: PanelBalance, note: Html | None = None) -> tuple[Html, Keyboard]:
    account, known = line.account, line.known
    alert = (tx("panels.alert_below", amount=tx.money(known.threshold, known.currency or account.currency))
             if known.threshold is not None else tx("panels.alert_off"))
    text = tx("panels.card", name=panel_name(account), url=account.panel_url, balance=panel_balance(tx, line),
              alert=alert, active=tx("panels.card_active") if account.active else "")
    if note:
        text = Html(f"{text}\n\n{note}")
    rows = []
    if not account.active:
        rows.append([button(tx.plain("panels.make_active"), cb.PanelSwitch(account.id))])
    rows += [
        [button(tx.plain("panels.rename"), cb.PanelRename(account.id)),
         button(tx.plain("panels.low_balance"), cb.PanelLowBalance(account.id))],
        [button(tx.plain("panels.remove"), cb.PanelRemove(account.id))],
        [button(tx.plain("button.back"), cb.Panels())],
    ]
    return text, Keyboard(rows)


def back_to_card(tx: Texts, account_id: int, *, with_off: bool = False) -> Keyboard:
    """Under a panel step's question (rename, low-balance alert)."""
    rows = [[button(tx.plain("panels.alert_off_button"), cb.PanelLowBalanceOff(account_id))]] if with_off else []
    return Keyboard([*rows, [button(tx.plain("button.back"), cb.PanelCard(account_id))]])


def add_panel_prompt(tx: Texts, default_url: str | None) -> tuple[Html, Keyboard]:
    """The URL step: the operator's panel first (a button), else any API URL typed."""
    rows = []
    if default_url:
        rows.append([button(tx.plain("panels.add_default").format(host=panel_host(default_url)), cb.PanelAddDefault())])
        text = tx("panels.add_ask_default", host=panel_host(default_url))
    else:
        text = tx("panels.add_ask")
    rows += [list(row) for row in back_to_panels(tx).inline_keyboard]
    return text, Keyboard(rows)


def back_to_panels(tx: Texts) -> Keyboard:
    return Keyboard([[button(tx.plain("button.back"), cb.Panels())]])


def balances_text(tx: Texts, lines: Sequence[PanelBalance]) -> Html:
    """/balance with several panels: each panel's line (a failing one says so)."""
    body = [tx("balances.line", mark="✅" if line.account.active else "▫️", name=panel_name(line.account),
               balance=panel_balance(tx, line)) for line in lines]
    return Html("\n".join([tx("balances.title"), *body]))
