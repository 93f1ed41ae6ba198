"""Mass-order batches in storage: a line is claimed with its own order intent in one step (so it
is sent at most once), stopped lines are never claimed, a crash is repaired from the intents,
a batch is reported once, and every batch belongs to its user only."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest

from bot.storage import IntentState, NewOrder, NotFoundError
from bot.storage.mass import (
    KEEP_FINISHED_BATCHES,
    BatchState,
    LineState,
    NewMassLine,
    mass_token,
)


def new_lines(count: int, first: int = 1) -> list[NewMassLine]:
    return [NewMassLine(n, 1, f"https://facebook.com/post/{n}", 1000, Decimal("2.5"),
                        {"service_id": 1, "service_name": "Facebook views", "link": f"https://facebook.com/post/{n}",
                         "quantity": 1000, "charge": Decimal("2.5"), "kind": "default"})
            for n in range(first, first + count)]  # fmt: skip


async def running_batch(db, tg_id: int, account_id: int, count: int = 3):
    batch = await db.create_mass_batch(tg_id, account_id, new_lines(count), currency="USD",
                                       total_charge=Decimal("2.5") * count)
    started, batch = await db.start_mass_batch(tg_id, batch.id)
    assert started
    return batch


async def test_a_preview_is_stored_with_its_lines_and_replaced_by_the_next_one(db, make_account):
    account = await make_account(1)
    first = await db.create_mass_batch(1, account.id, new_lines(3), currency="USD", total_charge=Decimal("7.5"))
    assert (first.state, first.lines, first.left, first.total_charge) == (BatchState.PREVIEW, 3, 3, Decimal("7.5"))
    lines = await db.mass_lines(1, first.id)
    assert [(line.line_no, line.state) for line in lines] == [(1, LineState.PENDING), (2, LineState.PENDING),
                                                              (3, LineState.PENDING)]
    # The snapshot each line's intent will keep carries the line's own token.
    assert lines[1].request["token"] == mass_token(first.id, 2) == lines[1].token
    assert lines[1].charge == Decimal("2.5") and lines[1].request["charge"] == Decimal("2.5")

    second = await db.create_mass_batch(1, account.id, new_lines(2), currency="USD", total_charge=Decimal(5))
    assert await db.get_mass_batch(1, first.id) is None  # an older preview card is out of date
    assert await db.start_mass_batch(1, first.id) == (False, None)
    assert [b.id for b in await db.mass_batches(1)] == [second.id]
    assert await db.discard_mass_preview(1, second.id)
    assert await db.mass_batches(1) == []

    with pytest.raises(ValueError):
        await db.create_mass_batch(1, account.id, [], currency="USD", total_charge=None)
    with pytest.raises(ValueError):
        await db.create_mass_batch(1, account.id, new_lines(1) * 2, currency="USD", total_charge=None)


async def test_confirm_twice_starts_once_and_a_line_is_claimed_once(db, make_account):
    account = await make_account(1)
    batch = await db.create_mass_batch(1, account.id, new_lines(3), currency="USD", total_charge=None)
    assert await db.claim_mass_line(1, batch.id, 1) is None  # not confirmed yet: nothing may be sent
    results = await asyncio.gather(db.start_mass_batch(1, batch.id), db.start_mass_batch(1, batch.id))
    assert sorted(started for started, _ in results) == [False, True]
    assert all(b.state is BatchState.RUNNING for _, b in results)

    claims = await asyncio.gather(*(db.claim_mass_line(1, batch.id, 1) for _ in range(5)))
    owned = [c for c in claims if c is not None]
    assert len(owned) == 1
    claim = owned[0]
    assert claim.line.state is LineState.SENDING
    assert (claim.intent.token, claim.intent.state) == (mass_token(batch.id, 1), IntentState.SUBMITTING)
    assert claim.intent.request["link"] == "https://facebook.com/post/1"
    assert (await db.next_mass_line(1, batch.id)).line_no == 2


async def test_settled_lines_count_and_a_panel_that_did_not_take_a_line_frees_it(db, make_account):
    account = await make_account(1)
    batch = await running_batch(db, 1, account.id, 4)
    for n in (1, 2, 3, 4):
        await db.claim_mass_line(1, batch.id, n)
    token = mass_token(batch.id, 1)
    await db.intent_placed(1, token, 501, NewOrder(account.id, 501, 1, "Facebook views", "Default",
                                                   "https://facebook.com/post/1", 1000, Decimal("2.5"), "USD"))
    assert await db.settle_mass_line(1, batch.id, 1, LineState.PLACED, panel_order_id=501)
    assert not await db.settle_mass_line(1, batch.id, 1, LineState.PLACED, panel_order_id=501)  # once
    await db.intent_failed(1, mass_token(batch.id, 2), "bad_link")
    assert await db.settle_mass_line(1, batch.id, 2, LineState.REFUSED, error_code="bad_link", error_text="Bad link")
    await db.intent_unknown(1, mass_token(batch.id, 3), "timeout")
    assert await db.settle_mass_line(1, batch.id, 3, LineState.UNKNOWN, error_code="timeout")
    # Rate limited: the intent failed (free to claim again) and the line is pending again.
    await db.intent_failed(1, mass_token(batch.id, 4), "rate_limited")
    assert await db.settle_mass_line(1, batch.id, 4, LineState.PENDING)
    with pytest.raises(ValueError):
        await db.settle_mass_line(1, batch.id, 4, LineState.STOPPED)

    batch = await db.get_mass_batch(1, batch.id)
    assert (batch.placed, batch.refused, batch.unknown, batch.stopped, batch.left) == (1, 1, 1, 0, 1)
    again = await db.claim_mass_line(1, batch.id, 4)
    assert again is not None and again.intent.state is IntentState.SUBMITTING
    assert await db.claim_mass_line(1, batch.id, 2) is None  # a refused line is never sent again
    lines = {line.line_no: line for line in await db.mass_lines(1, batch.id)}
    assert (lines[1].state, lines[1].panel_order_id) == (LineState.PLACED, 501)
    assert (lines[2].state, lines[2].error_code, lines[2].error_text) == (LineState.REFUSED, "bad_link", "Bad link")
    assert (lines[3].state, lines[3].error_code) == (LineState.UNKNOWN, "timeout")
    assert [line.line_no for line in await db.mass_lines(1, batch.id, [LineState.SENDING])] == [4]
    assert (await db.get_order(1, 501)).link == "https://facebook.com/post/1"


async def test_stop_leaves_pending_lines_unsent_and_the_batch_is_reported_once(db, make_account):
    account = await make_account(1)
    batch = await running_batch(db, 1, account.id, 5)
    await db.claim_mass_line(1, batch.id, 1)  # being sent when Stop is tapped
    assert await db.stop_mass_batch(1, batch.id)
    assert not await db.stop_mass_batch(1, batch.id)
    assert await db.claim_mass_line(1, batch.id, 2) is None
    assert await db.next_mass_line(1, batch.id) is None
    stopped = await db.get_mass_batch(1, batch.id)
    assert (stopped.state, stopped.stop_reason, stopped.stopped, stopped.left) == (BatchState.STOPPED, "user", 4, 1)
    assert [b.id for b in await db.unreported_mass_batches()] == [batch.id]
    assert await db.close_mass_batch(1, batch.id) is None  # line 1 is still on its way
    await db.intent_unknown(1, mass_token(batch.id, 1), "timeout")
    await db.settle_mass_line(1, batch.id, 1, LineState.UNKNOWN, error_code="timeout")
    closes = await asyncio.gather(db.close_mass_batch(1, batch.id), db.close_mass_batch(1, batch.id))
    assert sum(c is not None for c in closes) == 1
    assert await db.unreported_mass_batches() == []
    assert await db.finish_mass_batch(1, batch.id) is None  # a stopped batch is not "done"


async def test_a_batch_is_done_once_every_line_has_its_outcome(db, make_account):
    account = await make_account(1)
    batch = await running_batch(db, 1, account.id, 2)
    await db.claim_mass_line(1, batch.id, 1)
    await db.intent_failed(1, mass_token(batch.id, 1), "bad_link")
    await db.settle_mass_line(1, batch.id, 1, LineState.REFUSED, error_code="bad_link")
    assert await db.finish_mass_batch(1, batch.id) is None  # line 2 is pending
    await db.claim_mass_line(1, batch.id, 2)
    assert await db.finish_mass_batch(1, batch.id) is None  # line 2 is being sent
    await db.intent_failed(1, mass_token(batch.id, 2), "bad_link")
    await db.settle_mass_line(1, batch.id, 2, LineState.REFUSED, error_code="bad_link")
    finishes = await asyncio.gather(db.finish_mass_batch(1, batch.id), db.finish_mass_batch(1, batch.id))
    done = [f for f in finishes if f is not None]
    assert len(done) == 1 and done[0].state is BatchState.DONE and done[0].finished_at is not None
    assert await db.running_mass_batches() == []


async def test_lines_cut_off_by_a_crash_take_their_intents_verdict(db, make_account, clock):
    account = await make_account(1)
    batch = await running_batch(db, 1, account.id, 4)
    for n in (1, 2, 3, 4):
        await db.claim_mass_line(1, batch.id, n)
    # Line 1's order was stored, line 2's refusal too, but not on the lines; line 3 was in flight.
    await db.intent_placed(1, mass_token(batch.id, 1), 601, NewOrder(account.id, 601))
    await db.intent_failed(1, mass_token(batch.id, 2), "not_enough_funds")
    clock.advance(10)
    assert await db.sync_mass_lines() == 2  # line 3 and 4 are still being sent: left alone
    # A restart: the start-up recovery makes the intents cut off mid-request unknown.
    await db.settle_mass_line(1, batch.id, 4, LineState.PENDING)  # (line 4 had been freed meanwhile)
    recovered = await db.recover_interrupted_intents(updated_before=clock.now + 1)
    assert {i.token for i in recovered} == {mass_token(batch.id, 3), mass_token(batch.id, 4)}
    assert await db.sync_mass_lines() == 1
    lines = {line.line_no: line for line in await db.mass_lines(1, batch.id)}
    assert (lines[1].state, lines[1].panel_order_id) == (LineState.PLACED, 601)
    assert (lines[2].state, lines[2].error_code) == (LineState.REFUSED, "not_enough_funds")
    assert (lines[3].state, lines[3].error_code) == (LineState.UNKNOWN, "stopped")
    # Line 4 is pending but its intent is unknown (it may have been sent): claiming it does not
    # send it, it takes the intent's verdict.
    assert lines[4].state is LineState.PENDING
    assert await db.claim_mass_line(1, batch.id, 4) is None
    assert (await db.mass_lines(1, batch.id, [LineState.UNKNOWN]))[-1].line_no == 4
    batch = await db.get_mass_batch(1, batch.id)
    assert (batch.placed, batch.refused, batch.unknown, batch.left) == (1, 1, 2, 0)
    assert {i.token for i in await db.unknown_intents(1)} == {mass_token(batch.id, 3), mass_token(batch.id, 4)}


async def test_batches_are_their_users_own(db, make_account):
    alice, bob = await make_account(1), await make_account(2)
    batch = await running_batch(db, 1, alice.id, 2)
    assert await db.get_mass_batch(2, batch.id) is None
    assert await db.mass_lines(2, batch.id) == []
    assert not await db.stop_mass_batch(2, batch.id)
    assert await db.claim_mass_line(2, batch.id, 1) is None
    assert await db.start_mass_batch(2, batch.id) == (False, None)
    assert not await db.set_mass_card(2, batch.id, 77)
    assert await db.set_mass_card(1, batch.id, 78)
    assert (await db.get_mass_batch(1, batch.id)).card_message_id == 78
    assert not await db.settle_mass_line(2, batch.id, 1, LineState.PLACED, panel_order_id=1)
    with pytest.raises(NotFoundError):  # an account that is not theirs
        await db.create_mass_batch(2, alice.id, new_lines(1), currency=None, total_charge=None)
    assert (await db.get_mass_batch(1, batch.id)).state is BatchState.RUNNING

    # "Delete my data" takes the batches and their lines with it; the other user keeps theirs.
    bobs = await running_batch(db, 2, bob.id, 1)
    assert await db.delete_user_data(1)
    assert await db.running_mass_batches() == [await db.get_mass_batch(2, bobs.id)]
    async with db.connection.reading() as session:
        assert await session.scalar("SELECT COUNT(*) FROM mass_lines WHERE tg_id = 1") == 0


async def test_only_the_latest_finished_batches_are_kept(db, make_account):
    account = await make_account(1)
    ids = []
    for _ in range(KEEP_FINISHED_BATCHES + 3):
        batch = await running_batch(db, 1, account.id, 1)
        await db.stop_mass_batch(1, batch.id)
        await db.close_mass_batch(1, batch.id)
        ids.append(batch.id)
    await db.create_mass_batch(1, account.id, new_lines(1), currency=None, total_charge=None)
    kept = [b.id for b in await db.mass_batches(1, limit=100) if b.state is BatchState.STOPPED]
    assert kept == ids[::-1][: KEEP_FINISHED_BATCHES - 1]
