"""Settings, stale menus, restarts in the middle of an order, and the error handler."""

import logging

from telegram.ext import CommandHandler

from tests.conftest import TEST_KEY, order_until_confirmation


async def test_language_and_notifications(bot):
    user = await bot.onboarded_fast(1201, "en")
    reply = await user.send("/settings")
    assert "Language: English" in reply.text and "Notifications: every change" in reply.text
    reply = await user.press("Tiếng Việt")
    assert "Ngôn ngữ: Tiếng Việt" in reply.text
    reply = await user.press("chỉ khi đơn kết thúc")
    assert "Thông báo: chỉ khi đơn kết thúc" in reply.text
    user_row = await bot.db.get_user(1201)
    assert user_row.language == "vi" and str(user_row.notify) == "final"
    reply = await user.send("/help")
    assert "Cách sử dụng" in reply.text  # the chosen language wins over Telegram's


async def test_change_key(bot):
    user = await bot.onboarded_fast(1202, "en")
    other = bot.sim.add_key("second-key-0987654321", 5000, "USD")
    await user.send("/settings")
    reply = await user.press("🔑 Change API key")
    assert "Send me the new API key" in reply.text
    reply = await user.send("not-valid-key-00000")
    assert "invalid" in reply.text and "/cancel" in reply.text  # the key step: /cancel leaves it
    reply = await user.send(other)
    assert "5,000.00 USD" in reply.text
    assert (await bot.db.active_account(1202)).currency == "USD"


async def test_delete_my_data(bot):
    user = await bot.onboarded_fast(1203, "en")
    await order_until_confirmation(user, quantity="500")
    await user.press("✅ Confirm")
    await user.send("/settings")
    reply = await user.press("🗑 Delete my data")
    assert "cannot be undone" in reply.text
    reply = await user.press("🗑 Yes, delete everything")
    assert "your key and data are deleted" in reply.text
    assert await bot.db.active_account(1203) is None
    assert await bot.db.count_orders(1203) == 0
    reply = await user.send("/start")
    assert "send me your panel API key" in reply.text


async def test_stale_buttons_get_a_fresh_menu(bot):
    user = await bot.onboarded_fast(1204, "en")
    menu = (await user.send("/start")).last  # the main menu
    for data in ("c:ffffffffff:0", "s:424242", "oc:999", "xx:unknown", "cf:no-such-token", "sp:3"):
        reply = await user.press_data(menu, data)
        assert "This menu is out of date" in reply.answer.answer["text"]
        assert "This menu is out of date" in user.messages()[-1].plain_text


async def test_a_user_in_the_middle_of_an_order_survives_a_restart(bot_runner):
    running = await bot_runner.start()
    user = await running.onboarded_fast(1205, "en")
    await user.send("/order 1")
    await user.send("https://facebook.com/post/7")
    await bot_runner.stop()

    running = await bot_runner.start()
    reply = await user.send("700")
    assert "Please check your order" in reply.text and "https://facebook.com/post/7" in reply.text
    await user.press("✅ Confirm")
    assert running.sim.requests["add"] == 1
    await bot_runner.stop()
    running.fake.assert_clean()


async def test_unexpected_errors_are_logged_without_secrets_and_the_user_is_told(bot, caplog):
    async def broken(update, context):
        raise RuntimeError(f"boom with token {context.bot.token} inside")

    bot.app.add_handler(CommandHandler("boom", broken), group=-1)
    user = await bot.onboarded_fast(1206, "vi")
    with caplog.at_level(logging.ERROR):
        reply = await user.send("/boom")
    assert "Đã có lỗi xảy ra" in reply.text
    assert "unhandled error" in caplog.text
    # The log filter on the bot's handler redacts secrets; check the formatted records.
    from bot.logs import REDACTOR

    for record in caplog.records:
        REDACTOR.filter(record)
        assert bot.fake.token not in record.getMessage() and bot.fake.token not in (record.exc_text or "")
    assert TEST_KEY not in caplog.text
