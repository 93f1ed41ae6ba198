"""Background jobs on python-telegram-bot's JobQueue: the order and refill tracker.

`install_tracker` adds a repeating job (every TRACK_INTERVAL_SECONDS); `early_check` makes the
hook handlers call after placing an order or requesting a refill (`Deps.track_soon`): one extra
cycle TRACK_FIRST_CHECK_SECONDS later. It is built first, on the job queue the application is
then built with, so that `Deps` is complete when made. Every LOW_BALANCE_EVERY track intervals,
the low-balance watch (bot.jobs.low_balance) runs too.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from telegram.ext import Application, ContextTypes, JobQueue

from bot.context import Deps
from bot.jobs.low_balance import LowBalanceWatch
from bot.jobs.notify import Notifier
from bot.jobs.tracker import CycleStats, Tracker
from bot.panel import PanelClient

__all__ = ["CycleStats", "Notifier", "Tracker", "early_check", "install_tracker"]

log = logging.getLogger(__name__)

REPEATING_JOB = "tracker"
FIRST_CHECK_JOB = "tracker-first-check"
LOW_BALANCE_JOB = "low-balance"
LOW_BALANCE_EVERY = 5  # balances move slower than orders: one round every 5 track intervals


def early_check(queue: JobQueue, delay: float) -> Callable[[], None]:
    """`Deps.track_soon`: one tracker cycle `delay` seconds from now, on `queue`."""

    def track_soon() -> None:
        # One pending early check covers every order placed before it runs.
        if not queue.get_jobs_by_name(FIRST_CHECK_JOB):
            queue.run_once(_run_cycle, delay, name=FIRST_CHECK_JOB)

    return track_soon


async def _run_cycle(context: ContextTypes.DEFAULT_TYPE) -> None:
    try:
        await context.application.bot_data["tracker"].cycle()
    except Exception:
        # Logged here rather than by the update error handler; the next cycle starts afresh.
        log.exception("tracker cycle failed")


def install_tracker(application: Application, deps: Deps) -> Tracker:
    """The tracker's repeating job and the low-balance watch, on `application`'s job queue."""
    settings = deps.settings
    notifier = Notifier(deps.db, application.bot, deps.i18n, default_language=settings.default_language)

    def panel_client() -> PanelClient:
        # No retries inside a cycle: the next cycle is the retry (see bot.jobs.tracker). The
        # operator's URL rules apply as to every other request (bot.panel.urls).
        return PanelClient(total_timeout=settings.panel_timeout_seconds, read_retries=0,
                           url_policy=deps.panel.url_policy, observer=tracker.panel_observer,
                           **settings.panel_answer_limits)

    tracker = Tracker(
        deps.db,
        panel_client,
        concurrency=settings.panel_max_concurrency,
        min_interval=settings.panel_min_interval_seconds,
        backoff_base=settings.track_interval_seconds,
        notify=notifier,
        on_key_rejected=notifier.key_rejected,
    )

    queue = application.job_queue
    assert queue is not None  # python-telegram-bot[job-queue] is a dependency
    queue.run_repeating(
        _run_cycle,
        interval=settings.track_interval_seconds,
        first=settings.track_interval_seconds,
        name=REPEATING_JOB,
        # A slow cycle must not stack up more cycles behind it.
        job_kwargs={"max_instances": 1, "coalesce": True, "misfire_grace_time": None},
    )

    application.bot_data["tracker"] = tracker

    watch = LowBalanceWatch(deps.db, panel_client, concurrency=settings.panel_max_concurrency,
                            min_interval=settings.panel_min_interval_seconds,
                            timeout=settings.panel_timeout_seconds, notify=notifier.low_balance)

    async def run_watch(_: ContextTypes.DEFAULT_TYPE) -> None:
        try:
            await watch.run()
        except Exception:
            log.exception("low-balance round failed")

    every = settings.track_interval_seconds * LOW_BALANCE_EVERY
    queue.run_repeating(run_watch, interval=every, first=every, name=LOW_BALANCE_JOB,
                        job_kwargs={"max_instances": 1, "coalesce": True, "misfire_grace_time": None})
    application.bot_data["low_balance"] = watch
    return tracker
