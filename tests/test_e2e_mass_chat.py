"""/mass in the chat, through the real bot (`bot.app.run()`, the fake Bot API, the simulator):
the list (in one message or several), the preview card with every bad line, Confirm (tapped
twice), Stop, a restart in the middle, and the report on the card.
"""

from __future__ import annotations

from tests.conftest import BotRunner, RunningBot, button_data, wait_until
from tests.fakebot.driver import FakeUser
from tests.fakebot.model import ChatMessage
from tests.test_core_mass import fifty_lines_five_bad

# What the preview says about each bad line of fifty_lines_five_bad().
BAD_LINE_REASONS = {
    7: "the quantity is below the minimum of",
    13: "there is no service 777",
    21: "the link is not valid",
    34: "the same as line 3",
    50: "service 105 is of type Custom comments: order this one on its own",
}


def current(user: FakeUser, message: ChatMessage) -> ChatMessage:
    """`message` as the chat shows it now (the bot edits its cards)."""
    return next(m for m in user.messages() if m.message_id == message.message_id)


async def preview_of(user: FakeUser, *chunks: str):
    """/mass, the list in these messages, then Check: the reply holding the preview card."""
    reply = await user.send("/mass")
    assert "service_id|link|quantity" in reply.text
    for chunk in chunks:
        await user.send(chunk)
    return await user.press("Check")


async def confirmed_card(user: FakeUser, preview) -> ChatMessage:
    """Confirm on the preview card, which becomes the progress card (a short batch may be
    reported on it already)."""
    card = preview.last
    await user.press("Confirm", message=card)
    assert any("Placing your orders" in version.plain_text for version in current(user, card).versions)
    return card


async def test_a_50_line_list_with_5_bad_lines_places_45_orders_despite_a_double_tapped_confirm(bot: RunningBot):
    user = await bot.onboarded(7001)
    text, bad = fifty_lines_five_bad()
    assert set(bad) == set(BAD_LINE_REASONS)
    reply = await user.send("/mass")
    assert "service_id|link|quantity" in reply.text
    reply = await user.send(text)
    assert "50 lines so far" in reply.text
    preview = await user.press("Check")
    shown = preview.text
    assert "45 of 50 lines can be ordered" in shown and "5 lines cannot be ordered" in shown
    for number, reason in BAD_LINE_REASONS.items():
        line = next(line for line in shown.splitlines() if line.startswith(f"Line {number} "))
        assert reason in line
    assert sum(1 for line in shown.splitlines() if line.startswith("Line ")) == 5
    assert bot.sim.requests["add"] == 0  # nothing is sent before Confirm

    card = preview.last
    confirm = button_data(card, "✅ Confirm")
    await user.press("Confirm", message=card)
    again = await user.press_data(card.message_id, confirm)  # the double tap
    assert again.alert == "This batch is already being placed."
    await wait_until(bot, lambda: "Mass order finished" in current(user, card).plain_text, timeout=30)

    assert bot.sim.requests["add"] == 45
    links = sorted(order.link for order in bot.sim.orders.values())
    assert links == sorted(f"https://facebook.com/post/{n}" for n in range(1, 51) if n not in bad)
    report = current(user, card).plain_text + "\n" + "\n".join(m.plain_text for m in user.messages()
                                                              if m.message_id > card.message_id)
    assert "✅ Placed: 45 · ❌ Refused: 0 · ❓ Unknown: 0 · ⏹ Not sent: 0" in report
    for order_id in bot.sim.orders:
        assert f": order {order_id}" in report
    # A tap on the finished card's Confirm starts nothing either.
    late = await user.press_data(card.message_id, confirm)
    assert late.alert == "This batch is already finished."
    assert bot.sim.requests["add"] == 45


async def test_stop_leaves_the_rest_unsent_and_they_can_be_sent_later(bot_runner: BotRunner):
    bot = await bot_runner.start(panel_min_interval_seconds=0.05)
    user = await bot.onboarded(7002)
    text = "\n".join(f"2 | https://tiktok.com/@user/video/{n} | 100" for n in range(1, 31))
    card = await confirmed_card(user, await preview_of(user, text))
    await wait_until(bot, lambda: bot.sim.requests["add"] >= 5, timeout=20)
    reply = await user.press("Stop", message=current(user, card))
    assert reply.alert == "Stopping: lines not sent yet will not be sent."
    await wait_until(bot, lambda: "Mass order stopped" in current(user, card).plain_text, timeout=20)

    sent = bot.sim.requests["add"]
    assert 5 <= sent < 30 and len(bot.sim.orders) == sent
    report = current(user, card)
    assert f"✅ Placed: {sent} · ❌ Refused: 0 · ❓ Unknown: 0 · ⏹ Not sent: {30 - sent}" in report.plain_text
    assert f"Not sent: lines {sent + 1}–30" in report.plain_text
    assert "You stopped it" in report.plain_text

    # Nothing more is sent, even after a restart.
    await bot_runner.stop()
    bot = await bot_runner.start()
    assert bot.sim.requests["add"] == sent
    # "Send the rest" previews exactly the lines never sent, as a new batch.
    preview = await user.press("Send the rest", message=current(user, report))
    assert f"{30 - sent} of {30 - sent} lines can be ordered" in preview.text
    await user.press("Cancel", message=preview.last)
    assert "Mass order cancelled" in current(user, preview.last).plain_text
    await bot_runner.stop()
    assert bot.sim.requests["add"] == sent
    bot.fake.assert_clean()


async def test_a_batch_stopped_with_the_bot_finishes_after_a_restart_with_no_line_sent_twice(bot_runner: BotRunner):
    bot = await bot_runner.start(panel_min_interval_seconds=0.05)
    user = await bot.onboarded(7003)
    text, bad = fifty_lines_five_bad()
    card = await confirmed_card(user, await preview_of(user, text))
    await wait_until(bot, lambda: bot.sim.requests["add"] >= 10, timeout=20)

    await bot_runner.stop()  # mid-way: the line in flight gets its answer, no other is sent
    sent = bot.sim.requests["add"]
    assert 10 <= sent < 45
    assert "Mass order finished" not in current(user, card).plain_text

    bot = await bot_runner.start(panel_min_interval_seconds=0.05)
    await wait_until(bot, lambda: "Mass order finished" in current(user, card).plain_text, timeout=30)
    assert bot.sim.requests["add"] == 45
    links = [order.link for order in bot.sim.orders.values()]
    assert len(set(links)) == 45
    report = current(user, card).plain_text + "\n" + "\n".join(m.plain_text for m in user.messages()
                                                              if m.message_id > card.message_id)
    assert "✅ Placed: 45 · ❌ Refused: 0 · ❓ Unknown: 0 · ⏹ Not sent: 0" in report
    placed_lines = [int(line.split()[1].rstrip(":")) for line in report.splitlines() if ": order " in line]
    assert placed_lines == [n for n in range(1, 51) if n not in bad]
    await bot_runner.stop()
    bot.fake.assert_clean()


async def test_a_list_split_across_two_messages_reads_right_and_a_corrected_list_makes_a_new_preview(bot: RunningBot):
    user = await bot.onboarded(7004)
    lines = [f"1|https://facebook.com/post/{n}|{200 + n}" for n in range(1, 11)]
    first = await preview_of(user, "\n".join(lines[:4] + ["1|https://facebook.com/post/5|150"]))
    assert "4 of 5 lines can be ordered" in first.text and "Line 5 " in first.text
    old_card = first.last

    # The corrected list, cut by Telegram in the middle of line 5 (the newline at the cut is lost).
    text = "\n".join(lines)
    cut = text.index("post/5") + 2
    reply = await user.send(text[:cut])
    assert "5 lines so far" in reply.text
    status = reply.last
    reply = await user.send(text[cut:])
    assert [m.message_id for m in reply.edited] == [status.message_id]
    assert "10 lines so far" in current(user, status).plain_text
    preview = await user.press("Check", message=current(user, status))
    assert "10 of 10 lines can be ordered" in preview.text and "cannot be ordered" not in preview.text

    # The older card is out of date: its Confirm sends nothing.
    stale = await user.press("Confirm", message=old_card)
    assert stale.alert == "This card is out of date: send the list again with /mass."
    card = await confirmed_card(user, preview)
    await wait_until(bot, lambda: "Mass order finished" in current(user, card).plain_text, timeout=30)
    assert bot.sim.requests["add"] == 10
    assert sorted(o.link for o in bot.sim.orders.values()) == sorted(f"https://facebook.com/post/{n}" for n in range(1, 11))
    assert sorted(o.quantity for o in bot.sim.orders.values()) == [200 + n for n in range(1, 11)]


async def test_in_vietnamese_from_the_menu_button_and_cancel_sends_nothing(bot: RunningBot):
    user = await bot.onboarded(7005, language_code="vi")
    await user.send("/start")
    reply = await user.press("📋 Đặt hàng loạt")
    assert "mã_dịch_vụ|link|số_lượng" in reply.text
    await user.send("1|https://facebook.com/post/1|300\n1|https://facebook.com/post/2|150")
    preview = await user.press("Kiểm tra")
    assert "1/2 dòng đặt được" in preview.text
    assert "Dòng 2 1|https://facebook.com/post/2|150: số lượng dưới mức tối thiểu 200" in preview.text
    reply = await user.press("Huỷ", message=preview.last)
    assert "Đã huỷ đặt đơn hàng loạt" in reply.text
    assert bot.sim.requests["add"] == 0
    assert await bot.db.mass_batches(7005) == []
