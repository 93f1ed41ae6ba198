"""Messages no other handler took: unknown commands and what is not text.

Plain text outside any conversation step searches the catalogue (bot.handlers.catalogue); the
conversations' steps are in bot.handlers.flows; messages holding a key never get here
(bot.handlers.key_guard).
"""

from __future__ import annotations

from telegram import Update

from bot import presentation as views
from bot.context import BotContext
from bot.handlers.common import chat_of, message_of


async def unknown_command(update: Update, context: BotContext) -> None:
    tx = context.session.tx
    text, keyboard = views.main_menu(tx, tx("unknown.command"))
    await chat_of(update).send_message(text, reply_markup=keyboard)


async def not_text(update: Update, context: BotContext) -> None:
    """Photos, stickers, files...: the bot reads text only; say so instead of staying silent."""
    await message_of(update).reply_text(context.session.tx("unknown.not_text"))
