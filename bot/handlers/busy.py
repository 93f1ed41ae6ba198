""""One moment": what a user hears while their earlier updates are still being handled.

The update processor (bot/update_processor.py) decides when; this says it in the user's
language: as the answer to a tap (a toast, which also stops the button's spinner), or for
a message as one message of its own, in private chats only.
"""

from __future__ import annotations

from telegram import Update

from bot.context import Deps
from bot.handlers.common import answer_query, chat_of, is_private, user_of
from bot.i18n import language_for


async def tell_busy(deps: Deps, update: Update, skipped: bool) -> None:
    """`skipped`: the update was dropped and must be sent again; otherwise it waits its turn."""
    tg_user = user_of(update)  # bot.update_processor queues only updates from a user
    user = await deps.db.get_user(tg_user.id)
    lang = user.language if user is not None else language_for(tg_user.language_code,
                                                                deps.settings.default_language)
    text = deps.i18n.t(lang, "busy.skipped" if skipped else "busy.queued")
    if update.callback_query is not None:
        await answer_query(deps.answers, update, text)
    elif is_private(update):
        await chat_of(update).send_message(text)
