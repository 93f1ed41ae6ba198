"""What users do that a happy path doesn't: tapping during an order, odd input, stray keys."""

import asyncio

from tests.conftest import TEST_KEY, button_data, order_until_confirmation


async def test_cancel_tapped_while_the_order_is_being_placed_does_not_lie(bot):
    user = await bot.onboarded_fast(1301, "en")
    card = (await order_until_confirmation(user)).last
    bot.sim.slow_seconds = 0.5  # the panel is slow but answers within the bot's time-out
    bot.sim.fail_next(1, "slow", action="add")
    confirm, cancel = await asyncio.gather(
        user.press_data(card, button_data(card, "✅ Confirm")),
        user.press_data(card, button_data(card, "✖️ Cancel")),
    )
    order_id = max(bot.sim.orders)
    assert bot.sim.requests["add"] == 1
    # The Cancel tap waited for Confirm (one user's updates run in order) and says the truth.
    assert f"already placed as #{order_id}" in cancel.answer.answer["text"]
    assert "No order was placed" not in "\n".join(m.plain_text for m in user.messages())


async def test_quick_quantity_buttons_of_an_older_order_are_stale(bot):
    user = await bot.onboarded_fast(1302, "en")
    await user.send("/order 1")
    old_prompt = (await user.send("https://facebook.com/post/1")).last
    quick = button_data(old_prompt, "10,000")
    await user.send("/order 203")
    assert not old_prompt.buttons  # the newer order took them off
    await user.send("https://www.tiktok.com/@a/video/1")
    reply = await user.press_data(old_prompt, quick)  # tapped all the same (an old client)
    assert "was dropped when you started another one" in reply.answer.answer["text"]
    assert bot.sim.requests.get("add", 0) == 0


async def test_a_key_pasted_outside_the_key_step_is_deleted_and_taken_as_a_new_key(bot):
    user = await bot.onboarded_fast(1303, "en")
    new_key = bot.sim.add_key("A1b2C3d4E5f6G7h8I9j0K1l2M3n4", 2000, "VND")
    reply = await user.send(new_key)
    assert "Key checked and saved" in reply.text and "2,000 VND" in reply.text
    assert all(m.deleted for m in user.transcript() if m.sender == "user" and m.text == new_key)
    assert new_key not in "\n".join(m.plain_text for m in user.messages())


async def test_unknown_commands_other_messages_and_odd_digits_get_answers(bot):
    user = await bot.onboarded_fast(1304, "vi")
    reply = await user.send("/stats")
    assert "Mình không biết lệnh này" in reply.text
    for text in ("/order ²", "/status ²", "/refill ³", "²", "#²"):
        reply = await user.send(text)
        assert "Đã có lỗi" not in reply.text, text
    reply = await user.send("/order tiktok view")
    assert "TikTok View video" in reply.text


async def test_group_commands_for_other_bots_are_ignored(bot):
    member = bot.user(1305, "en", chat_type="group", chat_id=-100901)
    reply = await member.send("/start@some_other_bot", expect_reply=False)
    assert reply.sent == []
    assert await bot.db.get_user(1305) is None  # no row for group members who never wrote privately


async def test_a_long_panel_error_is_cut_to_fit(bot):
    user = await bot.onboarded_fast(1306, "en")
    await order_until_confirmation(user)
    bot.sim.respond_next({"error": "Database exploded: " + "x" * 5000}, action="add")
    reply = await user.press("✅ Confirm")
    assert "did not take the order" in reply.text and "Database exploded" in reply.text
    assert len(reply.text) < 4096
    assert TEST_KEY not in reply.text


async def test_buttons_of_an_older_search_page_through_their_own_results(bot):
    user = await bot.onboarded_fast(1307, "en")
    first = (await user.send("o")).last  # matches most of the catalogue: several pages
    await user.send("tiktok")
    reply = await user.press("▶️", message=first)
    assert "🔍 o:" in reply.text and any(b.startswith("2/") for b in user.buttons(reply.last))
