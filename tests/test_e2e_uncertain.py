"""An order whose answer was lost stays with the user: listed, explained, and settled by them.

The simulator places the order and then times out, drops the connection, or answers a 502
without acting; the bot must never resend on its own, keep what was ordered in sight, and let
the user settle it ("it was placed" with the panel's id, or "it was not placed").
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.core.ordering import Draft, order_snapshot
from bot.storage import Database, IntentState
from tests.conftest import (
    ENCRYPTION_KEY,
    TEST_KEY,
    button_data,
    order_until_confirmation,
    wait_until,
)
from tests.panel_fixtures import make_test_client
from tests.test_tracker_support import notifications

LINK = "https://facebook.com/post/1"
FORMATS = {"en": "%Y-%m-%d %H:%M", "vi": "%d/%m/%Y %H:%M"}
# Times are shown in the user's time zone: by default Vietnam's for Vietnamese, UTC for English.
ZONES = {"en": ZoneInfo("UTC"), "vi": ZoneInfo("Asia/Ho_Chi_Minh")}
EXPECTED = {
    "en": {
        "title": "❓ Outcome unknown · sent {time}",
        "details": ["Service: Facebook views (1)", f"Link: {LINK}", "Quantity: 1,000", "Charge: 3 VND"],
        "reason": "What happened: the panel did not answer in time.",
        "balance": "Balance before Confirm: 1,000,000 VND",
        "list": f"❓ {{time}} · Facebook views · {LINK} · 1,000 · 3 VND",
        "list_title": "❓ Outcome unknown (1)",
        "confirm": "✅ Confirm",
    },
    "vi": {
        "title": "❓ Chưa rõ kết quả · gửi lúc {time}",
        "details": ["Dịch vụ: Facebook views (1)", f"Link: {LINK}", "Số lượng: 1.000", "Thành tiền: 3 VND"],
        "reason": "Nguyên nhân: panel không phản hồi kịp.",
        "balance": "Số dư trước khi xác nhận: 1.000.000 VND",
        "list": f"❓ {{time}} · Facebook views · {LINK} · 1.000 · 3 VND",
        "list_title": "❓ Chưa rõ kết quả (1)",
        "confirm": "✅ Xác nhận",
    },
}


async def lost_answer(bot, user, failure: str = "slow", confirm: str = "✅ Confirm"):
    """Order service 1 and tap Confirm, with the panel's answer to `add` lost as `failure`.
    Returns the reply and the Confirm button's data (to tap that old button again)."""
    card = (await order_until_confirmation(user, 1, LINK, "1000")).last
    confirm_data = button_data(card, confirm)
    if failure == "502":
        bot.sim.respond_next("<html><body><h1>502 Bad Gateway</h1></body></html>", status=502, action="add")
    else:
        bot.sim.slow_seconds = 2.0  # longer than the bot's panel time-out (1 s in tests)
        bot.sim.fail_next(1, failure, action="add")
    reply = await user.press(confirm)  # returns once the bot is done: after its panel time-out
    return reply, confirm_data


async def only_intent(db, tg_id: int):
    [intent] = await db.unknown_intents(tg_id)
    return intent


@pytest.mark.parametrize("lang", ["en", "vi"])
async def test_a_timed_out_order_is_listed_with_its_details_and_stays_after_a_restart(bot_runner, lang):
    expected = EXPECTED[lang]
    running = await bot_runner.start()
    user = await running.onboarded(5101, lang)
    reply, _ = await lost_answer(running, user, confirm=expected["confirm"])
    intent = await only_intent(running.db, 5101)
    shown_time = datetime.fromtimestamp(intent.created_at, ZONES[lang]).strftime(FORMATS[lang])
    # The confirmation card keeps what was ordered, and says what happened.
    card = reply.last.plain_text
    for line in [expected["title"].format(time=shown_time), *expected["details"], expected["reason"], expected["balance"]]:
        assert line in card, line
    assert running.sim.requests["add"] == 1 and len(running.sim.orders) == 1  # the panel did place it

    await bot_runner.stop()
    running = await bot_runner.start()
    reply = await user.send("/orders")
    assert expected["list_title"] in reply.text
    assert expected["list"].format(time=shown_time) in reply.text
    assert running.sim.requests["add"] == 1  # never resent, not even after a restart
    await bot_runner.stop()
    running.fake.assert_clean()


async def test_a_bot_stopped_while_sending_tells_the_user_on_the_next_start(bot_runner):
    running = await bot_runner.start()
    user = await running.onboarded(5102, "en")
    account = await running.db.active_account(5102)
    await bot_runner.stop()
    # What a kill between Confirm and the panel's answer leaves: an intent still "submitting".
    async with make_test_client() as client:
        [service] = [s for s in await client.account(running.sim.url, TEST_KEY).services() if s.id == 1]
    draft = Draft(service_id=1, service_name=service.name, service_type=service.type, account_id=account.id,
                  link=LINK, quantity=2000, balance=running.sim.balance_of(TEST_KEY), balance_currency="VND")
    db = await Database.open(running.settings.database_path, ENCRYPTION_KEY)
    await db.begin_intent(5102, account.id, draft.token, order_snapshot(draft, service, "VND"))
    await db.close()

    running = await bot_runner.start()
    await wait_until(running, lambda: "stopped while it was sending" in user.messages()[-1].plain_text)
    message = user.messages()[-1]
    text = message.plain_text
    assert "Facebook views" in text and LINK in text and "Quantity: 2,000" in text and "Charge: 5 VND" in text
    assert "What happened: the bot was stopped while sending the order." in text
    assert {"✅ It was placed", "❌ It was not placed"} <= set(message.buttons)
    assert (await running.db.get_intent(5102, draft.token)).state is IntentState.UNKNOWN
    reply = await user.send("/orders")
    assert "Outcome unknown (1)" in reply.text and "2,000" in reply.text
    assert running.sim.requests.get("add", 0) == 0  # nothing was sent on the user's behalf
    await bot_runner.stop()
    running.fake.assert_clean()


async def test_it_was_placed_with_the_real_id_is_checked_once_and_then_tracked(bot):
    user = await bot.onboarded(5103, "en")
    first_card, _ = await lost_answer(bot, user)
    order_id = max(bot.sim.orders)
    reply = await user.send("/orders")
    reply = await user.press("❓ Facebook views")
    # Evidence, stated as numbers: the balance seen before Confirm and the balance now.
    assert "Balance before Confirm: 1,000,000 VND" in reply.text
    assert "Balance now: 999,998 VND (change: -3 VND)" in reply.text

    await user.press("✅ It was placed")
    statuses = bot.sim.requests["status"]
    reply = await user.send("the first one")
    assert "That is not an order number" in reply.text
    reply = await user.send("999999")
    assert "The panel knows no order #999999 for your key, so nothing was saved" in reply.text
    assert bot.sim.requests["status"] == statuses + 1
    assert await bot.db.count_orders(5103) == 0
    assert (await only_intent(bot.db, 5103)).state is IntentState.UNKNOWN

    reply = await user.send(f"#{order_id}")
    assert bot.sim.requests["status"] == statuses + 2  # one call for this id
    assert f"Saved: this order is #{order_id}" in reply.text and f"Order #{order_id}: ⏳ Pending" in reply.text
    stored = await bot.db.get_order(5103, order_id)
    assert stored.service_name == "Facebook views" and stored.link == LINK and stored.quantity == 1000
    assert await bot.db.unknown_intents(5103) == []
    reply = await user.send("/orders")
    assert "Outcome unknown" not in reply.text and f"#{order_id}" in reply.text
    # Old buttons of the settled card are told what became of it, and do nothing else.
    for button in ("✅ It was placed", "❌ It was not placed"):
        reply = await user.press_data(first_card.last, button_data(first_card.last, button))
        assert f"already placed as #{order_id}" in reply.alert
    assert bot.sim.requests["add"] == 1

    bot.sim.complete_order(order_id)
    await bot.tracker.cycle()
    [told] = notifications(user)
    assert f"Order #{order_id}: ✅ Completed" in told.plain_text


async def test_it_was_not_placed_then_placing_it_again_sends_exactly_one_more_add(bot):
    user = await bot.onboarded(5104, "en")
    reply, confirm = await lost_answer(bot, user, "502")
    card = reply.last
    assert "What happened: the panel answered with a server error (HTTP 502)." in reply.text
    assert bot.sim.requests["add"] == 1 and not bot.sim.orders  # this 502 came before any order
    not_placed, placed = (button_data(card, b) for b in ("❌ It was not placed", "✅ It was placed"))

    reply = await user.press("❌ It was not placed")
    assert "Not placed (as you checked)" in reply.text and "Quantity: 1,000" in reply.text
    settled = reply.last
    assert (await bot.db.unknown_intents(5104)) == []
    # Old buttons (a second tap) settle nothing more and send nothing.
    await user.press_data(card, not_placed)
    assert "Not placed (as you checked)" in card.plain_text and (await bot.db.unknown_intents(5104)) == []
    reply = await user.press_data(card, placed)
    assert "marked this order as not placed" in reply.alert

    older = (await user.press("🔁 Place it again", message=settled)).last
    older_confirm = button_data(older, "✅ Confirm")
    reply = await user.press("🔁 Place it again", message=settled)
    assert "Please check your order" in reply.text and LINK in reply.text and "Quantity: 1,000" in reply.text
    current = reply.last  # stale taps below send a fresh menu under it
    assert not older.buttons  # replaced by the newer card: its buttons are gone
    reply = await user.press_data(older, older_confirm)  # tapped all the same (an old client)
    assert "was dropped when you started another one" in reply.alert
    reply = await user.press_data(card, confirm)  # the Confirm of the order settled as not placed
    assert "out of date" in reply.alert and bot.sim.requests["add"] == 1
    reply = await user.press("✅ Confirm", message=current)
    assert "Order placed" in reply.text
    assert bot.sim.requests["add"] == 2 and len(bot.sim.orders) == 1


async def test_a_dropped_connection_says_the_connection_was_cut(bot):
    user = await bot.onboarded(5105, "vi")
    reply, _ = await lost_answer(bot, user, "drop", confirm="✅ Xác nhận")
    assert "Nguyên nhân: kết nối tới panel bị ngắt trước khi nhận được phản hồi." in reply.text
    assert "không phản hồi kịp" not in reply.text
    assert bot.sim.requests["add"] == 1 and len(bot.sim.orders) == 1
    reply = await user.send("/orders")
    assert "Chưa rõ kết quả (1)" in reply.text
