"""An order's card shows the answers of its order type besides link and quantity (a drip-feed's
runs and interval, the comments), placed, later from /orders, in both languages."""

import pytest

WORDS = {
    "en": {"confirm": "✅ Confirm", "runs": "Runs: 4", "interval": "Interval: 30 min",
           "quantity": "Quantity: 2,000", "comments": "Comments: 2 lines", "first": "Great post"},
    "vi": {"confirm": "✅ Xác nhận", "runs": "Số lần chạy: 4", "interval": "Khoảng cách giữa các lần: 30 phút",
           "quantity": "Số lượng: 2.000", "comments": "Bình luận: 2 dòng", "first": "Great post"},
}


@pytest.mark.parametrize("lang", ["en", "vi"])
async def test_a_dripfeed_orders_card_shows_its_runs_and_interval(bot, lang):
    words = WORDS[lang]
    user = await bot.onboarded_fast(1881 if lang == "en" else 1882, lang)
    await user.send("/order 104")
    await user.send("https://facebook.com/page/posts/9")
    await user.send("500")
    await user.send("4")
    await user.send("30")
    placed = (await user.press(words["confirm"])).text
    order_id = max(bot.sim.orders)
    await user.send("/orders")
    card = (await user.press(f"#{order_id}")).text
    for text in (placed, card):
        for line in (words["quantity"], words["runs"], words["interval"]):
            assert line in text, (line, text)


@pytest.mark.parametrize("lang", ["en", "vi"])
async def test_a_comments_orders_card_shows_its_comments(bot, lang):
    words = WORDS[lang]
    user = await bot.onboarded_fast(1883 if lang == "en" else 1884, lang)
    await user.send("/order 105")
    await user.send("https://facebook.com/page/posts/10")
    await user.send("Great post\nLove it")
    await user.press(words["confirm"])
    order_id = max(bot.sim.orders)
    await user.send("/orders")
    card = (await user.press(f"#{order_id}")).text
    assert words["comments"] in card and words["first"] in card
