"""The background tracker's queries: paged walks over open orders/refills and due notifications."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot.storage import NewOrder, OrderStatusUpdate, RefillStatusUpdate
from tests.storage_fixtures import track


def status(value: str, *, final: bool = False, checked_at: float = 1.0) -> dict[str, object]:
    return dict(status=value, charge=Decimal("1"), start_count=0, remains=0, final=final, checked_at=checked_at)


async def test_open_orders_are_walked_once_each_in_pages(db, make_account) -> None:
    # 5 users x 2 panels; one account paused, one user blocked, some orders final.
    accounts = [
        await make_account(tg_id, panel_url=url)
        for tg_id in range(1, 6)
        for url in ("https://a.example/api/v2", "https://b.example/api/v2")
    ]
    sizes = [700, 3, 0, 450, 1, 520, 299, 1, 400, 126]  # 2,500 orders, uneven per account
    for account, size in zip(accounts, sizes, strict=True):
        await db.track_orders(account.tg_id, [NewOrder(account.id, n) for n in range(size)])
    assert sum(sizes) == 2500

    paused = accounts[3]  # 450 orders
    await db.set_account_paused(paused.id, True)
    await db.set_blocked(4, True)  # accounts[6] and [7]: 300 orders
    final_ids = set()
    for order in (await db.list_orders(1, account_id=accounts[0].id, limit=50))[::5]:
        await db.update_order_status(1, order.id, **status("Completed", final=True))
        final_ids.add(order.id)
    assert len(final_ids) == 10

    batches = [batch async for batch in db.iter_open_orders(page_size=200)]
    walked = [order for batch in batches for order in batch]
    expected = 2500 - 450 - 300 - 10
    assert len(walked) == expected == len({o.id for o in walked})
    assert all(len(batch) <= 200 for batch in batches) and len(batches) == -(-expected // 200)
    assert [(o.account_id, o.id) for o in walked] == sorted((o.account_id, o.id) for o in walked)
    excluded_accounts = {paused.id, accounts[6].id, accounts[7].id}
    assert not {o.account_id for o in walked} & excluded_accounts
    assert not {o.id for o in walked} & final_ids

    for batch in batches:  # each batch names accounts the tracker can load
        for account_id in {o.account_id for o in batch}:
            account = await db.get_account_for_tracking(account_id)
            assert account is not None and not account.paused and account.api_key


async def test_orders_added_during_a_walk_on_later_accounts_are_reached(db, make_account) -> None:
    first = await make_account(1)
    await db.track_orders(1, [NewOrder(first.id, n) for n in range(10)])
    walk = db.iter_open_orders(page_size=4)
    seen = [o.panel_order_id for o in await anext(walk)]
    later = await make_account(2)
    await db.track_orders(2, [NewOrder(later.id, 99)])
    seen += [o.panel_order_id async for batch in walk for o in batch]
    assert seen == [*range(10), 99]


async def test_checked_before_skips_recently_checked_orders(db, make_account) -> None:
    account = await make_account(1)
    orders = [await track(db, 1, NewOrder(account.id, n)) for n in range(3)]
    await db.update_order_status(1, orders[0].id, **status("Pending", checked_at=100.0))
    await db.update_order_status(1, orders[1].id, **status("Pending", checked_at=200.0))
    due = [o.id async for batch in db.iter_open_orders(checked_before=150.0) for o in batch]
    assert due == [orders[0].id, orders[2].id]


async def test_untold_orders_until_the_user_is_told(db, make_account) -> None:
    alice = await make_account(1)
    bob = await make_account(2)
    a_orders = [await track(db, 1, NewOrder(alice.id, n)) for n in range(5)]
    b_order = await track(db, 2, NewOrder(bob.id, 1))
    assert await db.untold_orders() == []  # nothing reported yet

    for order in a_orders:
        await db.update_order_status(1, order.id, **status("In progress"))
    await db.update_order_status(2, b_order.id, **status("Completed", final=True))
    await db.set_blocked(2, True)  # a user who blocked the bot is not due anything
    assert [o.id for o in await db.untold_orders()] == [o.id for o in a_orders]

    first_page = await db.untold_orders(limit=2)
    second_page = await db.untold_orders(limit=2, after_pk=first_page[-1].id)
    assert [o.id for o in first_page + second_page] == [o.id for o in a_orders[:4]]

    assert await db.mark_order_told(a_orders[0].id, "In progress") is True
    assert await db.mark_order_told(a_orders[0].id, "In progress") is False
    # The status moved on while the message was being sent: still due.
    await db.update_order_status(1, a_orders[1].id, **status("Completed", final=True))
    await db.mark_order_told(a_orders[1].id, "In progress")
    assert [o.id for o in await db.untold_orders()] == [o.id for o in a_orders[1:]]
    assert (await db.untold_orders())[0].status == "Completed"

    await db.set_blocked(2, False)
    assert b_order.id in [o.id for o in await db.untold_orders()]


async def test_open_and_untold_refills(db, make_account) -> None:
    alice = await make_account(1)
    paused = await make_account(1, panel_url="https://b.example/api/v2")
    order = await track(db, 1, NewOrder(alice.id, 1))
    other = await track(db, 1, NewOrder(paused.id, 2))
    refills = [await db.record_refill(1, alice.id, order.id, n) for n in range(1, 6)]
    hidden = await db.record_refill(1, paused.id, other.id, 9)
    await db.set_account_paused(paused.id, True)
    await db.update_order_status(1, order.id, **status("Completed", final=True))  # refills of final orders still run
    await db.update_refill_statuses([RefillStatusUpdate(refills[0].id, "Completed", True, 5.0)])

    walked = [r.id async for batch in db.iter_open_refills(page_size=2) for r in batch]
    assert walked == [r.id for r in refills[1:]]

    await db.update_refill_statuses([RefillStatusUpdate(refills[1].id, "Pending", False, 5.0),
                                     RefillStatusUpdate(hidden.id, "Rejected", True, 5.0)])
    untold = await db.untold_refills()
    assert [r.id for r in untold] == [refills[0].id, refills[1].id, hidden.id]
    assert untold[0].panel_order_id == 1 and untold[0].status == "Completed"
    await db.mark_told([], [(refills[0].id, "Completed")])
    assert [r.id for r in await db.untold_refills(after_pk=refills[0].id)] == [refills[1].id, hidden.id]
    assert [r.id for r in await db.untold_refills(limit=1)] == [refills[1].id]


async def test_status_updates_of_a_chunk_are_written_together(db, make_account) -> None:
    """The tracker stores a chunk's answers with one call: changed rows are reported and
    written, unchanged ones only get checked_at, other users' and unknown rows are ignored,
    and "told" marks apply with the write."""
    account = await make_account(1)
    other = await make_account(2, panel_url="https://other.example/api/v2")
    await db.track_orders(1, [NewOrder(account.id, n) for n in range(1, 701)])  # > one 500-id query
    mine = await db.list_orders(1, limit=1000)
    theirs = await track(db, 2, NewOrder(other.id, 1))
    by_panel_id = {o.panel_order_id: o for o in mine}
    await db.update_order_status(1, by_panel_id[1].id, **status("In progress", checked_at=1.0))

    def update(order_pk: int, tg_id: int = 1, state: str = "Pending", **kw: object) -> OrderStatusUpdate:
        fields = dict(charge=Decimal("0.5"), start_count=10, remains=5, final=False, checked_at=50.0)
        fields.update(kw)
        return OrderStatusUpdate(order_pk, tg_id, state, **fields)  # type: ignore[arg-type]

    # The same as stored ("1.0" is the charge "1"):
    updates = [update(by_panel_id[1].id, state="In progress", charge=Decimal("1.0"), start_count=0, remains=0)]
    updates += [update(by_panel_id[n].id, told=n % 2 == 0) for n in range(2, 701)]
    updates += [update(theirs.id), update(theirs.id, tg_id=1), update(10**9)]
    changed = await db.update_order_statuses(updates)

    assert changed == {by_panel_id[n].id for n in range(2, 701)}
    stored = {o.panel_order_id: o for o in await db.list_orders(1, limit=1000)}
    assert (stored[1].status, stored[1].checked_at) == ("In progress", 50.0)  # touched only
    assert (stored[2].status, stored[2].charge, stored[2].remains, stored[2].told_status) == (
        "Pending", Decimal("0.5"), 5, "Pending",
    )  # fmt: skip
    assert stored[3].told_status is None and stored[700].told_status == "Pending"
    assert (await db.get_order_by_pk(2, theirs.id)).status is None  # not written through user 1
    assert await db.update_order_statuses([]) == set()

    # Money is Decimal: a float is refused and nothing of the call is written.
    with pytest.raises(TypeError):
        await db.update_order_statuses([update(by_panel_id[2].id, state="Completed"),
                                        update(by_panel_id[3].id, charge=0.5)])
    assert (await db.get_order_by_pk(1, by_panel_id[2].id)).status == "Pending"


async def test_told_marks_and_refill_updates_in_bulk(db, make_account) -> None:
    account = await make_account(1)
    orders = [await track(db, 1, NewOrder(account.id, n)) for n in (1, 2, 3)]
    for order in orders:
        await db.update_order_status(1, order.id, **status("In progress"))
    assert await db.mark_orders_told([(orders[0].id, "In progress"), (orders[1].id, "In progress")]) == 2
    assert await db.mark_orders_told([(orders[0].id, "In progress"), (orders[2].id, "In progress")]) == 1
    assert await db.mark_orders_told([]) == 0
    assert await db.untold_orders() == []

    refills = [await db.record_refill(1, account.id, orders[0].id, n) for n in (7, 8, 9)]
    changed = await db.update_refill_statuses([
        RefillStatusUpdate(refills[0].id, "Pending", False, 5.0, told=True),
        RefillStatusUpdate(refills[1].id, "Completed", True, 5.0),
        RefillStatusUpdate(10**9, "Completed", True, 5.0),
    ])
    assert changed == {refills[0].id, refills[1].id}
    assert [(r.refill_id, r.status) for r in await db.untold_refills()] == [(8, "Completed")]
    assert await db.update_refill_statuses([RefillStatusUpdate(refills[1].id, "Completed", True, 9.0)]) == set()
    await db.mark_told([], [(refills[1].id, "Completed"), (refills[0].id, "Pending")])
    assert await db.untold_refills() == []
    async with db.connection.reading() as session:
        stored = {row["refill_id"]: row for row in await session.all("SELECT refill_id, status, checked_at FROM refills")}
    assert (stored[8]["checked_at"], stored[9]["status"]) == (9.0, None)
