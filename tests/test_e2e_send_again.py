"""A refill or cancel whose outcome is unknown is never resent by the bot on its own, but the user,
having checked the panel's website, may send it again: two taps, then one more request, claimed
as ever. What reached the panel is counted in the simulator's books."""

import pytest

from tests.test_e2e_refill_cancel import place, refills_of

WORDS = {
    "en": {"refill": "♻️ Refill", "again": "🔁 Send again: #{id}", "yes": "🔁 Yes, send it again",
           "ask_refill": "Refill #{id} again?", "ask_cancel": "Cancel #{id} again?",
           "refilled": "#{id}: refill requested (refill #1)", "unknown": "the panel did not answer",
           "settled": "This request has been settled since", "cancel": "🛑 Cancel order",
           "cancel_yes": "🛑 Yes, cancel it", "confirm": "✅ Confirm", "refresh": "🔄 Refresh"},
    "vi": {"refill": "♻️ Bảo hành", "again": "🔁 Gửi lại: #{id}", "yes": "🔁 Đồng ý gửi lại",
           "ask_refill": "Gửi lại yêu cầu bảo hành đơn #{id}?", "ask_cancel": "Gửi lại yêu cầu huỷ đơn #{id}?",
           "refilled": "#{id}: đã yêu cầu bảo hành (mã #1)", "unknown": "panel không phản hồi",
           "settled": "Yêu cầu này đã có kết quả", "cancel": "🛑 Huỷ đơn",
           "cancel_yes": "🛑 Đồng ý huỷ", "confirm": "✅ Xác nhận", "refresh": "🔄 Làm mới"},
}


async def completed_card(bot, user, words):
    """Place an order, let the panel complete it, and open its refreshed card (with Refill)."""
    await place(user, confirm=words["confirm"])
    order_id = max(bot.sim.orders)
    bot.sim.complete_order(order_id)
    await user.send("/orders")
    await user.press(f"#{order_id}")
    return order_id, (await user.press(words["refresh"])).last


@pytest.mark.parametrize("lang", ["en", "vi"])
async def test_a_refill_without_answer_is_sent_again_only_at_the_users_word(bot, lang):
    words = WORDS[lang]
    user = await bot.onboarded(1231 if lang == "en" else 1232, lang)
    order_id, card = await completed_card(bot, user, words)
    bot.sim.fail_next(1, "html_500", action="refill")  # no definite answer: maybe made, maybe not

    reply = await user.press(words["refill"], message=card)
    assert f"#{order_id}: {words['unknown']}" in reply.text
    # Asked again: still not sent, but the user may now send it again (after checking the website).
    reply = await user.press(words["refill"], message=card)
    again = words["again"].format(id=order_id)
    assert again in reply.last.buttons and bot.sim.requests["refill"] == 1
    question = (await user.press(again)).last
    assert words["ask_refill"].format(id=order_id) in question.text
    assert bot.sim.requests["refill"] == 1  # the first tap only explains

    reply = await user.press(words["yes"], message=question)
    assert words["refilled"].format(id=order_id) in reply.text
    assert bot.sim.requests["refill"] == 2 and refills_of(bot.sim, order_id) == [1]
    # The same "yes" again: the released request is settled, nothing more is sent.
    reply = await user.press(words["yes"], message=question)
    assert words["settled"] in (reply.alert or "")
    assert bot.sim.requests["refill"] == 2


@pytest.mark.parametrize("lang", ["en", "vi"])
async def test_a_cancel_without_answer_is_sent_again_only_at_the_users_word(bot, lang):
    words = WORDS[lang]
    user = await bot.onboarded(1233 if lang == "en" else 1234, lang)
    await place(user, service_id=101, link="https://facebook.com/p/9", quantity="100",
                confirm=words["confirm"])
    order_id = max(bot.sim.orders)
    bot.sim.fail_next(1, "html_500", action="cancel")

    confirm = (await user.press(words["cancel"])).last
    await user.press(words["cancel_yes"], message=confirm)
    assert bot.sim.requests["cancel"] == 1 and bot.sim.orders[order_id].status != "Canceled"
    confirm = (await user.press(words["cancel"])).last
    card = (await user.press(words["cancel_yes"], message=confirm)).last
    again = words["again"].format(id=order_id)
    assert again in card.buttons and bot.sim.requests["cancel"] == 1

    question = (await user.press(again, message=card)).last
    assert words["ask_cancel"].format(id=order_id) in question.text
    reply = await user.press(words["yes"], message=question)
    assert bot.sim.requests["cancel"] == 2
    assert f"#{order_id}" in reply.text and again not in reply.last.buttons
