"""6. Fairness: ten users flood the bot while twenty others use it at a human pace.

Ten flooding users each send 5 updates a second for 30 s (8 s with --quick) without waiting
for answers, in turn: /start, a tap on "Categories", /balance, a tap on "Balance" and a
search. Their balance calls are slow: the panel answers them after 1 s. Meanwhile twenty
ordinary users browse and order with 1-3 s between steps: fifteen already have a key
(/start, /services, category, service, Order, link, quantity, Confirm, over and over), five
are new (/start, then their key, then the same). The fake Bot API enforces Telegram's flood
limits (30 messages/s overall, 1/s per chat, 429 beyond) and its 15 s deadline for answering
a callback query (a later answer is refused "query is too old").

Reported for the ordinary users: the time from an update queued to the bot's answer to it
(its message sent or edited), p50/p95/p99, and how fast their taps were answered
(answerCallbackQuery, which stops the button's spinner). For everybody: callback queries
answered late or never, and the 429s the bot received. For the flooders: their updates, the
bot's messages and edits in their chats, the "busy" notices they got, and how long the bot
kept working through their backlog once the flood had stopped.
"""

from __future__ import annotations

import asyncio
import random
import secrets
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from aiohttp import web

from bench.common import BenchFake, BotProcess, Environment, ms, percentile, verdict
from bench.order_flow import FIRST_USER_ID, button_data, last_bot_message, seed_accounts
from bot.core.catalogue import category_key
from bot.handlers import cbdata as cb
from bot.handlers.common import html_to_plain
from bot.i18n import Translations
from bot.panel import Service
from bot.panel.parsing import parse_services
from bot.simulator import PanelSimulator
from tests.fakebot.methods import QUERY_TOO_OLD
from tests.fakebot.model import CallbackQueryRecord, ChatMessage, ChatRecord, UserRecord

FLOODERS = 10
FLOOD_RATE = 5.0  # updates per second per flooder
SEEDED_ORDINARY = 15
NEW_ORDINARY = 5
THINK_SECONDS = (1.0, 3.0)  # an ordinary user's pause between steps
SLOW_BALANCE_SECONDS = 1.0  # the panel's answer to a flooder's balance call
STEP_TIMEOUT = 60.0
QUIET_SECONDS = 3.0  # no bot activity in the flooders' chats for this long: their backlog is done
DRAIN_TIMEOUT = 300.0
P99_TARGET = 0.300
BUSY_KEYS = ("busy.skipped", "busy.queued")  # "one moment" notices (absent before they existed)


class SlowPanel(PanelSimulator):
    """The panel simulator, answering `balance` for some keys only after a delay."""

    def __init__(self, slow_keys: set[str]) -> None:
        super().__init__(speed=0, seed=7)  # as bench.common.Environment starts it
        self.slow_keys = slow_keys

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        params = dict(request.query)
        if request.method == "POST":  # aiohttp keeps the parsed form for the handler below
            params.update({k: v for k, v in (await request.post()).items() if isinstance(v, str)})
        if params.get("action") == "balance" and params.get("key") in self.slow_keys:
            await asyncio.sleep(SLOW_BALANCE_SECONDS)
        return await super()._handle(request)


@dataclass
class Figures:
    answers: list[float] = field(default_factory=list)  # ordinary users: update -> message sent/edited
    tap_answers: list[float] = field(default_factory=list)  # ordinary users: tap -> answerCallbackQuery
    unanswered_steps: int = 0  # ordinary updates with no answer within STEP_TIMEOUT
    flood_updates: int = 0
    flood_ended_at: float = 0.0


class Users:
    """Acts as the users: ordinary ones wait for each answer, flooders do not."""

    def __init__(self, fake: BenchFake, figures: Figures) -> None:
        self.fake = fake
        self.figures = figures

    async def _reply_after(self, chat: ChatRecord, index: int, deadline: float) -> float | None:
        """Time of the bot's first message sent or edited in `chat` from fake.events[index:]."""
        loop = asyncio.get_running_loop()
        while True:
            for event in self.fake.events[index:]:
                if event.chat_id == chat.id and event.kind in ("sent", "edited"):
                    return event.at
            index = len(self.fake.events)
            waiter = self.fake.expect_reply(chat.id)
            try:
                await asyncio.wait_for(waiter, max(0.0, deadline - loop.time()))
            except RuntimeError:
                continue  # a refused request (e.g. a late callback answer): the answer may still come
            except TimeoutError:
                return None

    async def _tap_answered(self, chat: ChatRecord, query: CallbackQueryRecord, index: int,
                            deadline: float) -> float | None:
        loop = asyncio.get_running_loop()
        while query.attempts == 0 and loop.time() < deadline:
            await self.fake.wait_changed(deadline - loop.time())
        if not query.answered:
            return None
        return next((e.at for e in self.fake.events[index:] if e.chat_id == chat.id and e.kind == "answered"), None)

    async def _exchange(self, chat: ChatRecord, queue: Callable[[], CallbackQueryRecord | None]) -> None:
        loop = asyncio.get_running_loop()
        index = len(self.fake.events)
        query = queue()
        queued_at = self.fake.updates[-1].queued_at
        deadline = loop.time() + STEP_TIMEOUT
        replied = await self._reply_after(chat, index, deadline)
        if replied is None:
            self.figures.unanswered_steps += 1
        else:
            self.figures.answers.append(replied - queued_at)
        if query is not None:
            answered = await self._tap_answered(chat, query, index, deadline)
            if answered is not None:
                self.figures.tap_answers.append(answered - queued_at)

    def _queue_message(self, user: UserRecord, chat: ChatRecord, text: str) -> None:
        message = self.fake.add_user_message(chat, user, text)
        self.fake.queue_update("message", self.fake.message_json(message), chat.id)

    async def send(self, user: UserRecord, chat: ChatRecord, text: str) -> None:
        await self._exchange(chat, lambda: self._queue_message(user, chat, text))

    async def press(self, user: UserRecord, chat: ChatRecord, message: ChatMessage, data: str) -> None:
        await self._exchange(chat, lambda: self.fake.add_callback_query(user, message, data))

    async def ordinary(self, user: UserRecord, chat: ChatRecord, service: Service, key: str | None,
                       rng: random.Random, until: float) -> None:
        """One ordinary user until `until`: (a new user sends /start and a key first, then)
        the catalogue and an order, again and again, pausing between steps."""
        loop = asyncio.get_running_loop()

        async def pause() -> bool:
            await asyncio.sleep(rng.uniform(*THINK_SECONDS))
            return loop.time() < until

        await asyncio.sleep(rng.uniform(0, THINK_SECONDS[1]))
        if key is not None:
            await self.send(user, chat, "/start")
            if not await pause():
                return
            await self.send(user, chat, key)
        round_ = 0
        while await pause():
            await self.send(user, chat, "/start")
            if not await pause():
                return
            await self.send(user, chat, "/services")
            menu = last_bot_message(chat)
            for data in (cb.data(cb.CATEGORY, category_key(service.category), 0), cb.data(cb.SERVICE, service.id),
                         cb.data(cb.ORDER_SERVICE, service.id)):
                if not await pause():
                    return
                await self.press(user, chat, menu, data)
            if not await pause():
                return
            await self.send(user, chat, f"https://example.com/post/{user.id}-{round_}")
            if not await pause():
                return
            await self.send(user, chat, str(service.min))
            card = last_bot_message(chat)
            if not await pause():
                return
            try:
                confirm = button_data(card, cb.CONFIRM)
            except StopIteration:
                continue  # the card did not come (an answer lost under overload): start over
            await self.press(user, chat, card, confirm)
            round_ += 1

    async def flooder(self, user: UserRecord, chat: ChatRecord, rng: random.Random, until: float) -> None:
        """FLOOD_RATE updates a second until `until`, never waiting for the bot."""
        loop = asyncio.get_running_loop()
        turns = [("send", "/start"), ("tap", cb.data(cb.CATEGORIES, 0)), ("send", "/balance"), ("tap", cb.BALANCE),
                 ("send", "views")]
        period = 1 / FLOOD_RATE
        next_at = loop.time() + rng.uniform(0, period)
        turn = 0
        while next_at < until:
            await asyncio.sleep(max(0.0, next_at - loop.time()))
            kind, value = turns[turn % len(turns)]
            menu = next((m for m in reversed(chat.messages) if m.is_bot and m.reply_markup and not m.deleted), None)
            if kind == "tap" and menu is not None:
                self.fake.add_callback_query(user, menu, value)
            else:
                self._queue_message(user, chat, value if kind == "send" else "/start")
            self.figures.flood_updates += 1
            next_at += period
            turn += 1


async def wait_quiet(fake: BenchFake, chats: set[int], since: float) -> float:
    """When the bot last acted in `chats`, once it has done nothing there for QUIET_SECONDS."""
    loop = asyncio.get_running_loop()
    while True:
        last = max((e.at for e in reversed(fake.events) if e.chat_id in chats), default=since)
        now = loop.time()
        if now - max(last, since) >= QUIET_SECONDS or now - since > DRAIN_TIMEOUT:
            return last
        await asyncio.sleep(0.5)


async def start_environment(slow_keys: set[str]) -> Environment:
    fake = BenchFake()
    await fake.start()
    panel = SlowPanel(slow_keys)
    await panel.start()
    return Environment(fake, [panel], Path(tempfile.mkdtemp(prefix="smm-bench-")))


def flood_key(index: int) -> str:
    return f"flow-key-{index:06d}"  # as bench.order_flow.seed_accounts names them


async def run(quick: bool, bot_args: list[str] | None = None) -> dict:
    flood_seconds = 8.0 if quick else 30.0
    seeded = SEEDED_ORDINARY + FLOODERS  # users 0..14 ordinary, 15..24 flooders: a key each
    env = await start_environment({flood_key(i) for i in range(SEEDED_ORDINARY, seeded)})
    try:
        db_path = env.workdir / "bot.sqlite3"
        await seed_accounts(env, db_path, seeded)
        new_keys = [env.panel.add_key(secrets.token_hex(16), Decimal(10**9)) for _ in range(NEW_ORDINARY)]
        people = [env.fake.register_user(FIRST_USER_ID + i, first_name=f"U{i}", last_name=None, username=None,
                                         language_code="en", chat_type="private", chat_id=None, title=None)
                  for i in range(seeded + NEW_ORDINARY)]
        ordinary = people[:SEEDED_ORDINARY] + people[seeded:]
        keys: list[str | None] = [None] * SEEDED_ORDINARY + list(new_keys)
        flooders = people[SEEDED_ORDINARY:seeded]
        services = [s for s in parse_services(env.panel.catalogue) if s.type == "Default"]
        env.fake.enable_flood_limits()
        process = await BotProcess.start(env.bot_env(db_path), ["serve", *(bot_args or [])], env.workdir / "bot.log")
        try:
            await process.result(timeout=30)
            figures = Figures()
            users = Users(env.fake, figures)
            loop = asyncio.get_running_loop()
            rng = random.Random(12)
            until = loop.time() + flood_seconds
            await asyncio.gather(
                *(users.ordinary(user, chat, services[i % len(services)], keys[i], random.Random(rng.random()), until)
                  for i, (user, chat) in enumerate(ordinary)),
                *(users.flooder(user, chat, random.Random(rng.random()), until) for user, chat in flooders),
            )
            figures.flood_ended_at = until
            flood_chats = {chat.id for _, chat in flooders}
            drained_at = await wait_quiet(env.fake, flood_chats, until)
        finally:
            await process.stop()
        return report(env.fake, figures, ordinary, flooders, flood_seconds, drained_at)
    finally:
        await env.stop()


def report(fake: BenchFake, figures: Figures, ordinary: list[tuple[UserRecord, ChatRecord]],
           flooders: list[tuple[UserRecord, ChatRecord]], flood_seconds: float, drained_at: float) -> dict:
    ordinary_chats = {chat.id for _, chat in ordinary}
    flood_chats = {chat.id for _, chat in flooders}
    texts = Translations.load()
    busy = [html_to_plain(texts.raw("en", key)) for key in BUSY_KEYS if key in texts.keys("en")]

    def late(chats: set[int]) -> int:
        return sum(1 for r in fake.rejections if r.chat_id in chats and QUERY_TOO_OLD in r.description)

    def never(chats: set[int]) -> int:
        return sum(1 for q in fake.callback_queries.values() if q.chat_id in chats and q.attempts == 0)

    taps = {chats_name: sum(1 for q in fake.callback_queries.values() if q.chat_id in chats)
            for chats_name, chats in (("ordinary", ordinary_chats), ("flood", flood_chats))}
    too_many = sum(1 for r in fake.rejections if r.error_code == 429)
    flood_events = [e for e in fake.events if e.chat_id in flood_chats]
    flood_messages = sum(1 for e in flood_events if e.kind in ("sent", "edited"))
    busy_messages = sum(1 for _, chat in flooders for m in chat.messages if m.is_bot and m.plain_text in busy)
    busy_answers = sum(1 for q in fake.callback_queries.values()
                       if q.chat_id in flood_chats and q.answer and q.answer.get("text") in busy)
    backlog = max(0.0, drained_at - figures.flood_ended_at)
    answers, taps_answered = figures.answers, figures.tap_answers
    p99 = percentile(answers, 99)
    late_all = late(ordinary_chats) + late(flood_chats)
    never_all = never(ordinary_chats) + never(flood_chats)

    def row(*cells: object) -> str:
        return "| " + " | ".join(str(cell) for cell in cells) + " |"

    ordinary_row = row(
        f"{len(ordinary)} ordinary", len(answers) + figures.unanswered_steps, ms(percentile(answers, 50)),
        ms(percentile(answers, 95)), ms(p99), figures.unanswered_steps, taps["ordinary"],
        ms(percentile(taps_answered, 50)), ms(percentile(taps_answered, 95)), ms(percentile(taps_answered, 99)),
        late(ordinary_chats), never(ordinary_chats))
    flood_row = row(
        f"{len(flooders)} flooders", figures.flood_updates, taps["flood"], flood_messages, busy_messages, busy_answers,
        late(flood_chats), never(flood_chats), f"{backlog:.1f} s", too_many)
    lines = [
        f"{FLOODERS} flooders x {FLOOD_RATE:g} updates/s for {flood_seconds:g} s (their balance calls take "
        f"{SLOW_BALANCE_SECONDS:g} s); {len(ordinary)} ordinary users ({NEW_ORDINARY} new) at "
        f"{THINK_SECONDS[0]:g}-{THINK_SECONDS[1]:g} s per step; fake Bot API enforcing Telegram's flood limits and "
        f"the {fake.callback_answer_deadline:g} s callback deadline",
        "",
        row("users", "updates", "answer p50", "p95", "p99", "no answer", "taps", "tap answered p50", "p95", "p99",
            "taps answered late", "never"),
        row("---", *["---:"] * 11),
        ordinary_row,
        "",
        row("users", "updates", "taps", "bot messages + edits", "busy messages", "busy tap answers",
            "taps answered late", "never", "backlog after the flood", "429s (all chats)"),
        row("---", *["---:"] * 9),
        flood_row,
    ]
    print("  " + ordinary_row + "\n  " + flood_row, flush=True)
    targets = [
        f"ordinary users' answer p99 {ms(p99)} (target <= {P99_TARGET * 1000:.0f} ms): "
        f"{verdict(p99 <= P99_TARGET and not figures.unanswered_steps)}",
        f"{late_all} callback queries answered late, {never_all} never (target 0): "
        f"{verdict(late_all == 0 and never_all == 0)}",
    ]
    problems = []
    if figures.unanswered_steps:
        problems.append(f"{figures.unanswered_steps} ordinary updates got no answer within {STEP_TIMEOUT:g} s")
    # 429s and late answers are counted above; "not modified" is a flooder tapping a menu that
    # already shows what the tap asks for, which the bot expects and ignores.
    other = [r for r in fake.rejections
             if r.error_code != 429 and QUERY_TOO_OLD not in r.description and "not modified" not in r.description]
    problems += [f"refused: {r!r}" for r in other[:3]]
    return {"table": lines, "targets": targets, "problems": problems}
