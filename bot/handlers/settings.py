"""/settings: language, notifications, the API key, and deleting the user's data."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.context import BotContext
from bot.presentation import callbacks as cb
from bot import presentation as views
from bot.handlers.account import ask_for_key
from bot.handlers.common import STEP, answer, get_session, show
from bot.handlers.start import stale_button
from bot.presentation import Texts

NOTIFY_MODES = ("all", "final", "off")


async def settings(update: Update, context: BotContext) -> None:
    session = await get_session(update, context)
    await answer(update)
    context.user_data.pop(STEP, None)
    await show(update, *views.settings_view(Texts(context.deps.i18n, session.lang), session.user, session.account))


async def set_language(update: Update, context: BotContext) -> None:
    lang = (cb.args(update.callback_query.data) or [""])[0]
    if lang not in ("vi", "en"):
        await stale_button(update, context)
        return
    session = await get_session(update, context)
    await context.deps.db.set_language(session.tg_id, lang)
    await settings(update, context)


async def set_notify(update: Update, context: BotContext) -> None:
    mode = (cb.args(update.callback_query.data) or [""])[0]
    if mode not in NOTIFY_MODES:
        await stale_button(update, context)
        return
    session = await get_session(update, context)
    await context.deps.db.set_notify(session.tg_id, mode)
    await settings(update, context)


async def change_key(update: Update, context: BotContext) -> None:
    session = await get_session(update, context)
    await ask_for_key(update, context, session, "key.ask_new" if session.account else "key.ask")


async def delete_data(update: Update, context: BotContext) -> None:
    """Ask first; `dy` is the confirmed tap and removes keys, orders, refills and cache."""
    session = await get_session(update, context)
    tx = Texts(context.deps.i18n, session.lang)
    await answer(update)
    if update.callback_query.data == cb.DELETE_DATA:
        keyboard = InlineKeyboardMarkup([
            [InlineKeyboardButton(tx.plain("settings.delete_yes"), callback_data=cb.DELETE_DATA_YES)],
            [InlineKeyboardButton(tx.plain("button.back"), callback_data=cb.SETTINGS)],
        ])
        await show(update, tx("settings.delete_ask"), keyboard)
        return
    if session.account is not None:
        context.deps.catalogues.forget(session.account.id)
    await context.deps.db.delete_user_data(session.tg_id)
    context.user_data.clear()
    await show(update, tx("settings.deleted"), None)
