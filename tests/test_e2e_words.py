"""Words as users read them (issue 18): the panel's terms, translated order types, plurals."""

from tests.conftest import TEST_KEY, order_until_confirmation
from tests.test_e2e_orders import website_orders


async def test_order_types_are_named_in_the_users_words(bot):
    en = await bot.onboarded_fast(1801, "en")
    reply = await en.send("103")
    assert "Type: Standard" in reply.text and "Default" not in reply.text
    reply = await en.send("304")
    assert "Type: Package" in reply.text
    vi = await bot.onboarded_fast(1802, "vi")
    reply = await vi.send("103")
    assert "Loại: Thông thường" in reply.text and "Default" not in reply.text
    reply = await vi.send("304")
    assert "Loại: Gói" in reply.text and "Loại: Package" not in reply.text


async def test_catalogue_header_reads_naturally(bot):
    vi = await bot.onboarded_fast(1803, "vi")
    reply = await vi.send("/services")
    assert "Panel có 45 dịch vụ trong" in reply.text
    en = await bot.onboarded_fast(1804, "en")
    reply = await en.send("/services")
    assert "The panel has 45 services in" in reply.text


async def test_status_of_one_order_is_singular(bot):
    en = await bot.onboarded_fast(1805, "en")
    ids = await website_orders(bot.sim, 2)
    reply = await en.send(f"/status {ids[0]}")
    assert "Status of 1 order" in reply.text and "1 orders" not in reply.text
    reply = await en.send(f"/status {ids[0]} {ids[1]}")
    assert "Status of 2 orders" in reply.text
    vi = await bot.onboarded_fast(1806, "vi")
    reply = await vi.send(f"/status {ids[0]}")
    assert "Trạng thái 1 đơn hàng" in reply.text


async def test_start_count_uses_the_panels_term(bot):
    vi = await bot.onboarded_fast(1807, "vi")
    await order_until_confirmation(vi)
    await vi.press("✅ Xác nhận")
    order_id = max(bot.sim.orders)
    bot.sim.complete_order(order_id)
    reply = await vi.send("/orders")
    await vi.press(f"#{order_id}")
    reply = await vi.press("🔄 Làm mới")
    assert "Số lượng bắt đầu:" in reply.text and "ban đầu" not in reply.text


async def test_cancelling_an_order_says_none_was_placed(bot):
    for user_id, lang, words in ((1808, "en", "No order was placed"), (1809, "vi", "Không có đơn hàng nào được đặt")):
        user = await bot.onboarded_fast(user_id, lang)
        await order_until_confirmation(user)
        reply = await user.press("✖️ Cancel" if lang == "en" else "✖️ Huỷ")
        assert words in reply.text


async def test_key_check_failure_says_right_now_once(bot):
    for user_id, lang in ((1810, "en"), (1811, "vi")):
        user = bot.user(user_id, lang)
        await user.send("/start")
        bot.sim.fail_next(10, "html_503_cloudflare")
        bot.deps.panel.backoff_base = 0.01
        reply = await user.send(TEST_KEY)
        if lang == "en":
            assert "could not check the key: the panel is not answering right now" in reply.text
            assert reply.text.count("right now") == 1
        else:
            assert "Chưa kiểm tra được key: panel hiện không phản hồi" in reply.text
        bot.sim.clear_failures()


async def test_categories_of_one_platform_are_together(bot):
    for user_id, lang in ((1812, "en"), (1813, "vi")):
        user = await bot.onboarded_fast(user_id, lang)
        await user.send("/services")
        first = " | ".join(user.buttons())
        assert first.index("Facebook Khác") < first.index("Tiktok") and "Instagram" not in first
        await user.press("▶️")
        second = " | ".join(user.buttons())
        # The panel lists "TikTok Auto" far down, after Instagram: it is shown with TikTok's.
        assert second.index("TikTok Auto") < second.index("Instagram")


async def test_status_sums_up_unknown_ids_in_one_line(bot):
    ids = await website_orders(bot.sim, 3)
    for user_id, lang, summary in ((1814, "en", "❔ 90 ids not found on the panel: 1001-1090"),
                                   (1815, "vi", "❔ 90 mã không có trên panel: 1001-1090")):
        user = await bot.onboarded_fast(user_id, lang)
        typed = " ".join(map(str, ids)) + " " + " ".join(str(i) for i in range(1001, 1091))
        reply = await user.send(f"/status {typed}")
        text = "\n".join(m.plain_text for m in reply.sent)
        assert summary in text
        assert "#1001" not in text and "#1090" not in text
        assert all(f"#{i}: " in text for i in ids)  # known orders keep their lines
        assert len(text.splitlines()) < 10


async def test_a_stale_button_far_up_gets_a_fresh_menu_at_the_bottom(bot):
    for user_id, lang, words in ((1816, "en", "This menu is out of date"), (1817, "vi", "Menu này đã cũ")):
        user = await bot.onboarded_fast(user_id, lang)
        old = (await user.send("/start")).last
        old_text = old.plain_text
        await user.send("/balance")
        await user.send("/help")
        reply = await user.press_data(old, "oc:999")
        assert words in reply.answer.answer["text"]
        latest = user.messages()[-1]
        assert latest.message_id != old.message_id and words in latest.plain_text  # at the bottom
        assert latest.buttons  # a working menu
        again = next(m for m in user.messages() if m.message_id == old.message_id)
        assert again.plain_text == old_text and not again.buttons  # kept its text, lost its buttons


async def test_not_enough_funds_says_nap_tien(bot):
    from decimal import Decimal

    vi = await bot.onboarded_fast(1818, "vi")
    bot.sim.accounts[TEST_KEY].balance = Decimal("1")
    card = await order_until_confirmation(vi, link="https://facebook.com/post/1818")
    assert "Hãy nạp thêm tiền trên website của panel" in card.text


async def test_a_category_of_one_service_is_singular(bot):
    en = await bot.onboarded_fast(1810, "en")
    await en.send("/services")
    reply = await en.press("Facebook (1)")
    assert "Facebook (1 service)" in reply.text and "1 services" not in reply.text
    vi = await bot.onboarded_fast(1811, "vi")
    await vi.send("/services")
    reply = await vi.press("Facebook (1)")
    assert "Facebook (1 dịch vụ)" in reply.text
