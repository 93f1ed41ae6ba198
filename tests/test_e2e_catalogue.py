"""Browsing and searching the catalogue, with names that are hostile to HTML."""



async def test_browse_categories_services_and_a_card(bot):
    user = await bot.onboarded_fast(801, "en")
    before = len(user.messages())
    reply = await user.send("/services")
    assert "The panel has 45 services in" in reply.text
    reply = await user.press("Facebook Like (3)")
    assert "Facebook Like" in reply.text
    # Names with <b> and & are shown as text, escaped (the fake refuses bad HTML).
    assert "Facebook Likes <b>VIP</b> & Co_fast" in reply.text
    reply = await user.press("103 · Facebook Likes")
    card = reply.text
    assert "Service 103" in card
    assert "Price: 20 VND per 1000" in card
    assert "Order size: 100 to 10,000" in card
    assert "Refill: yes" in card and "Can be cancelled: yes" in card
    assert "🛒 Order" in user.buttons()
    # Menus are edited in place, not sent anew.
    assert len(user.messages()) == before + 1  # the one /services sent, edited since
    await user.press("⬅️ Back")
    await user.press("📂 Categories")


async def test_catalogue_is_cached_and_refreshable(bot):
    user = await bot.onboarded_fast(802, "en")
    await user.send("/services")
    await user.press("Facebook Like")
    await user.press("📂 Categories")
    assert bot.sim.requests["services"] == 1
    await user.press("🔄 Refresh")
    assert bot.sim.requests["services"] == 2


async def test_search_by_words_without_accents_and_by_id(bot):
    user = await bot.onboarded_fast(803, "vi")
    reply = await user.send("binh luan")
    assert "Facebook Bình luận theo yêu cầu" in reply.text
    reply = await user.send("/services tiktok follow")
    assert "TikTok Follow" in reply.text and "Tiktok views" not in reply.text
    reply = await user.send("201")
    assert "Dịch vụ 201" in reply.text
    reply = await user.send("zzzz nothing")
    assert "Không tìm thấy" in reply.text
    reply = await user.send("99999")
    assert "Không có dịch vụ 99999" in reply.text


async def test_a_type_without_a_form_is_shown_but_not_orderable_and_poll_is(bot):
    bot.sim.set_catalogue([*bot.sim.catalogue, {**bot.sim.catalogue[0], "service": 9901, "name": "Mystery boost",
                                                "type": "Quantum Likes"}])
    user = await bot.onboarded(804, "en")
    reply = await user.send("9901")
    assert "cannot be ordered through the bot yet" in reply.text
    assert "🛒 Order" not in user.buttons()
    reply = await user.send("/order 9901")
    assert "Quantum Likes" in reply.text and "website" in reply.text
    reply = await user.send("106")  # a Poll: its form is asked in the chat
    assert "cannot be ordered" not in reply.text and "🛒 Order" in user.buttons()


async def test_big_hostile_catalogue_fits_telegram_limits(bot):
    """5,000 services in 100 categories, 200-character names full of <, & and emoji."""
    services = []
    for i in range(5000):
        category = f"Cat {i % 100} <&> 🎯 " + "x" * 150
        name = f"Service {i} <b>&amp;</b> 🚀 " + "Ω" * 180
        services.append({"service": 10_000 + i, "name": name, "type": "Default", "category": category,
                         "rate": "1.5", "min": "10", "max": "1000", "refill": i % 2 == 0})
    bot.sim.set_catalogue(services)
    user = await bot.onboarded_fast(805, "en")
    reply = await user.send("/services")
    assert "5,000 services in 100 categories" in reply.text
    await user.press("▶️")
    reply = await user.press("Cat 15")
    assert "10215 Service 215 <b>&amp;</b>" in reply.text
    reply = await user.press("▶️")
    assert "10815 Service 815" in reply.text and "Service 215" not in reply.text
    reply = await user.press("10815 · Service")
    assert "Service 10815" in reply.text and "Refill: no" in reply.text  # 815 is odd
    reply = await user.send("service 4999")
    assert "14999 Service 4999" in reply.text
    for message in user.messages():
        assert len(message.plain_text) <= 4096
        for row in message.reply_markup or []:
            for button in row:
                assert len(button.get("callback_data", "").encode()) <= 64
