"""Background jobs on python-telegram-bot's JobQueue: the order and refill tracker."""

from __future__ import annotations

import logging

from telegram.error import TelegramError
from telegram.ext import Application, ContextTypes

from bot.context import Deps
from bot.handlers.views import Texts
from bot.jobs.notify import Notifier
from bot.jobs.tracker import Tracker

log = logging.getLogger(__name__)


def install_tracker(application: Application, deps: Deps) -> Tracker:
    settings = deps.settings

    async def key_rejected(account) -> None:
        user = await deps.db.get_user(account.tg_id)
        tx = Texts(deps.i18n, user.language if user else settings.default_language)
        try:
            await application.bot.send_message(account.tg_id, tx("notify.key_rejected", panel=account.panel_url))
        except TelegramError as error:
            log.warning("could not tell user %s that their key was rejected: %s", account.tg_id, error)

    tracker = Tracker(
        deps.db,
        deps.panel,
        concurrency=settings.panel_max_concurrency,
        min_interval=settings.panel_min_interval_seconds,
        backoff_base=settings.track_interval_seconds,
        notifier=Notifier(deps.db, application.bot, deps.i18n),
        on_key_rejected=key_rejected,
    )

    async def run_cycle(_: ContextTypes.DEFAULT_TYPE) -> None:
        await tracker.cycle()

    queue = application.job_queue
    queue.run_repeating(
        run_cycle,
        interval=settings.track_interval_seconds,
        first=settings.track_interval_seconds,
        name="tracker",
        # A slow cycle must not stack up more cycles behind it.
        job_kwargs={"max_instances": 1, "coalesce": True, "misfire_grace_time": None},
    )

    def check_soon(*_: object) -> None:
        queue.run_once(run_cycle, settings.track_first_check_seconds, name="tracker-first-check")

    deps.on_order_placed = check_soon
    deps.on_refill_requested = check_soon
    application.bot_data["tracker"] = tracker
    return tracker
