"""`python -m bot --check`: are the settings, the token and the panel URL right? One line each.

- settings: every setting read and valid (the first bad one is named, as at start-up);
- telegram: getMe with the token, against TELEGRAM_API_BASE_URL;
- panel: PANEL_API_URL reached and answering like an API v2 panel. Without a user's key a
  real call is impossible, so a `balance` request with an empty key is sent: a panel answers
  it with JSON (an error about the key), while a wrong URL answers a web page, a 404 or
  nothing at all.
Nothing is written, and no secret is printed. Exit code 0 when all is well, 1 otherwise.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass

from telegram import Bot
from telegram.error import TelegramError

from bot.config import ConfigError, Settings, load_settings
from bot.logs import REDACTOR
from bot.panel import PanelClient
from bot.panel.errors import OutcomeUnknown, PanelError, PanelUnavailable
from bot.telegram_http import AiohttpRequest

TELEGRAM_DEADLINE = 20.0


@dataclass(frozen=True)
class CheckLine:
    name: str
    ok: bool
    text: str

    def __str__(self) -> str:
        return f"{self.name}: {'ok' if self.ok else 'FAILED'}: {self.text}"


async def run_checks(env: Mapping[str, str] | None = None) -> list[CheckLine]:
    try:
        settings = load_settings(env)
    except ConfigError as exc:
        skipped = "not checked (fix the settings first)"
        return [CheckLine("settings", False, str(exc)), CheckLine("telegram", False, skipped),
                CheckLine("panel", False, skipped)]
    REDACTOR.add(settings.bot_token)
    mode = f"webhook {settings.webhook_url}" if settings.webhook_url else "long polling"
    lines = [CheckLine("settings", True, f"{mode}; database {settings.database_path}")]
    telegram, panel = await asyncio.gather(check_telegram(settings), check_panel(settings))
    return lines + [telegram, panel]


async def check_telegram(settings: Settings) -> CheckLine:
    from bot.app import _bot_api_problem  # the same words as a failed start

    bot = Bot(settings.bot_token, base_url=settings.bot_base_url, base_file_url=settings.bot_base_file_url,
              request=AiohttpRequest(connection_pool_size=1),
              get_updates_request=AiohttpRequest(connection_pool_size=1))
    try:
        await asyncio.wait_for(bot.initialize(), TELEGRAM_DEADLINE)  # getMe
        me = bot.bot
    except TelegramError as exc:
        return CheckLine("telegram", False, _bot_api_problem(exc, settings.telegram_api_base_url))
    except TimeoutError:
        return CheckLine("telegram", False, f"no answer to getMe within {TELEGRAM_DEADLINE:.0f} s: "
                                            "check TELEGRAM_API_BASE_URL and the network")
    finally:
        await bot.shutdown()  # also after a failed getMe: it closes the connection pools
    return CheckLine("telegram", True, f"the token belongs to @{me.username} (id {me.id})")


async def check_panel(settings: Settings) -> CheckLine:
    url = settings.panel_api_url
    async with PanelClient(total_timeout=settings.panel_timeout_seconds, read_retries=0) as client:
        try:
            await client.account(url, "").balance()
        except (PanelUnavailable, OutcomeUnknown) as exc:
            return CheckLine("panel", False, f"PANEL_API_URL {url} {_unavailable(exc, settings)}")
        except PanelError as exc:
            # The panel read the request and answered in its own JSON: refusing an empty key.
            return CheckLine("panel", True, f"{url} answers as a panel (it refused an empty key: {exc.code})")
    return CheckLine("panel", True, f"{url} answers as a panel")


def _unavailable(exc: PanelError, settings: Settings) -> str:
    status = getattr(exc, "http_status", None)
    reason = getattr(exc, "reason", None)
    if status is None:
        if reason == "timeout":
            return f"did not answer within PANEL_TIMEOUT_SECONDS ({settings.panel_timeout_seconds:g} s)"
        return f"cannot be reached ({reason or 'no connection'})"
    if reason == "no JSON answer":
        return f"answered HTTP {status} without JSON: is it the panel's API v2 address?"
    return f"answered HTTP {status}: {exc}"
