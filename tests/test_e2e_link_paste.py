"""A link pasted outside an order (issue 18): offered an order for it, not searched for.

The user pastes a link; the bot offers the categories of the link's platform; a category's
services each start an order with the link already given, so the next question is the quantity.
"""

import pytest

from bot.callback_data import LinkOffer
from tests.conftest import button_data

WORDS = {
    "en": {
        "offer": "Order for this link?",
        "pick_platform": "Pick a {platform} category",
        "unknown": "I do not know which services fit this site",
        "no_services": "This panel has no LinkedIn services",
        "all": "📂 All categories",
        "quantity": "How many?",
        "link_question": "Send the link to the post or page",
        "not_a_link": "That does not look like a link",
        "too_long": "That link is too long (634 characters; at most 512)",
        "confirm_title": "Please check your order",
        "confirm": "✅ Confirm",
        "nothing": "Nothing matches",
        "stale": "This menu is out of date",
    },
    "vi": {
        "offer": "Đặt đơn hàng cho link này?",
        "pick_platform": "Chọn danh mục {platform}",
        "unknown": "Mình chưa biết trang web này hợp với dịch vụ nào",
        "no_services": "Panel này không có dịch vụ LinkedIn",
        "all": "📂 Tất cả danh mục",
        "quantity": "Gửi số lượng cần đặt",
        "link_question": "Gửi link bài viết hoặc trang cần tăng",
        "not_a_link": "Đây không giống một link",
        "too_long": "Link quá dài (634 ký tự, tối đa 512)",
        "confirm_title": "Vui lòng kiểm tra đơn hàng",
        "confirm": "✅ Xác nhận",
        "nothing": "Không tìm thấy",
        "stale": "Menu này đã cũ",
    },
}
LANGS = pytest.mark.parametrize("lang", ["en", "vi"])


def user_id(lang: str, n: int) -> int:
    return 18_400 + n * 2 + (lang == "vi")


@LANGS
async def test_a_pasted_tiktok_link_orders_with_the_link_filled_in(bot, lang):
    words = WORDS[lang]
    user = await bot.onboarded_fast(user_id(lang, 0), lang)
    link = "https://www.tiktok.com/@vui.ve/video/7312345678901234567"
    reply = await user.send(link)
    assert words["offer"] in reply.text and link in reply.text
    assert words["pick_platform"].format(platform="TikTok") in reply.text
    assert words["nothing"] not in reply.text
    categories = user.buttons()
    assert "TikTok View (1)" in categories and words["all"] in categories
    assert not any(name.startswith(("Facebook", "YouTube", "Instagram")) for name in categories)

    reply = await user.press("TikTok View (1)")
    assert "TikTok View" in reply.text and link in reply.text
    reply = await user.press("203 · TikTok View video")
    # The link is the form's answer already: the next question is the quantity.
    assert words["quantity"] in reply.text and words["link_question"] not in reply.text
    reply = await user.send("1000")
    assert words["confirm_title"] in reply.text and link in reply.text
    before = set(bot.sim.orders)
    await user.press(words["confirm"])
    placed = [bot.sim.orders[i] for i in set(bot.sim.orders) - before]
    assert len(placed) == 1 and placed[0].link == link and placed[0].service_id == 203


@LANGS
async def test_a_bare_youtube_address_offers_youtube_categories(bot, lang):
    words = WORDS[lang]
    user = await bot.onboarded_fast(user_id(lang, 1), lang)
    reply = await user.send("youtu.be/dQw4w9WgXcQ")
    assert words["offer"] in reply.text and "https://youtu.be/dQw4w9WgXcQ" in reply.text
    assert words["pick_platform"].format(platform="YouTube") in reply.text
    categories = user.buttons()
    assert "YouTube Views (1)" in categories
    assert all(name.startswith("YouTube") for name in categories if "(" in name)
    # Every category is one tap away, the link still kept.
    reply = await user.press(words["all"])
    assert any(name.startswith("Facebook") for name in user.buttons())
    await user.press("Facebook Like (3)")
    reply = await user.press("101 · Facebook Like")
    assert words["quantity"] in reply.text
    reply = await user.send("100")
    assert "https://youtu.be/dQw4w9WgXcQ" in reply.text


@LANGS
async def test_a_link_of_an_unknown_site_offers_every_category(bot, lang):
    words = WORDS[lang]
    user = await bot.onboarded_fast(user_id(lang, 2), lang)
    reply = await user.send("https://shop.example.vn/giay-chay-bo")
    assert words["offer"] in reply.text and words["unknown"] in reply.text
    assert any(name.startswith("Facebook") for name in user.buttons())
    # The whole catalogue, paged, with the link kept on every page.
    while "Website Traffic (2)" not in user.buttons():
        reply = await user.press("▶️")
        assert words["unknown"] in reply.text
    await user.press("Website Traffic (2)")
    reply = await user.press("801 · Website Traffic")
    assert words["quantity"] in reply.text
    # A platform we know but the panel does not sell: said, and every category offered.
    await user.send("/cancel")
    reply = await user.send("https://www.linkedin.com/in/someone")
    assert words["no_services"] in reply.text and any(name.startswith("Facebook") for name in user.buttons())


@LANGS
async def test_a_refused_pasted_link_asks_for_the_link_with_the_reason(bot, lang):
    words = WORDS[lang]
    user = await bot.onboarded_fast(user_id(lang, 3), lang)
    too_long = "https://www.tiktok.com/@u/video/1/" + "ab/" * 200  # over the form's 512 characters
    reply = await user.send(too_long)
    assert words["offer"] in reply.text
    await user.press("TikTok View (1)")
    reply = await user.press("203 · TikTok View video")
    assert words["too_long"] in reply.text and words["link_question"] in reply.text
    reply = await user.send("https://www.tiktok.com/@u/video/1")
    assert words["quantity"] in reply.text


@LANGS
async def test_words_and_a_forgotten_link_are_not_offered(bot, lang):
    words = WORDS[lang]
    user = await bot.onboarded_fast(user_id(lang, 4), lang)
    reply = await user.send("tiktok view")  # words still search
    assert words["offer"] not in reply.text and "TikTok View video" in reply.text
    reply = await user.send("facebook.com/mypage")
    assert words["offer"] in reply.text
    offer = user.last_message()
    category = button_data(offer, "Facebook Like (3)")
    nonce = LinkOffer.parse(button_data(offer, words["all"])).nonce
    await user.press("Facebook Like (3)")
    services = user.last_message()
    service = next(b["callback_data"] for row in services.reply_markup for b in row if b["text"].startswith("101 · "))
    # Buttons whose link is no longer kept (user_data lost) are out of date: no order with no link.
    bot.app.user_data[user.id]["pasted_links"].pop(nonce)
    for message, data in ((offer, category), (services, service)):
        reply = await user.press_data(message, data)
        assert words["stale"] in (reply.alert or "")
        assert words["quantity"] not in reply.text and words["link_question"] not in reply.text


# The link question's example is of the service's platform, its placeholders in the user's words.
EXAMPLES = {
    ("en", 401): "https://www.youtube.com/watch?v=abc123",
    ("vi", 401): "https://www.youtube.com/watch?v=abc123",
    ("en", 203): "https://www.tiktok.com/@user/video/",
    ("vi", 203): "https://www.tiktok.com/@tentaikhoan/video/",
    ("en", 501): "https://t.me/yourchannel",
    ("vi", 501): "https://t.me/tenkenh",
    ("en", 801): "https://example.com/your-page",
    ("vi", 801): "https://example.com/trang-cua-ban",
}
ENGLISH_PLACEHOLDERS = ("your", "@user", "/user")


@LANGS
async def test_the_link_example_fits_the_services_platform_in_the_users_words(bot, lang):
    words = WORDS[lang]
    user = await bot.onboarded_fast(user_id(lang, 5), lang)
    for service in (401, 203, 501, 801):
        reply = await user.send(f"/order {service}")
        assert words["link_question"] in reply.text
        assert EXAMPLES[lang, service] in reply.text
        others = {"facebook.com", "tiktok.com", "youtube.com", "t.me"} - {EXAMPLES[lang, service].split("/")[2].removeprefix("www.")}
        assert not any(other in reply.text for other in others), reply.text
        if lang == "vi":
            assert not any(word in reply.text for word in ENGLISH_PLACEHOLDERS), reply.text
        await user.send("/cancel")
    # A refused link says why with the same example.
    await user.send("/order 203")
    reply = await user.send("not a link!")
    assert words["not_a_link"] in reply.text and reply.text.count(EXAMPLES[lang, 203]) == 2
