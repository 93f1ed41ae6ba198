"""The order conversation's old messages (issue 18): only the current step has buttons; a tap on
an order given up for another says so; a key pasted at a step keeps the order; a refused order
says what can fix it."""


from decimal import Decimal

import pytest

from tests.conftest import TEST_KEY, button_data, order_until_confirmation

# Shaped as panels make keys (32 hex characters); the simulator does not know it.
FOREIGN_KEY = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"

WORDS = {
    "en": {
        "confirm": "✅ Confirm", "cancel": "✖️ Cancel", "max": "10,000", "placed": "Order placed",
        "dropped": "was dropped when you started another one. Nothing was sent to the panel.",
        "key_link": "still waiting for the link", "key_answer": "still waiting for your answer",
        "key_card": "still waiting on its card above", "deleted": "looks like an API key, so I deleted it",
        "how_many": "How many?", "card": "Please check your order",
        "edit": "✏️ Edit", "quantity_label": "Quantity", "2000": "2,000",
    },
    "vi": {
        "confirm": "✅ Xác nhận", "cancel": "✖️ Huỷ", "max": "10.000", "placed": "Đã đặt đơn",
        "dropped": "đã bị huỷ khi bạn bắt đầu đặt đơn khác. Không có gì được gửi lên panel.",
        "key_link": "vẫn đang chờ link", "key_answer": "vẫn đang chờ bạn trả lời",
        "key_card": "vẫn đang chờ ở thẻ xác nhận", "deleted": "trông giống API key nên mình đã xoá",
        "how_many": "Gửi số lượng cần đặt", "card": "Vui lòng kiểm tra đơn hàng",
        "edit": "✏️ Sửa", "quantity_label": "Số lượng", "2000": "2.000",
    },
}
LANGS = pytest.mark.parametrize("lang", ["en", "vi"])


def now(user, message):
    """`message` as the chat shows it now."""
    return next(m for m in user.messages() if m.message_id == message.message_id)


def new(reply):
    """The last message the bot sent in `reply` (`reply.last` may be an older one it edited)."""
    return reply.messages[-1]


def keyboards(user):
    """The bot's messages that still have buttons."""
    return [m.message_id for m in user.messages() if m.buttons]


@LANGS
async def test_only_the_current_step_keeps_its_buttons(bot, lang):
    w = WORDS[lang]
    user = await bot.onboarded_fast(1850 if lang == "en" else 1851, lang)
    ask_link = new(await user.send("/order 1"))
    ask_quantity = new(await user.send("https://facebook.com/post/1"))
    assert w["cancel"] in ask_quantity.buttons
    # The link's question is answered: its Cancel is gone, its text stays.
    assert not now(user, ask_link).buttons and now(user, ask_link).plain_text == ask_link.plain_text
    # A refused answer asks again, below: the question above loses its quick buttons.
    asked_again = new(await user.send("100"))
    assert not now(user, ask_quantity).buttons and asked_again.buttons
    assert keyboards(user) == [asked_again.message_id]
    # A quick quantity tapped: that question's buttons go, the card has the only live ones.
    card = new(await user.press(w["max"]))
    assert w["card"] in card.plain_text
    assert keyboards(user) == [card.message_id]
    assert now(user, asked_again).plain_text == asked_again.plain_text
    # A new order started while the card is open: the card keeps its text, loses its buttons.
    ask_other = new(await user.send("/order 103"))
    assert keyboards(user) == [ask_other.message_id]
    assert now(user, card).plain_text == card.plain_text
    # Through to the end: placing edits the card into the order's; nothing older has buttons.
    await user.send("https://www.tiktok.com/@a/video/1")
    card = new(await user.send("1000"))
    placed = await user.press(w["confirm"])
    assert w["placed"] in placed.text and placed.last.message_id == card.message_id
    assert keyboards(user) == [card.message_id]
    assert bot.sim.requests["add"] == 1


@LANGS
async def test_confirm_on_a_card_given_up_for_another_order_says_so(bot, lang):
    w = WORDS[lang]
    user = await bot.onboarded_fast(1852 if lang == "en" else 1853, lang)
    long_link = "https://facebook.com/post/1852?ref=" + "a" * 150  # the alert must still say all of it
    card = new(await order_until_confirmation(user, 1, long_link))
    confirm = button_data(card, w["confirm"])
    await user.send("/order 103")  # order B, at its link step
    tapped = await user.press_data(card, confirm)
    alert = tapped.alert
    assert alert.endswith(w["dropped"]) and "facebook.com/post/1852" in alert and len(alert) <= 200
    assert tapped.answer.answer.get("show_alert")
    assert "Facebook views" in alert  # A's service, not B's (Facebook Likes)
    assert not tapped.sent  # no menu sent instead
    assert now(user, card).plain_text == card.plain_text and not now(user, card).buttons
    assert bot.sim.requests.get("add", 0) == 0
    # Order B is untouched: still at its link step.
    reply = await user.send("https://www.tiktok.com/@a/video/1")
    assert w["how_many"] in reply.text


@LANGS
async def test_a_question_of_an_order_given_up_before_its_link_says_so(bot, lang):
    w = WORDS[lang]
    user = await bot.onboarded_fast(1854 if lang == "en" else 1855, lang)
    ask_link = new(await user.send("/order 1"))
    cancel = button_data(ask_link, w["cancel"])
    await user.send("/order 103")
    tapped = await user.press_data(ask_link, cancel)
    assert w["dropped"] in tapped.alert and "Facebook views" in tapped.alert
    assert not tapped.sent and now(user, ask_link).plain_text == ask_link.plain_text
    reply = await user.send("https://www.tiktok.com/@a/video/1")  # B still asks its link
    assert w["how_many"] in reply.text

    # A quick quantity of an order given up (C for D), tapped: the same answer; D stays at its step.
    await user.send("/order 1")
    ask_quantity = new(await user.send("https://facebook.com/post/1855"))
    quick = button_data(ask_quantity, w["max"])
    await user.send("/order 103")
    tapped = await user.press_data(ask_quantity, quick)
    assert w["dropped"] in tapped.alert and "facebook.com/post/1855" in tapped.alert and not tapped.sent
    reply = await user.send("https://www.tiktok.com/@a/video/1")
    assert w["how_many"] in reply.text


@LANGS
@pytest.mark.parametrize("typed", ["{key}", "my link https://facebook.com/post/1 {key}"])
async def test_a_key_pasted_at_the_link_step_keeps_the_order(bot, lang, typed):
    w = WORDS[lang]
    user = await bot.onboarded_fast(1856 if lang == "en" else 1857, lang)
    await user.send("/order 1")
    balance_calls = bot.sim.requests.get("balance", 0)
    reply = await user.send(typed.format(key=FOREIGN_KEY))
    assert w["deleted"] in reply.text and w["key_link"] in reply.text
    assert all(m.deleted for m in user.transcript() if m.sender == "user" and FOREIGN_KEY in m.text)
    assert bot.sim.requests.get("balance", 0) == balance_calls  # not taken as a new key
    assert (await bot.db.active_account(user.id)).api_key == TEST_KEY
    reply = await user.send("https://facebook.com/post/1")  # the same step: the link is read
    assert w["how_many"] in reply.text


@LANGS
async def test_a_key_pasted_at_the_quantity_step_or_card_keeps_the_order(bot, lang):
    w = WORDS[lang]
    user = await bot.onboarded_fast(1858 if lang == "en" else 1859, lang)
    await user.send("/order 1")
    await user.send("https://facebook.com/post/1")
    reply = await user.send(FOREIGN_KEY)
    assert w["key_answer"] in reply.text
    card = await user.send("1000")
    assert w["card"] in card.text
    reply = await user.send(f"key {FOREIGN_KEY}")
    assert w["key_card"] in reply.text
    placed = await user.press(w["confirm"])
    assert w["placed"] in placed.text
    assert bot.sim.requests["add"] == 1


@LANGS
async def test_a_key_pasted_at_a_question_asked_again_from_edit_keeps_the_order(bot, lang):
    w = WORDS[lang]
    user = await bot.onboarded_fast(1870 if lang == "en" else 1871, lang)
    await order_until_confirmation(user)
    menu = (await user.press(w["edit"])).last
    await user.press(w["quantity_label"], message=menu)
    balance_calls = bot.sim.requests.get("balance", 0)
    reply = await user.send(FOREIGN_KEY)  # alone: at this step still not taken as a new key
    assert w["deleted"] in reply.text and w["key_answer"] in reply.text
    assert bot.sim.requests.get("balance", 0) == balance_calls
    assert (await bot.db.active_account(user.id)).api_key == TEST_KEY
    card = await user.send("2000")  # the same question: the answer is read
    assert w["card"] in card.text and w["2000"] in card.text


REFUSED = {
    "en": {"funds": "not enough funds on your balance", "smaller": "or type a smaller quantity",
           "fewer": "or send fewer comments here", "top_up": "💳 Add funds", "missing": "Your balance: 1 VND; missing: 624 VND.",
           "quantity": "the quantity must be from 500 to 10,000", "comments": "the number of comments must be from 20",
           "sent": "(you sent 12)", "package": "A package's quantity is set by the service, not by you",
           "edit": "✏️ Edit", "quantity_word": "quantity"},
    "vi": {"funds": "số dư không đủ", "smaller": "hoặc gõ số lượng nhỏ hơn", "fewer": "hoặc gửi lại ít bình luận hơn",
           "top_up": "💳 Nạp tiền", "missing": "Số dư hiện tại: 1 VND, còn thiếu 624 VND.", "quantity": "số lượng phải từ 500 đến 10.000",
           "comments": "số bình luận phải từ 20", "sent": "(bạn đã gửi 12)",
           "package": "Số lượng của gói do dịch vụ quy định, không phải do bạn chọn", "edit": "✏️ Sửa",
           "quantity_word": "số lượng"},
}


def url_buttons(message):
    return {b["text"]: b["url"] for row in message.reply_markup or [] for b in row if "url" in b}


@LANGS
async def test_not_enough_funds_says_what_is_missing_and_offers_the_panels_add_funds_page(bot, lang):
    w, r = WORDS[lang], REFUSED[lang]
    bot.sim.add_key(f"poor-key-{lang}-123456789", Decimal("1"), "VND")
    user = await bot.onboarded_fast(1860 if lang == "en" else 1861, lang, key=f"poor-key-{lang}-123456789")
    await order_until_confirmation(user, 101, "https://facebook.com/p/1860", "50000")
    refused = await user.press(w["confirm"])
    card = refused.last
    assert r["funds"] in card.plain_text and r["smaller"] in card.plain_text
    assert r["missing"] in card.plain_text  # the balance now, and what the order lacks (625 VND)
    assert card.plain_text.count("1 VND") == 1  # said once, in the note
    assert url_buttons(card) == {r["top_up"]: f"{bot.sim.url.split('/api')[0]}/addfunds"}
    assert w["confirm"] in card.buttons and r["edit"] in card.buttons  # to retry, or to change it
    assert bot.sim.requests["add"] == 1

    # A package: its quantity is not the user's to lower.
    await user.send("/order 304")
    await user.send("https://instagram.com/me")
    card = (await user.press(w["confirm"])).last
    assert r["funds"] in card.plain_text and r["smaller"] not in card.plain_text and r["fewer"] not in card.plain_text
    assert r["top_up"] in url_buttons(card)


@LANGS
async def test_a_quantity_refused_by_the_panel_gives_the_range_to_choose_from(bot, lang):
    w, r = WORDS[lang], REFUSED[lang]
    user = await bot.onboarded_fast(1862 if lang == "en" else 1863, lang)
    await order_until_confirmation(user, 1, "https://facebook.com/post/1862", "300")
    bot.sim.respond_next({"error": "Quantity less than minimal 500"}, action="add")  # the panel's limit changed
    card = (await user.press(w["confirm"])).last
    assert r["quantity"] in card.plain_text
    assert not url_buttons(card) and w["confirm"] in card.buttons


@LANGS
async def test_comments_refused_count_the_comments_not_a_quantity(bot, lang):
    w, r = WORDS[lang], REFUSED[lang]
    user = await bot.onboarded_fast(1864 if lang == "en" else 1865, lang)
    await user.send("/order 205")
    await user.send("https://www.tiktok.com/@a/video/1")
    await user.send("\n".join(f"comment {i}" for i in range(12)))
    bot.sim.respond_next({"error": "Quantity less than minimal 20"}, action="add")
    card = (await user.press(w["confirm"])).last
    assert r["comments"] in card.plain_text and r["sent"] in card.plain_text
    note = card.plain_text.split("❌")[1]
    assert r["quantity_word"] not in note.lower()


@LANGS
async def test_a_package_refused_for_its_quantity_does_not_blame_the_user(bot, lang):
    w, r = WORDS[lang], REFUSED[lang]
    user = await bot.onboarded_fast(1866 if lang == "en" else 1867, lang)
    await user.send("/order 304")
    await user.send("https://instagram.com/me")
    bot.sim.respond_next({"error": "Quantity less than minimal 1000"}, action="add")
    card = (await user.press(w["confirm"])).last
    assert r["package"] in card.plain_text and "Quantity less than minimal 1000" in card.plain_text
    assert r["edit"] not in card.plain_text.split("❌")[1]  # no Edit to choose another quantity
