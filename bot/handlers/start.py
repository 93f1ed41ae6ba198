"""/start, /help, /cancel, the main menu, group chats and stale buttons."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.context import BotContext
from bot import presentation as views
from bot.handlers.common import DRAFT, STEP, answer, get_session, language_of, show
from bot.presentation import Texts
from bot.i18n import language_for


def texts(context: BotContext, lang: str) -> Texts:
    return Texts(context.deps.i18n, lang)


async def start(update: Update, context: BotContext) -> None:
    session = await get_session(update, context)
    tx = texts(context, session.lang)
    context.user_data.pop(STEP, None)
    if session.account is None:
        # Onboarding: what the bot does, where the key is, then wait for it.
        context.user_data[STEP] = "key"
        await update.effective_chat.send_message(
            tx("start.welcome", name=update.effective_user.first_name or "", panel=context.deps.settings.panel_site)
        )
        return
    text, keyboard = views.main_menu(tx, tx("start.back", name=update.effective_user.first_name or ""))
    await update.effective_chat.send_message(text, reply_markup=keyboard)


async def help_command(update: Update, context: BotContext) -> None:
    session = await get_session(update, context)
    tx = texts(context, session.lang)
    await answer(update)
    await show(update, tx("help.text"), views.menu_keyboard(tx))


async def main_menu(update: Update, context: BotContext) -> None:
    session = await get_session(update, context)
    tx = texts(context, session.lang)
    await answer(update)
    context.user_data.pop(STEP, None)
    text, keyboard = views.main_menu(tx)
    await show(update, text, keyboard)


async def cancel(update: Update, context: BotContext) -> None:
    session = await get_session(update, context)
    tx = texts(context, session.lang)
    had_step = context.user_data.pop(STEP, None)
    context.user_data.pop(DRAFT, None)
    if session.account is None:
        context.user_data[STEP] = "key"
        await update.effective_chat.send_message(tx("cancel.need_key"))
        return
    text, keyboard = views.main_menu(tx, tx("cancel.done") if had_step else tx("cancel.nothing"))
    await update.effective_chat.send_message(text, reply_markup=keyboard)


async def stale_button(update: Update, context: BotContext) -> None:
    """A button this bot no longer knows (old menu, old version): say so, show a fresh menu."""
    session = await get_session(update, context)
    tx = texts(context, session.lang)
    await answer(update, tx("stale.menu"))
    text, keyboard = views.main_menu(tx, tx("stale.menu"))
    await show(update, text, keyboard)


async def group_command(update: Update, context: BotContext) -> None:
    """In groups the bot reads no keys and shows no account: it asks to talk privately."""
    command = (update.effective_message.text or "").split(maxsplit=1)[0]
    if "@" in command and command.split("@", 1)[1].lower() != (context.bot.username or "").lower():
        return  # addressed to another bot
    tx = texts(context, await language_of(update, context))
    link = f"https://t.me/{context.bot.username}?start=from_group"
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton(tx.plain("group.open_private"), url=link)]])
    await update.effective_message.reply_text(tx("group.private_only"), reply_markup=keyboard)


async def membership(update: Update, context: BotContext) -> None:
    """The user blocked (or unblocked) the bot in their private chat: stop or resume tracking."""
    change = update.my_chat_member
    if change is None or change.chat.type != "private":
        return
    blocked = change.new_chat_member.status in ("kicked", "left")
    await context.deps.db.ensure_user(change.from_user.id, language_for(change.from_user.language_code, context.deps.settings.default_language))
    await context.deps.db.set_blocked(change.from_user.id, blocked)
