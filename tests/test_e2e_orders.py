"""Orders: the list and its refresh, an order's card, /status, refills and cancels."""

from tests.conftest import TEST_KEY, order_until_confirmation
from tests.panel_fixtures import make_test_client


async def website_orders(sim, count, service_id=1, quantity=1000):
    """Orders the user placed on the panel's website (not through the bot)."""
    async with make_test_client() as client:
        api = client.account(sim.url, TEST_KEY)
        return [await api.add(service_id, f"https://facebook.com/p/{i}", quantity) for i in range(count)]


async def place_through_bot(user, service_id=1, link="https://facebook.com/post/1", quantity="1000"):
    await order_until_confirmation(user, service_id, link, quantity)
    return await user.press("✅ Confirm")


async def test_orders_list_card_refresh(bot):
    user = await bot.onboarded_fast(1101, "en")
    from bot.storage import NewOrder

    account = await bot.db.active_account(1101)
    website = await website_orders(bot.sim, 9)
    await bot.db.track_orders(1101, [NewOrder(account_id=account.id, panel_order_id=i) for i in website])
    await place_through_bot(user)
    ids = sorted(bot.sim.orders)
    reply = await user.send("/orders")
    assert "Your orders · All (10), newest first" in reply.text
    assert f"#{ids[-1]}" in reply.text and f"#{ids[0]}" not in reply.text  # 8 per page
    reply = await user.press("▶️")
    assert f"#{ids[0]}" in reply.text

    # The simulator completes the newest; the refresh of the first page asks once for all of it.
    bot.sim.complete_order(ids[-1])
    await user.press("◀️")
    before = len(bot.sim.status_batches)
    reply = await user.press("🔄 Refresh")
    assert len(bot.sim.status_batches) == before + 1 and bot.sim.status_batches[-1] == 8
    assert f"#{ids[-1]} · ✅ Completed" in reply.text

    reply = await user.press(f"#{ids[-1]}")
    assert f"Order #{ids[-1]}: ✅ Completed" in reply.text
    assert "Start count:" in reply.text and "Remains: 0" in reply.text
    assert "♻️ Refill" in user.buttons()  # service 1 has refill, the order is completed
    # The tracker will not announce what the user has just seen.
    assert (await bot.db.get_order(1101, ids[-1])).told_status == "completed"


async def test_status_of_150_ids_costs_two_requests_and_reports_unknown_ids(bot):
    user = await bot.onboarded_fast(1102, "en")
    ids = await website_orders(bot.sim, 148)
    before = len(bot.sim.status_batches)
    reply = await user.send("/status " + ",".join(map(str, ids)) + " 1 2")
    assert bot.sim.status_batches[before:] == [100, 50]
    text = "\n".join(m.plain_text for m in reply.sent)
    assert f"#{ids[0]}: ⏳ Pending" in text
    assert "❔ 2 ids not found on the panel: 1-2" in text  # unknown ids: one line
    assert "not followed by me yet" in text
    reply = await user.press("🔔 Follow them")
    assert "Following 148 more orders" in reply.text
    assert await bot.db.count_orders(1102) == 148
    # What the user just saw is not announced again by the tracker (stored before the handler
    # ended, which is what the press waited for).
    assert (await bot.db.get_order(1102, ids[-1])).told_status == "pending"


async def test_status_from_the_menu_asks_for_ids(bot):
    user = await bot.onboarded_fast(1103, "vi")
    ids = await website_orders(bot.sim, 1)
    await user.send("/start")  # the main menu
    await user.press("🔎 Kiểm tra đơn")
    reply = await user.send(f"#{ids[0]}")
    assert f"#{ids[0]}: ⏳ Đang chờ" in reply.text


async def test_refill_by_command_and_button(bot):
    user = await bot.onboarded_fast(1104, "en")
    await place_through_bot(user)
    order_id = max(bot.sim.orders)
    bot.sim.complete_order(order_id)
    reply = await user.send(f"/refill {order_id}")
    assert f"#{order_id}: refill requested" in reply.text
    # Recorded, so the tracker follows it.
    refills = [r async for batch in bot.db.iter_open_refills() for r in batch]
    assert len(refills) == 1 and refills[0].panel_order_id == order_id

    # Service 2 has no refill: the bot says so without asking; the panel answers for an id it
    # does not know.
    await place_through_bot(user, service_id=2, link="https://tiktok.com/@a/video/1", quantity="100")
    other = max(bot.sim.orders)
    bot.sim.complete_order(other)
    reply = await user.send(f"/refill {other} 999999")
    assert f"#{other}: this service has no refill" in reply.text
    assert "#999999: the panel knows no such order" in reply.text


async def test_cancel_where_the_service_allows_it(bot):
    user = await bot.onboarded_fast(1105, "en")
    await place_through_bot(user, service_id=101, link="https://facebook.com/p/9", quantity="100")
    order_id = max(bot.sim.orders)
    reply = await user.press("🛑 Cancel order")
    assert f"Cancel order #{order_id}?" in reply.text
    reply = await user.press("🛑 Yes, cancel it")
    assert "Cancellation requested" in reply.text
    assert bot.sim.requests["cancel"] == 1


async def test_order_again_opens_the_card_of_the_same_order(bot):
    user = await bot.onboarded_fast(1106, "en")
    await place_through_bot(user)
    reply = await user.press("🔁 Order again")  # more in tests/test_e2e_order_edit.py
    assert "Please check your order" in reply.text and "Facebook views" in reply.text


async def test_a_cards_refresh_shows_and_stores_the_status(bot):
    user = await bot.onboarded(1107, "en")
    card = (await place_through_bot(user)).last
    order_id = max(bot.sim.orders)
    bot.sim.complete_order(order_id)
    reply = await user.press("🔄 Refresh", message=card)
    assert f"Order #{order_id}: ✅ Completed" in reply.text and "Checked at" in reply.text
    # Stored as seen: the tracker does not announce it again.
    assert (await bot.db.get_order(1107, order_id)).told_status == "completed"
