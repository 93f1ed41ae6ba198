"""Several panels per user in storage: rename, switch, remove (history kept, key gone, no longer
tracked), re-add, the balances cache and the low-balance alert state."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from bot.storage import Database, NewOrder
from tests.storage_fixtures import track
from tests.test_storage_migrations import KEY as OLD_BUILD_KEY
from tests.test_storage_migrations import build_database_at

URL_A = "https://a.example/api/v2"
URL_B = "https://b.example/api/v2"
URL_C = "https://c.example/api/v2"


async def open_order_ids(db) -> list[int]:
    return [o.panel_order_id async for page in db.iter_open_orders() for o in page]


async def test_rename_and_switch_only_the_users_own_live_accounts(db, make_account) -> None:
    a = await make_account(1, panel_url=URL_A)
    b = await make_account(1, panel_url=URL_B)
    stranger = await make_account(2, panel_url=URL_A)
    assert (await db.active_account(1)).id == b.id

    assert await db.rename_account(1, a.id, "Main panel") is True
    assert (await db.get_account(1, a.id)).label == "Main panel"
    assert await db.rename_account(1, a.id, None) is True
    assert (await db.get_account(1, a.id)).label is None
    assert await db.rename_account(1, stranger.id, "mine") is False
    assert (await db.get_account(2, stranger.id)).label is None

    assert await db.set_active_account(1, a.id) is True
    assert (await db.active_account(1)).id == a.id
    assert (await db.user_and_account(1, "en"))[1].id == a.id  # the cached session follows
    assert await db.set_active_account(1, stranger.id) is False
    assert (await db.active_account(2)).id == stranger.id and (await db.active_account(1)).id == a.id


async def test_removing_keeps_the_history_but_forgets_the_key_and_stops_tracking(db, db_path: Path, make_account) -> None:
    a = await make_account(1, panel_url=URL_A, api_key="removed-key-aaaaaaaa")
    b = await make_account(1, panel_url=URL_B)
    c = await make_account(1, panel_url=URL_C)
    await db.set_active_account(1, a.id)
    placed = await track(db, 1, NewOrder(a.id, 501, service_name="Likes", link="https://t.me/x", quantity=100))
    await track(db, 1, NewOrder(c.id, 502))
    refill = await db.record_refill(1, a.id, placed.id, 77)
    await db.save_catalogue(a.id, "[]", 1.0)
    await db.user_and_account(1, "en")  # cached with account a active
    assert sorted(await open_order_ids(db)) == [501, 502]

    assert await db.remove_account(1, a.id) is True
    # The history stays: the order, its refill.
    assert [o.panel_order_id for o in await db.list_orders(1)] == [502, 501]
    assert (await db.get_order(1, 501)).service_name == "Likes"
    async with db.connection.reading() as session:
        assert await session.scalar("SELECT refill_id FROM refills WHERE id = ?", (refill.id,)) == 77
    # The panel is gone from everything else; the newest other panel is active.
    assert [x.id for x in await db.accounts(1)] == [b.id, c.id]
    assert await db.get_account(1, a.id) is None and await db.get_account_for_tracking(a.id) is None
    assert (await db.active_account(1)).id == c.id
    assert (await db.user_and_account(1, "en"))[1].id == c.id
    assert await db.removed_account_ids(1) == {a.id}
    assert await db.load_catalogue(a.id) is None
    assert "removed-key-aaaaaaaa" not in await db.api_keys(1)
    async with db.connection.reading() as session:
        assert await session.scalar("SELECT api_key_enc FROM accounts WHERE id = ?", (a.id,)) == ""
    # No longer tracked: the tracker's walks leave its orders and refills out.
    assert await open_order_ids(db) == [502]
    assert [r.refill_id async for page in db.iter_open_refills() for r in page] == []
    assert await db.set_account_paused(a.id, False) is False  # the tracker cannot revive it
    assert await open_order_ids(db) == [502]
    # Nothing more to do with it.
    assert await db.remove_account(1, a.id) is False
    assert await db.set_active_account(1, a.id) is False
    assert await db.rename_account(1, a.id, "x") is False
    assert await db.record_balance(1, a.id, Decimal(1), "USD") is None


async def test_removing_another_users_account_changes_nothing(db, make_account) -> None:
    mine = await make_account(1, panel_url=URL_A)
    await make_account(2, panel_url=URL_A)
    assert await db.remove_account(2, mine.id) is False
    assert (await db.active_account(1)).id == mine.id


async def test_removing_the_last_panel_leaves_none_active(db, make_account) -> None:
    only = await make_account(1, panel_url=URL_A)
    assert await db.remove_account(1, only.id) is True
    assert await db.active_account(1) is None and await db.accounts(1) == []
    assert (await db.user_and_account(1, "en"))[1] is None


async def test_adding_a_removed_panel_again_brings_its_history_back(db, make_account) -> None:
    a = await make_account(1, panel_url=URL_A)
    await make_account(1, panel_url=URL_B)
    await track(db, 1, NewOrder(a.id, 601))
    await db.rename_account(1, a.id, "Old name")
    await db.remove_account(1, a.id)

    again = await db.save_account(1, URL_A, "a-new-key-0000000000", None)
    assert again.id == a.id and again.active and not again.paused
    assert again.api_key == "a-new-key-0000000000" and again.label == "Old name"
    assert await db.removed_account_ids(1) == set()
    assert await open_order_ids(db) == [601]


async def test_balances_are_cached_per_account(db, clock, make_account) -> None:
    a = await make_account(1, panel_url=URL_A, currency="VND")
    b = await make_account(1, panel_url=URL_B, currency=None)
    before = await db.account_balances(1)
    assert [(acc.id, bal.amount, bal.checked_at, bal.threshold, bal.told_low) for acc, bal in before] == [
        (a.id, None, None, None, False), (b.id, None, None, None, False)]

    clock.advance(10)
    stored = await db.record_balance(1, a.id, Decimal("343423.50"), "VND")
    assert (stored.amount, stored.currency, stored.checked_at) == (Decimal("343423.50"), "VND", clock.now)
    await db.user_and_account(1, "en")
    stored = await db.record_balance(1, b.id, Decimal("12.5"), "USD")  # the panel tells the currency
    assert stored.currency == "USD" and (await db.get_account(1, b.id)).currency == "USD"
    listed = {acc.id: bal for acc, bal in await db.account_balances(1)}
    assert (listed[a.id].amount, listed[b.id].amount) == (Decimal("343423.50"), Decimal("12.5"))
    assert await db.record_balance(2, a.id, Decimal(0), None) is None  # not user 2's
    assert {acc.id: bal.amount for acc, bal in await db.account_balances(1)}[a.id] == Decimal("343423.50")


async def test_low_balance_threshold_and_told_state(db, make_account) -> None:
    a = await make_account(1, panel_url=URL_A)
    assert await db.set_low_balance(1, a.id, Decimal("50000")) is True
    assert await db.set_low_balance(2, a.id, Decimal("1")) is False

    # Told once: the state changes only when it differs, so two racing checks tell once.
    assert await db.set_low_balance_told(a.id, True) is True
    assert await db.set_low_balance_told(a.id, True) is False
    [(_, state)] = await db.account_balances(1)
    assert (state.threshold, state.told_low) == (Decimal("50000"), True)
    # A new threshold starts afresh.
    await db.set_low_balance(1, a.id, Decimal("10000"))
    [(_, state)] = await db.account_balances(1)
    assert (state.threshold, state.told_low) == (Decimal("10000"), False)
    await db.set_low_balance(1, a.id, None)
    [(_, state)] = await db.account_balances(1)
    assert state.threshold is None and not state.below_threshold


async def test_the_low_balance_job_sees_live_accounts_with_a_threshold(db, make_account) -> None:
    accounts = [await make_account(tg_id, panel_url=url) for tg_id in (1, 2, 3) for url in (URL_A, URL_B)]
    for account in accounts:
        await db.set_low_balance(account.tg_id, account.id, Decimal(100))
    await db.set_low_balance(1, accounts[1].id, None)  # no threshold
    await db.remove_account(2, accounts[2].id)  # removed
    await db.set_account_paused(accounts[3].id, True)  # key rejected
    await db.set_blocked(3, True)  # accounts[4], [5]: the user blocked the bot

    pages, after = [], 0
    while page := await db.low_balance_accounts(after_id=after, limit=1):
        pages.append([account.id for account, _ in page])
        after = page[-1][0].id
    assert pages == [[accounts[0].id]]
    await db.set_blocked(3, False)
    found = [account.id for account, state in await db.low_balance_accounts()]
    assert found == [accounts[0].id, accounts[4].id, accounts[5].id]
    assert all(state.threshold == Decimal(100) for _, state in await db.low_balance_accounts())


async def test_a_database_from_before_version_6_gets_empty_balances(tmp_path: Path) -> None:
    path = tmp_path / "old" / "bot.sqlite3"
    await build_database_at(path, 5)
    db = await Database.open(path, OLD_BUILD_KEY)
    try:
        [(account, state)] = await db.account_balances(501)
        assert account.id == 7 and account.label == "main" and account.active
        assert (state.amount, state.threshold, state.told_low) == (None, None, False)
        assert await db.removed_account_ids(501) == set()
    finally:
        await db.close()
