"""Plain text messages: what they mean depends on the step the user is at.

The step lives in the persisted `user_data`, so a user halfway through an order is still
there after a restart. Without a step, text searches the catalogue (a number opens that
service id). Messages holding a key, and the key step itself, never get here: key_guard.py
deals with them first.
"""

from __future__ import annotations

from telegram import Update

from bot.context import BotContext
from bot.handlers import catalogue, ordering, orders
from bot.handlers.common import STEP, get_session, panel_errors
from bot import presentation as views
from bot.presentation import Texts


@panel_errors
async def private_text(update: Update, context: BotContext) -> None:
    session = await get_session(update, context)
    step = context.user_data.get(STEP)
    text = update.effective_message.text or ""
    if step == "link":
        await ordering.receive_link(update, context, session)
    elif step == "quantity":
        await ordering.receive_quantity(update, context, session)
    elif step == "comments":
        await ordering.receive_comments(update, context, session)
    elif step == "status_ids":
        await orders.check_status_ids(update, context, session, text)
    elif step == "refill_ids":
        await orders.refill_text(update, context, session, text)
    elif step == "uncertain_id":  # the panel's id of an order whose outcome is unknown
        await ordering.receive_uncertain_id(update, context, session, text)
    else:
        if step == "confirm":
            context.user_data.pop(STEP, None)  # typing instead of tapping: browse on
        await catalogue.search(update, context, session, text)


async def unknown_command(update: Update, context: BotContext) -> None:
    session = await get_session(update, context)
    tx = Texts(context.deps.i18n, session.lang)
    text, keyboard = views.main_menu(tx, tx("unknown.command"))
    await update.effective_chat.send_message(text, reply_markup=keyboard)


async def not_text(update: Update, context: BotContext) -> None:
    """Photos, stickers, files...: the bot reads text only; say so instead of staying silent."""
    session = await get_session(update, context)
    tx = Texts(context.deps.i18n, session.lang)
    await update.effective_message.reply_text(tx("unknown.not_text"))
