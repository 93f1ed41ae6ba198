"""Several panels (bot.core.panels) against two simulators on two loopback ports: the first is the
operator's PANEL_API_URL, the second a panel the user adds."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal

import pytest
import pytest_asyncio

from bot.core.panels import (
    LABEL_MAX,
    MAX_PANELS_PER_USER,
    LowBalanceStep,
    PanelRefused,
    add_panel,
    all_balances,
    check_low_balance,
    check_panel_url,
    clean_label,
    panel_name,
    parse_threshold,
    remove_panel,
    rename_panel,
    set_low_balance,
    switch_panel,
)
from bot.panel import InvalidKey, PanelClient, PanelUnavailable, UrlPolicy
from bot.simulator import PanelSimulator
from tests.panel_fixtures import TEST_BALANCE, TEST_KEY, make_test_client
from tests.panels_support import BALANCE_B, KEY_B, second_simulator  # noqa: F401 (fixture)

USER = 42


def client_for(default: PanelSimulator, *, allow_private: bool) -> PanelClient:
    return make_test_client(url_policy=UrlPolicy.build(default.url, allow_private=allow_private))  # type: ignore[arg-type]


@pytest_asyncio.fixture
async def client(simulator: PanelSimulator) -> AsyncIterator[PanelClient]:
    """A client as the bot builds it, with ALLOW_PRIVATE_PANEL_URLS=true (the second simulator
    is on loopback)."""
    async with client_for(simulator, allow_private=True) as panel_client:
        yield panel_client


@pytest_asyncio.fixture
async def user(db) -> int:
    await db.ensure_user(USER, "en")
    return USER


def keys_seen(sim: PanelSimulator) -> set[str]:
    return {key for _, _, key in sim.request_log}


async def test_two_panels_each_get_only_their_own_key(db, client, user, simulator, second_simulator):
    first = await add_panel(db, client, user, simulator.url, TEST_KEY)
    second = await add_panel(db, client, user, second_simulator.url + "/", KEY_B, label="  Panel\nB  ")

    assert (first.balance.amount, first.balance.currency) == (TEST_BALANCE, "VND")
    assert (second.balance.amount, second.balance.currency) == (BALANCE_B, "USD")
    assert second.account.panel_url == second_simulator.url and second.account.label == "Panel B"
    stored = await db.accounts(user)
    assert [(a.panel_url, a.api_key, a.currency, a.active) for a in stored] == [
        (simulator.url, TEST_KEY, "VND", False), (second_simulator.url, KEY_B, "USD", True)]
    # Each key went to the URL it was entered for, and nowhere else.
    assert keys_seen(simulator) == {TEST_KEY} and keys_seen(second_simulator) == {KEY_B}

    balances = await all_balances(db, client, user, timeout=2)
    assert [(b.account.id, b.known.amount, b.fresh) for b in balances] == [
        (first.account.id, TEST_BALANCE, True), (second.account.id, BALANCE_B, True)]
    assert keys_seen(simulator) == {TEST_KEY} and keys_seen(second_simulator) == {KEY_B}
    assert [panel_name(a) for a in await db.accounts(user)] == ["127.0.0.1", "Panel B"]


async def test_a_panel_the_user_adds_on_loopback_is_refused_without_the_setting(db, simulator, second_simulator, user):
    async with client_for(simulator, allow_private=False) as strict:
        with pytest.raises(PanelRefused) as refused:
            await add_panel(db, strict, user, second_simulator.url, KEY_B)
        assert refused.value.code == "private_address"
        assert refused.value.text_key == "panels.refused.private_address"
        with pytest.raises(PanelRefused, match="private_address"):
            await check_panel_url(strict, "http://localhost:8765/api/v2")
        # The operator's own panel is fine on loopback.
        assert (await add_panel(db, strict, user, simulator.url, TEST_KEY)).account.panel_url == simulator.url
    assert sum(second_simulator.requests.values()) == 0
    assert [a.panel_url for a in await db.accounts(user)] == [simulator.url]


async def test_a_key_is_checked_before_anything_is_stored(db, client, user, second_simulator):
    with pytest.raises(InvalidKey):
        await add_panel(db, client, user, second_simulator.url, "test-key-not-on-panel")
    with pytest.raises(PanelRefused) as refused:
        await add_panel(db, client, user, second_simulator.url, "two words")
    assert refused.value.text_key == "key.malformed"
    with pytest.raises(PanelRefused, match="not_http"):
        await add_panel(db, client, user, "ftp://panel.example/api/v2", KEY_B)
    assert await db.accounts(user) == []
    assert second_simulator.requests["balance"] == 1  # only the well-formed key on a good URL was sent

    await second_simulator.stop()
    with pytest.raises(PanelUnavailable):
        await add_panel(db, client, user, second_simulator.url, KEY_B)
    assert await db.accounts(user) == []


async def test_the_same_url_again_replaces_the_key_and_the_number_of_panels_is_bounded(db, client, user, simulator):
    first = await add_panel(db, client, user, simulator.url, TEST_KEY)
    simulator.add_key("test-key-alpha-two", Decimal(5), "VND")
    again = await add_panel(db, client, user, simulator.url, "test-key-alpha-two")
    assert again.account.id == first.account.id and again.account.api_key == "test-key-alpha-two"

    # Fill up to the limit with stored accounts (other URLs), then one more is refused.
    for n in range(MAX_PANELS_PER_USER - 1):
        await db.save_account(user, f"https://panel{n}.example/api/v2", f"key-{n}-0000000000", "USD")
    simulator.add_key("test-key-alpha-3", Decimal(5), "VND")
    with pytest.raises(PanelRefused, match="too_many_panels"):
        await add_panel(db, client, user, simulator.url.replace("/api/v2", "/api/v3"), "test-key-alpha-3")
    # Replacing the key of a panel one has is still fine at the limit.
    assert (await add_panel(db, client, user, simulator.url, "test-key-alpha-3")).account.id == first.account.id


async def test_rename_switch_and_remove(db, client, user, simulator, second_simulator):
    a = (await add_panel(db, client, user, simulator.url, TEST_KEY)).account
    b = (await add_panel(db, client, user, second_simulator.url, KEY_B)).account
    assert await rename_panel(db, user, a.id, " My <b>main</b>\tpanel ") is True
    assert (await db.get_account(user, a.id)).label == "My b main /b panel"
    with pytest.raises(PanelRefused, match="bad_label"):
        await rename_panel(db, user, a.id, "x" * (LABEL_MAX + 1))
    assert await rename_panel(db, user, a.id, "   ") is True
    assert panel_name(await db.get_account(user, a.id)) == "127.0.0.1"
    assert clean_label("x" * LABEL_MAX) == "x" * LABEL_MAX

    assert (await db.active_account(user)).id == b.id
    assert await switch_panel(db, user, a.id) is True
    assert (await db.active_account(user)).id == a.id
    assert await switch_panel(db, user + 1, b.id) is False

    assert await remove_panel(db, user, a.id) is True
    assert (await db.active_account(user)).id == b.id
    assert [x.id for x in await db.accounts(user)] == [b.id]
    balances = await all_balances(db, client, user, timeout=2)
    assert [x.account.id for x in balances] == [b.id]


async def test_balances_are_asked_concurrently_and_a_failing_panel_hides_no_other(db, user, simulator, second_simulator):
    third = await _third_simulator()
    try:
        async with client_for(simulator, allow_private=True) as client:
            ids = [(await add_panel(db, client, user, sim.url, key)).account.id
                   for sim, key in ((simulator, TEST_KEY), (second_simulator, KEY_B), (third, "test-key-charlie-1"))]
            simulator.set_balance(TEST_KEY, "999.5")
            # Panel 2 is slower than the time-out; panel 3 is gone; panel 1 answers after 0.3 s.
            second_simulator.slow_seconds = 5
            second_simulator.fail_next(10, "slow", action="balance")
            await third.stop()
            simulator.slow_seconds = 0.3
            simulator.fail_next(1, "slow", action="balance")
            started = asyncio.get_running_loop().time()
            balances = await all_balances(db, client, user, timeout=0.5)
            elapsed = asyncio.get_running_loop().time() - started
    finally:
        await third.stop()
    assert elapsed < 1.5  # each panel within its own time-out
    # Side by side: the second panel was asked before the first (0.3 s slow) had answered.
    asked_a = [at for at, action, _ in simulator.request_log if action == "balance"][-1]
    asked_b = [at for at, action, _ in second_simulator.request_log if action == "balance"][-1]
    assert abs(asked_b - asked_a) < 0.2
    by_id = {b.account.id: b for b in balances}
    assert list(by_id) == ids
    assert by_id[ids[0]].fresh and by_id[ids[0]].known.amount == Decimal("999.5")
    # The failing ones say why and keep what was known (the balance seen when they were added).
    assert isinstance(by_id[ids[1]].error, PanelUnavailable) and by_id[ids[1]].error.reason == "timeout"
    assert by_id[ids[1]].known.amount == BALANCE_B
    assert isinstance(by_id[ids[2]].error, PanelUnavailable) and by_id[ids[2]].known.amount == Decimal(7)
    stored = {account.id: state.amount for account, state in await db.account_balances(user)}
    assert stored == {ids[0]: Decimal("999.5"), ids[1]: BALANCE_B, ids[2]: Decimal(7)}


async def _third_simulator() -> PanelSimulator:
    from tests.panels_support import start_simulator

    return await start_simulator("test-key-charlie-1", Decimal(7), "USD")


async def test_low_balance_is_told_once_then_again_only_after_recovery(db, client, user, second_simulator):
    account = (await add_panel(db, client, user, second_simulator.url, KEY_B)).account
    await set_low_balance(db, user, account.id, parse_threshold("100"))
    told: list[Decimal] = []
    answers = [True]

    async def check(balance: str) -> LowBalanceStep:
        second_simulator.set_balance(KEY_B, balance)
        [fresh] = await all_balances(db, client, user, timeout=2)

        async def tell() -> bool:
            told.append(fresh.known.amount)
            return answers[0]

        return await check_low_balance(db, fresh.known, fresh.known.amount, tell)

    assert await check("250") is LowBalanceStep.NO_ALERT
    assert await check("99.99") is LowBalanceStep.TOLD
    assert await check("50") is LowBalanceStep.ALREADY_TOLD
    assert await check("10") is LowBalanceStep.ALREADY_TOLD
    assert told == [Decimal("99.99")]
    assert await check("100") is LowBalanceStep.RECOVERED  # at the threshold again
    assert await check("150") is LowBalanceStep.NO_ALERT
    answers[0] = False  # Telegram failed: not marked as told, tried again next time
    assert await check("20") is LowBalanceStep.NOT_TOLD
    answers[0] = True
    assert await check("20") is LowBalanceStep.TOLD
    assert told == [Decimal("99.99"), Decimal(20), Decimal(20)]
    await set_low_balance(db, user, account.id, None)
    assert await check("1") is LowBalanceStep.NO_ALERT


async def test_two_checks_at_once_tell_once(db, client, user, simulator):
    account = (await add_panel(db, client, user, simulator.url, TEST_KEY)).account
    await set_low_balance(db, user, account.id, Decimal(2_000_000))
    [(_, known)] = await db.account_balances(user)
    calls = []

    async def tell() -> bool:
        calls.append(1)
        await asyncio.sleep(0.01)
        return True

    steps = await asyncio.gather(*(check_low_balance(db, known, TEST_BALANCE, tell) for _ in range(5)))
    assert sorted(steps) == sorted([LowBalanceStep.TOLD] + [LowBalanceStep.ALREADY_TOLD] * 4)
    assert calls == [1]


@pytest.mark.parametrize(("typed", "amount"), [
    ("500000", Decimal(500000)), ("500.000", Decimal(500000)), ("500,000", Decimal(500000)),
    ("1.000.000", Decimal(1000000)), ("500k", Decimal(500000)), ("2.5", Decimal("2.5")), ("0,5", Decimal("0.5")),
    ("50.000 VND", Decimal(50000)), ("$12.50", Decimal("12.50")), ("1 000 000", Decimal(1000000)),
    ("100.000đ", Decimal(100000)), ("200.000 ₫", Decimal(200000)), ("12,5 usd", Decimal("12.5")),
])
def test_thresholds_as_people_type_them(typed, amount):
    assert parse_threshold(typed) == amount


@pytest.mark.parametrize("typed", ["", "abc", "0", "-5", "1e400", "NaN", "Infinity", "9" * 20])
def test_impossible_thresholds_are_refused(typed):
    with pytest.raises(PanelRefused, match="bad_threshold"):
        parse_threshold(typed)
