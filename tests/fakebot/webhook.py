"""Webhooks in the fake, as Telegram does them.

setWebhook stores the URL, the secret token and the allowed updates; from then on the fake POSTs
each queued update (JSON) to the URL with the header X-Telegram-Bot-Api-Secret-Token, in order,
and an update counts as fetched once the bot answered 2xx. Any other answer (or no answer) is
kept as `last_error_message` in getWebhookInfo and the update is delivered again after a short
pause. getUpdates is refused (409) while a webhook is set; deleteWebhook removes it.

Telegram's own server calls only https URLs on ports 443, 80, 88 and 8443; a self-hosted Bot API
server (which this fake stands for in webhook tests) also calls http on any port.
"""

from __future__ import annotations

import asyncio
import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import aiohttp

from tests.fakebot.errors import ApiError, bad_request
from tests.fakebot.params import Params

if TYPE_CHECKING:
    from tests.fakebot.server import FakeBotApi

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
_SECRET_RE = re.compile(r"[A-Za-z0-9_-]{1,256}")
RETRY_PAUSE = (0.05, 1.0)  # pause before delivering a refused update again: first, at most
CONFLICT = "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"


@dataclass
class WebhookDelivery:
    """One POST of an update to the bot's webhook."""

    update_id: int
    url: str
    secret_sent: str | None
    status: int | None  # None: no HTTP answer (connection refused, time-out)
    error: str | None = None


class WebhookMethods:
    """Mixed into FakeBotApi; `self` is the fake."""

    webhook_url: str | None = None
    webhook_secret: str | None = None

    def _init_webhook(self: FakeBotApi) -> None:
        self.webhook_url = None
        self.webhook_secret = None
        self.webhook_deliveries: list[WebhookDelivery] = []
        self.webhook_last_error: str | None = None
        self._webhook_task: asyncio.Task[None] | None = None
        self._webhook_session: aiohttp.ClientSession | None = None

    def api_setwebhook(self: FakeBotApi, params: Params) -> bool:
        url = (params.str("url") or "").strip()
        if not url:
            # Telegram: setWebhook with an empty URL removes the webhook.
            self._remove_webhook()
            return True
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise bad_request("bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443")
        secret = params.str("secret_token")
        if secret is not None and not _SECRET_RE.fullmatch(secret):
            raise bad_request("secret token contains unallowed characters")
        allowed = params.json("allowed_updates", "allowed updates")
        if isinstance(allowed, list):
            self.allowed_updates = [str(kind) for kind in allowed] or None
        if params.bool("drop_pending_updates"):
            for update in self._pending:
                update.dropped_reason = "setWebhook(drop_pending_updates=True)"
            self._pending.clear()
        self.webhook_url, self.webhook_secret = url, secret
        self.webhook_last_error = None
        if self._webhook_task is None or self._webhook_task.done():
            self._webhook_task = asyncio.get_running_loop().create_task(self._deliver_updates())
        self._notify()  # a long poll still waiting ends; the delivery loop looks at the queue
        return True

    def api_deletewebhook(self: FakeBotApi, params: Params) -> bool:
        self._remove_webhook()
        return super().api_deletewebhook(params)  # type: ignore[misc]

    def api_getwebhookinfo(self: FakeBotApi, params: Params) -> dict[str, Any]:
        info: dict[str, Any] = {
            "url": self.webhook_url or "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._pending),
        }
        if self.webhook_url and self.allowed_updates:
            info["allowed_updates"] = list(self.allowed_updates)
        if self.webhook_last_error:
            info["last_error_message"] = self.webhook_last_error
        return info

    def _refuse_polling_while_webhook(self: FakeBotApi) -> None:
        if self.webhook_url:
            raise ApiError(409, CONFLICT)

    def _remove_webhook(self: FakeBotApi) -> None:
        self.webhook_url = self.webhook_secret = None
        if self._webhook_task is not None:
            self._webhook_task.cancel()
            self._webhook_task = None

    async def _stop_webhook(self: FakeBotApi) -> None:
        task, self._webhook_task = self._webhook_task, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        if self._webhook_session is not None:
            await self._webhook_session.close()
            self._webhook_session = None

    async def _deliver_updates(self: FakeBotApi) -> None:
        pause = RETRY_PAUSE[0]
        while self.webhook_url and not self._closing:
            batch = self._deliverable(1)
            if not batch:
                await self.wait_changed(1.0)
                continue
            update = batch[0]
            if await self._post_update(update):
                pause = RETRY_PAUSE[0]
                update.fetched_at = asyncio.get_running_loop().time()
                if update in self._pending:
                    self._pending.remove(update)
                self._notify()
            else:
                await asyncio.sleep(pause)
                pause = min(pause * 2, RETRY_PAUSE[1])

    async def _post_update(self: FakeBotApi, update: Any) -> bool:
        if self._webhook_session is None:
            self._webhook_session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))
        url, secret = self.webhook_url, self.webhook_secret
        headers = {"Content-Type": "application/json"}
        if secret is not None:
            headers[SECRET_HEADER] = secret
        delivery = WebhookDelivery(update.update_id, url, secret, None)
        self.webhook_deliveries.append(delivery)
        try:
            async with self._webhook_session.post(url, data=json.dumps(update.payload), headers=headers) as response:
                await response.read()
                delivery.status = response.status
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            delivery.error = type(exc).__name__
            self.webhook_last_error = f"Connection failed: {delivery.error}"
            self._notify()
            return False
        if 200 <= response.status < 300:
            return True
        self.webhook_last_error = f"Wrong response from the webhook: {response.status} {response.reason}"
        self._notify()
        return False
