"""What /stats will show, gathered from the running bot (the lead wires the command)."""

from __future__ import annotations

from bot.ops.stats import gather_stats


async def test_stats_of_a_running_bot(bot_runner, fake_bot):
    bot = await bot_runner.start()
    await bot.onboarded(951)
    await bot.user(952).send("/start")
    await bot.db.ensure_user(953, "en")  # known, never seen since this release
    await bot.tracker.cycle()

    stats = await gather_stats(bot.app)
    counts = stats.counts
    assert (counts.users, counts.active_day, counts.active_week, counts.accounts) == (3, 2, 2, 1)
    assert stats.last_cycle is bot.tracker.last_stats and stats.last_cycle.finished_at > 0
    assert not stats.tracker_running and not stats.maintenance and stats.broadcast is None
    assert stats.queues.updates_waiting == 0 and stats.queues.broadcast_pending == 0
    assert stats.queues.jobs >= 2  # the tracker and the last-seen flush

    # Seen since the last flush: written when the bot stops, not lost.
    await bot.user(953).send("/help")
    await bot_runner.stop()
    bot = await bot_runner.start()
    assert (await bot.db.operations_counts()).active_day == 3
    await bot.app.bot_data["ops"].maintenance.set(True, by=1)
    assert (await gather_stats(bot.app)).maintenance
    await bot_runner.stop()
    fake_bot.assert_clean()
