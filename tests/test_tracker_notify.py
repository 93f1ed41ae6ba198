"""The tracker tells users what changed: one message per user per cycle, in their language,
respecting their notification setting; refills are followed to the end."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest

from bot.i18n import Translations
from bot.presentation import Texts, notification
from bot.storage import Order, Refill
from tests.conftest import wait_until
from tests.test_tracker_support import (
    add_panel_orders,
    notifications,
    status_requests,
    told_texts,
    user_with_key,
)


async def test_an_order_placed_in_the_chat_is_told_once_when_the_panel_completes_it(bot):
    user = await bot.onboarded_fast(7101)
    await user.send("/order 1")
    await user.send("https://facebook.com/post/1")
    await user.send("1000")
    placed = await user.press("Confirm")
    order_id = max(bot.sim.orders)
    assert f"Order #{order_id}" in placed.text

    await bot.tracker.cycle()
    assert notifications(user) == []  # "Pending" right after placing it is not news
    bot.sim.set_order_status(order_id, "Completed", start_count=1234)
    asked = status_requests(bot)
    await bot.tracker.cycle()

    [message] = notifications(user)
    text = message.plain_text
    assert f"Order #{order_id}: ✅ Completed" in text
    assert "Service: Facebook views" in text and "Link: https://facebook.com/post/1" in text
    assert "Start count: 1,234" in text and "Remains: 0" in text and "Charge: 3 VND" in text
    assert {"♻️ Refill", "🔁 Order again"} <= set(message.buttons)
    assert status_requests(bot) == asked + 1
    stored = await bot.db.get_order(7101, order_id)
    assert stored.final and stored.status == "completed" and stored.remains == 0

    # A final order is no longer asked about, and not told again.
    await bot.tracker.cycle()
    assert status_requests(bot) == asked + 1
    assert len(notifications(user)) == 1


async def test_five_orders_of_one_user_finishing_together_make_one_message(bot):
    user = await user_with_key(bot, 7102)
    ids = await add_panel_orders(bot, 7102, 5)
    await bot.tracker.cycle()
    for order_id in ids[:4]:
        bot.sim.complete_order(order_id)
    bot.sim.complete_order(ids[4], "Partial", remains=400)

    stats = await bot.tracker.cycle()

    [message] = notifications(user)
    # A round is compact: one line per order with its change, its card one tap away.
    for order_id in ids[:4]:
        assert f"#{order_id} · ✅ Completed · " in message.plain_text
    assert f"#{ids[4]} · 🟡 Partial · " in message.plain_text and "Remains" not in message.plain_text
    assert [f"📦 #{i}" for i in ids] + ["📦 Orders"] == message.buttons
    reply = await user.press(f"📦 #{ids[4]}", message=message)
    assert f"Order #{ids[4]}: 🟡 Partial" in reply.text and "Remains: 400" in reply.text
    assert (stats.changes, stats.told, stats.messages) == (5, 5, 1)


async def test_changes_read_from_several_storage_pages_still_make_one_message_per_user(bot):
    english = await user_with_key(bot, 7103)
    vietnamese = await user_with_key(bot, 7104, language="vi")
    # Interleaved: each user's orders are spread over every storage page.
    ids = {7103: [], 7104: []}
    for _ in range(3):
        for tg_id in ids:
            ids[tg_id] += await add_panel_orders(bot, tg_id, 1)
    await bot.tracker.cycle()
    bot.tracker.notify.page_size = 2
    bot.tracker.notify.max_rows = 1  # and users are gathered one round at a time
    for order_id in ids[7103] + ids[7104]:
        bot.sim.complete_order(order_id)

    await bot.tracker.cycle()

    [message] = notifications(english)
    assert all(f"#{i} · ✅ Completed" in message.plain_text for i in ids[7103])
    [tin] = notifications(vietnamese)
    assert "Cập nhật đơn hàng" in tin.plain_text
    assert all(f"#{i} · ✅ Hoàn thành" in tin.plain_text for i in ids[7104])


async def test_notification_setting_final_only_then_off(bot):
    user = await user_with_key(bot, 7105)
    await user.send("/settings")
    await user.press("final only")
    first, second = await add_panel_orders(bot, 7105, 2)
    await bot.tracker.cycle()

    bot.sim.set_order_status(first, "In progress")
    stats = await bot.tracker.cycle()
    assert stats.changes == 1 and notifications(user) == []  # stored, not told

    bot.sim.complete_order(first)
    await bot.tracker.cycle()
    [message] = notifications(user)
    assert f"Order #{first}: ✅ Completed" in message.plain_text and f"#{second}" not in message.plain_text

    await user.send("/settings")
    await user.press("off")
    bot.sim.complete_order(second, "Canceled")
    stats = await bot.tracker.cycle()
    assert stats.changes == 1 and len(notifications(user)) == 1
    assert (await bot.db.get_order(7105, second)).final  # followed to the end all the same

    # Back to every change: what happened while notifications were off is not replayed.
    await user.send("/settings")
    await user.press("every change")
    await bot.tracker.cycle()
    assert len(notifications(user)) == 1


async def test_a_refill_is_followed_until_completed_with_a_message_for_each_change(bot):
    user = await user_with_key(bot, 7106)
    [order_id] = await add_panel_orders(bot, 7106, 1)
    bot.sim.complete_order(order_id)
    await bot.tracker.cycle()
    [completed] = notifications(user)

    reply = await user.press("♻️ Refill", message=completed)
    refill_id = max(bot.sim.refills)
    assert f"refill #{refill_id}" in reply.text
    # (The refill answer replaces the notification it was asked from: see the report.)
    shown = len(notifications(user))
    await bot.tracker.cycle()
    assert len(notifications(user)) == shown  # "Pending" right after asking is not news

    bot.sim.set_refill_status(refill_id, "In progress")
    await bot.tracker.cycle()
    bot.sim.set_refill_status(refill_id, "Completed")
    await bot.tracker.cycle()
    progress, done = notifications(user)[shown:]
    # A refill's notice names the order's service and link.
    link = (await bot.db.get_order(7106, order_id)).link
    assert f"Refill #{refill_id} of order #{order_id} (Facebook views, {link}): 🚀 In progress" in progress.plain_text
    assert f"Refill #{refill_id} of order #{order_id} (Facebook views, {link}): ✅ Completed" in done.plain_text

    asked = bot.sim.requests["refill_status"]
    await bot.tracker.cycle()
    assert bot.sim.requests["refill_status"] == asked  # completed: no longer followed
    assert len(notifications(user)) == shown + 2


async def test_placing_an_order_brings_a_check_soon_after(bot_runner):
    bot = await bot_runner.start(track_first_check_seconds=0.05)
    bot.sim.pending_seconds = bot.sim.progress_seconds = 0  # the panel completes orders at once
    user = await bot.onboarded_fast(7107)
    await user.send("/order 1")
    await user.send("https://facebook.com/post/7")
    await user.send("500")
    await user.press("Confirm")
    order_id = max(bot.sim.orders)

    await wait_until(bot, lambda: bool(notifications(user)))  # no cycle called by the test
    assert f"Order #{order_id}: ✅ Completed" in told_texts(user)
    await bot_runner.stop()
    bot.fake.assert_clean()


async def test_the_repeating_job_checks_every_track_interval(bot_runner):
    bot = await bot_runner.start(track_interval_seconds=0.1)
    user = await user_with_key(bot, 7108)
    [order_id] = await add_panel_orders(bot, 7108, 1)
    bot.sim.complete_order(order_id)

    await wait_until(bot, lambda: bool(notifications(user)))
    await wait_until(bot, lambda: status_requests(bot) >= 1)
    assert f"Order #{order_id}: ✅ Completed" in told_texts(user)
    await bot_runner.stop()
    bot.fake.assert_clean()


async def test_many_changes_at_once_are_split_only_past_telegrams_size_and_each_told_once(bot):
    user = await user_with_key(bot, 7109)
    ids = await add_panel_orders(bot, 7109, 30)
    await bot.tracker.cycle()
    for order_id in ids:
        bot.sim.complete_order(order_id)
    bot.fake.fail_next("sendMessage", chat_id=7109, error_code=500)  # Telegram hiccups once
    await bot.tracker.cycle()
    assert notifications(user) == []
    assert [r.error_code for r in bot.fake.pop_rejections()] == [500]

    await bot.tracker.cycle()
    await bot.tracker.cycle()
    messages = notifications(user)
    assert len(messages) == 2 and all(len(m.plain_text) <= 4096 for m in messages)
    texts = told_texts(user)
    assert [texts.count(f"#{order_id} · ") for order_id in ids] == [1] * 30


async def test_a_notification_telegram_took_just_before_a_crash_is_sent_again_not_lost(bot):
    # At least once: the bot dies after Telegram accepted the message, before its answer
    # arrived (so before the change was recorded as told). The next run must tell it again.
    user = await user_with_key(bot, 7110)
    [order_id] = await add_panel_orders(bot, 7110, 1)
    await bot.tracker.cycle()
    bot.sim.complete_order(order_id)
    cycle = asyncio.create_task(bot.tracker.cycle())
    name, send_message = bot.fake._methods["sendmessage"]  # the fake Telegram's own method

    def accept_then_crash(params):
        sent = send_message(params)
        cycle.cancel()  # the bot's cycle stops here, waiting for the answer
        return sent

    bot.fake._methods["sendmessage"] = (name, accept_then_crash)
    with pytest.raises(asyncio.CancelledError):
        await cycle
    bot.fake._methods["sendmessage"] = (name, send_message)
    [told] = notifications(user)
    assert f"Order #{order_id}: ✅ Completed" in told.plain_text

    await bot.tracker.cycle()
    first, again = notifications(user)
    assert again.plain_text == first.plain_text
    await bot.tracker.cycle()  # recorded as told this time: not a third time
    assert len(notifications(user)) == 2


def test_each_message_of_a_split_notification_comes_with_exactly_the_changes_it_shows():
    # If Telegram takes part 1 and then fails, only part 1's changes may count as told.
    tx = Texts(Translations.load(), "en")
    orders = [
        Order(id=n, tg_id=1, account_id=1, panel_order_id=20000 + n, service_id=1, service_name="Facebook views",
              service_type="Default", link=f"https://facebook.com/post/{n}", quantity=1000,
              expected_charge=Decimal("2.5"), currency="VND", refill_allowed=True, cancel_allowed=False,
              status="completed", charge=Decimal("2.5"), start_count=10, remains=0, checked_at=1.0,
              told_status="pending", final=True, created_at=1.0)
        for n in range(1, 41)
    ]
    refills = [
        Refill(id=n, tg_id=1, account_id=1, order_id=n, panel_order_id=20000 + n, refill_id=500 + n,
               status="In progress", final=False, checked_at=1.0, told_status="Pending", created_at=1.0)
        for n in range(1, 121)
    ]
    messages = notification(tx, orders, refills)
    assert len(messages) >= 3
    for message in messages:
        shown = {o.panel_order_id for o in orders if f"#{o.panel_order_id} · " in message.text}
        assert {o.panel_order_id for o in message.orders} == shown
        shown = {r.refill_id for r in refills if f"Refill #{r.refill_id} " in message.text}
        assert {r.refill_id for r in message.refills} == shown
        buttons = [b.text for row in (message.keyboard.inline_keyboard if message.keyboard else ()) for b in row]
        assert [b for b in buttons if b.startswith("📦 #")] == [f"📦 #{o.panel_order_id}" for o in message.orders]
    assert [o for m in messages for o in m.orders] == orders
    assert [r for m in messages for r in m.refills] == refills


async def test_a_round_in_two_messages_puts_each_refill_button_under_its_order_and_marks_each_message_alone(bot):
    user = await user_with_key(bot, 7111)
    ids = await add_panel_orders(bot, 7111, 30)  # too long for one message
    await bot.tracker.cycle()
    for order_id in ids:
        bot.sim.complete_order(order_id)
    # Telegram takes the first message, then fails the second one.
    name, send_message = bot.fake._methods["sendmessage"]

    def accept_then_fail_the_next(params):
        sent = send_message(params)
        bot.fake._methods["sendmessage"] = (name, send_message)
        bot.fake.fail_next("sendMessage", chat_id=7111, error_code=500)
        return sent

    bot.fake._methods["sendmessage"] = (name, accept_then_fail_the_next)
    await bot.tracker.cycle()
    assert [r.error_code for r in bot.fake.pop_rejections()] == [500]
    [first] = notifications(user)
    shown_first = _shown(first, ids)
    assert 0 < len(shown_first) < len(ids)
    stored = {i: await bot.db.get_order(7111, i) for i in ids}
    assert {i for i, o in stored.items() if o.told_status == o.status} == shown_first  # only what it showed

    await bot.tracker.cycle()
    messages = notifications(user)
    assert len(messages) == 2
    second = messages[1]
    assert _shown(second, ids) == set(ids) - shown_first  # the rest, each told once
    for message in messages:
        card_buttons = [b for b in message.buttons if b.startswith("📦 #")]
        assert card_buttons == [f"📦 #{i}" for i in ids if i in _shown(message, ids)]
    assert "📦 Orders" in second.buttons

    # A button of the first message opens the card of the order it names, which refills it.
    reply = await user.press(f"📦 #{min(shown_first)}", message=first)
    assert f"Order #{min(shown_first)}: ✅ Completed" in reply.text
    reply = await user.press("♻️ Refill", message=first)
    assert f"#{min(shown_first)}: refill requested" in reply.text


def _shown(message, ids: list[int]) -> set[int]:
    return {i for i in ids if f"#{i} · " in message.plain_text}
