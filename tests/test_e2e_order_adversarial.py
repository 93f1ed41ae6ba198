"""The order conversation used as a reseller uses it all day, trying to break it (issue 18): changes
stacked on changes before Confirm, double taps, old cards and prompts tapped after moving on,
Order again over an open card, Telegram edits at odd moments, odd things pasted, refusals then a
retry. Each test says what the panel must receive (the last values, exactly once) and what the
user must see; both languages."""

from __future__ import annotations

import asyncio
import logging
import os
import random
from decimal import Decimal

import pytest

from tests.conftest import TEST_KEY, button_data, order_until_confirmation
from tests.test_e2e_order_edit import label, number, row, say, title, typed
from tests.test_e2e_secrets import FOREIGN_KEY

LANGS = ["en", "vi"]


def uid(lang: str, n: int) -> int:
    return 18_700 + n * 2 + (lang == "vi")


def new(reply):
    """The last message the bot sent in `reply` (`reply.last` may be an older one it edited)."""
    return reply.messages[-1]


def now(user, message):
    """`message` as the chat shows it now."""
    return next(m for m in user.messages() if m.message_id == message.message_id)


def live(user):
    """The bot's messages that still have buttons."""
    return [m.message_id for m in user.messages() if m.buttons]


def placed(bot):
    """The orders the panel received, oldest first."""
    return [bot.sim.orders[i] for i in sorted(bot.sim.orders)]


def taps(message) -> dict[str, str]:
    """The message's buttons now (text -> callback data), to tap them once they are gone."""
    return {b["text"]: b["callback_data"] for r in message.reply_markup or [] for b in r if "callback_data" in b}


def adds(bot) -> int:
    return bot.sim.requests.get("add", 0)


@pytest.mark.parametrize("lang", LANGS)
async def test_number_then_edit_back_then_link_places_the_last_values_once(bot, lang):
    user = await bot.onboarded_fast(uid(lang, 0), lang)
    first = new(await order_until_confirmation(user, 1, "https://facebook.com/post/1", "1000"))
    first_taps = taps(first)
    second = new(await user.send("2.000" if lang == "vi" else "2,000"))
    assert row(lang, "quantity", 2000) in second.plain_text
    menu = (await user.press(label(lang, "button.edit"), message=second)).last
    asked = new(await user.press(label(lang, "form.label.quantity"), message=menu))
    card = new(await user.press(label(lang, "button.back_to_card"), message=asked))
    assert row(lang, "quantity", 2000) in card.plain_text
    card = new(await user.send("https://facebook.com/post/2"))
    assert row(lang, "quantity", 2000) in card.plain_text and "https://facebook.com/post/2" in card.plain_text
    assert live(user) == [card.message_id]  # only the card to confirm has buttons

    # The first card's Confirm (its token is old): never places 1000 on post/1; the order waits.
    tapped = await user.press_data(first, first_taps[label(lang, "button.confirm")])
    assert adds(bot) == 0 and tapped.alert == say(lang, "order.old_step")
    assert label(lang, "button.confirm") in now(user, card).buttons  # the current card untouched
    confirm = button_data(card, label(lang, "button.confirm"))
    done = await user.press_data(card, confirm)
    assert say(lang, "order.placed") in done.text
    again = await user.press_data(card, confirm)  # a double tap
    assert adds(bot) == 1 and str(max(bot.sim.orders)) in (again.alert or "")
    assert [(o.link, o.quantity) for o in placed(bot)] == [("https://facebook.com/post/2", 2000)]


@pytest.mark.parametrize("lang", LANGS)
async def test_the_old_cards_confirm_leaves_the_current_card_changeable(bot, lang):
    """A tap on the card shown before a change must not end the order in progress: the current
    card still takes a typed quantity, and its Confirm places that."""
    user = await bot.onboarded_fast(uid(lang, 1), lang)
    first = new(await order_until_confirmation(user, 1, "https://facebook.com/post/1", "1000"))
    first_taps = taps(first)
    current = new(await user.send("1500"))
    for name in ("button.confirm", "button.edit", "button.abort"):
        tapped = await user.press_data(first, first_taps[label(lang, name)])
        assert tapped.alert == say(lang, "order.old_step") and not tapped.sent, name
        assert now(user, current).plain_text == current.plain_text and now(user, current).buttons
    card = new(await user.send("3000"))
    assert title(lang) in card.plain_text and row(lang, "quantity", 3000) in card.plain_text
    await user.press(label(lang, "button.confirm"), message=card)
    assert [(o.link, o.quantity) for o in placed(bot)] == [("https://facebook.com/post/1", 3000)]


@pytest.mark.parametrize("lang", LANGS)
async def test_order_again_over_an_open_card_drops_it_and_places_only_the_new_one(bot, lang):
    user = await bot.onboarded_fast(uid(lang, 2), lang)
    await order_until_confirmation(user, 1, "https://facebook.com/post/1", "1000")
    order_card = (await user.press(label(lang, "button.confirm"))).last
    bot.sim.complete_order(max(bot.sim.orders))
    # Order B's card is open (not confirmed) when Order again is tapped on A.
    open_card = new(await order_until_confirmation(user, 101, "https://facebook.com/post/b", "500"))
    open_taps = taps(open_card)
    again = new(await user.press("🔁", message=order_card))
    assert title(lang) in again.plain_text and "https://facebook.com/post/1" in again.plain_text
    assert not now(user, open_card).buttons and now(user, open_card).plain_text == open_card.plain_text
    tapped = await user.press_data(open_card, open_taps[label(lang, "button.confirm")])
    assert "facebook.com/post/b" in (tapped.alert or "") and adds(bot) == 1
    card = new(await user.send("1.200" if lang == "vi" else "1,200"))
    assert row(lang, "quantity", 1200) in card.plain_text
    await user.press(label(lang, "button.confirm"), message=card)
    assert [(o.service_id, o.link, o.quantity) for o in placed(bot)] == [
        (1, "https://facebook.com/post/1", 1000), (1, "https://facebook.com/post/1", 1200)]


@pytest.mark.parametrize("lang", LANGS)
async def test_order_again_on_a_service_gone_from_the_catalogue(bot, lang):
    user = await bot.onboarded_fast(uid(lang, 3), lang)
    await order_until_confirmation(user, 101, "https://facebook.com/post/1", "500")
    order_card = (await user.press(label(lang, "button.confirm"))).last
    bot.sim.set_catalogue([s for s in bot.sim.catalogue if s["service"] != 101])
    await user.send("/order")
    await user.press("🔄")  # the catalogue read again
    buttons = order_card.buttons
    reply = await user.press("🔁", message=order_card)
    assert reply.alert == say(lang, "order.service_gone") and not reply.sent
    assert now(user, order_card).buttons == buttons  # the order's card keeps Refresh, Cancel order...
    assert adds(bot) == 1
    # With another order at its card: that order stays there, still changeable.
    card = new(await order_until_confirmation(user, 1, "https://facebook.com/post/2", "1000"))
    reply = await user.press("🔁", message=order_card)
    assert reply.alert == say(lang, "order.service_gone") and now(user, card).buttons
    reply = await user.send("2000")
    assert title(lang) in reply.text and row(lang, "quantity", 2000) in reply.text


@pytest.mark.parametrize("lang", LANGS)
async def test_order_again_on_a_comments_order_then_a_number(bot, lang):
    user = await bot.onboarded_fast(uid(lang, 4), lang)
    await user.send("/order 205")
    await user.send("https://www.tiktok.com/@a/video/1")
    await user.send("\n".join(f"bình luận {i}" for i in range(12)))
    order_card = (await user.press(label(lang, "button.confirm"))).last
    bot.sim.complete_order(max(bot.sim.orders))
    card = new(await user.press("🔁", message=order_card))
    assert title(lang) in card.plain_text and "bình luận 0" in card.plain_text
    assert say(lang, "order.again_lines", id=max(bot.sim.orders)) in card.plain_text  # what typing here does
    for text in ("1000", "1.000", "2k"):  # a quantity meant: told how, the comments kept
        reply = await user.send(text)
        assert reply.text == say(lang, "order.quantity_is_lines", label=label(lang, "form.label.comments")), text
    assert label(lang, "button.confirm") in now(user, card).buttons  # the card as it was, to confirm
    reply = await user.send("\n".join(f"mới {i}" for i in range(15)))  # as the note says: a new list
    assert say(lang, "order.changed", label=label(lang, "form.label.comments")) in reply.text
    await user.press(label(lang, "button.confirm"), message=new(reply))
    assert adds(bot) == 2 and placed(bot)[-1].quantity == 15


@pytest.mark.parametrize("lang", LANGS)
async def test_order_again_after_the_panel_lowered_the_maximum(bot, lang):
    user = await bot.onboarded_fast(uid(lang, 5), lang)
    await order_until_confirmation(user, 1, "https://facebook.com/post/1", "5000")
    order_card = (await user.press(label(lang, "button.confirm"))).last
    bot.sim.complete_order(max(bot.sim.orders))
    bot.sim.set_catalogue([{**s, "max": "3000"} if s["service"] == 1 else s for s in bot.sim.catalogue])
    await user.send("/order")
    await user.press("🔄")
    reply = await user.press("🔁", message=order_card)
    assert say(lang, "form.problem.above_max", min=number(lang, 200), max=number(lang, 3000), step=1) in reply.text
    reply = await user.send("3000")
    assert title(lang) in reply.text and row(lang, "quantity", 3000) in reply.text
    await user.press(label(lang, "button.confirm"), message=new(reply))
    assert placed(bot)[-1].quantity == 3000 and adds(bot) == 2


@pytest.mark.parametrize("lang", LANGS)
async def test_edits_after_the_order_was_placed_change_nothing(bot, lang):
    user = await bot.onboarded_fast(uid(lang, 6), lang)
    await order_until_confirmation(user, 1, "https://facebook.com/post/1", "1000")
    await user.press(label(lang, "button.confirm"))
    chat_before = [(m.message_id, m.plain_text) for m in user.messages()]
    await user.edit(typed(user), "9000")  # the quantity's message
    await user.edit(typed(user, -2), "https://facebook.com/post/9")  # the link's
    assert [(o.link, o.quantity) for o in placed(bot)] == [("https://facebook.com/post/1", 1000)]
    assert [(m.message_id, m.plain_text) for m in user.messages()][:len(chat_before)] == chat_before
    # And a new order is not fed by an edit of the old one's answers.
    await user.send("/order 1")
    reply = await user.edit(typed(user, -2), "5000", expect_reply=True)  # the old quantity message
    assert reply.text == say(lang, "order.edit_not_read")
    reply = await user.send("https://facebook.com/post/3")
    assert say(lang, "form.ask.quantity", min=number(lang, 200), max=number(lang, 10000), note="") in reply.text


@pytest.mark.parametrize("lang", LANGS)
async def test_the_quantity_edited_while_a_later_question_is_asked(bot, lang):
    user = await bot.onboarded_fast(uid(lang, 7), lang)
    await user.send("/order 104")  # drip-feed: runs asked after the quantity
    await user.send("https://facebook.com/post/7")
    await user.send("1000")
    quantity_message = typed(user)
    reply = await user.edit(quantity_message, "2000", expect_reply=True)
    assert say(lang, "order.changed", label=label(lang, "form.label.quantity")) in reply.text
    reply = await user.edit(quantity_message, "5", expect_reply=True)  # refused: 2000 stays
    assert say(lang, "order.not_changed", label=label(lang, "form.label.quantity"), reason="").strip() in reply.text
    reply = await user.press(label(lang, "button.skip"))
    assert row(lang, "quantity", 2000) in reply.text
    await user.press(label(lang, "button.confirm"), message=new(reply))
    assert [(o.link, o.quantity) for o in placed(bot)] == [("https://facebook.com/post/7", 2000)]


@pytest.mark.parametrize("lang", LANGS)
async def test_the_link_message_edited_into_a_key_is_deleted_and_the_order_kept(bot, lang):
    user = await bot.onboarded_fast(uid(lang, 8), lang)
    card = new(await order_until_confirmation(user, 1, "https://facebook.com/post/1", "1000"))
    link_message = typed(user, -2)
    reply = await user.edit(link_message, f"https://facebook.com/post/1 {FOREIGN_KEY}", expect_reply=True)
    assert say(lang, "key.deleted_order_card", service="Facebook views") in reply.text
    assert now_deleted(user, link_message)
    assert (await bot.db.active_account(user.id)).api_key == TEST_KEY
    assert now(user, card).buttons  # the card is still the one to confirm
    await user.press(label(lang, "button.confirm"), message=card)
    assert [(o.link, o.quantity) for o in placed(bot)] == [("https://facebook.com/post/1", 1000)]


def now_deleted(user, message) -> bool:
    return next(m for m in user.transcript() if m.message_id == message.message_id).deleted


@pytest.mark.parametrize("lang", LANGS)
async def test_a_pasted_link_then_a_key_then_cancel(bot, lang):
    user = await bot.onboarded_fast(uid(lang, 9), lang)
    reply = await user.send("https://www.tiktok.com/@vui/video/1")
    assert say(lang, "link.offer", link="https://www.tiktok.com/@vui/video/1").split("\n")[0] in reply.text
    offer = user.last_message()
    await user.send(FOREIGN_KEY)  # read as a new key: checked with the panel, refused
    assert all(m.deleted for m in user.transcript() if m.sender == "user" and FOREIGN_KEY in m.text)
    assert (await bot.db.active_account(user.id)).api_key == TEST_KEY  # the saved key kept
    reply = await user.send("/cancel")  # (the refusal above offers /cancel; there is no step to cancel)
    assert reply.text.startswith((say(lang, "cancel.nothing"), say(lang, "cancel.done")))
    # The offer is still there to use: its link is kept, the quantity asked next.
    await user.press("TikTok View (1)", message=offer)
    reply = await user.press("203 · ", message=offer)
    assert say(lang, "form.ask.quantity", min=number(lang, 1000), max=number(lang, 1000000), note="").split("\n")[0] \
        in reply.text
    reply = await user.send("2k")
    assert "https://www.tiktok.com/@vui/video/1" in reply.text and row(lang, "quantity", 2000) in reply.text
    assert adds(bot) == 0


UNICODE_LINK = "https://www.facebook.com/Trang.Cá.Nhân/posts/123?ref=đẹp"
LONG_LINK = "https://shopee.vn/" + "a" * 600
ODD_TEXTS = [UNICODE_LINK, LONG_LINK, "https://facebook.com/post/1 tăng like giúp mình nhé", "shopee.vn", "1.000",
             "anna@example.com"]


@pytest.mark.parametrize("lang", LANGS)
async def test_odd_things_typed_outside_an_order(bot, lang):
    user = await bot.onboarded_fast(uid(lang, 10), lang)
    offer = say(lang, "link.offer", link="x").split("\n")[0]
    for text, link in ((UNICODE_LINK, UNICODE_LINK), (LONG_LINK, LONG_LINK[:100]), ("shopee.vn", "https://shopee.vn")):
        reply = await user.send(text)  # a link alone: offered an order for it
        assert offer in reply.text and link in reply.text and len(reply.last.text) <= 4096, text
    for text in ("https://facebook.com/post/1 tăng like giúp mình nhé", "1.000", "anna@example.com"):
        reply = await user.send(text)  # not a link alone: searched, and said so
        assert offer not in reply.text and reply.last.buttons, text
    # The long link's order: the link refused with the reason (its length), asked again.
    await user.send(LONG_LINK)
    await user.press("Shopee (3)")
    reply = await user.press("601 · ")
    assert say(lang, "form.problem.link_too_long", length=618, max=512) in reply.text
    reply = await user.send("https://shopee.vn/shop/1")
    assert say(lang, "form.ask.quantity", min=number(lang, 100), max=number(lang, 10000), note="") in reply.text
    assert adds(bot) == 0


@pytest.mark.parametrize("lang", LANGS)
async def test_odd_things_typed_at_the_card(bot, lang):
    user = await bot.onboarded_fast(uid(lang, 11), lang)
    await order_until_confirmation(user, 1, "https://facebook.com/post/1", "1000")
    changed = say(lang, "order.changed", label=label(lang, "form.label.link"))
    reply = await user.send(UNICODE_LINK)
    assert changed in reply.text and UNICODE_LINK in reply.text
    reply = await user.send("shopee.vn")  # a bare address: the link, as outside an order
    assert changed in reply.text and "https://shopee.vn" in reply.text
    reply = await user.send(LONG_LINK)  # a link, too long: why, and the link kept
    assert say(lang, "form.problem.link_too_long", length=618, max=512) in reply.text
    assert say(lang, "order.not_changed", label=label(lang, "form.label.link"), reason="").strip() in reply.text
    assert "https://shopee.vn" in reply.text and title(lang) in reply.text
    for text in ("https://facebook.com/post/1 tăng like giúp mình nhé", "anna@example.com"):
        reply = await user.send(text)
        assert reply.text == say(lang, "order.card_hint"), text
    reply = await user.send("1.000" if lang == "vi" else "1,500")
    quantity = 1000 if lang == "vi" else 1500
    assert row(lang, "quantity", quantity) in reply.text
    assert live(user) == [new(reply).message_id]
    await user.press(label(lang, "button.confirm"), message=new(reply))
    assert [(o.link, o.quantity) for o in placed(bot)] == [("https://shopee.vn", quantity)]


@pytest.mark.parametrize("lang", LANGS)
async def test_not_enough_funds_then_a_top_up_then_confirm_places_once(bot, lang):
    key = f"poor-key-{lang}-987654321"
    bot.sim.add_key(key, Decimal("1"), "VND")
    user = await bot.onboarded_fast(uid(lang, 12), lang, key=key)
    await order_until_confirmation(user, 101, "https://facebook.com/p/1", "50000")
    refused = (await user.press(label(lang, "button.confirm"))).last
    confirm = taps(refused)[label(lang, "button.confirm")]
    assert say(lang, "order.refused_funds") in refused.plain_text
    bot.sim.set_balance(key, Decimal("1000000"))
    done = await user.press(label(lang, "button.confirm"), message=refused)
    assert say(lang, "order.placed") in done.text
    again = await user.press_data(refused, confirm)
    assert str(max(bot.sim.orders)) in (again.alert or "")
    assert len(placed(bot)) == 1 and placed(bot)[0].quantity == 50000


@pytest.mark.parametrize("lang", LANGS)
async def test_a_refused_quantity_then_a_number_typed_at_the_card(bot, lang):
    user = await bot.onboarded_fast(uid(lang, 13), lang)
    await order_until_confirmation(user, 1, "https://facebook.com/post/1", "300")
    bot.sim.respond_next({"error": "Quantity less than minimal 500"}, action="add")
    refused = (await user.press(label(lang, "button.confirm"))).last
    retry = taps(refused)[label(lang, "button.confirm")]
    card = new(await user.send("600"))
    assert title(lang) in card.plain_text and row(lang, "quantity", 600) in card.plain_text
    assert not now(user, refused).buttons
    tapped = await user.press_data(refused, retry)  # the refused card's Confirm: 300 is not sent again
    assert tapped.alert == say(lang, "order.old_step") and adds(bot) == 1
    await user.press(label(lang, "button.confirm"), message=card)
    assert [o.quantity for o in placed(bot)] == [600]


@pytest.mark.parametrize("lang", LANGS)
async def test_every_button_of_old_prompts_and_cards_is_answered_and_changes_nothing(bot, lang):
    user = await bot.onboarded_fast(uid(lang, 14), lang)
    olds = [new(await user.send("/order 104"))]
    olds.append(new(await user.send("https://facebook.com/post/1")))
    olds.append(new(await user.send("1000")))  # runs asked
    olds.append(new(await user.press(label(lang, "button.skip"))))  # the card
    buttons = [(m, data) for m in olds for data in taps(m).values()]
    menu = (await user.press(label(lang, "button.edit"), message=olds[-1])).last
    buttons += [(menu, data) for data in taps(menu).values()]
    asked = new(await user.press(label(lang, "form.label.quantity"), message=menu))
    buttons += [(asked, data) for data in taps(asked).values()]
    card = new(await user.send("1500"))
    assert len(buttons) >= 10 and live(user) == [card.message_id]
    texts_before = {m.message_id: m.plain_text for m in user.messages()}
    for message, data in buttons:
        tapped = await user.press_data(message, data)  # every tap answered (checked by the fixture)
        assert tapped.alert == say(lang, "order.old_step") and not tapped.sent, data
        for m in user.messages():  # no message above rewritten out of sight
            if m.message_id in texts_before:
                assert m.plain_text == texts_before[m.message_id], (data, m.describe())
    assert adds(bot) == 0
    reply = await user.send("2000")  # the card still takes a number
    assert row(lang, "quantity", 2000) in reply.text and title(lang) in reply.text
    await user.press(label(lang, "button.confirm"), message=new(reply))
    assert [(o.link, o.quantity) for o in placed(bot)] == [("https://facebook.com/post/1", 2000)]


@pytest.mark.parametrize("lang", LANGS)
async def test_two_taps_on_confirm_while_the_panel_is_slow_place_once(bot, lang):
    user = await bot.onboarded_fast(uid(lang, 15), lang)
    card = new(await order_until_confirmation(user, 1, "https://facebook.com/post/1", "1000"))
    confirm = taps(card)[label(lang, "button.confirm")]
    bot.sim.slow_seconds = 0.4  # under the bot's deadline: the answer comes, late
    bot.sim.fail_next(1, "slow", action="add")
    first, second = await asyncio.gather(user.press_data(card, confirm), user.press_data(card, confirm))
    assert adds(bot) == 1 and len(placed(bot)) == 1
    assert say(lang, "order.placed") in now(user, card).plain_text
    assert first.answer.answer is not None and second.answer.answer is not None  # no spinner left
    # Once more after the order is placed: said, not sent.
    third = await user.press_data(card, confirm)
    assert str(max(bot.sim.orders)) in (third.alert or "") and adds(bot) == 1


@pytest.mark.parametrize("lang", LANGS)
async def test_the_card_survives_a_restart_and_places_the_last_values(bot_runner, lang):
    bot = await bot_runner.start()
    user = await bot.onboarded_fast(uid(lang, 16), lang)
    await order_until_confirmation(user, 1, "https://facebook.com/post/1", "1000")
    card = new(await user.send("2500"))
    await bot_runner.stop()
    bot = await bot_runner.start()
    card = new(await user.send("3000"))  # still at the card: the number changes it
    assert row(lang, "quantity", 3000) in card.plain_text
    await user.press(label(lang, "button.confirm"), message=card)
    assert [(o.link, o.quantity) for o in placed(bot)] == [("https://facebook.com/post/1", 3000)]
    await bot_runner.stop()
    bot.fake.assert_clean()


@pytest.mark.parametrize("lang", LANGS)
async def test_a_number_typed_while_edits_menu_is_open(bot, lang):
    user = await bot.onboarded_fast(uid(lang, 17), lang)
    card = new(await order_until_confirmation(user, 1, "https://facebook.com/post/1", "1000"))
    menu = (await user.press(label(lang, "button.edit"), message=card)).last
    assert menu.message_id == card.message_id and say(lang, "order.edit_which") in menu.plain_text
    reply = await user.send("4000")  # typed instead of choosing: the card, changed
    assert row(lang, "quantity", 4000) in reply.text and title(lang) in reply.text
    assert live(user) == [new(reply).message_id]  # the menu's buttons are gone
    await user.press(label(lang, "button.confirm"), message=new(reply))
    assert [o.quantity for o in placed(bot)] == [4000]


@pytest.mark.parametrize("lang", LANGS)
async def test_a_link_asked_again_refuses_a_number_and_back_keeps_the_card(bot, lang):
    user = await bot.onboarded_fast(uid(lang, 18), lang)
    card = new(await order_until_confirmation(user, 1, "https://facebook.com/post/1", "1000"))
    menu = (await user.press(label(lang, "button.edit"), message=card)).last
    await user.press(label(lang, "form.label.link"), message=menu)
    reply = await user.send("2000")  # a quantity where the link is asked: refused, asked again
    assert say(lang, "order.edit_current", value="https://facebook.com/post/1") in reply.text
    reply = await user.press(label(lang, "button.back_to_card"), message=new(reply))
    assert "https://facebook.com/post/1" in reply.text and row(lang, "quantity", 1000) in reply.text
    await user.press(label(lang, "button.confirm"), message=new(reply))
    assert [(o.link, o.quantity) for o in placed(bot)] == [("https://facebook.com/post/1", 1000)]


@pytest.mark.parametrize("lang", LANGS)
async def test_a_new_order_started_while_an_answer_is_asked_again(bot, lang):
    user = await bot.onboarded_fast(uid(lang, 19), lang)
    card = new(await order_until_confirmation(user, 1, "https://facebook.com/post/1", "1000"))
    menu = (await user.press(label(lang, "button.edit"), message=card)).last
    asked = new(await user.press(label(lang, "form.label.quantity"), message=menu))
    back = taps(asked)[label(lang, "button.back_to_card")]
    await user.send("/order 101")
    tapped = await user.press_data(asked, back)  # Back of the order given up
    assert "facebook.com/post/1" in (tapped.alert or "") and not tapped.sent
    await user.send("https://facebook.com/post/2")
    card = new(await user.send("500"))
    await user.press(label(lang, "button.confirm"), message=card)
    assert [(o.service_id, o.link, o.quantity) for o in placed(bot)] == [(101, "https://facebook.com/post/2", 500)]


@pytest.mark.parametrize("lang", LANGS)
async def test_not_enough_funds_then_a_smaller_quantity(bot, lang):
    key = f"poor-key-{lang}-555555555"
    bot.sim.add_key(key, Decimal("300"), "VND")
    user = await bot.onboarded_fast(uid(lang, 20), lang, key=key)
    await order_until_confirmation(user, 101, "https://facebook.com/p/1", "50000")  # 625 VND
    refused = (await user.press(label(lang, "button.confirm"))).last
    assert say(lang, "order.refused_funds") in refused.plain_text
    card = new(await user.send("20000"))  # 250 VND
    assert row(lang, "quantity", 20000) in card.plain_text and not now(user, refused).buttons
    await user.press(label(lang, "button.confirm"), message=card)
    assert [o.quantity for o in placed(bot)] == [20000] and adds(bot) == 2


@pytest.mark.parametrize("lang", LANGS)
async def test_comments_edited_in_telegram_at_the_card(bot, lang):
    user = await bot.onboarded_fast(uid(lang, 21), lang)
    await user.send("/order 205")
    await user.send("https://www.tiktok.com/@a/video/1")
    await user.send("\n".join(f"hay quá {i}" for i in range(12)))
    reply = await user.edit(typed(user), "\n".join(f"tuyệt vời {i}" for i in range(20)), expect_reply=True)
    assert say(lang, "order.changed", label=label(lang, "form.label.comments")) in reply.text
    assert "tuyệt vời 0" in reply.text
    await user.press(label(lang, "button.confirm"), message=new(reply))
    assert placed(bot)[-1].quantity == 20 and adds(bot) == 1


@pytest.mark.parametrize("lang", LANGS)
async def test_the_language_changed_in_the_middle_of_an_order(bot, lang):
    other = "en" if lang == "vi" else "vi"
    user = await bot.onboarded_fast(uid(lang, 22), lang)
    card = new(await order_until_confirmation(user, 1, "https://facebook.com/post/1", "1000"))
    old_confirm = taps(card)[label(lang, "button.confirm")]
    await bot.db.set_language(user.id, other)  # as /settings does
    reply = await user.send("2000")
    assert title(other) in reply.text and row(other, "quantity", 2000) in reply.text
    tapped = await user.press_data(card, old_confirm)  # the old card, in the old words
    assert tapped.alert == say(other, "order.old_step") and adds(bot) == 0 and not tapped.sent
    await user.press(label(other, "button.confirm"), message=new(reply))
    assert [o.quantity for o in placed(bot)] == [2000]


@pytest.mark.parametrize("lang", LANGS)
async def test_a_number_typed_after_looking_elsewhere_changes_the_live_card(bot, lang):
    user = await bot.onboarded_fast(uid(lang, 23), lang)
    card = new(await order_until_confirmation(user, 1, "https://facebook.com/post/1", "1000"))
    await user.send("/balance")  # a glance (bot.handlers.conversation.GLANCE_COMMANDS): the card stays open
    assert now(user, card).buttons  # still confirmable
    reply = await user.send("3000")
    assert row(lang, "quantity", 3000) in reply.text
    # Going elsewhere (the catalogue) does leave the card's step: a number is then a service id.
    await user.send("/services")
    reply = await user.send("103")
    assert row(lang, "quantity", 3000) not in reply.text and "103" in reply.text


# --- A day of random use: every button ever shown tapped at random, typed answers, edits ----------

ORDER_KINDS = ("q", "cf", "ed", "ab", "ag", "ofa", "ofs", "oef", "oeb")
SEED_BASE = int(os.environ.get("ADV_SEED", "0"))  # another day: ADV_SEED=100 pytest -k random
TAP_WEIGHTS = {"cf": 6, "ab": 0.3}  # Cancel rarely, or no order gets far
STEP_KINDS = ("q", "cf", "ed", "ab", "ofa", "ofs", "oef", "oeb")  # the buttons of an order's step


def _values_on(text: str, lang: str) -> tuple[str, int] | None:
    """The link and quantity a card shows (its plain text), or None if it is no card."""
    if title(lang) not in text:
        return None
    link = next((line.split(": ", 1)[1] for line in text.splitlines() if line.startswith("Link: ")), None)
    shown = None
    for field in ("total_quantity", "quantity"):  # drip-feed: the total is what the panel counts
        prefix = label(lang, f"form.label.{field}") + ": "
        shown = shown or next((line[len(prefix):] for line in text.splitlines() if line.startswith(prefix)), None)
    if link is None or shown is None:
        return None
    return link, int(shown.replace(",", "").replace(".", ""))


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("seed", range(4))
async def test_a_day_of_random_taps_and_typing_never_places_what_the_card_did_not_show(bot, lang, seed):
    rng = random.Random(seed * 2 + (lang == "vi") + SEED_BASE)
    log: list[str] = []  # what the user did, to tell a failure's story
    user = await bot.onboarded_fast(uid(lang, 30 + seed), lang)
    seen: list[tuple[object, str, str]] = []  # (message, callback data, its text when the button was there)
    known: set[tuple[int, str]] = set()
    generic_error = say(lang, "error.generic")

    def record() -> None:
        for message in user.messages():
            for data in taps(message).values():
                if data.split(":")[0] in ORDER_KINDS and (message.message_id, data) not in known:
                    known.add((message.message_id, data))
                    seen.append((message, data, message.plain_text))

    async def act() -> object:
        roll = rng.random()
        if roll < 0.12 or not seen:
            service = rng.choice((1, 101, 104, 504))  # plain, plain, drip-feed (Skip), poll (choices)
            log.append(f"/order {service}")
            return await user.send(f"/order {service}")
        if roll < 0.30:
            text = rng.choice(("1000", "2,500", "3.000", "5", "99999", "1,5k", "700", "hello"))
            log.append(f"send {text}")
            return await user.send(text)
        if roll < 0.40:
            log.append("send a link")
            return await user.send(f"https://facebook.com/post/{rng.randint(1, 9)}")
        if roll < 0.48:
            mine = [m for m in user.transcript() if m.sender == "user" and not m.deleted and not m.text.startswith("/")]
            if mine:
                log.append("edit a message")
                return await user.edit(rng.choice(mine), rng.choice(("4000", "https://facebook.com/post/77")))
            return None
        current = [(m, d, t) for m, d, t in seen if d in taps(m).values()]  # buttons still shown
        pool = current if current and rng.random() < 0.6 else seen
        message, data, _ = rng.choices(pool, weights=[TAP_WEIGHTS.get(d.split(":")[0], 1) for _, d, _ in pool])[0]
        if next((m for m in user.transcript() if m.message_id == message.message_id), message).deleted:
            return None
        before = set(bot.sim.orders)
        text_then = next(t for m, d, t in seen if m.message_id == message.message_id and d == data)
        log.append(f"tap {data} on #{message.message_id}")
        reply = await user.press_data(message, data)
        new_orders = [bot.sim.orders[i] for i in set(bot.sim.orders) - before]
        if new_orders:  # a placement: only by a Confirm, with exactly what its card showed
            assert data.startswith("cf:") and len(new_orders) == 1, (data, text_then)
            shown = _values_on(text_then, lang)
            assert shown == (new_orders[0].link, new_orders[0].quantity), (text_then, new_orders[0])
        return reply

    with caplogging() as errors:
        for _ in range(80):
            await act()
            record()
            assert not [m for m in user.messages() if generic_error in m.plain_text]
            assert all(len(m.text) <= 4096 for m in user.messages())
            steps = [m for m in user.messages() if any(d.split(":")[0] in STEP_KINDS for d in taps(m).values())]
            assert len(steps) <= 1, ([m.describe() for m in steps], log)  # one live order step at a time
        assert not errors, errors


class caplogging:
    """Error records logged by the bot while the block runs (an unhandled exception is one)."""

    def __enter__(self):
        self.records: list[str] = []
        handler = logging.Handler(logging.ERROR)
        handler.emit = lambda record: self.records.append(record.getMessage())  # type: ignore[method-assign]
        self.handler = handler
        logging.getLogger().addHandler(handler)
        return self.records

    def __exit__(self, *exc):
        logging.getLogger().removeHandler(self.handler)
        return False


@pytest.mark.parametrize("lang", LANGS)
async def test_order_again_at_once_names_the_running_order_as_its_card_does(bot, lang):
    user = await bot.onboarded_fast(uid(lang, 24), lang)
    await order_until_confirmation(user, 1, "https://facebook.com/post/1", "1000")
    order_card = (await user.press(label(lang, "button.confirm"))).last
    soon = say(lang, "status.checking_soon")
    assert soon in order_card.plain_text
    card = new(await user.press("🔁", message=order_card))  # the same again, straight away
    assert say(lang, "history.duplicate", id=max(bot.sim.orders), status=soon) in card.plain_text
    assert say(lang, "status.unknown") not in card.plain_text


@pytest.mark.parametrize("lang", LANGS)
async def test_the_panel_lowered_the_maximum_while_the_card_was_open(bot, lang):
    user = await bot.onboarded_fast(uid(lang, 25), lang)
    card = new(await order_until_confirmation(user, 1, "https://facebook.com/post/1", "5000"))
    bot.sim.set_catalogue([{**s, "max": "3000"} if s["service"] == 1 else s for s in bot.sim.catalogue])
    refused = (await user.press(label(lang, "button.confirm"), message=card)).last
    assert number(lang, 3000) in refused.plain_text and adds(bot) == 1 and not placed(bot)
    card = new(await user.send("3000"))
    assert row(lang, "quantity", 3000) in card.plain_text
    await user.press(label(lang, "button.confirm"), message=card)
    assert [o.quantity for o in placed(bot)] == [3000]


def long_paste(count: int) -> list[str]:
    """`count` comments pasted at once, as Telegram sends them: cut into messages of at most 4096
    characters, at line ends."""
    lines = [f"Sản phẩm rất tốt, giao hàng nhanh, mình sẽ ủng hộ shop tiếp lần sau nhé {i}" for i in range(count)]
    parts, part = [], ""
    for line in lines:
        if part and len(part) + 1 + len(line) > 4096:
            parts.append(part)
            part = ""
        part = f"{part}\n{line}" if part else line
    return [*parts, part]


@pytest.mark.parametrize("lang", LANGS)
async def test_a_long_comment_list_telegram_cut_into_parts_is_ordered_whole(bot, lang):
    user = await bot.onboarded_fast(uid(lang, 26), lang)
    await user.send("/order 205")
    await user.send("https://www.tiktok.com/@a/video/1")
    parts = long_paste(150)
    assert len(parts) == 3
    for part in parts:
        reply = await user.send(part)
    assert title(lang) in reply.text
    assert say(lang, "form.value.lines", count=150, items="x").split("x")[0].strip() in reply.text
    assert say(lang, "order.lines_joined", label=label(lang, "form.label.comments")) in reply.text
    # A list sent later is a new list: it replaces the one on the card.
    bot.fake.clock.advance(60)
    reply = await user.send("\n".join(f"mới {i}" for i in range(20)))
    assert say(lang, "order.changed", label=label(lang, "form.label.comments")) in reply.text
    await user.press(label(lang, "button.confirm"), message=new(reply))
    assert [o.quantity for o in placed(bot)] == [20]


@pytest.mark.parametrize("lang", LANGS)
async def test_a_long_list_cut_into_parts_after_edit_is_joined_too(bot, lang):
    user = await bot.onboarded_fast(uid(lang, 27), lang)
    await user.send("/order 205")
    await user.send("https://www.tiktok.com/@a/video/1")
    card = new(await user.send("\n".join(f"cũ {i}" for i in range(12))))
    menu = (await user.press(label(lang, "button.edit"), message=card)).last
    await user.press(label(lang, "form.label.comments"), message=menu)
    for part in long_paste(100):
        reply = await user.send(part)
    await user.press(label(lang, "button.confirm"), message=new(reply))
    assert [o.quantity for o in placed(bot)] == [100]
    assert "cũ 0" not in placed(bot)[0].params.get("comments", "")


@pytest.mark.parametrize("lang", LANGS)
async def test_a_cut_list_whose_first_part_is_under_the_minimum_is_joined(bot, lang):
    bot.sim.set_catalogue([{**s, "min": "100"} if s["service"] == 205 else s for s in bot.sim.catalogue])
    user = await bot.onboarded_fast(uid(lang, 28), lang)
    await user.send("/order 205")
    await user.send("https://www.tiktok.com/@a/video/1")
    parts = long_paste(150)
    reply = await user.send(parts[0])  # ~50 lines: under the minimum, alone
    assert say(lang, "form.problem.too_few_lines", count=len(parts[0].splitlines()), min=100,
               max=number(lang, 1000)).split("(")[0] in reply.text
    for part in parts[1:]:
        reply = await user.send(part)
    assert title(lang) in reply.text
    await user.press(label(lang, "button.confirm"), message=new(reply))
    assert [o.quantity for o in placed(bot)] == [150]


@pytest.mark.parametrize("lang", LANGS)
async def test_a_double_tap_on_order_again_places_one_order(bot, lang):
    user = await bot.onboarded_fast(uid(lang, 29), lang)
    await order_until_confirmation(user, 1, "https://facebook.com/post/1", "1000")
    order_card = (await user.press(label(lang, "button.confirm"))).last
    bot.sim.complete_order(max(bot.sim.orders))  # the panel takes one running order per link
    again = taps(order_card)[label(lang, "button.again")]
    first, second = await asyncio.gather(user.press_data(order_card, again), user.press_data(order_card, again))
    assert first.answer.answer is not None and second.answer.answer is not None
    cards = [m for m in user.messages() if label(lang, "button.confirm") in m.buttons]
    assert len(cards) == 1  # one card to confirm: the other one's buttons are taken off
    await user.press(label(lang, "button.confirm"), message=cards[0])
    assert adds(bot) == 2 and [o.quantity for o in placed(bot)] == [1000, 1000]


@pytest.mark.parametrize("lang", LANGS)
async def test_the_quantity_edited_in_telegram_while_the_link_is_asked_again(bot, lang):
    user = await bot.onboarded_fast(uid(lang, 31), lang)
    card = new(await order_until_confirmation(user, 1, "https://facebook.com/post/1", "1000"))
    quantity_message = typed(user)
    menu = (await user.press(label(lang, "button.edit"), message=card)).last
    await user.press(label(lang, "form.label.link"), message=menu)
    reply = await user.edit(quantity_message, "3000", expect_reply=True)
    assert say(lang, "order.changed", label=label(lang, "form.label.quantity")) in reply.text
    assert say(lang, "order.edit_current", value="https://facebook.com/post/1") in reply.text  # still asked
    reply = await user.send("https://facebook.com/post/3")
    assert row(lang, "quantity", 3000) in reply.text and "https://facebook.com/post/3" in reply.text
    await user.press(label(lang, "button.confirm"), message=new(reply))
    assert [(o.link, o.quantity) for o in placed(bot)] == [("https://facebook.com/post/3", 3000)]


@pytest.mark.parametrize("lang", LANGS)
async def test_a_cut_list_of_emoji_comments_is_joined(bot, lang):
    """Telegram cuts at 4096 UTF-16 units: a part full of emoji is far shorter in characters."""
    user = await bot.onboarded_fast(uid(lang, 32), lang)
    await user.send("/order 205")
    await user.send("https://www.tiktok.com/@a/video/1")
    line = "Đẹp quá 😍😍😍🔥🔥🔥👍👍👍💯💯💯 shop ơi"  # 12 emoji: 24 units
    lines = [f"{line} {i}" for i in range(120)]
    parts, part = [], ""
    for item in lines:
        candidate = f"{part}\n{item}" if part else item
        if part and len(candidate.encode("utf-16-le")) // 2 > 4096:
            parts.append(part)
            candidate = item
        part = candidate
    parts.append(part)
    assert len(parts) == 2 and len(parts[0]) < 3500  # in characters, under the threshold
    for part in parts:
        reply = await user.send(part)
    assert say(lang, "order.lines_joined", label=label(lang, "form.label.comments")) in reply.text
    await user.press(label(lang, "button.confirm"), message=new(reply))
    assert [o.quantity for o in placed(bot)] == [120]
