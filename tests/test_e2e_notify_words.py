"""What a notification says (issue 18): compact rounds, refunds, and a just-placed order."""

from tests.conftest import order_until_confirmation
from tests.test_tracker_support import add_panel_orders, notifications, user_with_key


async def test_canceled_and_partial_orders_say_what_was_refunded(bot):
    for tg_id, lang, canceled, partial in (
        (1851, "en", ("Canceled", "· refunded 250 VND"), ("Partial", "· refunded 100 VND")),
        (1852, "vi", ("Đã huỷ", "· đã hoàn 250 VND"), ("Hoàn thành một phần", "· đã hoàn 100 VND")),
    ):
        user = await user_with_key(bot, tg_id, language=lang)
        first, second, third = await add_panel_orders(bot, tg_id, 3, quantity=100_000)  # 250 VND each
        await bot.tracker.cycle()
        bot.sim.complete_order(first, "Canceled")
        bot.sim.complete_order(second, "Partial", remains=40_000)
        bot.sim.complete_order(third)
        await bot.tracker.cycle()
        [message] = notifications(user)
        lines = message.plain_text.splitlines()
        # One line per order: its status, then what came back.
        assert any(line.startswith(f"#{first} ") and canceled[0] in line and line.endswith(canceled[1]) for line in lines)
        assert any(line.startswith(f"#{second} ") and partial[0] in line and line.endswith(partial[1]) for line in lines)
        # A completed order was charged in full: nothing is said about refunds.
        assert not any(line.startswith(f"#{third} ") and ("refund" in line or "hoàn " in line) for line in lines)
        # The order's card, one tap away, says it too.
        reply = await user.press(f"📦 #{first}", message=message)
        assert ("Refunded: 250 VND" if lang == "en" else "Đã hoàn tiền: 250 VND") in reply.text


async def test_a_just_placed_order_is_checking_soon(bot):
    for tg_id, lang, words, wrong in ((1853, "en", "Checking soon", "Not checked yet"),
                                      (1854, "vi", "Sắp kiểm tra", "Chưa kiểm tra")):
        user = await bot.onboarded_fast(tg_id, lang)
        await order_until_confirmation(user, link=f"https://facebook.com/post/{tg_id}")
        await user.press("✅ Confirm" if lang == "en" else "✅ Xác nhận")
        reply = await user.send("/orders")
        assert words in reply.text and wrong not in reply.text
