"""The bot's command list, registered with Telegram for every supported language."""

from __future__ import annotations

import logging

from telegram import BotCommand
from telegram.error import TelegramError
from telegram.ext import Application

from bot.i18n import Translations

log = logging.getLogger(__name__)

COMMANDS = ("start", "help", "order", "services", "orders", "status", "balance", "refill", "settings", "cancel", "panels")


def bot_commands(i18n: Translations, lang: str) -> list[BotCommand]:
    return [BotCommand(name, i18n.raw(lang, f"command.{name}")) for name in COMMANDS]


async def register_commands(application: Application, i18n: Translations) -> None:
    """The default list in English (what non-Vietnamese users get) plus the Vietnamese one."""
    bot = application.bot
    try:
        await bot.set_my_commands(bot_commands(i18n, "en"))
        await bot.set_my_commands(bot_commands(i18n, "vi"), language_code="vi")
    except TelegramError as exc:
        # The bot works without a command menu; do not refuse to start over it.
        log.warning("could not register the command list: %s", exc)
