"""/settings: language, notifications, operators' announcements, and deleting the user's data
(the key: bot.handlers.account)."""

from __future__ import annotations

import time

from telegram import Update

from bot import presentation as views
from bot.callback_data import (
    Announcements,
    DeleteData,
    DeleteDataSure,
    Language,
    Notify,
    SettingsMenu,
)
from bot.context import BotContext
from bot.handlers import keyboards
from bot.handlers.common import answer, show, user_data
from bot.handlers.session import reload_session


async def settings(update: Update, context: BotContext, _: SettingsMenu | None = None) -> None:
    session = context.session
    await answer(update, context)
    announcements = await context.deps.db.get_announcements(session.tg_id)
    await show(update, *views.settings_view(session.tx, session.user, session.account, time.time(), announcements))


async def set_language(update: Update, context: BotContext, pressed: Language) -> None:
    await context.deps.db.set_language(context.session.tg_id, pressed.lang)
    await reload_session(update, context)
    await settings(update, context)


async def set_notify(update: Update, context: BotContext, pressed: Notify) -> None:
    await context.deps.db.set_notify(context.session.tg_id, pressed.mode)
    await reload_session(update, context)
    await settings(update, context)


async def set_announcements(update: Update, context: BotContext, pressed: Announcements) -> None:
    """Whether operators' broadcasts reach this user (bot.jobs.broadcast skips them if not)."""
    await context.deps.db.set_announcements(context.session.tg_id, pressed.on == "on")
    await settings(update, context)


async def delete_data(update: Update, context: BotContext, _: DeleteData) -> None:
    """Asks first: the second tap (DeleteDataSure) removes keys, orders, refills and cache."""
    tx = context.session.tx
    await answer(update, context)
    await show(update, tx("settings.delete_ask"), keyboards.two_taps(tx, "settings.delete_yes", DeleteDataSure(), SettingsMenu()))


async def delete_data_sure(update: Update, context: BotContext, _: DeleteDataSure) -> None:
    session = context.session
    await answer(update, context)
    if session.account is not None:
        context.deps.catalogues.forget(session.account.id)
    await context.deps.db.delete_user_data(session.tg_id)
    user_data(context).clear()
    await show(update, session.tx("settings.deleted"), None)
