"""/start, /help, /cancel, the main menu, group chats and the bot's membership in chats."""

from __future__ import annotations

from telegram import Update

from bot import presentation as views
from bot.callback_data import Help, MainMenu
from bot.context import BotContext
from bot.handlers import keyboards
from bot.handlers.common import DRAFT, answer, chat_of, message_of, show, user_data, user_of
from bot.handlers.session import language_of
from bot.i18n import language_for
from bot.presentation import Texts


async def start(update: Update, context: BotContext) -> None:
    session = context.session
    tx = session.tx
    name = user_of(update).first_name or ""
    if session.account is None:
        # Onboarding: what the bot does, where the key is; whatever is sent next is the key
        # (bot.handlers.key_guard).
        await chat_of(update).send_message(tx("start.welcome", name=name, panel=context.deps.settings.panel_site))
        return
    text, keyboard = views.main_menu(tx, tx("start.back", name=name))
    await chat_of(update).send_message(text, reply_markup=keyboard)


async def help_command(update: Update, context: BotContext, _: Help | None = None) -> None:
    tx = context.session.tx
    await answer(update, context)
    await show(update, tx("help.text"), views.menu_keyboard(tx))


async def main_menu(update: Update, context: BotContext, _: MainMenu) -> None:
    tx = context.session.tx
    await answer(update, context)
    await show(update, *views.main_menu(tx))


async def cancel(update: Update, context: BotContext) -> None:
    """Any step the user was at has ended (the conversations leave on any command), and the
    order being prepared is dropped: its card's Confirm no longer places it."""
    session = context.session
    tx = session.tx
    user_data(context).pop(DRAFT, None)
    if session.account is None:
        await chat_of(update).send_message(tx("cancel.need_key"))
        return
    text, keyboard = views.main_menu(tx, tx("cancel.done") if context.turn.left_flow else tx("cancel.nothing"))
    await chat_of(update).send_message(text, reply_markup=keyboard)


async def group_command(update: Update, context: BotContext) -> None:
    """In groups the bot reads no keys and shows no account: it asks to talk privately."""
    message = message_of(update)
    command = (message.text or "").split(maxsplit=1)[0]
    if "@" in command and command.split("@", 1)[1].lower() != (context.bot.username or "").lower():
        return  # addressed to another bot
    tx = Texts(context.deps.i18n, await language_of(update, context))
    await message.reply_text(tx("group.private_only"), reply_markup=keyboards.open_private_chat(tx, context.bot.username))


async def membership(update: Update, context: BotContext) -> None:
    """The user blocked (or unblocked) the bot in their private chat: stop or resume tracking."""
    change = update.my_chat_member
    if change is None or change.chat.type != "private":
        return
    blocked = change.new_chat_member.status in ("kicked", "left")
    user = change.from_user
    await context.deps.db.ensure_user(user.id, language_for(user.language_code, context.deps.settings.default_language))
    await context.deps.db.set_blocked(user.id, blocked)
