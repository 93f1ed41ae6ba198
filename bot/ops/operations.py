"""Running the bot for real: webhook or polling, health and metrics, operators' tools.

`start_operations()` is called by `bot.app.run()` just before the application starts, and its
`Operations.stop()` before the application stops. It wires (without any chat handler):
- metrics (bot/ops/metrics.py) onto the hooks of the update processor, the panel clients, the
  tracker and the rate limiter;
- the maintenance flag, loaded from storage (handlers ask `ops.maintenance.turns_away(update)`);
- users' last activity (bot/ops/activity.py), flushed every minute;
- the broadcast runner (bot/jobs/broadcast.py), resuming a broadcast a stop interrupted;
- the HTTP server (bot/web.py): in webhook mode on WEBHOOK_LISTEN, then the webhook is set
  with the allowed updates; otherwise only when HEALTH_LISTEN is set.
Everything is reachable as `application.bot_data["ops"]` (an `Operations`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from telegram.error import TelegramError
from telegram.ext import Application, ContextTypes

from bot.jobs.broadcast import BroadcastRunner
from bot.logs import REDACTOR
from bot.ops.activity import FLUSH_SECONDS, ActivityRecorder
from bot.ops.health import HealthCheck
from bot.ops.maintenance import Maintenance
from bot.ops.metrics import CONTENT_TYPE, Metrics
from bot.update_processor import PerUserUpdateProcessor
from bot.web import Webhook, WebServer, resolve_webhook_secret

log = logging.getLogger(__name__)

OPS_KEY = "ops"
ACTIVITY_JOB = "last-seen-flush"


def is_admin(settings, user_id: int | None) -> bool:
    """An operator (ADMIN_IDS): may use /stats, /broadcast and /maintenance."""
    return user_id is not None and user_id in settings.admin_ids


@dataclass
class Operations:
    metrics: Metrics
    health: HealthCheck
    activity: ActivityRecorder
    maintenance: Maintenance
    broadcasts: BroadcastRunner
    web: WebServer | None
    webhook: bool  # updates arrive by webhook (else the caller polls)

    async def stop(self) -> None:
        """Before the application stops: no more webhook requests, the broadcast's messages in
        flight settled, users' last activity written."""
        if self.web is not None:
            await self.web.stop()
        await self.broadcasts.stop()
        await self.activity.flush()


async def start_operations(application: Application, deps, allowed_updates: Sequence[str]) -> Operations:
    """Wire and start everything above on a started application (see the module docstring).
    Raises StartupError (bot.app) for a listen address that cannot be used or a webhook
    Telegram refuses, with nothing left running."""
    settings = deps.settings
    metrics = Metrics()
    _instrument(application, deps, metrics)

    maintenance = Maintenance(deps.db, settings.admin_ids)
    await maintenance.load()
    if maintenance.on:
        log.warning("maintenance mode is on: users are told the bot is back soon")

    activity = ActivityRecorder(deps.db)
    processor = application.update_processor
    assert isinstance(processor, PerUserUpdateProcessor)  # the one bot.app installs
    processor.on_done.append(activity.seen)

    async def flush(_: ContextTypes.DEFAULT_TYPE) -> None:
        await activity.flush()

    assert application.job_queue is not None  # python-telegram-bot[job-queue] is a dependency
    application.job_queue.run_repeating(flush, interval=FLUSH_SECONDS, first=FLUSH_SECONDS, name=ACTIVITY_JOB)

    broadcasts = BroadcastRunner(deps.db, application.bot, on_settled=metrics.broadcast_settled)
    limiter = application.bot.rate_limiter
    if limiter is not None and hasattr(limiter, "on_retry_after"):
        # A 429 for a message: Telegram wants fewer messages overall, so broadcasts pause a moment.
        limiter.on_retry_after.append(lambda method: broadcasts.hold(1.0) if method == "sendMessage" else None)

    tracker = application.bot_data.get("tracker")
    health = HealthCheck(deps.db, tracker, settings.track_interval_seconds)
    ops = Operations(metrics, health, activity, maintenance, broadcasts, web=None,
                     webhook=settings.webhook_url is not None)
    application.bot_data[OPS_KEY] = ops
    try:
        ops.web = await _start_web(application, deps, ops, allowed_updates)
        await broadcasts.resume()
    except BaseException:
        await ops.stop()
        raise
    return ops


def _instrument(application: Application, deps, metrics: Metrics) -> None:
    processor = application.update_processor
    if hasattr(processor, "on_handled"):
        processor.on_handled.append(metrics.update_handled)
    deps.panel.observer = metrics.panel_request
    tracker = application.bot_data.get("tracker")
    if tracker is not None:
        tracker.panel_observer = metrics.panel_request
        tracker.on_cycle.append(metrics.tracker_cycle)
    limiter = application.bot.rate_limiter
    if limiter is not None and hasattr(limiter, "on_retry_after"):
        limiter.on_retry_after.append(metrics.telegram_retry_after)


async def _start_web(application: Application, deps, ops: Operations,
                     allowed_updates: Sequence[str]) -> WebServer | None:
    from bot.app import StartupError  # bot.app imports this module

    settings = deps.settings
    listens: list[tuple[str, int]] = []
    webhook = None
    if settings.webhook_url is not None:
        secret = await asyncio.to_thread(resolve_webhook_secret, settings.webhook_secret, settings.database_path)
        REDACTOR.add(secret)
        path = urlsplit(settings.webhook_url).path or "/"
        webhook = Webhook(path, secret, application.bot, application.update_queue, ops.metrics.webhook_request)
        listens.append(settings.webhook_listen)
    if settings.health_listen is not None and settings.health_listen not in listens:
        listens.append(settings.health_listen)
    if not listens:
        return None
    server = WebServer(health=ops.health.report, metrics=ops.metrics.exposition,
                       metrics_content_type=CONTENT_TYPE, webhook=webhook)
    try:
        await server.start(listens)
    except OSError as exc:
        names = (["WEBHOOK_LISTEN"] if webhook is not None else []) + (["HEALTH_LISTEN"] if settings.health_listen else [])
        where = ", ".join(f"{host}:{port}" for host, port in listens)
        raise StartupError(f"{' / '.join(names)} {where} cannot be listened on ({exc.strerror or exc})") from None
    log.info("HTTP server on %s (%s)", ", ".join(f"{h}:{p}" for h, p in server.addresses),
             "webhook, /healthz, /metrics" if webhook else "/healthz, /metrics")
    if webhook is not None:
        try:
            await application.bot.set_webhook(
                settings.webhook_url, secret_token=webhook.secret, allowed_updates=list(allowed_updates),
                drop_pending_updates=False,
            )
        except TelegramError as exc:
            await server.stop()
            raise StartupError(f"Telegram refused WEBHOOK_URL {settings.webhook_url}: "
                               f"{REDACTOR.redact(exc.message)}") from None
        log.info("webhook set: Telegram sends updates to %s", settings.webhook_url)
    return server
