"""Ordering: link, quantity, confirmation, placed exactly once, whatever is tapped."""

import asyncio
from decimal import Decimal

from tests.conftest import TEST_KEY, button_data, order_until_confirmation


async def test_order_flow_places_exactly_one_order(bot):
    user = await bot.onboarded_fast(901, "en")
    reply = await user.send("/order 1")
    assert "Facebook views" in reply.text and "Send the link" in reply.text
    reply = await user.send("https://facebook.com/post/1")
    assert "from 200 to 10,000" in reply.text
    assert {"200", "10,000"} <= set(user.buttons())
    reply = await user.send("1.000")
    card = reply.text
    confirm = button_data(reply.last, "✅ Confirm")
    assert "Please check your order" in card
    assert "Quantity: 1,000" in card
    assert "Charge: 3 VND" in card  # 2.5 per 1000 x 1000, shown without VND decimals
    assert "Your balance: 1,000,000 VND" in card

    reply = await user.press("✅ Confirm")
    assert "Order placed" in reply.text
    assert bot.sim.requests["add"] == 1
    order_id = max(bot.sim.orders)
    assert f"Order #{order_id}" in reply.text
    assert {"🔄 Refresh", "🔁 Order again"} <= set(user.buttons())
    stored = await bot.db.get_order(901, order_id)
    assert stored.quantity == 1000 and stored.expected_charge == Decimal("2.5")
    assert bot.sim.balance_of(TEST_KEY) == Decimal("999997.5")

    # The same card tapped again (an old message): told, not resent.
    reply = await user.press_data(reply.last, confirm)
    assert f"already placed as #{order_id}" in reply.answer.answer["text"]
    assert bot.sim.requests["add"] == 1


async def test_double_tapped_confirm_sends_one_add(bot):
    user = await bot.onboarded_fast(902, "en")
    reply = await order_until_confirmation(user)
    card = reply.last
    confirm = button_data(card, "✅ Confirm")
    first, second = await asyncio.gather(user.press_data(card, confirm), user.press_data(card, confirm))
    assert bot.sim.requests["add"] == 1
    order_id = max(bot.sim.orders)
    answers = sorted(r.answer.answer["text"] for r in (first, second))
    assert answers[0] == "Placing the order…"
    assert answers[1].startswith(f"This order was already placed as #{order_id}")
    assert f"Order #{order_id}" in user.messages()[-1].plain_text
    # A tap on the old card later says where the order went.
    reply = await user.press_data(card, confirm)
    assert f"already placed as #{order_id}" in reply.answer.answer["text"]
    assert bot.sim.requests["add"] == 1


async def test_quantity_below_above_and_not_a_number(bot):
    user = await bot.onboarded_fast(903, "en")
    await user.send("/order 1")
    await user.send("https://facebook.com/post/1")
    reply = await user.send("100")
    assert "below the minimum" in reply.text and "200 to 10,000" in reply.text
    reply = await user.send("20000")
    assert "above the maximum" in reply.text
    reply = await user.send("lots")
    assert "Send a number in digits" in reply.text
    reply = await user.press("10,000")
    assert "Quantity: 10,000" in reply.text
    assert bot.sim.requests.get("add", 0) == 0


async def test_quantity_in_vietnamese_and_step(bot):
    user = await bot.onboarded_fast(904, "vi")
    await user.send("/order 203")
    await user.send("https://www.tiktok.com/@a/video/1")
    reply = await user.send("1 050")
    assert "bội số của 100" in reply.text
    reply = await user.send("2.000")
    assert "Số lượng: 2.000" in reply.text
    assert "Thành tiền: 2 VND" in reply.text  # 1.6 VND: no decimals for VND


async def test_bad_link_is_explained_and_asked_again(bot):
    user = await bot.onboarded_fast(905, "en")
    await user.send("/order 1")
    reply = await user.send("my page please")
    assert "does not look like a link" in reply.text
    reply = await user.send("https://facebook.com/page")
    assert "How many?" in reply.text


async def test_package_skips_quantity_and_comments_count_as_quantity(bot):
    user = await bot.onboarded_fast(906, "en")
    await user.send("/order 304")
    reply = await user.send("https://instagram.com/me")
    assert "Please check your order" in reply.text and "Quantity" not in reply.text
    assert "Charge: 95,000 VND" in reply.text
    await user.press("✖️ Cancel")

    await user.send("/order 205")
    reply = await user.send("https://www.tiktok.com/@a/video/1")
    assert "one per line" in reply.text
    reply = await user.send("nice\ngreat")
    assert "I counted 2 lines" in reply.text
    comments = "\n".join(f"comment {i}" for i in range(12))
    reply = await user.send(comments)
    assert "Comments: 12" in reply.text
    await user.press("✅ Confirm")
    order = bot.sim.orders[max(bot.sim.orders)]
    assert order.quantity == 12


async def test_definite_panel_error_is_explained_and_can_be_retried(bot):
    bot.sim.add_key("poor-key-123456789", Decimal("1"), "VND")
    user = await bot.onboarded_fast(907, "en", key="poor-key-123456789")
    reply = await order_until_confirmation(user, 101, "https://facebook.com/p/2", "50000")
    assert "Not enough funds" in reply.text
    reply = await user.press("✅ Confirm")
    assert "did not take the order" in reply.text and "Top up" in reply.text
    assert bot.sim.requests["add"] == 1
    assert "✅ Confirm" in user.buttons()


async def test_unknown_outcome_is_told_plainly_and_not_resent(bot):
    user = await bot.onboarded_fast(908, "en")
    reply = await order_until_confirmation(user)
    bot.sim.slow_seconds = 2.0  # longer than the bot's panel time-out (1 s in tests)
    bot.sim.fail_next(1, "slow", action="add")
    reply = await user.press("✅ Confirm")
    assert "cannot tell whether the order was placed" in reply.text
    assert "I did not send it again" in reply.text
    # The bot's handling has ended (the driver waits for it): no second `add` came with it.
    assert bot.sim.requests["add"] == 1
    assert len(bot.sim.orders) == 1  # the panel did place it: telling "failed" would have been a lie


async def test_edit_and_cancel_on_the_confirmation_card(bot):
    user = await bot.onboarded_fast(909, "en")
    await order_until_confirmation(user)
    reply = await user.press("✏️ Edit")
    assert "What would you like to change?" in reply.text
    reply = await user.press("Link")
    assert "Send the link" in reply.text
    reply = await user.send("https://facebook.com/post/2")  # the link alone: the quantity is kept
    assert "https://facebook.com/post/2" in reply.text and "Quantity: 1,000" in reply.text
    reply = await user.press("✖️ Cancel")
    assert "No order was placed" in reply.text
    assert bot.sim.requests.get("add", 0) == 0


async def test_cancel_command_leaves_the_step(bot):
    user = await bot.onboarded_fast(910, "en")
    await user.send("/order 1")
    reply = await user.send("/cancel")
    assert "OK, cancelled." in reply.text
    reply = await user.send("tiktok")  # now a search, not a link
    assert "Tiktok views" in reply.text


async def test_the_link_prompt_shows_an_example_of_the_services_platform(bot):
    user = await bot.onboarded_fast(911, "vi")
    reply = await user.send("/order 301")  # followers: the account's own link
    assert "https://www.instagram.com/tentaikhoan" in reply.text
    reply = await user.send("/order 302")  # likes: a post's
    assert "https://www.instagram.com/p/" in reply.text
    reply = await user.send("/order 1")
    assert "https://www.facebook.com/" in reply.text
