"""Operators' storage: /stats counts, last seen, announcements, maintenance, broadcast recipients."""

from __future__ import annotations

import sqlite3

import pytest

from bot.storage import BroadcastRunning, NewOrder, OrderStatusUpdate, RecipientState
from bot.storage.operations import DAY


async def users(db, *ids: int) -> None:
    for tg_id in ids:
        await db.ensure_user(tg_id, "en")


async def test_counts_for_stats(db, clock, make_account):
    await users(db, 1, 2, 3, 4)
    await db.set_blocked(4, True)
    start = clock.now
    await db.record_last_seen({1: start, 2: start - 3 * DAY, 3: start - 10 * DAY})
    # Never moved backwards by an older time.
    await db.record_last_seen({1: start - 20 * DAY})
    account = await make_account(1)
    await make_account(2)
    await db.set_account_paused(account.id, True)
    for panel_id in (10, 11, 12):
        await db.begin_intent(1, account.id, f"t{panel_id}", {"service": 1})
        await db.intent_placed(1, f"t{panel_id}", panel_id, NewOrder(account.id, panel_id))
    await db.begin_intent(1, account.id, "lost", {"service": 1})
    await db.intent_unknown(1, "lost", "timeout")
    order = await db.get_order(1, 10)
    await db.update_order_statuses([OrderStatusUpdate(order.id, 1, "Completed", None, None, None, final=True,
                                                      checked_at=clock.now)])

    counts = await db.operations_counts()
    assert (counts.users, counts.blocked_users, counts.active_day, counts.active_week) == (4, 1, 1, 2)
    assert (counts.accounts, counts.paused_accounts) == (2, 1)
    assert counts.orders_by_status == {"": 2, "Completed": 1}
    assert (counts.open_orders, counts.open_refills, counts.unknown_intents) == (2, 0, 1)

    clock.advance(2 * DAY)
    assert (await db.operations_counts()).active_day == 0


async def test_announcements_default_on_and_can_be_turned_off(db):
    await users(db, 7)
    assert await db.get_announcements(7) is True
    assert await db.set_announcements(7, False)
    assert await db.get_announcements(7) is False
    assert await db.get_announcements(8) is None
    assert not await db.set_announcements(8, True)


async def test_maintenance_flag_is_stored(db, clock):
    assert not (await db.maintenance()).on
    state = await db.set_maintenance(True, by=42)
    assert (state.on, state.by, state.since) == (True, 42, clock.now)
    assert await db.maintenance() == state
    assert not (await db.set_maintenance(False, by=42)).on


async def test_probe_write_fails_when_the_database_cannot_be_written(db, db_path):
    await db.probe_write()
    blocker = sqlite3.connect(db_path, timeout=0)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(sqlite3.OperationalError):
            await db.probe_write()
    finally:
        blocker.rollback()
        blocker.close()


async def test_broadcast_recipients_claimed_once_and_settled(db):
    await users(db, 1, 2, 3, 4, 5)
    await db.set_blocked(2, True)
    await db.set_announcements(3, False)
    broadcast, recipients = await db.create_broadcast(created_by=1, chat_id=1, text="Hi",
                                                      entities=[{"type": "bold", "offset": 0, "length": 2}])
    assert recipients == 3  # 1, 4, 5
    assert broadcast.entities == [{"type": "bold", "offset": 0, "length": 2}]
    with pytest.raises(BroadcastRunning):
        await db.create_broadcast(created_by=1, chat_id=1, text="again")
    assert await db.pending_recipients(broadcast.id) == [1, 4, 5]
    assert await db.pending_recipients(broadcast.id, after=1, limit=1) == [4]

    assert await db.claim_recipient(broadcast.id, 1)
    assert not await db.claim_recipient(broadcast.id, 1)  # claimed once only
    await db.settle_recipient(broadcast.id, 1, RecipientState.DELIVERED)
    # Turned announcements off after the broadcast began: skipped, not sent.
    await db.set_announcements(5, False)
    assert not await db.claim_recipient(broadcast.id, 5)
    assert await db.claim_recipient(broadcast.id, 4)
    await db.settle_recipient(broadcast.id, 4, RecipientState.BLOCKED)
    assert (await db.get_user(4)).blocked

    counts = await db.broadcast_counts(broadcast.id)
    assert (counts.delivered, counts.blocked, counts.skipped, counts.pending, counts.total) == (1, 1, 1, 0, 3)
    assert await db.finish_broadcast(broadcast.id)
    assert not await db.finish_broadcast(broadcast.id)
    assert (await db.get_broadcast(broadcast.id)).state == "done"
    # The next one may start.
    await db.create_broadcast(created_by=1, chat_id=1, text="next")


async def test_a_recipient_left_sending_by_a_crash_becomes_unknown(db):
    await users(db, 1, 2)
    broadcast, _ = await db.create_broadcast(created_by=1, chat_id=1, text="Hi")
    assert await db.claim_recipient(broadcast.id, 1)
    assert await db.interrupted_recipients_unknown(broadcast.id) == 1
    counts = await db.broadcast_counts(broadcast.id)
    assert (counts.unknown, counts.pending) == (1, 1)
    assert await db.pending_recipients(broadcast.id) == [2]


async def test_delete_my_data_removes_the_users_broadcast_rows(db):
    await users(db, 1, 2)
    broadcast, _ = await db.create_broadcast(created_by=1, chat_id=1, text="Hi")
    assert await db.delete_user_data(2)
    assert await db.pending_recipients(broadcast.id) == [1]
