"""What each cycle costs the panel: one status request per account per 100 open orders."""

from __future__ import annotations

import asyncio
import itertools
import logging
import time

from bot.storage import NewOrder
from tests.test_tracker_support import add_panel_orders, notifications, status_requests, user_with_key

# How late the simulator may see a request after the bot started it: bot, simulator and fake
# Telegram share one event loop in the tests, and the machine may be busy (up to 0.09 s seen
# with the two cores overloaded).
ARRIVAL_JITTER = 0.15


def key_requests(bot, key: str) -> list[float]:
    """When the panel received the status requests made with `key`, in order."""
    return [at for at, action, with_key in bot.sim.request_log if action == "status" and with_key == key]


def assert_spaced(arrivals: list[float], interval: float) -> None:
    """Requests started at least `interval` apart, judged by when the panel saw them.

    A request can arrive late, so one short gap between arrivals proves nothing; but every late
    arrival is late by at most ARRIVAL_JITTER, while spacing that is missing or too short adds
    up over the following requests: the i-th and j-th arrivals are at least
    (j - i) x interval - ARRIVAL_JITTER apart.
    """
    for i, j in itertools.combinations(range(len(arrivals)), 2):
        if arrivals[j] - arrivals[i] < (j - i) * interval - ARRIVAL_JITTER:
            gaps = [round(later - earlier, 3) for earlier, later in itertools.pairwise(arrivals)]
            raise AssertionError(f"requests {i} and {j} of one key came too close together; gaps: {gaps}")


async def test_250_open_orders_of_one_account_cost_3_status_requests_per_cycle(bot, caplog):
    caplog.set_level(logging.INFO, logger="bot.jobs.tracker")
    await user_with_key(bot, 7201)
    await add_panel_orders(bot, 7201, 250)

    for _ in range(2):
        asked, batches = status_requests(bot), len(bot.sim.status_batches)
        await bot.tracker.cycle()
        assert status_requests(bot) - asked == 3
        assert sorted(bot.sim.status_batches[batches:]) == [50, 100, 100]
    # Every cycle logs what it did.
    cycle_lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("tracker cycle:")]
    assert len(cycle_lines) == 2
    assert "250 orders and 0 refills checked with 3 requests" in cycle_lines[-1]
    # The first answers of all 250 (stored from three chunks at once) count; then nothing is new.
    assert "; 250 changes stored, 0 told in 0 messages;" in cycle_lines[0]
    assert "; 0 changes stored, 0 told in 0 messages;" in cycle_lines[-1] and cycle_lines[-1].endswith(" s")


async def test_three_accounts_of_50_open_orders_cost_3_status_requests(bot):
    for tg_id, key in ((7202, "test-key-alpha"), (7203, "test-key-beta-0001"), (7204, "test-key-gamma-002")):
        await user_with_key(bot, tg_id, key)
        await add_panel_orders(bot, tg_id, 50)

    asked, batches = status_requests(bot), len(bot.sim.status_batches)
    await bot.tracker.cycle()
    assert status_requests(bot) - asked == 3
    assert bot.sim.status_batches[batches:] == [50, 50, 50]


async def test_requests_are_the_sum_over_accounts_of_open_orders_per_100(bot):
    sizes = {7205: 101, 7206: 100, 7207: 1}  # 2 + 1 + 1
    for n, (tg_id, size) in enumerate(sizes.items()):
        await user_with_key(bot, tg_id, f"test-key-sum-{n:04d}")
        await add_panel_orders(bot, tg_id, size)
    asked = status_requests(bot)
    await bot.tracker.cycle()
    assert status_requests(bot) - asked == 4

    # Orders that end are no longer asked about: 101 - 2 = 99 fit in one request.
    account = await bot.db.active_account(7205)
    for order_id in [o for o, sim_order in bot.sim.orders.items() if sim_order.key == account.api_key][:2]:
        bot.sim.complete_order(order_id)
    await bot.tracker.cycle()
    asked = status_requests(bot)
    await bot.tracker.cycle()
    assert status_requests(bot) - asked == 3


async def test_an_order_id_the_panel_does_not_know_stays_followed_without_extra_requests_or_log_spam(bot, caplog):
    caplog.set_level(logging.INFO, logger="bot.jobs.tracker")
    user = await user_with_key(bot, 7208)
    [known] = await add_panel_orders(bot, 7208, 1)
    account = await bot.db.active_account(7208)
    await bot.db.track_orders(7208, [NewOrder(account.id, 987654)])  # e.g. typed for another key
    bot.sim.complete_order(known)

    for _ in range(3):
        asked = status_requests(bot)
        await bot.tracker.cycle()
        assert status_requests(bot) - asked == 1  # both ids in one request
    [message] = notifications(user)
    assert f"Order #{known}: ✅ Completed" in message.plain_text and "987654" not in message.plain_text
    unknown = await bot.db.get_order(7208, 987654)
    assert not unknown.final and unknown.status is None
    mentions = [r for r in caplog.records if "987654" in r.getMessage()]
    assert len(mentions) == 1 and "unknown_order" in mentions[0].getMessage()


async def test_requests_with_one_key_are_spaced_and_a_panel_gets_few_at_once(bot_runner):
    """Panels limit requests per key: one key's requests start PANEL_MIN_INTERVAL_SECONDS
    apart, while other users of the same panel are not held up behind it; and no more than
    PANEL_MAX_CONCURRENCY requests are in flight to one panel."""
    bot = await bot_runner.start(panel_min_interval_seconds=0.1, panel_max_concurrency=4)
    await user_with_key(bot, 7210, "test-key-busy-000")
    # 20 requests: more than the tracker prepares ahead of the panels (4 x 4). If its spaced
    # requests took those places, the others (streamed after it) would wait for 4 of them to
    # be answered, and be asked after its 5th request at the earliest.
    await add_panel_orders(bot, 7210, 1901)
    for n, tg_id in enumerate(range(7211, 7214)):
        await user_with_key(bot, tg_id, f"test-key-polite-{n:03d}")
        await add_panel_orders(bot, tg_id, 1)
    bot.sim.request_log.clear()
    stats = await bot.tracker.cycle()
    assert stats.requests == 23
    busy = key_requests(bot, "test-key-busy-000")
    assert len(busy) == 20
    assert_spaced(busy, 0.1)
    others = [at for at, action, key in bot.sim.request_log if action == "status" and key != "test-key-busy-000"]
    # Not queued behind the busy key. (They are asked once all rows are read, which takes a
    # while on a busy machine: the margin of two more of its requests covers that.)
    assert len(others) == 3 and max(others) < busy[3]
    await bot_runner.stop()

    bot = await bot_runner.start(panel_min_interval_seconds=0, panel_max_concurrency=2)
    bot.sim.slow_seconds = 0.1
    bot.sim.fail_next(4, "slow", action="status")  # four answers take 0.1 s each
    started = time.monotonic()
    stats = await bot.tracker.cycle()
    assert stats.requests == 23 and stats.accounts_failed == 0
    assert time.monotonic() - started >= 0.2  # two at a time: at least two rounds of 0.1 s
    await bot_runner.stop()
    bot.fake.assert_clean()


async def test_a_keys_requests_stay_spaced_when_the_panel_slot_comes_late(bot_runner):
    """The first request is slow and holds the only panel slot: the next ones, whose booked
    times pass meanwhile, get the slot one after another and must still start 0.1 s apart
    (spacing by booked times alone would send them back to back)."""
    bot = await bot_runner.start(panel_min_interval_seconds=0.1, panel_max_concurrency=1)
    await user_with_key(bot, 7216, "test-key-late-slot")
    await add_panel_orders(bot, 7216, 501)  # 6 requests
    bot.sim.slow_seconds = 0.45
    bot.sim.fail_next(1, "slow", action="status")
    stats = await bot.tracker.cycle()
    assert stats.requests == 6 and stats.accounts_failed == 0
    arrivals = key_requests(bot, "test-key-late-slot")
    assert len(arrivals) == 6 and arrivals[1] - arrivals[0] >= 0.45
    assert_spaced(arrivals, 0.1)


async def test_a_keys_requests_stay_spaced_when_panel_slots_come_late_together(bot_runner):
    """Slow answers hold all four panel slots: the busy key's next requests wait for slots, get
    them at the same moment, and must still start 0.1 s apart."""
    bot = await bot_runner.start(panel_min_interval_seconds=0.1, panel_max_concurrency=4)
    await user_with_key(bot, 7217, "test-key-late-slots")
    await add_panel_orders(bot, 7217, 601)  # 7 requests
    for n, tg_id in enumerate(range(7218, 7221)):
        await user_with_key(bot, tg_id, f"test-key-slow-other-{n}")
        await add_panel_orders(bot, tg_id, 1)
    bot.sim.slow_seconds = 0.5
    bot.sim.fail_next(4, "slow", action="status")  # the first of the key's and the three others
    stats = await bot.tracker.cycle()
    assert stats.requests == 10 and stats.accounts_failed == 0
    assert_spaced(key_requests(bot, "test-key-late-slots"), 0.1)


async def test_cycles_never_overlap_and_asks_during_a_cycle_make_one_more(bot):
    await user_with_key(bot, 7215)
    await add_panel_orders(bot, 7215, 1)
    bot.sim.slow_seconds = 0.1
    bot.sim.fail_next(2, "slow", action="status")
    asked = status_requests(bot)
    started = time.monotonic()
    results = await asyncio.gather(bot.tracker.cycle(), bot.tracker.cycle(), bot.tracker.cycle())
    # One ran; the two asks that came while it ran were served by a single cycle after it.
    assert [r is None for r in results] == [False, True, True]
    assert status_requests(bot) - asked == 2
    assert time.monotonic() - started >= 0.2  # one after the other, not side by side
