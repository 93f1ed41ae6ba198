"""The global error handler: log it (secrets are redacted by the log filter), tell the user."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import Forbidden

from bot.context import BotContext
from bot.handlers.common import answer
from bot.i18n import language_for

log = logging.getLogger(__name__)


async def on_error(update: object, context: BotContext) -> None:
    log.error("unhandled error while handling an update", exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    if isinstance(context.error, Forbidden):
        return  # the user blocked the bot: there is nobody to tell
    try:
        await _tell_user(update, context)
    except Exception as exc:  # whatever failed first may fail again here: never raise from here
        log.warning("could not tell the user about the error (%s)", type(exc).__name__)


async def _tell_user(update: Update, context: BotContext) -> None:
    lang = language_for(update.effective_user.language_code if update.effective_user else None,
                        context.deps.settings.default_language)
    try:
        user = await context.deps.db.get_user(update.effective_user.id) if update.effective_user else None
        if user is not None:
            lang = user.language
    except Exception:  # the database may be what failed
        pass
    await answer(update)  # does nothing if the handler had answered
    await update.effective_chat.send_message(context.deps.i18n.t(lang, "error.generic"))
