"""The API key (asked, checked, stored encrypted, never shown again) and the balance.

The key conversation has one step, KEY: the user who has a key was asked for another (Change
API key, or the panel refused the key). A user without any key needs no step: whatever they
send alone is taken as a key by bot.handlers.key_guard, which also hands the KEY step's text
over to this conversation (`take_key`) and nothing else.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import ApplicationHandlerStop

from bot import presentation as views
from bot.callback_data import Balance, ChangeKey
from bot.context import BotContext
from bot.core.panels import read_balance, save_checked_key
from bot.core.secrets import choose_key, find_keys, is_well_formed_key
from bot.handlers import panels
from bot.handlers.common import (
    END,
    answer,
    chat_action,
    chat_of,
    delete_message,
    message_of,
    panel_error_text,
    panel_errors,
    show,
)
from bot.handlers.session import ask_for_key, needs_account, reload_session
from bot.panel import InvalidKey, PanelError

KEY = "key"  # the next plain text message is a new API key


async def change_key(update: Update, context: BotContext, _: ChangeKey) -> str:
    await ask_for_key(update, context, "key.ask_new" if context.session.account else "key.ask")
    return KEY


@needs_account
@panel_errors
async def balance(update: Update, context: BotContext, _: Balance | None = None) -> object:
    """/balance and its button; a key the panel refuses now is asked for again (KEY). With several
    panels, every panel's balance (bot.handlers.panels)."""
    session = context.session
    tx = session.tx
    if len(await context.deps.db.accounts(session.tg_id)) > 1:
        return await panels.balances(update, context)  # every panel's, at once
    await answer(update, context)
    account = session.active_account()
    try:
        result = await read_balance(context.deps.db, session.api(), account)
    except InvalidKey:
        await ask_for_key(update, context, "key.rejected_now")
        return KEY
    currency = result.currency or account.currency
    await show(update, tx("balance.text", balance=tx.money(result.amount, currency)), views.menu_keyboard(tx))
    return END


async def take_key(update: Update, context: BotContext) -> None:
    """The KEY step's answer. It goes no further than this handler (as the guard would stop it);
    a key that was not saved leaves the user at the step, to send another."""
    text = message_of(update).text or ""
    found = find_keys(text, await context.deps.db.api_keys(context.session.tg_id))
    saved = await receive_key(update, context, choose_key(text, found))
    raise ApplicationHandlerStop(END if saved else None)


async def receive_key(update: Update, context: BotContext, key: str, *, cancellable: bool = True) -> bool:
    """`key`, taken from the message: delete the message at once, check the key with a balance
    call, store it. True once stored. `cancellable`: the user is at the key step, which /cancel
    leaves (a refusal says so only then)."""
    tx = context.session.tx
    suffix = "" if cancellable else "_no_cancel"
    chat = chat_of(update)
    await delete_message(message_of(update), "the message holding a key")
    if not is_well_formed_key(key):
        await chat.send_message(tx("key.malformed" + suffix))
        return False
    panel_url = context.deps.settings.panel_api_url
    await chat_action(update)
    try:
        added = await save_checked_key(context.deps.db, context.deps.panel, context.session.tg_id, panel_url, key)
    except InvalidKey:
        await chat.send_message(tx("key.invalid" + suffix))
        return False
    except PanelError as error:
        await chat.send_message(tx("key.unchecked", reason=panel_error_text(context, error)))
        return False
    account, result = added.account, added.balance
    await context.deps.catalogues.invalidate(account.id)
    await reload_session(update, context)
    text, keyboard = views.main_menu(tx, tx("key.saved", balance=tx.money(result.amount, result.currency or account.currency)))
    await chat.send_message(text, reply_markup=keyboard)
    return True
