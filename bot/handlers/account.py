"""The API key (asked, checked, stored encrypted, never shown again) and the balance."""

from __future__ import annotations

from telegram import Update

from bot.context import BotContext
from bot.core.secrets import is_well_formed_key
from bot import presentation as views
from bot.handlers.common import (
    STEP,
    Session,
    answer,
    chat_action,
    delete_message,
    get_session,
    panel_error_text,
    panel_errors,
    show,
)
from bot.presentation import Texts
from bot.panel import InvalidKey, PanelError


async def receive_key(update: Update, context: BotContext, key: str) -> None:
    """`key`, taken from the message (see key_guard): delete the message at once, check the key
    with a balance call, store it."""
    session = await get_session(update, context)
    tx = Texts(context.deps.i18n, session.lang)
    await delete_message(update.effective_message, "the message holding a key")
    if not is_well_formed_key(key):
        await update.effective_chat.send_message(tx("key.malformed"))
        return
    panel_url = context.deps.settings.panel_api_url
    await chat_action(update)
    try:
        balance = await context.deps.panel.account(panel_url, key).balance()
    except InvalidKey:
        await update.effective_chat.send_message(tx("key.invalid"))
        return
    except PanelError as error:
        await update.effective_chat.send_message(tx("key.unchecked", reason=panel_error_text(session, context, error)))
        return
    account = await context.deps.db.save_account(session.tg_id, panel_url, key, balance.currency)
    await context.deps.catalogues.invalidate(account.id)
    context.user_data.pop(STEP, None)
    text, keyboard = views.main_menu(
        tx, tx("key.saved", balance=tx.money(balance.amount, balance.currency or account.currency))
    )
    await update.effective_chat.send_message(text, reply_markup=keyboard)


async def ask_for_key(update: Update, context: BotContext, session, reason_key: str = "key.ask") -> None:
    tx = Texts(context.deps.i18n, session.lang)
    context.user_data[STEP] = "key"
    await answer(update)
    await show(update, tx(reason_key, panel=context.deps.settings.panel_site), views.menu_keyboard(tx) if session.account else None)


async def require_account(update: Update, context: BotContext) -> Session | None:
    """The session of a user who has a key; otherwise ask for one and return None."""
    session = await get_session(update, context)
    if session.account is None:
        await ask_for_key(update, context, session, "key.needed")
        return None
    return session


@panel_errors
async def balance(update: Update, context: BotContext) -> None:
    session = await get_session(update, context)
    await answer(update)
    if session.account is None:
        await ask_for_key(update, context, session, "key.needed")
        return
    tx = Texts(context.deps.i18n, session.lang)
    try:
        result = await session.api(context).balance()
    except InvalidKey:
        await ask_for_key(update, context, session, "key.rejected_now")
        return
    currency = result.currency or session.account.currency
    if result.currency and result.currency != session.account.currency:
        await context.deps.db.set_account_currency(session.tg_id, session.account.id, result.currency)
    await show(update, tx("balance.text", balance=tx.money(result.amount, currency)), views.menu_keyboard(tx))
