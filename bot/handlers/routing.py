"""Handlers for the private chat, built the same way: a command, a kind of button, plain text.

Every callback registered through these runs with the user's session loaded (`context.session`,
bot.handlers.session); a button's callback also receives the button, parsed
(bot.callback_data). Updates without a user (a channel post) reach none of them; a button of a
message the bot cannot write next to (an inline message) is answered and goes no further.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters
from telegram.ext.filters import BaseFilter

from bot.callback_data import Button
from bot.context import BotContext
from bot.handlers.common import answer, stale_button
from bot.handlers.session import load_session

B = TypeVar("B", bound=Button)
# What PTB's handlers take: a coroutine function (an async def).
Callback = Callable[[Update, BotContext], Coroutine[Any, Any, Any]]

# New messages (not edits: only the order conversation reads those, EDITED_TEXT) from a user in
# a private chat.
PRIVATE = filters.UpdateType.MESSAGE & filters.ChatType.PRIVATE & filters.USER
PLAIN_TEXT = PRIVATE & filters.TEXT & ~filters.COMMAND
# A user's edit of a text message of theirs (not a command) in the private chat: the key guard
# has seen it first (bot.handlers.key_guard), only the order conversation reads one.
EDITED_TEXT = filters.UpdateType.EDITED_MESSAGE & filters.ChatType.PRIVATE & filters.USER & filters.TEXT & ~filters.COMMAND


def in_session(callback: Callback) -> Callback:
    """`callback`, run once the user's session is loaded."""

    async def run(update: Update, context: BotContext) -> Any:
        if update.effective_user is None:
            return None  # nobody to answer
        session = await load_session(update, context)
        if update.effective_chat is None:  # a button of an inline message: no chat to show a menu in
            await answer(update, context, session.tx("stale.menu"))
            return None
        return await callback(update, context)

    run.__name__ = getattr(callback, "__name__", "callback")  # PTB names handlers by it in warnings
    return run


def command(name: str, callback: Callback) -> CommandHandler:
    return CommandHandler(name, in_session(callback), filters=PRIVATE)


def button(kind: type[B], callback: Callable[[Update, BotContext, B], Coroutine[Any, Any, Any]]) -> CallbackQueryHandler:
    """Buttons of `kind`: `callback(update, context, pressed)`."""

    async def parsed(update: Update, context: BotContext) -> Any:
        query = update.callback_query
        assert query is not None  # a CallbackQueryHandler runs for callback queries only
        pressed = kind.parse(query.data)
        if pressed is None:  # the shape matched, a value did not (an id beyond SQLite's range)
            return await stale_button(update, context)
        return await callback(update, context, pressed)

    parsed.__name__ = getattr(callback, "__name__", "callback")
    return CallbackQueryHandler(in_session(parsed), pattern=kind.pattern)


def text(callback: Callback) -> MessageHandler:
    """Plain text (not a command) in the private chat."""
    return MessageHandler(PLAIN_TEXT, in_session(callback))


def messages(message_filter: BaseFilter, callback: Callback) -> MessageHandler:
    """Other private messages matching `message_filter`."""
    return MessageHandler(PRIVATE & message_filter, in_session(callback))


def any_button(callback: Callback) -> CallbackQueryHandler:
    """Every button not taken by a handler before this one."""
    return CallbackQueryHandler(in_session(callback))


def edited_text(callback: Callback) -> MessageHandler:
    """An edit of a plain text message in the private chat."""
    return MessageHandler(EDITED_TEXT, in_session(callback))
