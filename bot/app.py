"""Building and running the Telegram application.

`run()` is the one start-up path: `python -m bot` calls it, and the end-to-end tests call
it too (in-process, with their own stop event) so they exercise what users run.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import signal
import sqlite3
import time
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path
from urllib.parse import urlsplit

from telegram import LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.error import InvalidToken, NetworkError, TelegramError
from telegram.ext import Application, ContextTypes, Defaults, JobQueue

from bot.commands import register_commands
from bot.config import Settings
from bot.context import BotContext, Deps
from bot.core.catalogue import CatalogueCache
from bot.handlers import mass as mass_chat
from bot.handlers import register_handlers
from bot.handlers.admin import install_broadcast_reports
from bot.handlers.busy import tell_busy
from bot.handlers.legacy import carry_over_steps
from bot.handlers.uncertain import tell_interrupted
from bot.i18n import Translations
from bot.jobs import early_check, install_tracker
from bot.jobs.mass import install_mass_runner, stop_mass_runner
from bot.logs import REDACTOR
from bot.ops.operations import start_operations
from bot.panel import PanelClient, UrlPolicy
from bot.rate_limit import FloodLimiter
from bot.storage import Database, SqlitePersistence
from bot.storage.crypto import key_file_path, read_key_file
from bot.telegram_http import AiohttpRequest
from bot.update_processor import PerUserUpdateProcessor

log = logging.getLogger(__name__)

# What the bot asks Telegram for, by long polling or by webhook.
ALLOWED_UPDATES = [Update.MESSAGE, Update.EDITED_MESSAGE, Update.CALLBACK_QUERY, Update.MY_CHAT_MEMBER]


class StartupError(Exception):
    """The bot cannot start for a reason its operator must fix. The message is one line that
    names the setting to check (and the database path), never a secret."""


# How often PTB writes user_data and the conversations' states to the database: what a crash may
# lose of the steps users took (bot.handlers.conversation). Each write is one small transaction
# per user active since the last, so a few seconds cost next to nothing.
PERSISTENCE_INTERVAL_SECONDS = 5.0


def build_application(deps: Deps, job_queue: JobQueue) -> Application:
    """`deps.track_soon` schedules on `job_queue`, which the application is built with."""
    settings = deps.settings
    application = (
        Application.builder()
        .token(settings.bot_token)
        .base_url(settings.bot_base_url)
        .base_file_url(settings.bot_base_file_url)
        .defaults(Defaults(parse_mode=ParseMode.HTML, link_preview_options=LinkPreviewOptions(is_disabled=True)))
        .context_types(ContextTypes(context=BotContext))
        # Spaces outgoing messages within Telegram's flood limits, and waits out a 429's
        # retry_after instead of failing the send (see bot/rate_limit.py). 29/s, not 30: at
        # exactly the limit every small burst earned a 429 and a pause (bench/RESULTS.md).
        .rate_limiter(FloodLimiter(overall_max_rate=29, max_retries=3))
        .persistence(SqlitePersistence(deps.db, update_interval=PERSISTENCE_INTERVAL_SECONDS))
        # Users are served concurrently; each user's own updates in order, and a user whose
        # updates pile up is told to wait instead of taking everyone's turn (see the module).
        .concurrent_updates(PerUserUpdateProcessor(tell_busy=functools.partial(tell_busy, deps)))
        .job_queue(job_queue)
        # Bot API calls over aiohttp rather than python-telegram-bot's default httpx: the
        # same behaviour at a fraction of the CPU per request (bot/telegram_http.py).
        .request(AiohttpRequest(connection_pool_size=256))
        .get_updates_request(AiohttpRequest(connection_pool_size=1, read_timeout=35))
        .post_init(_post_init)
        .build()
    )
    application.bot_data["deps"] = deps
    processor = application.update_processor
    assert isinstance(processor, PerUserUpdateProcessor)  # the one given to the builder above
    processor.on_done.append(deps.answers.forget)  # a handled update's query
    install_tracker(application, deps)  # the tracker before the handlers, which call it
    # After the tracker: it shares the tracker's spacing. Its cards are edited in the user's chat.
    install_mass_runner(application, deps, on_progress=functools.partial(mass_chat.show_progress, application),
                        on_finished=functools.partial(mass_chat.show_report, application))
    register_handlers(application)
    return application


async def _post_init(application: Application) -> None:
    """Once the application is initialized, before it polls (run() calls it, in the place
    Application.run_polling would)."""
    await register_commands(application, application.bot_data["deps"].i18n)


def event_loop_runner() -> asyncio.Runner:
    """The event loop `python -m bot` runs on: uvloop where it is installed (Linux, macOS).

    asyncio's pure-Python selector loop and transports were a quarter of the bot's CPU per
    update in the order-flow benchmark (bench/RESULTS.md); uvloop does the same work in C.
    Without it (Windows) the standard loop serves just as correctly.
    """
    try:
        import uvloop
    except ImportError:
        return asyncio.Runner()
    return asyncio.Runner(loop_factory=uvloop.new_event_loop)


async def run(settings: Settings, stop: asyncio.Event | None = None,
              on_started: Callable[[Application], None] | None = None) -> None:
    """Open storage, start long polling, and run until `stop` is set.

    Without a `stop` event (as `python -m bot` runs it) SIGINT and SIGTERM stop the bot
    gracefully: polling ends, pending updates finish, storage is closed.
    """
    REDACTOR.add(settings.bot_token)
    REDACTOR.add(settings.encryption_key)
    i18n = Translations.load()
    db = await _open_database(settings.database_path, settings.encryption_key)
    if settings.encryption_key is None:  # generated into a file next to the database
        REDACTOR.add(await asyncio.to_thread(read_key_file, key_file_path(settings.database_path)))
    # An intent still "submitting" was cut off by a crash or a kill: its `add` may have
    # reached the panel, so it becomes "outcome unknown" and is never resent. Its user is
    # told once the bot runs (bot.handlers.uncertain).
    interrupted = await db.recover_interrupted_intents(updated_before=time.time())
    # Only PANEL_API_URL may be on a private address unless the operator allows it; the policy
    # also applies at connect time to every request (bot.panel.urls).
    url_policy = UrlPolicy.build(settings.panel_api_url, allowed=settings.panel_urls_allowed,
                                 allow_private=settings.allow_private_panel_urls)
    panel = PanelClient(total_timeout=settings.panel_timeout_seconds, url_policy=url_policy,
                        **settings.panel_answer_limits)
    catalogues = CatalogueCache(db, settings.catalogue_ttl_seconds)
    # Built in order, complete: the tracker's early check is scheduled on the job queue the
    # application is then built with.
    job_queue: JobQueue[BotContext] = JobQueue()
    deps = Deps(settings=settings, i18n=i18n, db=db, panel=panel, catalogues=catalogues,
                track_soon=early_check(job_queue, settings.track_first_check_seconds))
    loop = asyncio.get_running_loop()
    installed = []
    if stop is None:
        stop = asyncio.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, stop.set)
                installed.append(sig)
    try:
        application = build_application(deps, job_queue)
        # build_application gives the builder a persistence, a post_init and (by default) an updater.
        assert application.persistence is not None and application.post_init is not None
        assert application.updater is not None
        updater = application.updater
        await carry_over_steps(application.persistence)  # before the application loads conversations
        await _initialize(application, settings)
        async with application:  # already initialized: it shuts the application down at the end
            await application.post_init(application)
            ops = await start_operations(application, deps, ALLOWED_UPDATES)  # webhook, health, metrics...
            install_broadcast_reports(application)  # progress edited in the operator's chat
            await application.start()
            if not ops.webhook:
                await updater.start_polling(allowed_updates=ALLOWED_UPDATES, timeout=30)
            log.info("bot @%s is running; press Ctrl+C to stop", application.bot.username)
            if interrupted:
                application.create_task(tell_interrupted(application, interrupted))
            if on_started is not None:
                on_started(application)
            await stop.wait()
            log.info("stopping")
            await stop_mass_runner(application)  # a line being sent gets its answer; no more are sent
            if updater.running:
                await updater.stop()
            await ops.stop()
            await application.stop()
    finally:
        for sig in installed:
            loop.remove_signal_handler(sig)
        await panel.close()
        await db.close()


async def _open_database(path: Path, encryption_key: str | None) -> Database:
    try:
        return await Database.open(path, encryption_key=encryption_key)
    except (OSError, sqlite3.Error) as exc:
        # A folder, a file that is not SQLite, a path under a file or without permission.
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise StartupError(f"DATABASE_PATH {path} cannot be opened as an SQLite database ({reason})") from None


async def _initialize(application: Application, settings: Settings) -> None:
    """Initialize `application`, whose getMe is the first Bot API call: a refused token or an
    unreachable server becomes a StartupError naming the setting, with no connection left open."""
    try:
        await application.initialize()
    except BaseException as exc:
        # Application.shutdown() skips an application that never finished initializing, yet the
        # bot opened its connection pools before getMe failed: Bot.shutdown() closes them.
        await application.bot.shutdown()
        if isinstance(exc, TelegramError):
            raise StartupError(_bot_api_problem(exc, settings.telegram_api_base_url)) from None
        raise


def _bot_api_problem(exc: TelegramError, base_url: str) -> str:
    parts = urlsplit(base_url)
    server = f"the Bot API at {parts.scheme}://{parts.netloc.rpartition('@')[2]}"  # no user:password@
    if isinstance(exc, InvalidToken):
        # Only the server's own words: InvalidToken's text repeats the token. Telegram answers
        # 401 Unauthorized for a token it does not know, 404 Not Found for a path it does not serve.
        answer = REDACTOR.redact(exc.__cause__.message) if isinstance(exc.__cause__, TelegramError) else "refused"
        if answer == "Not Found":
            return (f"{server} answered Not Found to getMe: check TELEGRAM_BOT_TOKEN, and that "
                    "TELEGRAM_API_BASE_URL is the server's address alone (like https://api.telegram.org)")
        return f"TELEGRAM_BOT_TOKEN was refused by {server} ({answer}): get the token again from @BotFather"
    if isinstance(exc, NetworkError):  # TimedOut included
        return (f"{server} cannot be reached: check TELEGRAM_API_BASE_URL and the network "
                f"({REDACTOR.redact(exc.message)})")
    return f"{server} refused to start the bot: {REDACTOR.redact(exc.message)}"
