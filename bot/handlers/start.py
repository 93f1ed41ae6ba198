"""/start, /help, /cancel, the main menu, group chats and stale buttons."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.context import BotContext
from bot.handlers import views
from bot.handlers.common import DRAFT, STEP, answer, get_session, show
from bot.handlers.views import Texts


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
            tx("start.welcome", name=update.effective_user.first_name or "", panel=context.deps.settings.panel_api_url)
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
    session = await get_session(update, context)
    tx = texts(context, session.lang)
    link = f"https://t.me/{context.bot.username}?start=from_group"
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton(tx.plain("group.open_private"), url=link)]])
    await update.effective_message.reply_text(tx("group.private_only"), reply_markup=keyboard)
