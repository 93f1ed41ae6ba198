"""Settings read from the environment (and an optional `.env` file).

Every setting is documented with its default in `.env.example`. A missing or malformed
value raises `ConfigError` naming the setting; `bot.__main__` turns that into one line
on stderr and exit code 2.
"""

from __future__ import annotations

import logging
import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypedDict, overload
from urllib.parse import urlsplit

SUPPORTED_LANGUAGES = ("en", "vi")
_MB = 1024 * 1024
_TOKEN_RE = re.compile(r"^\d{3,20}:[A-Za-z0-9_-]{20,}$")
_TOKEN_IN_URL = re.compile(r"\d{3,20}:[A-Za-z0-9_-]{20,}")
# What Telegram accepts as a webhook's secret_token.
_WEBHOOK_SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
_LISTEN_RE = re.compile(r"^(?:\[(?P<v6>[0-9A-Fa-f:.]+)\]|(?P<host>[^\s:\[\]]+)):(?P<port>\d{1,5})$")
TELEGRAM_API = "https://api.telegram.org"


class ConfigError(Exception):
    """A setting is missing or malformed. The message names the setting, never its value."""


class PanelAnswerLimits(TypedDict):
    """`PanelClient`'s keyword options bounding an answer (typed, so that `**limits` checks)."""

    max_catalogue_bytes: int
    max_answer_bytes: int
    max_services: int


@dataclass(frozen=True)
class Settings:
    bot_token: str = field(repr=False)
    telegram_api_base_url: str = "https://api.telegram.org"
    panel_api_url: str = "https://subpro.vn/api/v2"
    database_path: Path = Path("data/bot.sqlite3")
    encryption_key: str | None = field(default=None, repr=False)
    default_language: str = "vi"
    log_level: str = "INFO"
    panel_timeout_seconds: float = 30.0
    catalogue_ttl_seconds: int = 6 * 3600
    track_interval_seconds: float = 60.0
    track_first_check_seconds: float = 15.0
    panel_max_concurrency: int = 4
    panel_min_interval_seconds: float = 0.5
    panel_max_catalogue_mb: float = 20.0
    panel_max_answer_mb: float = 1.0
    panel_max_services: int = 50_000
    # Panels users add (bot.panel.urls): loopback/private addresses allowed, and which URLs.
    allow_private_panel_urls: bool = False
    panel_urls_allowed: tuple[str, ...] | None = None  # None: any URL; (): only PANEL_API_URL

    @property
    def panel_answer_limits(self) -> PanelAnswerLimits:
        """The PanelClient options that bound what a panel's answers may cost (bot.panel.client)."""
        return {
            "max_catalogue_bytes": int(self.panel_max_catalogue_mb * _MB),
            "max_answer_bytes": int(self.panel_max_answer_mb * _MB),
            "max_services": self.panel_max_services,
        }
    # Operations (README "Running it in production"). Without a webhook URL the bot polls.
    webhook_url: str | None = None
    webhook_listen: tuple[str, int] = ("127.0.0.1", 8080)
    # None: generated into webhook.secret next to the database (bot/web.py).
    webhook_secret: str | None = field(default=None, repr=False)
    health_listen: tuple[str, int] | None = None
    admin_ids: frozenset[int] = frozenset()

    @property
    def panel_site(self) -> str:
        """The panel's website (where users find their key), from its API URL."""
        parts = urlsplit(self.panel_api_url)
        return f"{parts.scheme}://{parts.netloc}"

    @property
    def bot_base_url(self) -> str:
        return f"{self.telegram_api_base_url}/bot"

    @property
    def bot_base_file_url(self) -> str:
        return f"{self.telegram_api_base_url}/file/bot"


def _url(env: Mapping[str, str], name: str, default: str) -> str:
    value = env.get(name, "").strip() or default
    if not re.match(r"^https?://[^\s/]+", value):
        raise ConfigError(f"{name} must be an http(s) URL, for example {default}")
    return value.rstrip("/")


def _bot_api_url(env: Mapping[str, str]) -> str:
    name, default = "TELEGRAM_API_BASE_URL", TELEGRAM_API
    value = _url(env, name, default)
    if _TOKEN_IN_URL.search(value):
        raise ConfigError(f"{name} must not hold the bot token: set the server's address, like {default}")
    # python-telegram-bot's own base_url ends in "/bot" (it appends the token); ours is the
    # server's address, "/bot<token>/<method>" is appended in Settings.bot_base_url.
    return value.removesuffix("/bot")


def is_token_shaped(token: str) -> bool:
    """True for a string shaped like a bot token from @BotFather (not that Telegram knows it)."""
    return bool(_TOKEN_RE.match(token))


@overload
def _listen(env: Mapping[str, str], name: str, default: tuple[str, int]) -> tuple[str, int]: ...
@overload
def _listen(env: Mapping[str, str], name: str, default: None) -> tuple[str, int] | None: ...
def _listen(env: Mapping[str, str], name: str, default: tuple[str, int] | None) -> tuple[str, int] | None:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    match = _LISTEN_RE.match(raw)
    if match is None or int(match["port"]) > 65535:
        raise ConfigError(f"{name} must be host:port, for example 127.0.0.1:8080")
    return match["v6"] or match["host"], int(match["port"])


def _webhook_url(env: Mapping[str, str], bot_api_url: str) -> str | None:
    name = "WEBHOOK_URL"
    value = env.get(name, "").strip()
    if not value:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise ConfigError(f"{name} must be the public https URL Telegram calls, like https://bot.example.com/telegram")
    if _TOKEN_IN_URL.search(value):
        # Anyone who sees the URL (proxy logs) would hold the bot; WEBHOOK_SECRET guards the hook.
        raise ConfigError(f"{name} must not hold the bot token: any path will do, WEBHOOK_SECRET guards it")
    if parts.scheme != "https" and bot_api_url == TELEGRAM_API:
        # Telegram's own server calls https only; a self-hosted Bot API server may call http.
        raise ConfigError(f"{name} must start with https:// (Telegram calls webhooks over https only)")
    return value


def _admin_ids(env: Mapping[str, str]) -> frozenset[int]:
    raw = env.get("ADMIN_IDS", "").replace(",", " ").split()
    if not all(part.isdigit() and 0 < int(part) < 2**53 for part in raw):
        raise ConfigError("ADMIN_IDS must be Telegram user ids (numbers) separated by commas, like 123456789,987654321")
    return frozenset(int(part) for part in raw)


def _number(env: Mapping[str, str], name: str, default: float, *, minimum: float, integer: bool = False) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw) if integer else float(raw)
    except ValueError:
        kind = "a whole number" if integer else "a number"
        raise ConfigError(f"{name} must be {kind} (got a malformed value)") from None
    if not math.isfinite(value) or value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}")
    return value


_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")
# An entry of PANEL_URLS_ALLOWED: an http(s) URL, or a host name (no scheme, path or port).
_ALLOWED_URL_RE = re.compile(r"^https?://[^\s/?#@]+(?:/[^\s?#]*)?$", re.IGNORECASE)
_ALLOWED_HOST_RE = re.compile(r"^[\w-]+(?:\.[\w-]+)*\.?$")
ONLY_DEFAULT_PANEL = "default"


def _flag(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise ConfigError(f"{name} must be true or false")


def _port_ok(entry: str) -> bool:
    try:
        port = urlsplit(entry if "://" in entry else "http://" + entry).port  # raises if malformed
    except ValueError:
        return False
    return port is None or port > 0


def _allowed_panel_urls(env: Mapping[str, str]) -> tuple[str, ...] | None:
    """PANEL_URLS_ALLOWED: empty for any URL; "default" for PANEL_API_URL only; else a
    comma-separated list of URLs and host names (PANEL_API_URL is always allowed)."""
    name = "PANEL_URLS_ALLOWED"
    entries = [entry.strip() for entry in env.get(name, "").split(",") if entry.strip()]
    if not entries:
        return None
    allowed = []
    for entry in entries:
        if entry.lower() == ONLY_DEFAULT_PANEL:
            continue
        if not (_ALLOWED_URL_RE.match(entry) or _ALLOWED_HOST_RE.match(entry)) or not _port_ok(entry):
            raise ConfigError(
                f"{name} must list http(s) URLs or host names separated by commas (or be "
                f"'{ONLY_DEFAULT_PANEL}'), like https://panel.example/api/v2,other.example"
            )
        allowed.append(entry.rstrip("/"))
    return tuple(allowed)


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Build `Settings` from `env` (default: `os.environ` after loading `.env`)."""
    if env is None:
        env = load_environment()

    token = env.get("TELEGRAM_BOT_TOKEN", "").strip()
    if not token:
        raise ConfigError("TELEGRAM_BOT_TOKEN is not set: get a token from @BotFather and put it in .env")
    if not _TOKEN_RE.match(token):
        raise ConfigError("TELEGRAM_BOT_TOKEN is malformed: it looks like 123456789:AA... (from @BotFather)")

    language = env.get("DEFAULT_LANGUAGE", "").strip().lower() or "vi"
    if language not in SUPPORTED_LANGUAGES:
        raise ConfigError("DEFAULT_LANGUAGE must be one of: " + ", ".join(SUPPORTED_LANGUAGES))

    log_level = env.get("LOG_LEVEL", "").strip().upper() or "INFO"
    if not isinstance(logging.getLevelName(log_level), int):
        raise ConfigError("LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL")

    encryption_key = env.get("ENCRYPTION_KEY", "").strip() or None
    webhook_secret = env.get("WEBHOOK_SECRET", "").strip() or None
    if webhook_secret is not None and not _WEBHOOK_SECRET_RE.match(webhook_secret):
        raise ConfigError("WEBHOOK_SECRET must be 1 to 256 characters: letters, digits, _ and -")
    bot_api_url = _bot_api_url(env)

    return Settings(
        bot_token=token,
        telegram_api_base_url=bot_api_url,
        panel_api_url=_url(env, "PANEL_API_URL", "https://subpro.vn/api/v2"),
        database_path=database_path(env),
        encryption_key=encryption_key,
        default_language=language,
        log_level=log_level,
        panel_timeout_seconds=_number(env, "PANEL_TIMEOUT_SECONDS", 30.0, minimum=1),
        catalogue_ttl_seconds=int(_number(env, "CATALOGUE_TTL_SECONDS", 6 * 3600, minimum=0, integer=True)),
        track_interval_seconds=_number(env, "TRACK_INTERVAL_SECONDS", 60.0, minimum=0.05),
        track_first_check_seconds=_number(env, "TRACK_FIRST_CHECK_SECONDS", 15.0, minimum=0),
        panel_max_concurrency=int(_number(env, "PANEL_MAX_CONCURRENCY", 4, minimum=1, integer=True)),
        panel_min_interval_seconds=_number(env, "PANEL_MIN_INTERVAL_SECONDS", 0.5, minimum=0),
        # Below 10 KB even an ordinary answer would be refused.
        panel_max_catalogue_mb=_number(env, "PANEL_MAX_CATALOGUE_MB", 20.0, minimum=0.01),
        panel_max_answer_mb=_number(env, "PANEL_MAX_ANSWER_MB", 1.0, minimum=0.01),
        panel_max_services=int(_number(env, "PANEL_MAX_SERVICES", 50_000, minimum=1, integer=True)),
        allow_private_panel_urls=_flag(env, "ALLOW_PRIVATE_PANEL_URLS", False),
        panel_urls_allowed=_allowed_panel_urls(env),
        webhook_url=_webhook_url(env, bot_api_url),
        webhook_listen=_listen(env, "WEBHOOK_LISTEN", ("127.0.0.1", 8080)),
        webhook_secret=webhook_secret,
        health_listen=_listen(env, "HEALTH_LISTEN", None),
        admin_ids=_admin_ids(env),
    )


def database_path(env: Mapping[str, str]) -> Path:
    """DATABASE_PATH alone (for `python -m bot backup`, which needs no token)."""
    return Path(env.get("DATABASE_PATH", "").strip() or "data/bot.sqlite3")


def load_environment() -> Mapping[str, str]:
    """`os.environ` after loading `.env` (real environment variables win over it)."""
    from dotenv import find_dotenv, load_dotenv

    # The `.env` of the directory the bot is started in (not of the installed package).
    load_dotenv(find_dotenv(usecwd=True), override=False)
    return os.environ
