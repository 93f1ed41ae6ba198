"""The global error handler: log it (secrets are redacted by the log filter), tell the user, and
end the update there: one failure gets one answer, and no later handler group (the menu, after a
failed key check) acts on an update half handled."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import Forbidden
from telegram.ext import ApplicationHandlerStop

from bot.context import BotContext
from bot.handlers.common import answer, chat_of
from bot.i18n import language_for

log = logging.getLogger(__name__)


async def on_error(update: object, context: BotContext) -> None:
    log.error("unhandled error while handling an update", exc_info=context.error)
    if not isinstance(update, Update):
        return  # a job's or the persistence's error: no update to stop
    if update.effective_chat is not None and not isinstance(context.error, Forbidden):  # Forbidden: blocked
        try:
            await _tell_user(update, context)
        except Exception as exc:  # whatever failed first may fail again here: never raise from here
            log.warning("could not tell the user about the error (%s)", type(exc).__name__)
    raise ApplicationHandlerStop


async def _tell_user(update: Update, context: BotContext) -> None:
    lang = language_for(update.effective_user.language_code if update.effective_user else None,
                        context.deps.settings.default_language)
    try:
        user = await context.deps.db.get_user(update.effective_user.id) if update.effective_user else None
        if user is not None:
            lang = user.language
    except Exception:  # the database may be what failed
        pass
    await answer(update, context)  # does nothing if the handler had answered
    await chat_of(update).send_message(context.deps.i18n.t(lang, "error.generic"))
