"""Broadcasts through the real bot against the fake Bot API with Telegram's flood limits on:
the pace, a restart in the middle, 429s, and a crash mid-send (never anyone twice)."""

from __future__ import annotations

import asyncio
import itertools

import pytest

from bot.storage import Database
from tests.conftest import ENCRYPTION_KEY, wait_until

ADMIN = 9_000_001
TEXT = "Maintenance tonight 22:00-23:00"
BOLD = [{"type": "bold", "offset": 0, "length": 11}]


def sends_to(fake, chat_id: int, *, ok: bool | None = True) -> int:
    return sum(1 for c in fake.calls_of("sendMessage") if c.chat_id == chat_id and (ok is None or c.ok == ok))


def busiest_second(times: list[float]) -> int:
    """The most calls within any one second."""
    times = sorted(times)
    most, start = 0, 0
    for end, at in enumerate(times):
        while at - times[start] >= 1.0:
            start += 1
        most = max(most, end - start + 1)
    return most


async def add_users(bot, ids) -> None:
    for tg_id in ids:
        bot.fake.user(tg_id)  # a chat Telegram knows
        await bot.db.ensure_user(tg_id, "en")


@pytest.mark.timeout(180)
async def test_a_broadcast_to_1000_users_keeps_the_limits_and_survives_a_restart(bot_runner, fake_bot):
    bot = await bot_runner.start()
    ids = list(range(100_001, 101_001))
    await add_users(bot, ids)
    blocked_in_telegram = ids[:20]  # blocked the bot; the bot does not know yet
    known_blocked = ids[20:30]
    announcements_off = ids[30:40]
    for tg_id in blocked_in_telegram:
        fake_bot.block_bot(tg_id)
    for tg_id in known_blocked:
        await bot.db.set_blocked(tg_id, True)
    for tg_id in announcements_off:
        await bot.db.set_announcements(tg_id, False)
    fake_bot.enable_flood_limits()  # 30 a second overall, 1 a second per chat, as Telegram

    runner = bot.app.bot_data["ops"].broadcasts
    progress = []

    async def on_progress(broadcast, counts):
        progress.append(counts)

    runner.progress_every = 1.0
    runner.on_progress = on_progress
    broadcast, recipients = await runner.begin(created_by=ADMIN, chat_id=ADMIN, text=TEXT, entities=BOLD)
    assert recipients == 980

    def delivered() -> int:
        return fake_bot.sent_count("sendMessage")

    await wait_until(bot, lambda: delivered() >= 300, timeout=30)
    await bot_runner.stop()
    sent_before_restart = delivered()
    assert 300 <= sent_before_restart < 980

    # The restart resumes where it stopped.
    bot = await bot_runner.start()
    runner = bot.app.bot_data["ops"].broadcasts
    finished = asyncio.get_running_loop().create_future()

    async def on_finished(broadcast, counts):
        finished.set_result(counts)

    runner.on_finished = on_finished
    counts = await asyncio.wait_for(finished, 90)

    assert (counts.delivered, counts.blocked, counts.not_delivered, counts.skipped, counts.pending) == (960, 20, 0, 0, 0)
    assert (await bot.db.get_broadcast(broadcast.id)).state == "done"
    # Everyone reachable got it exactly once, as the operator wrote it; nobody else got anything.
    for tg_id in ids[40:]:
        assert sends_to(fake_bot, tg_id) == 1, tg_id
        message = fake_bot.bot_messages(tg_id)[0]
        assert message.plain_text == TEXT and message.entities == BOLD
    for tg_id in blocked_in_telegram:
        assert sends_to(fake_bot, tg_id, ok=None) == 1 and sends_to(fake_bot, tg_id) == 0
        assert (await bot.db.get_user(tg_id)).blocked
    for tg_id in known_blocked + announcements_off:
        assert sends_to(fake_bot, tg_id, ok=None) == 0
    # Within Telegram's limits: the fake refused nothing but the blocked users, and no second
    # held more than 30 messages.
    rejections = fake_bot.pop_rejections()
    assert {r.error_code for r in rejections} == {403} and len(rejections) == 20
    assert busiest_second([c.at for c in fake_bot.calls_of("sendMessage")]) <= 30
    assert progress and all(p.done <= q.done for p, q in itertools.pairwise(progress))
    await bot_runner.stop()
    fake_bot.assert_clean()


async def test_a_429_holds_the_broadcast_and_the_user_still_gets_it_once(bot_runner, fake_bot):
    bot = await bot_runner.start()
    ids = list(range(200_001, 200_031))
    await add_users(bot, ids)
    runner = bot.app.bot_data["ops"].broadcasts
    # More 429s in a row than the rate limiter retries: the runner waits as told and sends again.
    fake_bot.fail_next("sendMessage", chat_id=ids[0], count=5, retry_after=1)
    await runner.begin(created_by=ADMIN, chat_id=ADMIN, text=TEXT)
    await runner.wait()
    broadcast = await bot.db.running_broadcast()
    assert broadcast is None
    for tg_id in ids:
        assert sends_to(fake_bot, tg_id) == 1
    rejections = fake_bot.pop_rejections()
    assert len(rejections) == 5 and {r.error_code for r in rejections} == {429}
    assert sends_to(fake_bot, ids[0], ok=False) == 5
    await bot_runner.stop()
    fake_bot.assert_clean()


async def test_a_message_in_flight_when_the_bot_died_is_not_sent_again(bot_runner, fake_bot, tmp_path):
    bot = await bot_runner.start()
    ids = list(range(300_001, 300_006))
    await add_users(bot, ids)
    await bot_runner.stop()
    # As a crash leaves it: the first recipient claimed ("sending"), never settled.
    async with await Database.open(tmp_path / "data" / "bot.sqlite3", ENCRYPTION_KEY) as db:
        broadcast, _ = await db.create_broadcast(created_by=ADMIN, chat_id=ADMIN, text=TEXT)
        assert await db.claim_recipient(broadcast.id, ids[0])

    bot = await bot_runner.start()
    await bot.app.bot_data["ops"].broadcasts.wait()
    counts = await bot.db.broadcast_counts(broadcast.id)
    assert (counts.unknown, counts.delivered) == (1, 4)
    assert sends_to(fake_bot, ids[0], ok=None) == 0
    assert all(sends_to(fake_bot, tg_id) == 1 for tg_id in ids[1:])
    assert (await bot.db.get_broadcast(broadcast.id)).state == "done"
    await bot_runner.stop()
    fake_bot.assert_clean()


async def test_cancel_stops_for_good(bot_runner, fake_bot):
    bot = await bot_runner.start()
    ids = list(range(400_001, 400_101))
    await add_users(bot, ids)
    runner = bot.app.bot_data["ops"].broadcasts
    runner.rate = 20.0
    finished = []

    async def on_finished(broadcast, counts):
        finished.append((broadcast.state, counts))

    runner.on_finished = on_finished
    await runner.begin(created_by=ADMIN, chat_id=ADMIN, text=TEXT)
    await wait_until(bot, lambda: fake_bot.sent_count("sendMessage") >= 5)
    await runner.cancel()
    [(state, counts)] = finished
    assert state == "cancelled" and 5 <= counts.delivered < 100 and counts.pending == 100 - counts.delivered
    await bot_runner.stop()
    bot = await bot_runner.start()
    assert not bot.app.bot_data["ops"].broadcasts.running
    assert fake_bot.sent_count("sendMessage") == counts.delivered
    await bot_runner.stop()
    fake_bot.assert_clean()


async def test_a_message_telegram_held_back_at_the_stop_is_sent_after_the_restart(bot_runner, fake_bot):
    bot = await bot_runner.start()
    ids = list(range(500_001, 500_004))
    await add_users(bot, ids)
    # Telegram keeps answering 429 for the first user: still waiting when the bot stops.
    fake_bot.fail_next("sendMessage", chat_id=ids[0], count=100, retry_after=1)
    broadcast, _ = await bot.app.bot_data["ops"].broadcasts.begin(created_by=ADMIN, chat_id=ADMIN, text=TEXT)
    await wait_until(bot, lambda: sends_to(fake_bot, ids[0], ok=False) >= 5, timeout=20)  # past the limiter's retries
    await bot_runner.stop()
    # Certainly not sent: given back, not counted as lost.
    fake_bot.pop_rejections()
    fake_bot.clear_failures()
    bot = await bot_runner.start()
    await bot.app.bot_data["ops"].broadcasts.wait()
    counts = await bot.db.broadcast_counts(broadcast.id)
    assert (counts.delivered, counts.unknown) == (3, 0)
    assert all(sends_to(fake_bot, tg_id) == 1 for tg_id in ids)
    await bot_runner.stop()
    fake_bot.assert_clean()
