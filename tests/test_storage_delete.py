""""Delete my data": everything of one user goes, in one transaction; other users keep theirs."""

from __future__ import annotations

from pathlib import Path

from bot.storage import Database, NewOrder, SqlitePersistence


USER_TABLES = {
    "users": "tg_id", "accounts": "tg_id", "orders": "tg_id", "refills": "tg_id", "intents": "tg_id",
    "ptb_user_data": "user_id", "ptb_chat_data": "chat_id",
}  # fmt: skip


async def fill(db: Database, persistence: SqlitePersistence, tg_id: int, make_account) -> None:
    account = await make_account(tg_id, api_key=f"secret-of-{tg_id}-0123456789")
    await db.save_catalogue(account.id, "[]", 1.0)
    await db.begin_intent(tg_id, account.id, "tok", {"service": 1})
    order = await db.intent_placed(tg_id, "tok", 10, NewOrder(account.id, 10, link=f"https://t.me/private-link-{tg_id}"))
    await db.record_refill(tg_id, account.id, order.id, 3)
    await persistence.update_user_data(tg_id, {"lang_seen": True, "draft_link": f"https://t.me/private-link-{tg_id}"})
    await persistence.update_chat_data(tg_id, {"last_menu": 1})
    await persistence.update_conversation("order", (tg_id, tg_id), 2)


async def rows_of(db: Database, tg_id: int) -> dict[str, int]:
    async with db.connection.reading() as session:
        counts = {
            table: await session.scalar(f"SELECT COUNT(*) FROM {table} WHERE {column} = ?", (tg_id,))
            for table, column in USER_TABLES.items()
        }
        counts["catalogue_cache"] = await session.scalar(
            "SELECT COUNT(*) FROM catalogue_cache WHERE account_id NOT IN (SELECT id FROM accounts)"
        )
    return counts


async def test_delete_my_data_removes_one_user_entirely(db, db_path: Path, make_account) -> None:
    persistence = SqlitePersistence(db)
    await fill(db, persistence, 1, make_account)
    await fill(db, persistence, 2, make_account)
    bob_before = await rows_of(db, 2)

    assert await db.delete_user_data(1) is True
    assert set((await rows_of(db, 1)).values()) == {0}
    assert await db.get_user(1) is None and await db.accounts(1) == [] and await db.count_orders(1) == 0
    assert 1 not in await persistence.get_user_data() and 1 not in await persistence.get_chat_data()
    assert (1, 1) not in await persistence.get_conversations("order")
    assert await db.delete_user_data(1) is False

    assert await rows_of(db, 2) == bob_before
    bob = await db.active_account(2)
    assert bob.api_key == "secret-of-2-0123456789" and await db.load_catalogue(bob.id) is not None
    assert await persistence.get_conversations("order") == {(2, 2): 2}
    assert (await persistence.get_user_data())[2]["lang_seen"] is True

    # Erased, not just unlinked: nothing of user 1 is left in the file's free pages either.
    await db.close()
    raw = db_path.read_bytes()
    assert b"private-link-1" not in raw and b"private-link-2" in raw
