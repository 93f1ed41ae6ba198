"""Mass orders in the real bot (`bot.app.run()`, the fake Bot API, the simulator, a real database
file): a batch survives being stopped mid-way, and a kill mid-request, and finishes after a
restart with no line sent twice; Stop leaves the rest unsent; placed orders are tracked and
notified like single ones.

The Telegram conversation (/mass) is wired separately; these tests drive the layer below it the
way its handlers will: preview, save, confirm (tapped twice), stop.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable

from bot.core.mass import MassReport, preview_text, save_preview
from bot.jobs.mass import mass_runner
from bot.storage import Database, IntentState
from bot.storage.mass import BatchState, LineState, mass_token
from tests.conftest import ENCRYPTION_KEY, BotRunner, RunningBot, wait_until
from tests.test_core_mass import fifty_lines_five_bad
from tests.test_tracker_support import notifications


async def previewed_batch(bot: RunningBot, tg_id: int, text: str):
    account = await bot.db.active_account(tg_id)
    api = bot.deps.panel.account(account.panel_url, account.api_key)
    catalogue = await bot.deps.catalogues.get(account.id, api)
    balance = await api.balance()
    preview = preview_text(text, catalogue, account.currency)
    return await save_preview(bot.db, tg_id, account.id, preview, balance=balance.amount,
                              balance_currency=balance.currency)


def after_placed(bot: RunningBot, count: int, then: Callable[[], object] = lambda: None) -> asyncio.Event:
    """An event set once the bot's runner has placed `count` lines (the tracker's hook still runs);
    `then()` is called at that moment, before the next line is sent."""
    runner = mass_runner(bot.app)
    hook, seen, reached = runner.on_placed, itertools.count(1), asyncio.Event()

    def on_placed(order: object) -> None:
        hook(order)
        if next(seen) == count:
            then()
            reached.set()

    runner.on_placed = on_placed
    return reached


async def final_report(bot: RunningBot, tg_id: int, batch_id: int) -> MassReport | None:
    """Wait for the batch's report from the bot's runner (None if it was reported before we looked)."""
    runner = mass_runner(bot.app)
    arrived: asyncio.Future[MassReport] = asyncio.get_running_loop().create_future()

    async def on_finished(report: MassReport) -> None:
        if not arrived.done():
            arrived.set_result(report)

    runner.on_finished = on_finished
    batch = await bot.db.get_mass_batch(tg_id, batch_id)
    if batch.finished_at is not None:
        return None
    return await asyncio.wait_for(arrived, 30)


async def lines_by_state(bot: RunningBot, tg_id: int, batch_id: int) -> dict[LineState, list[int]]:
    """The batch's lines, read from the database file while the bot is stopped."""
    db = await Database.open(bot.settings.database_path, ENCRYPTION_KEY)
    try:
        found: dict[LineState, list[int]] = {}
        for line in await db.mass_lines(tg_id, batch_id):
            found.setdefault(line.state, []).append(line.line_no)
        return found
    finally:
        await db.close()


async def test_an_interrupted_batch_finishes_after_a_restart_with_no_line_sent_twice(bot_runner: BotRunner):
    bot = await bot_runner.start(panel_min_interval_seconds=0.05)
    user = await bot.onboarded(6001)
    text, bad = fifty_lines_five_bad()
    batch = await previewed_batch(bot, 6001, text)
    assert batch.lines == 45
    runner = mass_runner(bot.app)
    # The 11th line's answer takes half a second (the bot waits up to 1 s): the bot is stopped
    # while that request is on its way.
    ten_placed = after_placed(bot, 10, then=lambda: bot.sim.fail_next(1, "slow", action="add"))
    confirmed = await asyncio.gather(runner.confirm(6001, batch.id), runner.confirm(6001, batch.id))
    assert sorted(started for started, _ in confirmed) == [False, True]  # a double tap starts it once
    await asyncio.wait_for(ten_placed.wait(), 20)
    await wait_until(bot, lambda: bot.sim.requests["add"] == 11)

    await bot_runner.stop()  # mid-way: the line on its way gets its answer, no other is sent
    assert bot.sim.requests["add"] == 11
    states = await lines_by_state(bot, 6001, batch.id)
    assert LineState.SENDING not in states and LineState.UNKNOWN not in states
    assert len(states[LineState.PLACED]) == 11 and len(states[LineState.PENDING]) == 45 - 11

    # A kill in the middle of the next request: its line is claimed, its intent "submitting".
    killed = states[LineState.PENDING][0]
    db = await Database.open(bot.settings.database_path, ENCRYPTION_KEY)
    assert await db.claim_mass_line(6001, batch.id, killed) is not None
    await db.close()

    bot = await bot_runner.start()
    report = await final_report(bot, 6001, batch.id)
    report = report or await _stored_report(bot, 6001, batch.id)
    assert bot.sim.requests["add"] == 44  # 45 valid lines, less the one cut off, which is never resent
    links = [order.link for order in bot.sim.orders.values()]
    assert len(links) == len(set(links)) == 44
    assert report.batch.state is BatchState.DONE
    assert [line for line, _ in report.placed] == [n for n in range(1, 51) if n not in bad and n != killed]
    assert report.unknown == [(killed, mass_token(batch.id, killed), "stopped")]
    assert (report.refused, report.stopped, report.left) == ([], [], [])

    # The line cut off is one of the user's uncertain orders, told after the restart and in /orders.
    intent = await bot.db.get_intent(6001, mass_token(batch.id, killed))
    assert intent.state is IntentState.UNKNOWN
    await wait_until(bot, lambda: any("stopped while it was sending" in m.plain_text for m in user.messages()))
    reply = await user.send("/orders")
    assert "Outcome unknown (1)" in reply.text and f"https://facebook.com/post/{killed}" in reply.text

    # Placed orders are followed like single ones: one status request for all of them, and their
    # news coalesced into as few messages as Telegram's size limit allows.
    stats = await bot.tracker.cycle()
    assert stats.orders_checked == 44 and stats.requests == 1
    bot.sim.advance(3600)
    stats = await bot.tracker.cycle()
    assert stats.changes == 44 and stats.told == 44
    await wait_until(bot, lambda: sum(m.plain_text.count("✅ Completed") for m in notifications(user)) == 44)
    assert len(notifications(user)) <= 2
    await bot_runner.stop()
    bot.fake.assert_clean()


async def _stored_report(bot: RunningBot, tg_id: int, batch_id: int) -> MassReport:
    from bot.core.mass import batch_report

    report = await batch_report(bot.db, tg_id, batch_id)
    assert report is not None
    return report


async def test_stop_leaves_the_rest_unsent_even_after_a_restart(bot_runner: BotRunner):
    bot = await bot_runner.start(panel_min_interval_seconds=0.05)
    await bot.onboarded(6002)
    text = "\n".join(f"2 | https://tiktok.com/@user/video/{n} | 100" for n in range(1, 31))
    batch = await previewed_batch(bot, 6002, text)
    runner = mass_runner(bot.app)
    five_placed = after_placed(bot, 5)
    await runner.confirm(6002, batch.id)
    await asyncio.wait_for(five_placed.wait(), 20)
    reported = asyncio.ensure_future(final_report(bot, 6002, batch.id))
    await asyncio.sleep(0)  # the report hook is set before Stop
    stopped = await runner.stop(6002, batch.id)
    assert stopped.state is BatchState.STOPPED
    report = await reported
    sent = bot.sim.requests["add"]
    assert sent in (5, 6) and len(report.placed) == sent
    assert report.stopped == list(range(sent + 1, 31))

    await bot_runner.stop()
    bot = await bot_runner.start()
    assert (await bot.db.get_mass_batch(6002, batch.id)).state is BatchState.STOPPED
    assert not mass_runner(bot.app).busy
    await bot_runner.stop()
    assert bot.sim.requests["add"] == sent
    bot.fake.assert_clean()
