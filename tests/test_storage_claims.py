"""Refill and cancel requests: claimed once, live until the panel's answer frees them, per user."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from bot.storage import Database, NotFoundError
from bot.storage.models import RequestKind, RequestSettlement, RequestState
from tests.test_storage_migrations import KEY, build_database_at

REFILL, CANCEL = RequestKind.REFILL, RequestKind.CANCEL


async def test_a_refill_is_claimed_once_and_blocks_until_its_refill_is_finished(db, make_account, clock) -> None:
    account = await make_account(1)
    first = await db.claim_request(1, account.id, REFILL, 4242)
    assert first.claimed and first.request.state is RequestState.SUBMITTING
    assert first.request.panel_order_id == 4242 and first.request.tg_id == 1

    # A second tap while the first is being sent: blocked by the same request.
    second = await db.claim_request(1, account.id, REFILL, 4242)
    assert not second.claimed and second.request.id == first.request.id

    clock.advance(3)
    assert await db.settle_requests(1, [RequestSettlement(first.request.id, RequestState.ACCEPTED, refill_id=77)]) == 1
    after = await db.claim_request(1, account.id, REFILL, 4242)
    assert not after.claimed
    assert (after.request.state, after.request.refill_id, after.request.updated_at) == (RequestState.ACCEPTED, 77, clock.now)
    # A settled request is not settled again (a late answer cannot overwrite it).
    assert await db.settle_requests(1, [RequestSettlement(first.request.id, RequestState.REFUSED, error_code="late")]) == 0

    # Another refill of the same order once refill 77 has finished.
    assert await db.finish_refills(1, account.id, [77, 999]) == 1
    again = await db.claim_request(1, account.id, REFILL, 4242)
    assert again.claimed and again.request.id != first.request.id


async def test_refused_frees_the_order_unknown_does_not(db, make_account) -> None:
    account = await make_account(1)
    claim = await db.claim_request(1, account.id, REFILL, 10)
    await db.settle_requests(1, [RequestSettlement(claim.request.id, RequestState.REFUSED, error_code="refill_not_allowed")])
    retry = await db.claim_request(1, account.id, REFILL, 10)
    assert retry.claimed

    assert await db.settle_requests(1, [RequestSettlement(retry.request.id, RequestState.UNKNOWN)]) == 1
    blocked = await db.claim_request(1, account.id, REFILL, 10)
    assert not blocked.claimed and blocked.request.state is RequestState.UNKNOWN
    # Nothing releases an unknown refill but a definite refusal.
    await db.finish_refills(1, account.id, [1, 2, 3])
    assert not (await db.claim_request(1, account.id, REFILL, 10)).claimed
    assert await db.settle_requests(1, [RequestSettlement(retry.request.id, RequestState.ACCEPTED, refill_id=5)]) == 0
    assert await db.settle_requests(1, [RequestSettlement(retry.request.id, RequestState.REFUSED, error_code="checked")]) == 1
    assert (await db.claim_request(1, account.id, REFILL, 10)).claimed


async def test_an_accepted_cancel_blocks_for_good_and_kinds_are_separate(db, make_account) -> None:
    account = await make_account(1)
    cancel = await db.claim_request(1, account.id, CANCEL, 10)
    await db.settle_requests(1, [RequestSettlement(cancel.request.id, RequestState.ACCEPTED)])
    await db.finish_refills(1, account.id, [0])
    blocked = await db.claim_request(1, account.id, CANCEL, 10)
    assert not blocked.claimed and blocked.request.state is RequestState.ACCEPTED
    assert (await db.claim_request(1, account.id, REFILL, 10)).claimed  # a refill is another request


async def test_claims_in_one_batch_report_each_id(db, make_account) -> None:
    account = await make_account(1)
    taken = await db.claim_request(1, account.id, REFILL, 2)
    claims = await db.claim_requests(1, account.id, REFILL, [1, 2, 3, 1])
    assert list(claims) == [1, 2, 3]
    assert [claims[i].claimed for i in (1, 2, 3)] == [True, False, True]
    assert claims[2].request.id == taken.request.id
    settled = await db.settle_requests(1, [
        RequestSettlement(claims[1].request.id, RequestState.ACCEPTED, refill_id=8),
        RequestSettlement(claims[3].request.id, RequestState.REFUSED, error_code="unknown_order"),
    ])  # fmt: skip
    assert settled == 2
    with pytest.raises(ValueError):
        await db.settle_requests(1, [RequestSettlement(claims[1].request.id, RequestState.SUBMITTING)])


@pytest.mark.parametrize("contenders", [2, 25])
async def test_concurrent_claims_of_one_order_claim_once(db, make_account, contenders: int) -> None:
    account = await make_account(1)
    claims = await asyncio.gather(*(db.claim_request(1, account.id, REFILL, 4242) for _ in range(contenders)))
    assert sum(claim.claimed for claim in claims) == 1
    winner = next(claim for claim in claims if claim.claimed)
    assert {claim.request.id for claim in claims} == {winner.request.id}


async def test_concurrent_overlapping_batches_claim_each_order_once(db, make_account) -> None:
    account = await make_account(1)
    batches = await asyncio.gather(
        db.claim_requests(1, account.id, CANCEL, [1, 2, 3]), db.claim_requests(1, account.id, CANCEL, [3, 2, 4])
    )
    for order_id in (1, 2, 3, 4):
        assert sum(batch[order_id].claimed for batch in batches if order_id in batch) == 1


async def test_two_processes_cannot_both_hold_a_live_request(db, db_path: Path, make_account, storage_key) -> None:
    # Another process (its own connection, its own lock) racing this one: the index decides.
    account = await make_account(1)
    other = await Database.open(db_path, storage_key)
    try:
        claims = await asyncio.gather(*(
            database.claim_request(1, account.id, REFILL, 7) for database in (db, other, db, other)
        ))  # fmt: skip
        assert sum(claim.claimed for claim in claims) == 1
    finally:
        await other.close()
    async with db.connection.transaction() as session:
        with pytest.raises(sqlite3.IntegrityError):
            await session.execute(
                """INSERT INTO order_requests (tg_id, account_id, kind, panel_order_id, state, created_at, updated_at)
                   VALUES (1, ?, 'refill', 7, 'unknown', 0, 0)""",
                (account.id,),
            )


async def test_requests_are_scoped_to_their_user(db, make_account) -> None:
    alice, bob = await make_account(1), await make_account(2)
    with pytest.raises(NotFoundError):
        await db.claim_request(2, alice.id, REFILL, 5)  # Bob naming Alice's account
    claim = await db.claim_request(1, alice.id, REFILL, 5)
    assert await db.settle_requests(2, [RequestSettlement(claim.request.id, RequestState.REFUSED)]) == 0
    await db.settle_requests(1, [RequestSettlement(claim.request.id, RequestState.ACCEPTED, refill_id=3)])
    assert await db.finish_refills(2, alice.id, [3]) == 0
    assert not (await db.claim_request(1, alice.id, REFILL, 5)).claimed
    assert (await db.claim_request(2, bob.id, REFILL, 5)).claimed  # the same id on Bob's account


async def test_deleting_the_users_data_removes_their_requests(db, make_account) -> None:
    alice, bob = await make_account(1), await make_account(2)
    await db.claim_request(1, alice.id, REFILL, 5)
    await db.claim_request(2, bob.id, CANCEL, 5)
    assert await db.delete_user_data(1) is True
    async with db.connection.reading() as session:
        rows = await session.all("SELECT tg_id FROM order_requests")
    assert [row["tg_id"] for row in rows] == [2]


async def test_a_version_3_database_gains_claims_for_its_accounts(tmp_path: Path) -> None:
    path = tmp_path / "old" / "bot.sqlite3"
    await build_database_at(path, 3)
    db = await Database.open(path, KEY)
    try:
        account = await db.active_account(501)
        claim = await db.claim_request(501, account.id, CANCEL, 4242)
        assert claim.claimed and claim.request.account_id == 7
    finally:
        await db.close()


async def test_the_user_may_release_an_unknown_or_stuck_request_only(db, make_account, clock) -> None:
    account = await make_account(1)
    await make_account(2)
    unknown = (await db.claim_request(1, account.id, CANCEL, 20)).request
    await db.settle_requests(1, [RequestSettlement(unknown.id, RequestState.UNKNOWN)])
    sending = (await db.claim_request(1, account.id, CANCEL, 21)).request
    accepted = (await db.claim_request(1, account.id, CANCEL, 22)).request
    await db.settle_requests(1, [RequestSettlement(accepted.id, RequestState.ACCEPTED)])

    # Not another user's; not one being sent now; not one the panel accepted.
    assert await db.release_request(2, unknown.id, stuck_before=clock.now) is None
    assert await db.release_request(1, sending.id, stuck_before=sending.updated_at) is None
    assert await db.release_request(1, accepted.id, stuck_before=clock.now + 1) is None
    assert not (await db.claim_request(1, account.id, CANCEL, 20)).claimed

    released = await db.release_request(1, unknown.id, stuck_before=clock.now)
    assert released is not None and released.state is RequestState.UNKNOWN
    assert (await db.get_request(1, unknown.id)).error_code == "released"
    assert await db.release_request(1, unknown.id, stuck_before=clock.now) is None  # once
    assert (await db.claim_request(1, account.id, CANCEL, 20)).claimed
    # A request left "being sent" by a process that died: released once it is older than the cut-off.
    clock.advance(10)
    assert await db.release_request(1, sending.id, stuck_before=clock.now) is not None
    assert (await db.claim_request(1, account.id, CANCEL, 21)).claimed
