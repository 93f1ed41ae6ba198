"""When the panel or Telegram fails: nothing lost, nothing told twice, nobody slowed down."""

from __future__ import annotations

import time

from tests.test_tracker_support import (
    ManualClock,
    add_panel_orders,
    notifications,
    status_requests,
    told_texts,
    user_with_key,
)

HOUR = 3600  # the track interval in tests, which is also the back-off's unit


async def test_a_panel_outage_of_several_cycles_then_recovery_loses_no_change_and_repeats_none(bot):
    clock = ManualClock()
    bot.tracker.backoff.clock = clock
    user = await user_with_key(bot, 7301)
    a, b, c = await add_panel_orders(bot, 7301, 3)
    await bot.tracker.cycle()
    bot.sim.complete_order(a)

    bot.sim.fail_next(1, "html_500", action="status")
    bot.sim.fail_next(1, "html_503_cloudflare", action="status")
    asked = status_requests(bot)
    stats = await bot.tracker.cycle()  # 5xx HTML page
    assert stats.accounts_failed == 1 and status_requests(bot) == asked + 1
    stats = await bot.tracker.cycle()  # a first failure only waits for the next cycle: asked, fails again
    assert stats.accounts_failed == 1 and status_requests(bot) == asked + 2
    await bot.tracker.cycle()  # now backing off: the panel is left alone
    assert status_requests(bot) == asked + 2
    assert notifications(user) == []

    bot.sim.fail_next(1, "drop", action="status")  # the connection dies without an answer
    clock.advance(2 * HOUR)
    stats = await bot.tracker.cycle()
    assert stats.accounts_failed == 1 and status_requests(bot) == asked + 3
    bot.sim.complete_order(b)  # meanwhile the panel finished another one

    clock.advance(4 * HOUR)  # the panel is back
    stats = await bot.tracker.cycle()
    assert stats.accounts_failed == 0 and status_requests(bot) == asked + 4
    [message] = notifications(user)
    assert f"#{a} · ✅ Completed" in message.plain_text and f"#{b} · ✅ Completed" in message.plain_text
    assert f"#{c}" not in message.plain_text

    await bot.tracker.cycle()  # back to every cycle after a success
    assert status_requests(bot) == asked + 5 and len(notifications(user)) == 1
    bot.sim.complete_order(c)
    await bot.tracker.cycle()
    texts = told_texts(user)
    assert len(notifications(user)) == 2
    # a and b in a compact round, c alone on its card.
    assert [texts.count(f"#{order_id} · ") + texts.count(f"Order #{order_id}:") for order_id in (a, b, c)] == [1, 1, 1]


async def test_a_panel_time_out_is_retried_next_cycle(bot_runner):
    bot = await bot_runner.start(panel_timeout_seconds=0.2)
    user = await user_with_key(bot, 7302)
    [order_id] = await add_panel_orders(bot, 7302, 1)
    await bot.tracker.cycle()
    bot.sim.complete_order(order_id)
    bot.sim.slow_seconds = 2.0  # the stopped simulator wakes early: no real 2 s wait at the end
    bot.sim.fail_next(1, "slow", action="status")

    stats = await bot.tracker.cycle()
    assert stats.accounts_failed == 1 and notifications(user) == []
    await bot.tracker.cycle()
    [message] = notifications(user)
    assert f"Order #{order_id}: ✅ Completed" in message.plain_text
    await bot_runner.stop()
    bot.fake.assert_clean()


async def test_a_failing_account_backs_off_without_slowing_the_others(bot_runner):
    bot = await bot_runner.start(panel_max_concurrency=1)  # requests go in account order
    clock = ManualClock()
    bot.tracker.backoff.clock = clock
    users = {}
    orders = {}
    for n, tg_id in enumerate((7303, 7304, 7305)):
        users[tg_id] = await user_with_key(bot, tg_id, f"test-key-share-{n:03d}")
        orders[tg_id] = (await add_panel_orders(bot, tg_id, 1))[0]
    await bot.tracker.cycle()
    failing = 7303  # the first account: its requests are the first of each cycle

    for cycle in range(3):
        for order_id in orders.values():
            bot.sim.set_order_status(order_id, "In progress", remains=900 - cycle * 100)
        if cycle < 2:
            bot.sim.fail_next(1, "html_500", action="status")
        asked = status_requests(bot)
        stats = await bot.tracker.cycle()
        # Cycle 0 and 1: the failing account is asked and fails. Cycle 2: it backs off.
        assert status_requests(bot) - asked == (3 if cycle < 2 else 2)
        assert stats.accounts_failed == (1 if cycle < 2 else 0)

    for tg_id in (7304, 7305):
        [message] = notifications(users[tg_id])
        assert f"Order #{orders[tg_id]}: 🚀 In progress" in message.plain_text
    assert notifications(users[failing]) == []
    assert (await bot.db.get_order(7304, orders[7304])).remains == 700  # the others' latest answer

    clock.advance(2 * HOUR)
    await bot.tracker.cycle()
    [message] = notifications(users[failing])
    assert f"Order #{orders[failing]}: 🚀 In progress" in message.plain_text and "Remains: 700" in message.plain_text
    await bot_runner.stop()
    bot.fake.assert_clean()


async def test_a_panel_that_keeps_failing_is_asked_only_a_few_times_per_cycle(bot_runner):
    bot = await bot_runner.start(panel_max_concurrency=1)
    for n, tg_id in enumerate(range(7310, 7316)):
        await user_with_key(bot, tg_id, f"test-key-down-{n:03d}")
        await add_panel_orders(bot, tg_id, 1)
    bot.sim.fail_next(100, "html_500", action="status")
    asked = status_requests(bot)
    stats = await bot.tracker.cycle()
    assert status_requests(bot) - asked == 3  # then the other three accounts wait for the next cycle
    assert stats.accounts_failed == 3 and stats.skipped == 3
    bot.sim.clear_failures()
    await bot_runner.stop()
    bot.fake.assert_clean()


async def test_telegram_429_is_waited_out_and_the_message_delivered_once(bot):
    user = await user_with_key(bot, 7320)
    [order_id] = await add_panel_orders(bot, 7320, 1)
    await bot.tracker.cycle()
    bot.sim.complete_order(order_id)
    bot.fake.fail_next("sendMessage", chat_id=7320, retry_after=1)

    started = time.monotonic()
    await bot.tracker.cycle()
    assert time.monotonic() - started >= 1.0  # waited retry_after, then sent again
    [message] = notifications(user)
    assert f"Order #{order_id}: ✅ Completed" in message.plain_text
    [rejection] = bot.fake.pop_rejections()
    assert rejection.error_code == 429 and rejection.chat_id == 7320

    await bot.tracker.cycle()
    assert len(notifications(user)) == 1


async def test_a_user_who_blocked_the_bot_is_not_polled_until_they_come_back(bot):
    user = await user_with_key(bot, 7321)
    first, second = await add_panel_orders(bot, 7321, 2)
    await bot.tracker.cycle()
    await user.block_bot(notify=False)
    bot.sim.complete_order(first)

    await bot.tracker.cycle()  # told: 403 "bot was blocked by the user"
    [rejection] = bot.fake.pop_rejections()
    assert rejection.error_code == 403
    assert (await bot.db.get_user(7321)).blocked
    asked = status_requests(bot)
    bot.sim.complete_order(second)
    await bot.tracker.cycle()
    await bot.tracker.cycle()
    assert status_requests(bot) == asked  # their open order is no longer asked about
    assert bot.fake.pop_rejections() == []  # nor are they written to again

    await user.unblock_bot(notify=False)
    await user.send("/start")  # any update from them means they are back
    await bot.tracker.cycle()
    [message] = notifications(user)
    assert f"#{first} · ✅ Completed" in message.plain_text
    assert f"#{second} · ✅ Completed" in message.plain_text
    assert status_requests(bot) == asked + 1


async def test_a_restart_between_panel_reported_and_user_told_tells_the_user_once(bot_runner):
    bot = await bot_runner.start()
    user = await user_with_key(bot, 7322)
    [order_id] = await add_panel_orders(bot, 7322, 1)
    await bot.tracker.cycle()
    bot.sim.complete_order(order_id)
    bot.fake.fail_next("sendMessage", chat_id=7322, error_code=500)
    await bot.tracker.cycle()  # the panel's answer is stored; telling the user fails
    assert (await bot.db.get_order(7322, order_id)).status == "completed"
    assert notifications(user) == []
    await bot_runner.stop()
    [rejection] = bot.fake.pop_rejections()
    assert rejection.error_code == 500

    bot = await bot_runner.start()
    asked = status_requests(bot)
    await bot.tracker.cycle()
    [message] = notifications(user)
    assert f"Order #{order_id}: ✅ Completed" in message.plain_text
    assert status_requests(bot) == asked  # told from storage: the panel is not asked again
    await bot.tracker.cycle()
    assert len(notifications(user)) == 1
    await bot_runner.stop()
    bot.fake.assert_clean()


async def test_a_rejected_key_pauses_the_account_tells_the_owner_once_and_a_new_key_resumes(bot):
    other = await user_with_key(bot, 7330)
    [other_order] = await add_panel_orders(bot, 7330, 1)
    old_key, new_key = "test-key-beta-0001", "test-key-gamma-0002"
    user = await user_with_key(bot, 7331, old_key)
    [order_id] = await add_panel_orders(bot, 7331, 1)
    await bot.tracker.cycle()

    bot.sim.reject_key(old_key)
    bot.sim.set_order_status(order_id, "In progress")
    bot.sim.complete_order(other_order)
    stats = await bot.tracker.cycle()
    assert stats.accounts_paused == 1
    [paused] = [m for m in user.messages() if "no longer accepts your API key" in m.plain_text]
    assert "/settings" in paused.plain_text and bot.sim.url in paused.plain_text
    assert f"Order #{other_order}: ✅ Completed" in told_texts(other)  # the other account went on

    asked = status_requests(bot)
    messages = len(user.messages())
    await bot.tracker.cycle()
    await bot.tracker.cycle()
    assert status_requests(bot) == asked  # paused: not asked with the rejected key
    assert len(user.messages()) == messages  # told once

    # The owner makes a new key on the panel (same panel account, same orders) and sets it.
    bot.sim.add_key(new_key, 1_000_000, "VND")
    for sim_order in bot.sim.orders.values():
        if sim_order.key == old_key:
            sim_order.key = new_key
    await user.send("/settings")
    await user.press("Change API key")
    reply = await user.send(new_key)
    assert "Key checked and saved" in reply.text
    await bot.tracker.cycle()
    assert status_requests(bot) == asked + 1
    [message] = notifications(user)
    assert f"Order #{order_id}: 🚀 In progress" in message.plain_text


async def test_the_key_message_is_tried_again_when_telegram_fails_to_take_it(bot):
    key = "test-key-delta-0003"
    user = await user_with_key(bot, 7332, key)
    await add_panel_orders(bot, 7332, 1)
    bot.sim.reject_key(key)
    bot.fake.fail_next("sendMessage", chat_id=7332, error_code=502)
    await bot.tracker.cycle()
    assert [r.error_code for r in bot.fake.pop_rejections()] == [502]
    assert not (await bot.db.active_account(7332)).paused  # so that the next cycle tells them

    await bot.tracker.cycle()
    await bot.tracker.cycle()
    told = [m for m in user.messages() if "no longer accepts your API key" in m.plain_text]
    assert len(told) == 1
    assert (await bot.db.active_account(7332)).paused
