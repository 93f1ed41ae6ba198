"""Many handlers and the tracker writing at once through the one shared connection."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from pathlib import Path

import pytest

from bot.storage import Database, NewOrder
from tests.storage_fixtures import track



async def test_200_concurrent_writers_all_land(db, make_account) -> None:
    accounts = [await make_account(tg_id) for tg_id in range(1, 21)]

    async def writer(account_index: int, n: int) -> None:
        account = accounts[account_index]
        order = await track(db, account.tg_id, NewOrder(account.id, n, expected_charge=Decimal(n)))
        await db.update_order_status(
            account.tg_id, order.id, status="Pending", charge=Decimal(n), start_count=0, remains=n,
            final=False, checked_at=float(n),
        )  # fmt: skip

    await asyncio.gather(*(writer(n % 20, n) for n in range(200)))

    for account in accounts:
        orders = await db.list_orders(account.tg_id, limit=100)
        assert len(orders) == 10
        assert all(o.status == "Pending" and o.charge == Decimal(o.panel_order_id) for o in orders)
    async with db.connection.reading() as session:
        assert await session.scalar("PRAGMA integrity_check") == "ok"
        assert await session.scalar("SELECT COUNT(*) FROM orders") == 200


@pytest.mark.parametrize("contenders", [2, 25])
async def test_concurrent_begin_intent_with_one_token_claims_once(db, make_account, contenders: int) -> None:
    account = await make_account(1)
    claims = await asyncio.gather(
        *(db.begin_intent(1, account.id, "double-click", {"n": n}) for n in range(contenders))
    )
    assert sum(claim.claimed for claim in claims) == 1
    winner = next(claim for claim in claims if claim.claimed)
    assert all(claim.intent.request == winner.intent.request for claim in claims)


async def test_a_failed_transaction_leaves_nothing_and_the_connection_keeps_working(db) -> None:
    await db.ensure_user(1, "en")
    with pytest.raises(RuntimeError, match="boom"):
        async with db.connection.transaction() as session:
            await session.execute("UPDATE users SET language = 'vi' WHERE tg_id = 1")
            raise RuntimeError("boom")
    assert (await db.get_user(1)).language == "en"
    assert await db.set_language(1, "vi") is True


async def test_a_cancelled_writer_is_rolled_back(db) -> None:
    await db.ensure_user(1, "en")
    entered = asyncio.Event()

    async def slow_writer() -> None:
        async with db.connection.transaction() as session:
            await session.execute("UPDATE users SET language = 'vi' WHERE tg_id = 1")
            entered.set()
            await asyncio.Event().wait()  # a handler stuck mid-transaction

    task = asyncio.create_task(slow_writer())
    await entered.wait()
    waiting_reader = asyncio.create_task(db.get_user(1))
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    # The reader waited for the lock and saw only committed data.
    assert (await waiting_reader).language == "en"
    assert await db.set_language(1, "vi") is True


async def test_nested_use_inside_a_transaction_fails_instead_of_deadlocking(db) -> None:
    async with db.connection.transaction():
        with pytest.raises(RuntimeError, match="nested"):
            await asyncio.wait_for(db.get_user(1), timeout=1)


async def test_two_databases_on_one_file_write_without_lock_errors(db_path: Path, storage_key: str) -> None:
    first = await Database.open(db_path, storage_key)
    second = await Database.open(db_path, storage_key)
    try:
        await asyncio.gather(*(first.ensure_user(n, "en") for n in range(50)), *(second.ensure_user(n, "vi") for n in range(25, 75)))
        languages = {n: (await first.get_user(n)).language for n in range(75)}
        assert len(languages) == 75
    finally:
        await first.close()
        await second.close()
