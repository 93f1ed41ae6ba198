"""Suite-wide fixtures: the fake Bot API, the panel simulator, storage, and the whole bot.

`bot` starts the real application through `bot.app.run()` (the path `python -m bot` takes)
against the fake Bot API and the simulator over loopback, with a real SQLite file. The bot
tells the fake when it has finished handling each update, so a driver call (`user.send`,
`user.press`) returns as soon as the bot is done with it, with everything it did in the reply.
Something the bot does on its own later (a job, the tracker) is awaited with `wait_until`.

`bot.onboarded_fast(...)` gives a user with a saved key without the chat, for tests that are
not about onboarding; `bot.onboarded(...)` goes through /start and the key step.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, replace
from pathlib import Path

import pytest_asyncio
from telegram import Update
from telegram.ext import Application

from bot.app import run
from bot.config import Settings
from bot.i18n import language_for
from bot.simulator import PanelSimulator
from tests.fakebot.driver import FakeUser
from tests.fakebot.server import FakeBotApi

pytest_plugins = ["tests.fakebot.fixtures", "tests.panel_fixtures", "tests.storage_fixtures"]

# PTB 22 warns that RetryAfter.retry_after becomes a timedelta; opt in to the new behaviour.
os.environ.setdefault("PTB_TIMEDELTA", "1")

TEST_KEY = "test-key-alpha"
ENCRYPTION_KEY = "Yk3zN0m6bqz2i6Yj0ZfQm2VZ8m1b4Ck6G9x3aYb5fQ8="


@dataclass
class RunningBot:
    fake: FakeBotApi
    sim: PanelSimulator
    settings: Settings
    app: Application

    @property
    def deps(self):
        return self.app.bot_data["deps"]

    @property
    def db(self):
        return self.deps.db

    @property
    def tracker(self):
        return self.app.bot_data["tracker"]

    def user(self, user_id: int = 1001, language_code: str = "en", **kwargs) -> FakeUser:
        return self.fake.user(user_id=user_id, language_code=language_code, **kwargs)

    async def onboarded(self, user_id: int = 1001, language_code: str = "en", key: str = TEST_KEY) -> FakeUser:
        """A user who has sent /start and a valid key (through the chat: welcome, key, menu)."""
        user = self.user(user_id, language_code)
        await user.send("/start")
        await user.send(key)
        return user

    async def onboarded_fast(self, user_id: int = 1001, language_code: str = "en", key: str = TEST_KEY) -> FakeUser:
        """A user whose key is checked and saved, as `onboarded` leaves them, without the chat:
        the user row and the encrypted account are written through the storage calls the key
        step makes. For tests that are not about onboarding (test_e2e_onboarding.py goes through
        the chat); the chat starts empty (send /start for the main menu)."""
        account = self.sim.accounts.get(key)
        assert account is not None, f"the simulator knows no key {key!r} (the key step would refuse it)"
        user = self.user(user_id, language_code)
        await self.db.ensure_user(user_id, language_for(language_code, self.settings.default_language))
        saved = await self.db.save_account(user_id, self.settings.panel_api_url, key, account.currency)
        await self.deps.catalogues.invalidate(saved.id)
        return user


def make_settings(fake: FakeBotApi, sim: PanelSimulator, tmp_path: Path, **overrides) -> Settings:
    settings = Settings(
        bot_token=fake.token,
        telegram_api_base_url=fake.url,
        panel_api_url=sim.url,
        database_path=tmp_path / "data" / "bot.sqlite3",
        encryption_key=ENCRYPTION_KEY,
        default_language="en",
        panel_timeout_seconds=1.0,
        # The tracker's repeating job stays out of the way; tests run cycles themselves.
        track_interval_seconds=3600,
        track_first_check_seconds=3600,
        panel_min_interval_seconds=0,
    )
    return replace(settings, **overrides)


async def wait_until(bot: RunningBot, condition: Callable[[], bool], timeout: float = 5.0) -> None:
    """Wait for something the bot does on its own (a job), waking on every Bot API call."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        remaining = deadline - loop.time()
        assert remaining > 0, "the bot did not do it in time"
        await bot.fake.wait_changed(min(remaining, 0.05))


async def order_until_confirmation(user: FakeUser, service_id: int = 1, link: str = "https://facebook.com/post/1",
                                   quantity: str = "1000"):
    """Drive the order flow up to the confirmation card; returns the reply holding the card."""
    await user.send(f"/order {service_id}")
    await user.send(link)
    return await user.send(quantity)


def button_data(message, text: str) -> str:
    """The callback data of the button called `text` on `message` (to press it again later)."""
    return next(b["callback_data"] for row in message.reply_markup for b in row if b["text"] == text)


def report_processed_updates(app: Application, fake: FakeBotApi) -> None:
    """Tell the fake when the bot has finished handling each update, so that the driver's waits
    end on that event rather than after a quiet window (see tests/fakebot/driver.py).

    "Finished" is when the update processor's process_update ends: PTB runs the matching
    handlers, and the error handler when one raised, inside it, as long as they block. A
    non-blocking one would run as a task after that point, so none is allowed here.
    """
    defaults = app.bot.defaults

    def blocks(block: object) -> bool:  # as Application.process_update decides it
        if isinstance(block, bool):
            return block
        return defaults is None or defaults.block  # left at its default: the bot's Defaults decide

    nonblocking = [h for group in app.handlers.values() for h in group if not blocks(h.block)]
    nonblocking += [cb for cb, block in app.error_handlers.items() if not blocks(block)]
    assert not nonblocking, f"non-blocking handlers end after the update is reported done: {nonblocking}"

    def done(update: object) -> None:
        if isinstance(update, Update):
            fake.mark_processed(update.update_id)

    app.update_processor.on_done.append(done)
    fake.waits_on_processed = True


class BotRunner:
    """Starts and stops the bot (more than once, for restart tests) on one database."""

    def __init__(self, fake: FakeBotApi, sim: PanelSimulator, tmp_path: Path) -> None:
        self.fake, self.sim, self.tmp_path = fake, sim, tmp_path
        self._stop: asyncio.Event | None = None
        self._task: asyncio.Task | None = None

    async def start(self, **overrides) -> RunningBot:
        settings = make_settings(self.fake, self.sim, self.tmp_path, **overrides)
        started: asyncio.Future[Application] = asyncio.get_running_loop().create_future()

        def on_started(app: Application) -> None:
            report_processed_updates(app, self.fake)
            started.set_result(app)

        self._stop = asyncio.Event()
        self._task = asyncio.create_task(run(settings, self._stop, on_started=on_started))
        done, _ = await asyncio.wait({self._task, started}, timeout=15, return_when=asyncio.FIRST_COMPLETED)
        if self._task in done:
            task, self._task = self._task, None
            task.result()  # start-up failed: raise its error
        assert started in done, "the bot did not start within 15 s"
        return RunningBot(self.fake, self.sim, settings, started.result())

    async def stop(self) -> None:
        if self._task is not None:
            self._stop.set()
            await asyncio.wait_for(self._task, 15)
            self._task = None


@pytest_asyncio.fixture
async def bot_runner(fake_bot: FakeBotApi, simulator: PanelSimulator, tmp_path: Path) -> AsyncIterator[BotRunner]:
    runner = BotRunner(fake_bot, simulator, tmp_path)
    try:
        yield runner
    finally:
        await runner.stop()


@pytest_asyncio.fixture
async def bot(bot_runner: BotRunner) -> AsyncIterator[RunningBot]:
    """The running bot. After the test, the fake Bot API must have refused nothing and every
    callback query must have been answered."""
    running = await bot_runner.start()
    yield running
    await bot_runner.stop()
    running.fake.assert_clean()
