"""The bot's command list, registered with Telegram for every supported language; operators
(ADMIN_IDS) get theirs in their own chats only, so nobody else ever sees those commands."""

from __future__ import annotations

import logging

from telegram import BotCommand, BotCommandScopeChat
from telegram.error import TelegramError
from telegram.ext import Application

from bot.i18n import Translations

log = logging.getLogger(__name__)

COMMANDS = ("start", "help", "order", "services", "orders", "status", "balance", "refill", "settings", "cancel",
            "cancelorder", "spending", "export", "mass", "panels")
ADMIN_COMMANDS = ("stats", "broadcast", "maintenance")


def bot_commands(i18n: Translations, lang: str, *, admin: bool = False) -> list[BotCommand]:
    names = COMMANDS + ADMIN_COMMANDS if admin else COMMANDS
    return [BotCommand(name, i18n.raw(lang, f"command.{name}")) for name in names]


async def register_commands(application: Application, i18n: Translations) -> None:
    """The default list in English (what non-Vietnamese users get) plus the Vietnamese one."""
    bot = application.bot
    try:
        await bot.set_my_commands(bot_commands(i18n, "en"))
        await bot.set_my_commands(bot_commands(i18n, "vi"), language_code="vi")
    except TelegramError as exc:
        # The bot works without a command menu; do not refuse to start over it.
        log.warning("could not register the command list: %s", exc)
    admin_ids = application.bot_data["deps"].settings.admin_ids
    for admin_id in sorted(admin_ids):
        # A chat scope wins over the default list in Telegram's lookup; per language too.
        scope = BotCommandScopeChat(admin_id)
        try:
            await bot.set_my_commands(bot_commands(i18n, "en", admin=True), scope=scope)
            await bot.set_my_commands(bot_commands(i18n, "vi", admin=True), scope=scope, language_code="vi")
        except TelegramError as exc:
            # Typically "chat not found": that operator has not opened the bot yet. The commands
            # work all the same; they only miss from that operator's menu.
            log.warning("could not register the operators' command list for %s: %s", admin_id, exc)
