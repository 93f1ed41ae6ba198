"""The running bot with several panels: the tracker asks each panel with each key at the minimum
request count, politely per key and per panel; the operator's URL rules hold at connect time;
low-balance alerts are told once per fall.

Telegram user ids 7300-7399 (see tests/test_tracker_support.py for why tracker tests keep
their own range).
"""

from __future__ import annotations

import itertools
from decimal import Decimal

import pytest

from bot.panel import PanelAddressRefused, RefusalReason, UrlRefused
from bot.simulator import PanelSimulator
from bot.simulator.state import money
from bot.storage import NewOrder
from tests.conftest import RunningBot
from tests.panels_support import KEY_B, second_simulator  # noqa: F401 (fixture)
from tests.test_tracker_support import SERVICE_ID

_links = itertools.count(1)


async def account_on(bot: RunningBot, sim: PanelSimulator, tg_id: int, key: str, balance: int = 1_000_000,
                     currency: str = "VND", language: str = "en"):
    """A user's account on `sim` with `key`, stored as adding a panel stores it (the chat flow is
    the handlers' business); the user exists in the fake Telegram."""
    bot.user(tg_id, language)
    if key not in sim.accounts:
        sim.add_key(key, Decimal(balance), currency)
    await bot.db.ensure_user(tg_id, language)
    return await bot.db.save_account(tg_id, sim.url, key, currency)


async def orders_on(bot: RunningBot, sim: PanelSimulator, account, count: int) -> list[int]:
    """`count` orders made on `sim` with the account's key, followed by the bot."""
    service = sim.services[SERVICE_ID]
    new, ids = [], []
    for _ in range(count):
        link = f"https://facebook.com/post/panels-{next(_links)}"
        order = sim.create_order(sim.accounts[account.api_key], service, link, 1000, money(service.rate), {})
        ids.append(order.id)
        new.append(NewOrder(account_id=account.id, panel_order_id=order.id, service_id=service.id, link=link))
    assert await bot.db.track_orders(account.tg_id, new) == count
    return ids


def status_log(sim: PanelSimulator) -> list[tuple[float, str]]:
    return [(at, key) for at, action, key in sim.request_log if action == "status"]


async def test_several_panels_with_several_keys_cost_the_minimum_requests_politely(bot_runner, second_simulator):
    bot = await bot_runner.start(allow_private_panel_urls=True, panel_min_interval_seconds=0.05,
                                 panel_max_concurrency=1)
    a, b = bot.sim, second_simulator
    # Two users hold accounts on both panels (one of them active), a third only on B.
    accounts = {
        "a1": (a, await account_on(bot, a, 7301, "test-key-a1-000000"), 150),
        "b1": (b, await account_on(bot, b, 7301, "test-key-b1-000000"), 30),
        "a2": (a, await account_on(bot, a, 7302, "test-key-a2-000000"), 101),
        "b3": (b, await account_on(bot, b, 7302, "test-key-b3-000000"), 1),
        "b2": (b, await account_on(bot, b, 7303, "test-key-b2-000000"), 100),
    }
    for sim, account, count in accounts.values():
        await orders_on(bot, sim, account, count)
    a.request_log.clear()
    b.request_log.clear()

    stats = await bot.tracker.cycle()
    # ceil(n / 100) per key: A 2 + 2, B 1 + 1 + 1.
    assert stats.requests == 7 and stats.orders_checked == 382
    assert a.requests["status"] == 4 and sorted(a.status_batches) == [1, 50, 100, 100]
    assert b.requests["status"] == 3 and sorted(b.status_batches) == [1, 30, 100]
    # Each panel only ever saw its own keys.
    assert {key for _, key in status_log(a)} == {"test-key-a1-000000", "test-key-a2-000000"}
    assert {key for _, key in status_log(b)} == {"test-key-b1-000000", "test-key-b2-000000", "test-key-b3-000000"}
    # Per key: requests start PANEL_MIN_INTERVAL_SECONDS apart.
    for key in ("test-key-a1-000000", "test-key-a2-000000"):
        times = [at for at, k in status_log(a) if k == key]
        assert len(times) == 2 and times[1] - times[0] >= 0.045

    # Per panel: one request in flight at a time (PANEL_MAX_CONCURRENCY=1), while the other panel
    # is not held up behind a slow one.
    a.request_log.clear()
    b.request_log.clear()
    a.slow_seconds = 0.1
    a.fail_next(4, "slow", action="status")
    stats = await bot.tracker.cycle()
    assert stats.requests == 7 and stats.accounts_failed == 0
    on_a = sorted(at for at, _ in status_log(a))
    assert len(on_a) == 4 and all(later - earlier >= 0.095 for earlier, later in zip(on_a, on_a[1:]))
    on_b = [at for at, _ in status_log(b)]
    assert len(on_b) == 3 and max(on_b) < on_a[1]

    # A removed panel's orders are no longer asked about; the user's other panel still is.
    _, b2, _ = accounts["b2"]
    _, b1, _ = accounts["b1"]
    assert await bot.db.remove_account(7303, b2.id) and await bot.db.remove_account(7301, b1.id)
    asked = a.requests["status"], b.requests["status"]
    stats = await bot.tracker.cycle()
    assert (a.requests["status"] - asked[0], b.requests["status"] - asked[1]) == (4, 1)
    await bot_runner.stop()
    bot.fake.assert_clean()


async def test_without_the_setting_a_loopback_panel_is_refused_when_added_and_at_connect_time(bot, second_simulator):
    """The default panel (the simulator on loopback) works as before; another loopback port, or a
    name resolving to loopback, does not."""
    port = second_simulator.url.split(":")[2].split("/")[0]
    for url in (second_simulator.url, f"http://localhost:{port}/api/v2", "http://10.0.0.1/api/v2"):
        with pytest.raises(UrlRefused) as refused:
            await bot.deps.panel.check_url(url)
        assert refused.value.reason is RefusalReason.PRIVATE_ADDRESS
    assert await bot.deps.panel.check_url(bot.sim.url + "/") == bot.sim.url

    # Stored while the operator allowed it (or by an older build): still refused at the request.
    on_default = await account_on(bot, bot.sim, 7320, "test-key-alpha")
    stored = await account_on(bot, second_simulator, 7321, KEY_B)
    await orders_on(bot, bot.sim, on_default, 2)
    await orders_on(bot, second_simulator, stored, 2)
    with pytest.raises(PanelAddressRefused):
        await bot.deps.panel.account(stored.panel_url, stored.api_key).balance()
    stats = await bot.tracker.cycle()
    assert stats.orders_checked == 2 and bot.sim.requests["status"] == 1
    assert sum(second_simulator.requests.values()) == 0
    assert not (await bot.db.get_account(7321, stored.id)).paused  # not the key's fault


def alerts(user) -> list[str]:
    return [m.plain_text for m in user.messages() if m.plain_text.startswith("⚠️")]


async def test_low_balance_alerts_are_told_once_per_fall_for_each_panel(bot_runner, second_simulator):
    bot = await bot_runner.start(allow_private_panel_urls=True)
    watch = bot.app.bot_data["low_balance"]
    a = await account_on(bot, bot.sim, 7330, "test-key-low-a0000", balance=1_000_000)
    b = await account_on(bot, second_simulator, 7330, KEY_B, currency="USD")
    vi = await account_on(bot, bot.sim, 7331, "test-key-low-vi000", balance=40_000, language="vi")
    user, vi_user = bot.user(7330), bot.user(7331, "vi")
    await bot.db.rename_account(7330, b.id, "Panel <B>")
    await bot.db.set_low_balance(7330, a.id, Decimal(2_000_000))
    await bot.db.set_low_balance(7330, b.id, Decimal(100))
    await bot.db.set_low_balance(7331, vi.id, Decimal(50_000))

    stats = await watch.run()
    assert (stats.accounts, stats.requests, stats.told) == (3, 3, 2)
    assert alerts(user) == ["⚠️ Low balance on 127.0.0.1: 1,000,000 VND, below the 2,000,000 VND you set. "
                            "Top up on the panel so that your orders keep going."]
    assert alerts(vi_user) == ["⚠️ Số dư trên 127.0.0.1 chỉ còn 40.000 VND, thấp hơn mức 50.000 VND bạn đã đặt. "
                               "Hãy nạp tiền trên panel để đơn hàng không bị gián đoạn."]
    assert (await watch.run()).told == 0  # still low: not again
    assert len(alerts(user)) == 1

    second_simulator.set_balance(KEY_B, "99.5")
    bot.sim.set_balance("test-key-low-a0000", 900_000)
    await watch.run()
    # Each round stores what it saw: /balance and /panels show it without asking again.
    assert {acc.id: state.amount for acc, state in await bot.db.account_balances(7330)} == {
        a.id: Decimal(900_000), b.id: Decimal("99.5")}

    assert alerts(user)[-1].startswith("⚠️ Low balance on Panel <B>: 99.50 USD, below the 100.00 USD")

    bot.sim.set_balance("test-key-low-a0000", 3_000_000)  # topped up: recovered, nothing said
    assert (await watch.run()).told == 0 and len(alerts(user)) == 2
    bot.sim.set_balance("test-key-low-a0000", 10)
    await second_simulator.stop()  # one panel down does not hold up the others
    stats = await watch.run()
    assert (stats.failed, stats.told) == (1, 1)
    assert alerts(user)[-1].startswith("⚠️ Low balance on 127.0.0.1: 10 VND")
    assert len(alerts(user)) == 3 and len(alerts(vi_user)) == 1
    await bot_runner.stop()
    bot.fake.assert_clean()
