"""Settings -> time zone: a common zone tapped, or any zone typed (the timezone conversation).

Step ZONE: the next text is a zone's name (a city, an IANA name, `UTC+7`); one not understood
is answered and asked again.
"""

from __future__ import annotations

import asyncio
import time

from telegram import InlineKeyboardMarkup, Update

from bot.callback_data import SettingsMenu, TimezoneMenu, TimezonePick
from bot.context import BotContext
from bot.handlers.common import END, answer, show, stale_button
from bot.handlers.session import reload_session
from bot.i18n import Html, parse_timezone
from bot.presentation.buttons import button
from bot.presentation.menu import back_to_menu
from bot.presentation.timezone import (
    timezone_changed,
    timezone_picker,
    timezone_unknown,
)

ZONE = "timezone"


async def menu(update: Update, context: BotContext, _: TimezoneMenu) -> str:
    tx = context.session.tx
    await answer(update, context)
    await show(update, *timezone_picker(tx, time.time(), TimezonePick, SettingsMenu()))
    return ZONE


async def pick(update: Update, context: BotContext, pressed: TimezonePick) -> object:
    zone = await asyncio.to_thread(parse_timezone, pressed.zone)
    if zone is None:  # a zone this system no longer knows
        return await stale_button(update, context)
    await answer(update, context)
    await _set(update, context, zone)
    return None


async def typed(update: Update, context: BotContext) -> object:
    chat, message = update.effective_chat, update.effective_message
    assert chat is not None and message is not None  # registered for private text messages only
    text = message.text or ""
    # Listing the system's zones the first time reads the disk: not on the event loop.
    zone = await asyncio.to_thread(parse_timezone, text)
    if zone is None:
        tx = context.session.tx
        picker_text, keyboard = timezone_picker(tx, time.time(), TimezonePick, SettingsMenu())
        await chat.send_message(Html("\n\n".join([timezone_unknown(tx, text), picker_text])),
                                reply_markup=keyboard)
        return ZONE
    await _set(update, context, zone)
    return END


async def _set(update: Update, context: BotContext, zone: str) -> None:
    await context.deps.db.set_timezone(context.session.tg_id, zone)
    tx = (await reload_session(update, context)).tx
    keyboard = InlineKeyboardMarkup([[button(tx.plain("menu.settings"), SettingsMenu())], back_to_menu(tx)])
    await show(update, timezone_changed(tx, time.time()), keyboard)  # edits the picker, or answers the typed name
