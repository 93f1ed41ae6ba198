"""What every handler needs: safe message editing, callback answers, panel-error texts, stale menus.

Cosmetic calls (a chat action, answering a callback query, deleting a message) go through the
best-effort helpers here: a Bot API server that lacks one, a time-out or a stale query is logged
and forgotten, and the real work that follows goes on.
"""

from __future__ import annotations

import functools
import html
import logging
import re
import secrets
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import Chat, InlineKeyboardMarkup, Message, Update, User
from telegram.constants import ChatAction, ChatType
from telegram.error import BadRequest, TelegramError
from telegram.ext import ConversationHandler

from bot import presentation as views
from bot.context import BotContext, CallbackAnswers
from bot.i18n import Html
from bot.panel import PanelError
from bot.presentation import shorten

log = logging.getLogger(__name__)

# user_data keys: the data of the conversations (their steps are the conversations' states).
DRAFT = "draft"  # the order being prepared (bot.core.ordering.Draft as a dict)
SEARCHES = "searches"  # nonce -> words, for the pages of recent search results
TRACK_OFFERS = "track_offers"  # nonce -> ids, for recent "follow these orders" offers
_KEPT = 10

END = ConversationHandler.END  # what a handler returns to end the conversation it is in (if any)


def user_data(context: BotContext) -> dict[Any, Any]:
    """The user's data: PTB gives it to every handler of an update from a user (all of ours:
    bot.handlers.routing lets no update without one through)."""
    data = context.user_data
    if data is None:
        raise RuntimeError("an update without a user has no user_data")
    return data


def chat_of(update: Update) -> Chat:
    """The update's chat: our handlers are registered for private messages and buttons of
    messages (bot.handlers.routing answers an inline message's button before any of them)."""
    chat = update.effective_chat
    if chat is None:
        raise RuntimeError("this handler needs an update with a chat")
    return chat


def message_of(update: Update) -> Message:
    """The update's message, for handlers registered for messages only (text, commands)."""
    message = update.effective_message
    if message is None:
        raise RuntimeError("this handler needs an update with a message")
    return message


def typed_text(update: Update, context: BotContext) -> str:
    """What the user typed for a command or its step: the command's arguments (`/status 1 2`),
    or the whole message answering the step's question (`1 2`)."""
    if context.args is not None:  # set by CommandHandler only
        return " ".join(context.args)
    return message_of(update).text or ""


def user_of(update: Update) -> User:
    """The update's user: bot.handlers.routing lets no update without one reach a handler."""
    user = update.effective_user
    if user is None:
        raise RuntimeError("this handler needs an update with a user")
    return user


def remember(context: BotContext, slot: str, value: object) -> str:
    """Keep `value` for a button under a short nonce; only the last few are kept.

    The button carries the nonce, so an older message's button finds its own value (or,
    once forgotten, is reported out of date) instead of acting on the newest one.
    """
    kept: dict[str, object] = user_data(context).setdefault(slot, {})
    nonce = secrets.token_hex(3)
    kept[nonce] = value
    for old in list(kept)[:-_KEPT]:
        del kept[old]
    return nonce


def recall(context: BotContext, slot: str, nonce: str | None) -> object | None:
    kept: dict[str, object] = user_data(context).get(slot, {})
    return kept.get(nonce or "")


def is_private(update: Update) -> bool:
    chat = update.effective_chat
    return chat is not None and chat.type == ChatType.PRIVATE


_TAG_RE = re.compile(r"<[^>]+>")


def html_to_plain(text: str) -> str:
    return html.unescape(_TAG_RE.sub("", text))


def _same_markup(a: InlineKeyboardMarkup | None, b: InlineKeyboardMarkup | None) -> bool:
    return (a.to_dict() if a else None) == (b.to_dict() if b else None)


async def show(update: Update, text: str, markup: InlineKeyboardMarkup | None = None) -> Message | None:
    """Edit the menu the user tapped in place, or send a new message for a typed command (or a
    tapped message the bot can no longer edit or read).

    An edit with nothing new is skipped: Telegram refuses it ("message is not modified").
    """
    query = update.callback_query
    # Telegram sends a message it no longer gives the bot access to with date 0 (PTB 22 parses it
    # as a Message all the same): it cannot be edited.
    if query is not None and isinstance(query.message, Message) and query.message.is_accessible:
        message = query.message
        if html_to_plain(text).strip() == (message.text or "").strip() and _same_markup(markup, message.reply_markup):
            return message
        try:
            result = await query.edit_message_text(text, reply_markup=markup)
            return result if isinstance(result, Message) else message
        except BadRequest as exc:
            if "not modified" in str(exc).lower():
                return message
            if "can't be edited" not in str(exc) and "not found" not in str(exc):
                raise
            # Too old to edit (48 h) or deleted: fall through to a new message.
    chat = update.effective_chat
    return None if chat is None else await chat.send_message(text, reply_markup=markup)


async def answer(update: Update, context: BotContext, text: str | None = None, *, alert: bool = False) -> None:
    """Answer the callback query: every one must be answered, and Telegram refuses a second
    answer, so a call after the first does nothing (see bot.context.CallbackAnswers): error
    paths can call it safely. Best effort: a failure is logged, never raised."""
    await answer_query(context.deps.answers, update, text, alert=alert)


async def answer_query(answers: CallbackAnswers, update: Update, text: str | None = None, *, alert: bool = False) -> None:
    """`answer` where there is no handler's context (bot.handlers.busy)."""
    query = update.callback_query
    if query is None or not answers.claim(query.id):
        return
    try:
        await query.answer(html_to_plain(text)[:200] if text else None, show_alert=alert)
    except Exception as exc:
        log.debug("could not answer a callback query in chat %s: %s", _chat_id(update), _reason(exc))


async def chat_action(update: Update, action: str = ChatAction.TYPING) -> None:
    """Show "typing…" while something slow runs. Best effort: purely cosmetic, so a failure
    (a server without sendChatAction, a time-out) never stops the work it announces."""
    chat = update.effective_chat
    if chat is None:
        return
    try:
        await chat.send_chat_action(action)
    except Exception as exc:
        log.debug("chat action %s in chat %s failed: %s", action, chat.id, _reason(exc))


async def delete_message(message: Message, what: str = "a message") -> bool:
    """Delete `message`; False (logged) when Telegram refuses or fails, never raised: the
    caller goes on (and says what it did) either way."""
    try:
        await message.delete()
    except Exception as exc:
        log.warning("could not delete %s in chat %s: %s", what, message.chat_id, _reason(exc))
        return False
    return True


def _chat_id(update: Update) -> int | None:
    return update.effective_chat.id if update.effective_chat is not None else None


def _reason(exc: Exception) -> str:
    # The class and Telegram's description; never the request, which may hold what the user typed.
    return f"{type(exc).__name__}: {exc}" if isinstance(exc, TelegramError) else type(exc).__name__


def capitalize(text: str) -> str:
    return text[:1].upper() + text[1:]


def panel_error_text(context: BotContext, error: PanelError) -> Html:
    """The user's explanation of a panel error, with what to do next."""
    tx = context.session.tx
    code = getattr(error, "code", "unrecognised")
    # Panels can answer with whole HTML pages or stack traces: show a readable excerpt.
    values: dict[str, object] = {"text": shorten(getattr(error, "panel_text", "") or "", 300)}
    bound = getattr(error, "bound", None)
    key = f"error.panel.{code}"
    if code == "quantity_out_of_range":
        if bound is None:  # the panel did not say which limit: no "(limit: ?)"
            key = "error.panel.quantity_out_of_range_unstated"
        else:
            values["bound"] = tx.number(bound)
    if key not in context.deps.i18n.keys(tx.lang):
        key = "error.panel.unrecognised"
    return tx(key, **values)


Handler = Callable[..., Coroutine[Any, Any, Any]]


def panel_errors(handler: Handler) -> Handler:
    """Tell the user, in their language, when the panel refuses or fails inside `handler`."""

    @functools.wraps(handler)
    async def wrapper(update: Update, context: BotContext, *args: Any) -> object:
        try:
            return await handler(update, context, *args)
        except PanelError as error:
            session = context.session
            reason = panel_error_text(context, error)
            log.info("panel error for user %s: %s", session.tg_id, getattr(error, "code", type(error).__name__))
            await answer(update, context)  # if the handler had not yet
            # A message of its own, so it stays readable next to the menu.
            await chat_of(update).send_message(session.tx("error.panel.standalone", reason=Html(capitalize(reason))))
            return None

    return wrapper


async def stale_button(update: Update, context: BotContext, *_: object) -> object:
    """A button this bot no longer knows (old menu, old version, forged data): say so, show a
    fresh menu. Returns END: a conversation this leaves is over (the menu replaced its screen)."""
    tx = context.session.tx
    await answer(update, context, tx("stale.menu"))
    text, keyboard = views.main_menu(tx, tx("stale.menu"))
    chat = update.effective_chat
    if update.callback_query is None or chat is None:
        await show(update, text, keyboard)
        return END
    # The old message may be far up the chat: rewriting it would happen out of sight. It keeps
    # its text (the user may still want to read it), loses its dead buttons, and the fresh
    # menu arrives at the bottom, where the user is looking.
    await remove_buttons(update)
    await chat.send_message(text, reply_markup=keyboard)
    return END


async def remove_buttons(update: Update) -> None:
    """Take the buttons off the tapped message, leaving its text. Best effort: a message too old
    to edit, or already without buttons, stays as it is."""
    query = update.callback_query
    if query is None or not isinstance(query.message, Message) or not query.message.is_accessible:
        return
    if query.message.reply_markup is None or not query.message.reply_markup.inline_keyboard:
        return
    try:
        await query.edit_message_reply_markup(reply_markup=None)
    except TelegramError as exc:
        log.info("could not remove the buttons of an old message: %s", exc)
