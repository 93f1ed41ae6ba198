"""1. Order flow: N users order at the same time; updates per second and per-update latency.

Every simulated user runs the whole flow without pausing (100 users five times in a row,
1,000 users once): half open the catalogue with
`/services` and tap category -> service -> Order, half type `/order <id>`; then the link, the
quantity, and Confirm. Each update is queued at the fake Bot API and counts as handled when the
bot's answer (sendMessage or editMessageText) reaches the fake; the next step follows at once.

The baseline, in the same run and against the same fake, is a minimal python-telegram-bot
echo bot (bench/echo_bot.py) answering the same number of text messages per user; it runs
before and after the bot, and the ratio uses the mean of the two.

The bot runs twice: as configured (AIORateLimiter: at most 30 requests per second that carry
a chat_id, Telegram's overall limit), and with the limiter's rates set to 0, which shows what
the handlers themselves can do.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from bench.common import (
    BenchFake, BotProcess, Environment, Profiler, cpu_seconds, ms, percentile, verdict,
)
from bot.core.catalogue import category_key
from bot import callback_data as cb
from bot.panel import Service
from bot.panel.parsing import parse_services
from bot.storage import Database
from tests.fakebot.model import ChatMessage, ChatRecord, UserRecord

STEP_TIMEOUT = 300.0
# Telegram refuses to answer a callback query after about 15 s. The fake is told to wait
# longer so that every flow completes under overload; late answers are counted instead.
CALLBACK_DEADLINE = 15.0
ECHO_MESSAGES = 5  # about the updates of one order flow (4 or 7)
FIRST_USER_ID = 200_000


@dataclass
class FlowResult:
    label: str
    users: int
    seconds: float
    latencies: list[float] = field(default_factory=list)
    cpu_seconds: float = 0.0  # the bot process's CPU time during the run
    driver_cpu_seconds: float = 0.0  # this process's (fake Telegram, simulator, users)
    telegram_requests: int = 0  # requests the bot made to the fake Bot API, getUpdates aside
    panel_requests: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def updates(self) -> int:
        return len(self.latencies)

    @property
    def rate(self) -> float:
        return self.updates / self.seconds if self.seconds else 0.0

    def row(self) -> str:
        lat = self.latencies

        def per_update(seconds: float) -> str:
            return f"{seconds / self.updates * 1000:.2f} ms" if self.updates else "-"

        return (f"| {self.label} | {self.users} | {self.updates} | {self.seconds:.1f} s | {self.rate:.0f}/s | "
                f"{ms(percentile(lat, 50))} | {ms(percentile(lat, 95))} | {ms(percentile(lat, 99))} | "
                f"{per_update(self.cpu_seconds)} | {per_update(self.driver_cpu_seconds)} | "
                f"{self.telegram_requests / max(1, self.updates):.2f} | "
                f"{self.panel_requests / max(1, self.updates):.2f} |")


class Driver:
    """Acts as users without waiting for the bot to go quiet: one update, one awaited answer."""

    def __init__(self, fake: BenchFake) -> None:
        self.fake = fake
        self.latencies: list[float] = []
        self.late_answers = 0  # callback queries answered after Telegram's deadline

    async def _exchange(self, chat: ChatRecord, queue: Callable[[], None], *, callback: bool = False) -> None:
        answered = self.fake.expect_reply(chat.id)
        queue()
        queued_at = self.fake.updates[-1].queued_at
        latency = await asyncio.wait_for(answered, STEP_TIMEOUT) - queued_at
        self.latencies.append(latency)
        if callback and latency > CALLBACK_DEADLINE:
            self.late_answers += 1

    async def send(self, user: UserRecord, chat: ChatRecord, text: str) -> None:
        def queue() -> None:
            message = self.fake.add_user_message(chat, user, text)
            self.fake.queue_update("message", self.fake.message_json(message), chat.id)

        await self._exchange(chat, queue)

    async def press(self, user: UserRecord, chat: ChatRecord, message: ChatMessage, data: str) -> None:
        await self._exchange(chat, lambda: self.fake.add_callback_query(user, message, data), callback=True)


def last_bot_message(chat: ChatRecord) -> ChatMessage:
    return next(m for m in reversed(chat.messages) if m.is_bot)


def button_data(message: ChatMessage, prefix: str) -> str:
    return next(b["callback_data"] for row in message.reply_markup or [] for b in row
                if b.get("callback_data", "").startswith(prefix + ":"))


async def order_flow(driver: Driver, user: UserRecord, chat: ChatRecord, service: Service, index: int,
                     rounds: int) -> None:
    for round_ in range(rounds):
        if (index + round_) % 2:
            await driver.send(user, chat, "/services")
            menu = last_bot_message(chat)
            await driver.press(user, chat, menu, cb.CategoryPage(category_key(service.category), 0).pack())
            await driver.press(user, chat, menu, cb.ServiceCard(service.id).pack())
            await driver.press(user, chat, menu, cb.OrderService(service.id).pack())
        else:
            await driver.send(user, chat, f"/order {service.id}")
        await driver.send(user, chat, f"https://example.com/post/{index}-{round_}")
        await driver.send(user, chat, str(service.min))
        card = last_bot_message(chat)
        await driver.press(user, chat, card, button_data(card, cb.Confirm.prefix))


async def echo_flow(driver: Driver, user: UserRecord, chat: ChatRecord, _service: Service, index: int,
                    rounds: int) -> None:
    for step in range(ECHO_MESSAGES * rounds):
        await driver.send(user, chat, f"hello {index} {step}")


Flow = Callable[[Driver, UserRecord, ChatRecord, Service, int, int], Awaitable[None]]


async def drive(env: Environment, users: int, rounds: int, flow: Flow, process: BotProcess, label: str) -> FlowResult:
    # Default services without drip-feed: link, quantity, card (drip-feed asks for runs too).
    services = [s for s in parse_services(env.panel.catalogue) if s.type == "Default" and not s.dripfeed]
    people = [env.fake.register_user(FIRST_USER_ID + i, first_name=f"U{i}", last_name=None, username=None,
                                     language_code="en", chat_type="private", chat_id=None, title=None)
              for i in range(users)]
    env.fake.callback_answer_deadline = STEP_TIMEOUT
    driver = Driver(env.fake)
    loop = asyncio.get_running_loop()
    calls_before, panel_before = len(env.fake.calls), sum(env.panel.requests.values())
    cpu_before, driver_cpu_before = cpu_seconds(process.pid), cpu_seconds(os.getpid())
    started = loop.time()
    await asyncio.gather(*(flow(driver, user, chat, services[i % len(services)], i, rounds)
                           for i, (user, chat) in enumerate(people)))
    result = FlowResult(label, users, loop.time() - started, driver.latencies,
                        cpu_seconds(process.pid) - cpu_before, cpu_seconds(os.getpid()) - driver_cpu_before)
    result.telegram_requests = len(env.fake.calls) - calls_before
    result.panel_requests = sum(env.panel.requests.values()) - panel_before
    if driver.late_answers:
        result.problems.append(f"{driver.late_answers} callback queries answered after {CALLBACK_DEADLINE:g} s "
                               "(Telegram would have refused the answer and the user's spinner would time out)")
    if env.fake.rejections:
        result.problems.append(f"{len(env.fake.rejections)} requests refused, e.g. {env.fake.rejections[0]!r}")
    if env.fake.unanswered_callbacks():
        result.problems.append(f"{len(env.fake.unanswered_callbacks())} callback queries never answered")
    return result


async def seed_accounts(env: Environment, db_path: Path, users: int) -> None:
    """Users who have already sent their key: a user row and an account each."""
    db = await Database.open(db_path, encryption_key=env.encryption_key)
    try:
        for i in range(users):
            key = env.panel.add_key(f"flow-key-{i:06d}", Decimal(10**9))
            await db.ensure_user(FIRST_USER_ID + i, "en")
            await db.save_account(FIRST_USER_ID + i, env.panel.url, key, "VND")
    finally:
        await db.close()


async def bot_run(users: int, rounds: int, *, rate_limit: bool, profile: Path | None = None,
                  bot_args: list[str] | None = None) -> FlowResult:
    env = await Environment.start()
    try:
        db_path = env.workdir / "bot.sqlite3"
        await seed_accounts(env, db_path, users)
        args = ["serve"] if rate_limit else ["serve", "--no-rate-limit"]
        args += bot_args or []
        process = await BotProcess.start(env.bot_env(db_path), args, env.workdir / "bot.log")
        try:
            started = await process.result(timeout=30)
            if not rate_limit and started["overall_rate"]:
                raise RuntimeError(f"the rate limiter is still on: {started}")
            label = "bot, as configured" if rate_limit else "bot, rate limiter off"
            profiler = await Profiler.start(process.pid, profile) if profile is not None else None
            result = await drive(env, users, rounds, order_flow, process, label)
            if profiler is not None:
                await profiler.stop()
        finally:
            await process.stop()
        placed = sum(1 for order in env.panel.orders.values() if order.key.startswith("flow-key-"))
        if placed != users * rounds:
            result.problems.append(f"{placed} orders placed for {users} users x {rounds} rounds")
        return result
    finally:
        await env.stop()


ECHO = "echo bot (baseline)"
ECHO_BOT_RUNTIME = "echo bot on the bot's runtime (reference)"


async def echo_run(users: int, rounds: int, *, bot_runtime: bool = False) -> FlowResult:
    env = await Environment.start()
    try:
        polling = env.fake.next_poll()
        process = await BotProcess.start(env.bot_env(env.workdir / "unused"), ["--bot-runtime"] if bot_runtime else [],
                                         env.workdir / "echo.log", module="bench.echo_bot")
        try:
            await asyncio.wait_for(polling, 30)
            return await drive(env, users, rounds, echo_flow, process, ECHO_BOT_RUNTIME if bot_runtime else ECHO)
        finally:
            await process.stop()
    finally:
        await env.stop()


async def run(quick: bool, slow: bool = False, profile: Path | None = None,
              bot_args: list[str] | None = None) -> dict:
    """`slow` adds the configured bot with 1,000 users (minutes: Telegram's 30 messages/s);
    `profile` samples the bot (rate limiter off) with py-spy into `profile`-<users>.txt."""
    # (users, rounds): every user orders `rounds` times in a row, so that a run lasts long
    # enough to measure (the echo bot answers 100 users' 5 messages in about 2 s).
    sizes = [(30, 2)] if quick else [(100, 5), (1000, 1)]
    lines = [
        "| run | users | updates | wall | updates/s | p50 | p95 | p99 | bot CPU/update | fakes CPU/update "
        "| Telegram requests/update | panel requests/update |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    targets = []
    problems = []
    for users, rounds in sizes:
        # The echo bot runs before and after the bot, and the baseline is the mean of both:
        # on a shared VM the machine's speed drifts within minutes.
        runs = [await echo_run(users, rounds)]
        if users <= 100 or slow:
            runs.append(await bot_run(users, rounds, rate_limit=True, bot_args=bot_args))
        where = profile.with_name(f"{profile.stem}-{users}.txt") if profile is not None else None
        runs.append(await bot_run(users, rounds, rate_limit=False, profile=where, bot_args=bot_args))
        reference = await echo_run(users, rounds, bot_runtime=True)
        runs.append(await echo_run(users, rounds))
        for result in [*runs[:-1], reference, runs[-1]]:
            lines.append(result.row())
            print("  " + result.row(), flush=True)
            problems += [f"{result.label}, {users} users: {p}" for p in result.problems]
        baseline = (runs[0].rate + runs[-1].rate) / 2
        for result in runs[1:-1]:
            ratio = result.rate / baseline if baseline else 0.0
            targets.append(f"{users} users, {result.label}: {ratio:.2f} x the echo bot's throughput "
                           f"({baseline:.0f}/s, mean of the two echo runs; target >= 0.5): {verdict(ratio >= 0.5)}")
        unlimited = runs[-2].rate / reference.rate if reference.rate else 0.0
        targets.append(f"{users} users, for reference: the bot (rate limiter off) at {unlimited:.2f} x an echo bot "
                       f"on the same loop and transport ({reference.rate:.0f}/s)")
    return {"table": lines, "targets": targets, "problems": problems}
