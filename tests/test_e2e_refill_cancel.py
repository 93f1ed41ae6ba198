"""Refills and cancels are claimed before they are sent: asked twice, sent once; orders that cannot
be refilled or cancelled are refused before any request; every word typed as an id gets an answer.

What reached the panel is checked in the simulator's own books (`sim.refills`, `sim.requests`).
"""

import asyncio

from tests.conftest import button_data, order_until_confirmation


async def place(user, service_id=1, link="https://facebook.com/post/1", quantity="1000", confirm="✅ Confirm"):
    await order_until_confirmation(user, service_id, link, quantity)
    return (await user.press(confirm)).last


async def completed_card(bot, user):
    """Place an order, let the panel complete it, and open its refreshed card (with ♻️ Refill)."""
    await place(user)
    order_id = max(bot.sim.orders)
    bot.sim.complete_order(order_id)
    await user.send("/orders")
    await user.press(f"#{order_id}")
    card = (await user.press("🔄 Refresh")).last
    assert "♻️ Refill" in card.buttons
    return order_id, card


def refills_of(sim, order_id: int) -> list[int]:
    return [r.id for r in sim.refills.values() if order_id in r.order_ids]


def texts(replies) -> str:
    return "\n\n".join(reply.text for reply in replies)


async def test_refill_pressed_twice_or_from_an_old_button_is_sent_once(bot):
    user = await bot.onboarded(1201, "en")
    order_id, card = await completed_card(bot, user)

    reply = await user.press("♻️ Refill", message=card)
    assert f"#{order_id}: refill requested (refill #1)" in reply.text
    reply = await user.press("♻️ Refill", message=card)
    assert f"#{order_id}: already requested: refill #1" in reply.text
    # The same button on an older message (the refill report does not remove it) and the command.
    reply = await user.press_data(card, button_data(card, "♻️ Refill"))
    assert f"#{order_id}: already requested: refill #1" in reply.text
    reply = await user.send(f"/refill {order_id}")
    assert f"#{order_id}: already requested: refill #1" in reply.text
    assert refills_of(bot.sim, order_id) == [1] and bot.sim.requests["refill"] == 1

    # Once that refill has finished, the order may be refilled again.
    bot.sim.set_refill_status(1, "Completed")
    reply = await user.press("♻️ Refill", message=card)
    assert f"#{order_id}: refill requested (refill #2)" in reply.text
    assert refills_of(bot.sim, order_id) == [1, 2]


async def test_two_refill_taps_at_once_send_one_refill(bot):
    user = await bot.onboarded(1202, "en")
    order_id, card = await completed_card(bot, user)
    data = button_data(card, "♻️ Refill")

    replies = await asyncio.gather(user.press_data(card, data), user.press_data(card, data))
    assert refills_of(bot.sim, order_id) == [1] and bot.sim.requests["refill"] == 1
    reports = [m.plain_text for m in user.messages() if "Refill requests" in m.plain_text]
    assert len(reports) == 2
    assert sum(f"#{order_id}: refill requested (refill #1)" in text for text in reports) == 1
    assert sum(f"#{order_id}: already requested: refill #1" in text for text in reports) == 1
    assert "already requested" in texts(replies)


async def test_a_lost_refill_answer_is_never_resent(bot):
    user = await bot.onboarded(1203, "en")
    order_id, card = await completed_card(bot, user)
    bot.sim.fail_next(1, "drop", action="refill")  # the panel makes the refill, the answer is lost

    reply = await user.press("♻️ Refill", message=card)
    assert f"#{order_id}: the panel did not answer, so I cannot tell whether the refill was requested" in reply.text
    reply = await user.press("♻️ Refill", message=card)
    assert f"A refill request for #{order_id} is in progress or its outcome is unknown" in reply.text
    assert refills_of(bot.sim, order_id) == [1] and bot.sim.requests["refill"] == 1


async def test_a_definite_refusal_frees_the_order(bot):
    user = await bot.onboarded(1204, "en")
    order_id, card = await completed_card(bot, user)
    bot.sim.fail_next(1, "http_429", action="refill")  # refused before the panel did anything

    reply = await user.press("♻️ Refill", message=card)
    assert f"#{order_id}: the panel is receiving too many requests" in reply.text
    reply = await user.press("♻️ Refill", message=card)
    assert f"#{order_id}: refill requested (refill #1)" in reply.text
    assert bot.sim.requests["refill"] == 2 and refills_of(bot.sim, order_id) == [1]


async def test_orders_that_cannot_be_refilled_are_refused_before_asking(bot):
    user = await bot.onboarded(1205, "vi")
    await place(user, confirm="✅ Xác nhận")
    canceled = max(bot.sim.orders)
    bot.sim.set_order_status(canceled, "Canceled")
    await user.send(f"/status {canceled}")  # the bot now knows it is Canceled
    assert (await bot.db.get_order(1205, canceled)).status == "canceled"
    await place(user, link="https://facebook.com/post/2", confirm="✅ Xác nhận")
    running = max(bot.sim.orders)

    reply = await user.send(f"/refill {canceled} {running}")
    assert f"#{canceled}: đơn đã bị huỷ, không có gì để bảo hành." in reply.text
    assert f"#{running}: đơn chưa hoàn thành (⏳ Đang chờ)" in reply.text
    assert bot.sim.requests["refill"] == 0 and not bot.sim.refills


async def test_words_that_are_not_ids_are_answered(bot):
    user = await bot.onboarded(1206, "en")
    await place(user)
    order_id = max(bot.sim.orders)
    bot.sim.complete_order(order_id)

    reply = await user.send(f"/status abc 12x 0 {order_id}")
    for word in ("abc", "12x", "0"):
        assert f"{word} is not an order id" in reply.text
    assert f"#{order_id}: ✅ Completed" in reply.text
    reply = await user.send("/status abc")
    assert "abc is not an order id" in reply.text and "Send the order ids to check" in reply.text
    reply = await user.send(f"#{order_id}")  # the answer to that question
    assert f"#{order_id}: ✅ Completed" in reply.text

    reply = await user.send(f"/refill abc {order_id}")
    assert "abc is not an order id" in reply.text
    assert f"#{order_id}: refill requested (refill #1)" in reply.text

    # The menu's buttons: the next message holds the ids; nothing but words says so and asks again.
    await user.send("/start")
    await user.press("♻️ Refill")
    reply = await user.send("what? x1")
    assert "what? is not an order id" in reply.text and "x1 is not an order id" in reply.text
    assert "Send the ids of the orders to refill" in reply.text
    reply = await user.send(f"{order_id}")
    assert f"#{order_id}: already requested: refill #1" in reply.text
    await user.press("🏠 Menu")
    await user.press("🔎 Check status")
    reply = await user.send("nope")
    assert "nope is not an order id" in reply.text and "Send the order ids to check" in reply.text


async def test_cancel_twice_sends_one_cancel(bot):
    user = await bot.onboarded(1207, "en")
    await place(user, service_id=101, link="https://facebook.com/p/9", quantity="100")
    order_id = max(bot.sim.orders)
    reply = await user.press("🛑 Cancel order")
    confirm = reply.last
    yes = button_data(confirm, "🛑 Yes, cancel it")

    reply = await user.press("🛑 Yes, cancel it", message=confirm)
    assert "Cancellation requested" in reply.text
    # The old "Yes" again: the first request stands.
    reply = await user.press_data(confirm, yes)
    assert f"A cancel was already requested for #{order_id}" in reply.text
    assert bot.sim.requests["cancel"] == 1


async def test_two_cancel_taps_at_once_send_one_cancel(bot):
    user = await bot.onboarded(1208, "en")
    await place(user, service_id=101, link="https://facebook.com/p/9", quantity="100")
    order_id = max(bot.sim.orders)
    confirm = (await user.press("🛑 Cancel order")).last
    yes = button_data(confirm, "🛑 Yes, cancel it")

    await asyncio.gather(user.press_data(confirm, yes), user.press_data(confirm, yes))
    assert bot.sim.requests["cancel"] == 1
    notes = [version.plain_text for version in confirm.versions]
    assert any("Cancellation requested" in text for text in notes)
    assert any(f"A cancel was already requested for #{order_id}" in text for text in notes)


async def test_orders_that_cannot_be_cancelled_are_refused_before_asking(bot):
    user = await bot.onboarded(1209, "en")
    card = await place(user, service_id=101, link="https://facebook.com/p/9", quantity="100")
    order_id = max(bot.sim.orders)
    cancel = button_data(card, "🛑 Cancel order")
    bot.sim.complete_order(order_id)
    await user.send(f"/status {order_id}")  # the bot learns it completed

    reply = await user.press_data(card, cancel)  # the button of the card from before
    assert f"#{order_id} has already finished (✅ Completed): it cannot be cancelled any more" in reply.text
    assert bot.sim.requests["cancel"] == 0
