"""The bot's one HTTP server (aiohttp): Telegram's webhook, GET /healthz and GET /metrics.

Webhook mode (WEBHOOK_URL set): Telegram POSTs each update to WEBHOOK_URL; a reverse proxy
forwards it to WEBHOOK_LISTEN, where this server answers on the same path. A request is
processed only if its X-Telegram-Bot-Api-Secret-Token header holds WEBHOOK_SECRET (403
otherwise) and its body is an update (400 otherwise); the update then joins the same queue
long polling fills, and Telegram gets its 200 at once (handling goes on afterwards, so a slow
panel never makes Telegram retry). python-telegram-bot's own webhook server (tornado) is not
used: this one also serves health and metrics, on the bot's event loop.

/healthz and /metrics are for the operator's monitoring: expose only the webhook path through
the proxy. In polling mode the server runs only when HEALTH_LISTEN is set.

Telegram delivers an update again when it did not get our 200 in time (a proxy cut the
connection after the update was queued, say). The ids of the last updates accepted are kept so
that such a second delivery is answered 200 and dropped: the user's message is answered once.
Only in memory: a redelivery across a restart is as rare as the restart itself.
"""

from __future__ import annotations

import hmac
import json
import logging
import os
import secrets
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web
from telegram import Update
from telegram.ext import ExtBot

from bot.storage.crypto import write_owner_only_file

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
SECRET_FILE_NAME = "webhook.secret"
MAX_UPDATE_BYTES = 1024 * 1024  # an update is a few KB; Telegram's biggest stay far below
# Telegram retries an update for a while, not for thousands of updates: this many are remembered.
RECENT_UPDATES = 4096


def secret_file_path(database_path: Path) -> Path:
    return database_path.parent / SECRET_FILE_NAME


def resolve_webhook_secret(configured: str | None, database_path: Path) -> str:
    """WEBHOOK_SECRET, else the one kept in webhook.secret beside the database (generated
    owner-only on first use). Blocking: run in a thread."""
    if configured is not None:
        return configured
    path = secret_file_path(database_path)
    created = secrets.token_urlsafe(32)  # 43 characters of A-Z a-z 0-9 _ -: what Telegram allows
    if write_owner_only_file(path, created.encode("ascii") + b"\n"):
        log.info("generated a webhook secret in %s", path)
        return created
    secret = path.read_text(encoding="ascii").strip()
    if not secret:
        raise OSError(f"{path} is empty: delete it to have a new secret generated")
    if os.stat(path).st_mode & 0o077:
        log.warning("the webhook secret file %s is readable by other users; run: chmod 600 %s", path, path)
    return secret


@dataclass
class Webhook:
    path: str
    secret: str
    bot: Any  # the application's bot: updates are built for it
    queue: Any  # the application's update queue
    observe: Callable[[str], None] | None = None  # result: accepted, duplicate, forbidden, malformed
    seen: OrderedDict[int, None] = field(default_factory=OrderedDict)  # recent update ids, oldest first

    def first_delivery(self, update_id: int) -> bool:
        """Whether `update_id` is new; it is remembered either way (the oldest forgotten)."""
        if update_id in self.seen:
            self.seen.move_to_end(update_id)
            return False
        self.seen[update_id] = None
        if len(self.seen) > RECENT_UPDATES:
            self.seen.popitem(last=False)
        return True


class WebServer:
    def __init__(self, *, health: Callable[[], Awaitable[Any]], metrics: Callable[[], bytes],
                 metrics_content_type: str, webhook: Webhook | None = None) -> None:
        self._health = health
        self._metrics = metrics
        self._metrics_content_type = metrics_content_type
        self._webhook = webhook
        self._runner: web.AppRunner | None = None
        self.addresses: list[tuple[str, int]] = []

    def _app(self) -> web.Application:
        app = web.Application(client_max_size=MAX_UPDATE_BYTES)
        app.router.add_get("/healthz", self._healthz)
        app.router.add_get("/metrics", self._serve_metrics)
        if self._webhook is not None:
            app.router.add_post(self._webhook.path, self._receive)
        return app

    async def start(self, listens: Sequence[tuple[str, int]]) -> None:
        # No access log: the webhook path is public and nothing in it needs keeping.
        self._runner = web.AppRunner(self._app(), access_log=None, shutdown_timeout=2.0)
        await self._runner.setup()
        try:
            for host, port in listens:
                await web.TCPSite(self._runner, host, port).start()
        except BaseException:
            await self.stop()
            raise
        self.addresses = [tuple(address[:2]) for address in self._runner.addresses]

    async def stop(self) -> None:
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    async def _healthz(self, _: web.Request) -> web.Response:
        report = await self._health()
        return web.json_response(report.body, status=report.status_code)

    async def _serve_metrics(self, _: web.Request) -> web.Response:
        response = web.Response(body=self._metrics())
        response.headers["Content-Type"] = self._metrics_content_type
        return response

    async def _receive(self, request: web.Request) -> web.Response:
        hook = self._webhook
        assert hook is not None
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode("utf-8", "replace"), hook.secret.encode("ascii")):
            return self._answer(hook, "forbidden", 403)
        try:
            data = json.loads(await request.read())
            if not isinstance(data, dict) or type(data.get("update_id")) is not int:
                raise ValueError("not an update")
            update = Update.de_json(data, hook.bot)
        except web.HTTPRequestEntityTooLarge:
            return self._answer(hook, "malformed", 413)
        except Exception:  # noqa: BLE001 - JSON or an update python-telegram-bot cannot read: Telegram never sends those
            return self._answer(hook, "malformed", 400)
        if not hook.first_delivery(update.update_id):
            return self._answer(hook, "duplicate", 200)  # 200: Telegram must stop sending it
        if isinstance(hook.bot, ExtBot):
            # What polling does too: buttons with arbitrary callback data get their objects back.
            hook.bot.insert_callback_data(update)
        await hook.queue.put(update)
        return self._answer(hook, "accepted", 200)

    @staticmethod
    def _answer(hook: Webhook, result: str, status: int) -> web.Response:
        if hook.observe is not None:
            hook.observe(result)
        if status != 200:
            log.info("webhook request refused: HTTP %d (%s)", status, result)
        return web.Response(status=status)
