"""What every handler needs: the user's session, safe message editing, panel-error texts.

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
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatAction, ChatType
from telegram.error import BadRequest, TelegramError

from bot.context import BotContext
from bot.i18n import Html, language_for
from bot.presentation import shorten
from bot.panel import PanelError

log = logging.getLogger(__name__)

# user_data keys. The step says what the next plain text message means.
STEP = "step"
DRAFT = "draft"
SEARCHES = "searches"  # nonce -> words, for the pages of recent search results
TRACK_OFFERS = "track_offers"  # nonce -> ids, for recent "follow these orders" offers
_KEPT = 10


def remember(context: BotContext, slot: str, value: object) -> str:
    """Keep `value` for a button under a short nonce; only the last few are kept.

    The button carries the nonce, so an older message's button finds its own value (or,
    once forgotten, is reported out of date) instead of acting on the newest one.
    """
    kept: dict = context.user_data.setdefault(slot, {})
    nonce = secrets.token_hex(3)
    kept[nonce] = value
    for old in list(kept)[:-_KEPT]:
        del kept[old]
    return nonce


def recall(context: BotContext, slot: str, nonce: str | None) -> object | None:
    return context.user_data.get(slot, {}).get(nonce or "")


@dataclass
class Session:
    tg_id: int
    lang: str
    user: object  # storage User
    account: object | None  # storage Account (active), None before a key is set

    def t(self, context: BotContext, key: str, **values: object) -> Html:
        return context.deps.i18n.t(self.lang, key, **values)

    def api(self, context: BotContext):
        return context.deps.panel.account(self.account.panel_url, self.account.api_key)


async def get_session(update: Update, context: BotContext) -> Session:
    """Load (or create) the user; any update from a user who had blocked the bot unblocks them."""
    tg_user = update.effective_user
    db = context.deps.db
    default_language = language_for(tg_user.language_code, context.deps.settings.default_language)
    user, account = await db.user_and_account(tg_user.id, default_language)
    if user.blocked:
        await db.set_blocked(tg_user.id, False)
    return Session(tg_id=tg_user.id, lang=user.language, user=user, account=account)


async def language_of(update: Update, context: BotContext) -> str:
    """The user's language without creating a user row (for group members who never wrote
    to the bot in private)."""
    tg_user = update.effective_user
    user = await context.deps.db.get_user(tg_user.id) if tg_user else None
    if user is not None:
        return user.language
    return language_for(tg_user.language_code if tg_user else None, context.deps.settings.default_language)


def is_private(update: Update) -> bool:
    chat = update.effective_chat
    return chat is not None and chat.type == ChatType.PRIVATE


_TAG_RE = re.compile(r"<[^>]+>")


def html_to_plain(text: str) -> str:
    return html.unescape(_TAG_RE.sub("", text))


def _same_markup(a: InlineKeyboardMarkup | None, b: InlineKeyboardMarkup | None) -> bool:
    return (a.to_dict() if a else None) == (b.to_dict() if b else None)


async def show(update: Update, text: str, markup: InlineKeyboardMarkup | None = None) -> Message | None:
    """Edit the menu the user tapped in place, or send a new message for a typed command.

    An edit with nothing new is skipped: Telegram refuses it ("message is not modified").
    """
    query = update.callback_query
    if query is not None and query.message is not None and isinstance(query.message, Message):
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
    return await update.effective_chat.send_message(text, reply_markup=markup)


# Callback queries already answered, by object identity: one update's query object is the
# same throughout its handling (the query object is kept so its id() is not reused).
_ANSWERED: OrderedDict[int, object] = OrderedDict()
_ANSWERED_MAX = 10_000


async def answer(update: Update, text: str | None = None, *, alert: bool = False) -> None:
    """Answer the callback query: every one must be answered, and Telegram refuses a second
    answer, so a call after the first does nothing (error paths can call it safely).
    Best effort: a query too old to answer, or any other failure, is logged, never raised."""
    query = update.callback_query
    if query is None or id(query) in _ANSWERED:
        return
    _ANSWERED[id(query)] = query
    if len(_ANSWERED) > _ANSWERED_MAX:
        _ANSWERED.popitem(last=False)
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


def panel_error_text(session: Session, context: BotContext, error: PanelError) -> Html:
    """The user's explanation of a panel error, with what to do next."""
    code = getattr(error, "code", "unrecognised")
    # Panels can answer with whole HTML pages or stack traces: show a readable excerpt.
    values: dict[str, object] = {"text": shorten(getattr(error, "panel_text", "") or "", 300)}
    bound = getattr(error, "bound", None)
    values["bound"] = bound if bound is not None else "?"
    key = f"error.panel.{code}"
    if key not in context.deps.i18n.keys(session.lang):
        key = "error.panel.unrecognised"
    return session.t(context, key, **values)


Handler = Callable[[Update, BotContext], Awaitable[object]]


def panel_errors(handler: Handler) -> Handler:
    """Tell the user, in their language, when the panel refuses or fails inside `handler`."""

    @functools.wraps(handler)
    async def wrapper(update: Update, context: BotContext) -> object:
        try:
            return await handler(update, context)
        except PanelError as error:
            session = await get_session(update, context)
            reason = panel_error_text(session, context, error)
            log.info("panel error for user %s: %s", session.tg_id, getattr(error, "code", type(error).__name__))
            await answer(update)  # if the handler had not yet
            # A message of its own, so it stays readable next to the menu.
            await update.effective_chat.send_message(session.t(context, "error.panel.standalone", reason=Html(capitalize(reason))))
            return None

    return wrapper
