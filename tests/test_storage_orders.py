"""Order intents (exactly-once placing), orders and refills, and that users only reach their own rows."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot.storage import IntentState, NewOrder, NotFoundError, RefillStatusUpdate
from tests.storage_fixtures import track


REQUEST = {"service": 11, "link": "https://t.me/x", "quantity": 1000, "price": Decimal("12.3400")}


def new_order(account_id: int, panel_order_id: int, **kwargs: object) -> NewOrder:
    fields: dict[str, object] = dict(
        service_id=11, service_name="Likes", service_type="Default", link="https://t.me/x", quantity=1000,
        expected_charge=Decimal("12.3400"), currency="USD", refill_allowed=True, cancel_allowed=False,
    )  # fmt: skip
    fields.update(kwargs)
    return NewOrder(account_id, panel_order_id, **fields)  # type: ignore[arg-type]


async def test_intent_claimed_once_then_placed_with_its_order(db, make_account, clock) -> None:
    account = await make_account(1)
    claim = await db.begin_intent(1, account.id, "tok", REQUEST)
    assert claim.claimed and claim.intent.state is IntentState.SUBMITTING
    assert claim.intent.request == REQUEST  # Decimal survives

    again = await db.begin_intent(1, account.id, "tok", REQUEST)
    assert not again.claimed and again.intent.state is IntentState.SUBMITTING

    clock.advance(2)
    order = await db.intent_placed(1, "tok", 777, new_order(account.id, 777))
    assert (order.panel_order_id, order.expected_charge, order.quantity) == (777, Decimal("12.3400"), 1000)
    intent = await db.get_intent(1, "tok")
    assert (intent.state, intent.panel_order_id, intent.updated_at) == (IntentState.PLACED, 777, clock.now)

    after = await db.begin_intent(1, account.id, "tok", REQUEST)
    assert not after.claimed and after.intent.panel_order_id == 777
    assert await db.intent_failed(1, "tok", "late") is False  # a placed order stays placed
    assert await db.count_orders(1) == 1


async def test_failed_intent_may_be_claimed_again_unknown_may_not(db, make_account) -> None:
    account = await make_account(1)
    await db.begin_intent(1, account.id, "t1", REQUEST)
    assert await db.intent_failed(1, "t1", "not_enough_funds") is True
    failed = await db.get_intent(1, "t1")
    assert (failed.state, failed.error_code) == (IntentState.FAILED, "not_enough_funds")

    retry = await db.begin_intent(1, account.id, "t1", {**REQUEST, "quantity": 500})
    assert retry.claimed and retry.intent.state is IntentState.SUBMITTING
    assert retry.intent.error_code is None and retry.intent.request["quantity"] == 500

    assert await db.intent_unknown(1, "t1") is True
    blocked = await db.begin_intent(1, account.id, "t1", REQUEST)
    assert not blocked.claimed and blocked.intent.state is IntentState.UNKNOWN
    # Once the panel is known to have refused it, the token is free again.
    assert await db.intent_failed(1, "t1", "checked") is True
    assert (await db.begin_intent(1, account.id, "t1", REQUEST)).claimed


async def test_intents_left_submitting_by_a_crash_become_unknown(db, make_account, clock) -> None:
    account = await make_account(1)
    await db.begin_intent(1, account.id, "old", REQUEST)
    clock.advance(600)
    await db.begin_intent(1, account.id, "new", REQUEST)
    assert [i.token for i in await db.recover_interrupted_intents(updated_before=clock.now - 60)] == ["old"]
    assert (await db.get_intent(1, "old")).state is IntentState.UNKNOWN
    assert (await db.get_intent(1, "new")).state is IntentState.SUBMITTING


async def test_intent_placed_refuses_a_mismatched_order(db, make_account) -> None:
    a = await make_account(1)
    b = await make_account(1, panel_url="https://b.example/api/v2")
    await db.begin_intent(1, a.id, "tok", REQUEST)
    with pytest.raises(ValueError):
        await db.intent_placed(1, "tok", 5, new_order(a.id, 6))
    with pytest.raises(ValueError):
        await db.intent_placed(1, "tok", 5, new_order(b.id, 5))
    with pytest.raises(NotFoundError):
        await db.intent_placed(1, "missing", 5, new_order(a.id, 5))
    # Nothing half-done: no order, the intent still SUBMITTING.
    assert await db.count_orders(1) == 0
    assert (await db.get_intent(1, "tok")).state is IntentState.SUBMITTING


async def test_tracking_orders_is_insert_or_ignore(db, make_account) -> None:
    account = await make_account(1)
    assert await db.track_orders(1, [NewOrder(account.id, 42)]) == 1
    assert await db.track_orders(1, [new_order(account.id, 42)]) == 0
    assert (await db.get_order(1, 42)).service_name is None  # kept as it was
    assert await db.count_orders(1) == 1
    assert await db.track_orders(1, [NewOrder(account.id, n) for n in (41, 42, 43)]) == 2
    assert await db.count_orders(1) == 3


async def test_listing_is_newest_first_and_paged(db, make_account) -> None:
    a = await make_account(1)
    b = await make_account(1, panel_url="https://b.example/api/v2")
    for n in range(1, 16):
        await track(db, 1, NewOrder(a.id if n % 3 else b.id, 100 + n))
    page1 = await db.list_orders(1, limit=10)
    page2 = await db.list_orders(1, offset=10, limit=10)
    assert [o.panel_order_id for o in page1 + page2] == list(range(115, 100, -1))
    assert [o.panel_order_id for o in await db.list_orders(1, account_id=b.id)] == [115, 112, 109, 106, 103]
    assert (await db.count_orders(1), await db.count_orders(1, account_id=b.id)) == (15, 5)


async def test_get_order_prefers_the_active_account(db, make_account) -> None:
    a = await make_account(1)
    b = await make_account(1, panel_url="https://b.example/api/v2")  # now active
    on_a = await track(db, 1, NewOrder(a.id, 5))
    on_b = await track(db, 1, NewOrder(b.id, 5))
    assert (await db.get_order(1, 5)).id == on_b.id
    assert (await db.get_order(1, 5, account_id=a.id)).id == on_a.id
    await db.save_account(1, a.panel_url, a.api_key, None)  # a's key sent again: a is active
    assert (await db.get_order(1, 5)).id == on_a.id
    assert await db.get_order(1, 6) is None


async def test_tracked_orders_handles_long_lists(db, make_account) -> None:
    account = await make_account(1)
    await db.track_orders(1, [NewOrder(account.id, n, link=f"https://t.me/p/{n}") for n in range(0, 1500, 2)])
    found = await db.tracked_orders(1, account.id, range(1200))
    assert sorted(found) == list(range(0, 1200, 2))
    assert found[1000].panel_order_id == 1000 and found[1000].link == "https://t.me/p/1000"


async def test_status_updates_report_real_changes(db, make_account) -> None:
    account = await make_account(1)
    order = await track(db, 1, NewOrder(account.id, 9))
    status = dict(status="In progress", charge=Decimal("1.50"), start_count=10, remains=90, final=False)
    assert await db.update_order_status(1, order.id, **status, checked_at=100.0) is True
    # "1.5" is the same charge as "1.50": only checked_at moves.
    same = {**status, "charge": Decimal("1.5")}
    assert await db.update_order_status(1, order.id, **same, checked_at=200.0) is False
    stored = await db.get_order_by_pk(1, order.id)
    assert (stored.status, stored.charge, stored.remains, stored.checked_at) == (
        "In progress", Decimal("1.50"), 90, 200.0
    )  # fmt: skip
    done = {**status, "status": "Completed", "remains": 0, "final": True}
    assert await db.update_order_status(1, order.id, **done, checked_at=300.0) is True
    assert (await db.get_order_by_pk(1, order.id)).final

    with pytest.raises(TypeError):
        await db.update_order_status(1, order.id, **{**done, "charge": 1.5}, checked_at=400.0)
    with pytest.raises(TypeError):
        await db.track_orders(1, [new_order(account.id, 10, expected_charge=0.1)])


async def test_refills_are_recorded_once_and_tracked(db, make_account) -> None:
    account = await make_account(1)
    order = await track(db, 1, NewOrder(account.id, 9))
    refill = await db.record_refill(1, account.id, order.id, 55)
    assert (refill.order_id, refill.panel_order_id, refill.refill_id, refill.status) == (order.id, 9, 55, None)
    assert (await db.record_refill(1, account.id, order.id, 55)).id == refill.id
    second = await db.record_refill(1, account.id, order.id, 56)
    assert [r.id async for batch in db.iter_open_refills() for r in batch] == [refill.id, second.id]

    def update(status: str, final: bool, checked_at: float) -> list[RefillStatusUpdate]:
        return [RefillStatusUpdate(refill.id, status, final, checked_at)]

    assert await db.update_refill_statuses(update("Pending", False, 10.0)) == {refill.id}
    assert await db.update_refill_statuses(update("Pending", False, 20.0)) == set()
    assert await db.update_refill_statuses(update("Completed", True, 30.0)) == {refill.id}
    [untold] = await db.untold_refills()
    assert (untold.id, untold.status, untold.final, untold.checked_at) == (refill.id, "Completed", True, 30.0)
    await db.mark_told([], [(refill.id, "Completed")])
    assert await db.untold_refills() == []
    # A finished refill is no longer followed.
    assert [r.id async for batch in db.iter_open_refills() for r in batch] == [second.id]


async def test_users_cannot_reach_each_others_rows_with_guessed_ids(db, make_account) -> None:
    alice = await make_account(1, api_key="alice-secret-key")
    bob = await make_account(2)
    order = await track(db, 1, NewOrder(alice.id, 500))
    await db.begin_intent(1, alice.id, "alice-token", REQUEST)
    refill = await db.record_refill(1, alice.id, order.id, 7)

    # Bob reads nothing of Alice's.
    assert await db.get_account(2, alice.id) is None
    assert await db.get_order_by_pk(2, order.id) is None
    assert await db.get_order(2, 500) is None and await db.get_order(2, 500, account_id=alice.id) is None
    assert await db.list_orders(2) == [] and await db.count_orders(2, account_id=alice.id) == 0
    assert await db.tracked_orders(2, alice.id, [500]) == {}
    assert await db.get_intent(2, "alice-token") is None

    # Bob changes nothing of Alice's.
    assert await db.set_account_currency(2, alice.id, "XXX") is False
    status = dict(status="Canceled", charge=None, start_count=None, remains=None, final=True, checked_at=1.0)
    assert await db.update_order_status(2, order.id, **status) is False
    assert await db.intent_failed(2, "alice-token", "x") is False
    assert await db.intent_unknown(2, "alice-token") is False
    for attempt in (
        db.track_orders(2, [NewOrder(alice.id, 501)]),
        db.track_orders(2, [NewOrder(bob.id, 1), NewOrder(alice.id, 502)]),
        db.begin_intent(2, alice.id, "bob-token", REQUEST),
        db.intent_placed(2, "alice-token", 503, NewOrder(alice.id, 503)),
        db.record_refill(2, alice.id, order.id, 8),
        db.record_refill(2, bob.id, order.id, 8),
    ):
        with pytest.raises(NotFoundError):
            await attempt

    # Bob's own token of the same name is a different intent.
    assert (await db.begin_intent(2, bob.id, "alice-token", REQUEST)).claimed

    # Alice's rows are exactly as before.
    assert (await db.get_account(1, alice.id)).api_key == "alice-secret-key"
    assert (await db.active_account(1)).currency == "USD"
    kept = await db.get_order_by_pk(1, order.id)
    assert kept.status is None and not kept.final
    assert (await db.get_intent(1, "alice-token")).state is IntentState.SUBMITTING
    assert [r.id async for batch in db.iter_open_refills() for r in batch] == [refill.id]
    assert await db.count_orders(1) == 1 and await db.count_orders(2) == 0
