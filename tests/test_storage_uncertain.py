"""Intents whose outcome is unknown: listed per user, recovered at start-up with a reason, and
settled once, by their own user only, as placed (with its order) or as not placed (for good)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot.storage import IntentState, NewOrder, NotFoundError
from bot.storage.intents import SETTLED_NOT_PLACED
from tests.storage_fixtures import track

REQUEST = {"service_id": 11, "service_name": "Likes", "link": "https://t.me/x", "quantity": 1000,
           "charge": Decimal("12.34"), "balance": Decimal(100)}  # fmt: skip


def placed_order(account_id: int, panel_order_id: int) -> NewOrder:
    return NewOrder(account_id, panel_order_id, service_id=11, service_name="Likes", service_type="Default",
                    link="https://t.me/x", quantity=1000, expected_charge=Decimal("12.34"), currency="USD",
                    refill_allowed=True)  # fmt: skip


async def unknown(db, tg_id: int, account_id: int, token: str, reason: str | None = "timeout") -> None:
    await db.begin_intent(tg_id, account_id, token, REQUEST)
    assert await db.intent_unknown(tg_id, token, reason)


async def test_unknown_intents_are_listed_newest_first_with_their_reason_and_snapshot(db, make_account, clock) -> None:
    alice, bob = await make_account(1), await make_account(2)
    other_panel = await make_account(1, panel_url="https://other.example/api/v2")
    await unknown(db, 1, alice.id, "a1", "http_502")
    clock.advance(1)
    await unknown(db, 1, alice.id, "a2", "connection")
    clock.advance(1)
    await unknown(db, 1, other_panel.id, "a3")
    await db.begin_intent(1, alice.id, "in-flight", REQUEST)
    await unknown(db, 2, bob.id, "b1")

    listed = await db.unknown_intents(1)
    assert [i.token for i in listed] == ["a3", "a2", "a1"]
    assert [i.error_code for i in listed] == ["timeout", "connection", "http_502"]
    assert listed[0].request == REQUEST  # money survives as Decimal
    assert [i.token for i in await db.unknown_intents(1, alice.id)] == ["a2", "a1"]
    assert [i.token for i in await db.unknown_intents(1, limit=1)] == ["a3"]
    assert [i.token for i in await db.unknown_intents(2)] == ["b1"]
    assert await db.unknown_intents(2, alice.id) == []  # another user's account shows nothing


async def test_recovered_intents_come_back_with_the_reason_stopped(db, make_account, clock) -> None:
    account = await make_account(1)
    await db.begin_intent(1, account.id, "cut-off", REQUEST)
    clock.advance(600)
    await db.begin_intent(1, account.id, "just-now", REQUEST)
    recovered = await db.recover_interrupted_intents(updated_before=clock.now - 60)
    assert [(i.token, i.state, i.error_code) for i in recovered] == [("cut-off", IntentState.UNKNOWN, "stopped")]
    assert recovered[0].request == REQUEST
    assert (await db.get_intent(1, "just-now")).state is IntentState.SUBMITTING
    assert await db.recover_interrupted_intents(updated_before=clock.now - 60) == []


async def test_settled_as_not_placed_once_and_never_claimed_again(db, make_account) -> None:
    account = await make_account(1)
    await make_account(2)
    await unknown(db, 1, account.id, "tok")
    assert await db.settle_intent_not_placed(2, "tok") is False  # not Bob's to settle
    assert (await db.get_intent(1, "tok")).state is IntentState.UNKNOWN

    assert await db.settle_intent_not_placed(1, "tok") is True
    assert await db.settle_intent_not_placed(1, "tok") is False  # a second tap changes nothing
    intent = await db.get_intent(1, "tok")
    assert (intent.state, intent.error_code) == (IntentState.FAILED, SETTLED_NOT_PLACED)
    assert await db.unknown_intents(1) == []
    # Its token can never send the order again (ordering again is a new intent).
    claim = await db.begin_intent(1, account.id, "tok", REQUEST)
    assert not claim.claimed and claim.intent.state is IntentState.FAILED
    assert await db.settle_intent_placed(1, "tok", placed_order(account.id, 5)) is None
    # A FAILED intent the panel refused is still claimed again, as before.
    await db.begin_intent(1, account.id, "refused", REQUEST)
    await db.intent_failed(1, "refused", "not_enough_funds")
    assert (await db.begin_intent(1, account.id, "refused", REQUEST)).claimed


async def test_settled_as_placed_stores_the_order_once(db, make_account) -> None:
    account = await make_account(1)
    await unknown(db, 1, account.id, "tok")
    order = await db.settle_intent_placed(1, "tok", placed_order(account.id, 777))
    assert (order.panel_order_id, order.service_name, order.expected_charge) == (777, "Likes", Decimal("12.34"))
    intent = await db.get_intent(1, "tok")
    assert (intent.state, intent.panel_order_id) == (IntentState.PLACED, 777)
    assert await db.settle_intent_placed(1, "tok", placed_order(account.id, 778)) is None  # settled already
    assert await db.settle_intent_not_placed(1, "tok") is False
    assert [o.panel_order_id for o in await db.list_orders(1)] == [777]
    assert await db.unknown_intents(1) == []


async def test_settled_as_placed_completes_an_order_followed_from_the_website(db, make_account) -> None:
    account = await make_account(1)
    followed = await track(db, 1, NewOrder(account.id, 900))  # e.g. through /status
    await unknown(db, 1, account.id, "tok")
    order = await db.settle_intent_placed(1, "tok", placed_order(account.id, 900))
    assert order.id == followed.id and order.service_name == "Likes" and order.refill_allowed
    assert await db.count_orders(1) == 1


async def test_only_the_owner_settles_as_placed_and_only_on_the_intents_account(db, make_account) -> None:
    alice, bob = await make_account(1), await make_account(2)
    other_panel = await make_account(1, panel_url="https://other.example/api/v2")
    await unknown(db, 1, alice.id, "tok")
    with pytest.raises(NotFoundError):
        await db.settle_intent_placed(2, "tok", placed_order(bob.id, 1))
    with pytest.raises(ValueError):
        await db.settle_intent_placed(1, "tok", placed_order(other_panel.id, 1))
    assert (await db.get_intent(1, "tok")).state is IntentState.UNKNOWN
    assert await db.count_orders(1) == 0 and await db.count_orders(2) == 0
