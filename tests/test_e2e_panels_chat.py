"""/panels in the chat: a second panel added (URL, then key), ordered on, switched to in two taps;
every balance in /balance; the tracker's messages name the panel; the card's rename, low-balance
alert and removal; URLs into private networks refused unless the operator allows them."""

from __future__ import annotations

from decimal import Decimal

from tests.conftest import TEST_KEY, order_until_confirmation
from tests.panels_support import KEY_B, second_simulator  # noqa: F401 - a fixture
from tests.test_e2e_orders import place_through_bot
from tests.test_tracker_support import notifications


async def add_panel(user, url: str, key: str = KEY_B, add_button: str = "➕ Add panel"):
    await user.send("/panels")
    await user.press(add_button)
    reply = await user.send(url)
    assert "🔑" not in reply.text and "❌" not in reply.text, reply.text
    return await user.send(key)


async def open_card(user, index: int):
    """/panels, then the ⚙️ of the `index`-th panel (oldest first)."""
    listing = (await user.send("/panels")).last
    return await user.press_data(listing, listing.reply_markup[index][1]["callback_data"])


async def test_two_panels_ordered_on_with_both_balances_and_each_completion_named(bot_runner, second_simulator):  # noqa: F811
    bot = await bot_runner.start(allow_private_panel_urls=True)
    sim_a, sim_b = bot.sim, second_simulator
    user = await bot.onboarded(1501, "en")
    card = await order_until_confirmation(user)  # on the first panel
    assert "Panel:" not in card.text  # one panel: texts as before
    reply = await user.press("✅ Confirm")
    order_a = max(sim_a.orders)
    assert f"Order #{order_a}" in reply.text and "Panel:" not in reply.text  # one panel: texts as before

    reply = await user.send("/panels")
    left_a = "999,998 VND"  # 1,000,000 less the order (2.5 VND, shown rounded)
    assert f"Your panels (1)\n\n✅ 127.0.0.1\n{left_a}" in reply.text
    await user.press("➕ Add panel")
    reply = await user.send(sim_b.url)
    assert "Now send your API key for" in reply.text
    reply = await user.send(KEY_B)
    assert "Panel 127.0.0.1 added; it is now your active panel. Balance: 250.00" in reply.text
    typed = [m for m in user.transcript() if m.sender == "user" and m.text == KEY_B]
    assert typed and all(m.deleted for m in typed)  # the key's message deleted at once
    accounts = await bot.db.accounts(1501)
    assert [a.panel_url for a in accounts] == [sim_a.url, sim_b.url] and accounts[1].active

    # Both simulators are on 127.0.0.1, so both are called that: the user names the second one.
    reply = await open_card(user, 1)
    assert f"API URL: {sim_b.url}" in reply.text
    reply = await user.press("✏️ Rename")
    assert "Send a new name" in reply.text
    reply = await user.send("Bravo <shop>")
    assert "Renamed to Bravo shop." in reply.text

    # The order goes to the active panel, the second one: its confirmation card and its order
    # card say so (service numbers are each panel's own).
    card = await order_until_confirmation(user, quantity="200")
    assert "Panel: Bravo shop" in card.text.splitlines()[1]
    reply = await user.press("✅ Confirm")
    order_b = max(sim_b.orders)
    assert f"Order #{order_b}" in reply.text and "Panel: Bravo shop" in reply.text
    assert sim_b.requests["add"] == 1 and sim_a.requests["add"] == 1

    reply = await user.send("/balance")
    assert f"▫️ 127.0.0.1: {left_a}" in reply.text
    assert "✅ Bravo shop: 249.50 USD" in reply.text

    sim_a.complete_order(order_a)
    sim_b.complete_order(order_b)
    await bot.tracker.cycle()
    told = "\n\n".join(m.plain_text for m in notifications(user))
    # One round, compact: a line per order, each naming its panel.
    assert f"#{order_a} · ✅ Completed · Facebook views · panel 127.0.0.1" in told
    assert f"#{order_b} · ✅ Completed · Facebook views · panel Bravo shop" in told
    bot.fake.assert_clean()


async def test_switch_in_two_taps_and_a_failing_panel_does_not_hide_the_others(bot_runner, second_simulator):  # noqa: F811
    bot = await bot_runner.start(allow_private_panel_urls=True)
    user = await bot.onboarded(1502, "en")
    await add_panel(user, second_simulator.url)
    first = (await bot.db.accounts(1502))[0]

    await user.send("/settings")
    listing = (await user.press("🏪 Panels")).last  # the same list as /panels
    assert "Your panels (2)" in listing.plain_text
    reply = await user.press_data(listing, listing.reply_markup[0][0]["callback_data"])  # the first panel
    assert reply.alert == "✅ Active panel: 127.0.0.1"
    assert (await bot.db.active_account(1502)).id == first.id
    assert reply.last.reply_markup[0][0]["text"].startswith("✅ ")
    await user.send("/services")
    assert bot.sim.requests["services"] >= 1 and second_simulator.requests["services"] == 0

    await second_simulator.stop()  # the second panel stops answering
    reply = await user.send("/balance")
    assert "✅ 127.0.0.1: 1,000,000 VND" in reply.text
    assert "▫️ 127.0.0.1: 250.00 USD (last known: the panel is not answering now)" in reply.text
    bot.fake.assert_clean()


async def test_low_balance_alert_and_removal_from_the_card(bot_runner, second_simulator):  # noqa: F811
    bot = await bot_runner.start(allow_private_panel_urls=True)
    user = await bot.onboarded(1503, "vi")
    # A key of the usual shape (32 hex digits), which the key guard deletes wherever it is sent:
    # at the add-a-panel key step it is handed over to that step.
    key = "9f3c2b7a41d08e6f5a2c9b1e7d4f3a60"
    second_simulator.add_key(key, Decimal(250), "USD")
    reply = await add_panel(user, second_simulator.url, key, add_button="➕ Thêm panel")
    assert "Đã thêm panel 127.0.0.1" in reply.text
    assert all(m.deleted for m in user.transcript() if m.sender == "user" and m.text == key)
    second = (await bot.db.accounts(1503))[1]
    assert second.api_key == key and second.panel_url == second_simulator.url

    await open_card(user, 1)
    reply = await user.press("🔔 Báo số dư thấp")
    assert "Gửi mức số dư tối thiểu" in reply.text
    reply = await user.send("nhiều")
    assert "❌" in reply.text
    reply = await user.send("300")
    assert "Mình sẽ báo khi số dư xuống dưới 300" in reply.text
    assert "Báo số dư thấp: khi dưới 300" in reply.text
    [known] = [known for account, known in await bot.db.account_balances(1503) if account.id == second.id]
    assert known.threshold == Decimal(300)
    reply = await user.send("/panels")
    assert "250,00 USD ⚠️" in reply.text

    # Removing the first panel, the operator's: the other one becomes active.
    await open_card(user, 0)
    reply = await user.press("🗑 Xoá panel")
    assert "không được theo dõi nữa" in reply.text
    reply = await user.press("🗑 Đồng ý xoá")
    assert "Đã xoá 127.0.0.1. Các đơn hàng của panel này không còn được theo dõi." in reply.text
    accounts = await bot.db.accounts(1503)
    assert [a.panel_url for a in accounts] == [second_simulator.url] and accounts[0].active

    # No longer among the user's panels, the operator's is offered first: one tap, then the key.
    reply = await user.press("➕ Thêm panel")
    assert "Bấm 127.0.0.1 để thêm panel này" in reply.text
    reply = await user.press("➕ 127.0.0.1")
    assert "Giờ hãy gửi API key của bạn cho " + bot.sim.url in reply.text
    reply = await user.send(TEST_KEY)
    assert "Đã thêm panel 127.0.0.1" in reply.text
    assert [a.panel_url for a in await bot.db.accounts(1503)] == [bot.sim.url, second_simulator.url]
    bot.fake.assert_clean()


async def test_private_and_loopback_urls_are_refused_without_the_setting(bot, second_simulator):  # noqa: F811
    user = await bot.onboarded(1504, "en")
    await user.send("/panels")
    await user.press("➕ Add panel")
    port = second_simulator.url.split(":")[2].split("/")[0]
    # "localhost" is a host name that resolves to loopback: refused after resolution.
    for url in (second_simulator.url, f"http://localhost:{port}/api/v2", "https://10.1.2.3/api/v2",
                "http://192.168.0.10/api/v2", "http://[::1]:8080/api/v2", "http://169.254.169.254/latest"):
        reply = await user.send(url)
        assert "points into a private or local network" in reply.text, url
    reply = await user.send("ftp://panel.example/api/v2")
    assert "starts with https://" in reply.text
    assert second_simulator.requests["balance"] == 0
    assert len(await bot.db.accounts(1504)) == 1
