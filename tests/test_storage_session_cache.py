"""The user row and active account read on every update come from memory, and are never
older than the database: every change made through storage is seen by the next read."""

from __future__ import annotations

import asyncio

from bot.storage import Database, NotifyMode
from tests.storage_fixtures import TEST_ENCRYPTION_KEY, TEST_PANEL_URL

OTHER_PANEL = "https://other.example/api/v2"


async def test_every_change_through_storage_is_seen_by_the_next_read(db) -> None:
    user, account = await db.user_and_account(1, "vi")
    assert (user.language, account) == ("vi", None)  # created on first contact
    assert (await db.user_and_account(1, "en"))[0].language == "vi"  # the stored choice wins

    first = await db.save_account(1, TEST_PANEL_URL, "key-one", "USD")
    assert (await db.user_and_account(1, "en"))[1] == first
    second = await db.save_account(1, OTHER_PANEL, "key-two", "VND")
    assert (await db.user_and_account(1, "en"))[1].id == second.id

    async def now() -> tuple:
        return await db.user_and_account(1, "en")

    await db.set_language(1, "en")
    assert (await now())[0].language == "en"
    await db.set_notify(1, NotifyMode.FINAL)
    assert (await now())[0].notify is NotifyMode.FINAL
    await db.set_blocked(1, True)
    assert (await now())[0].blocked
    await db.set_blocked(1, False)
    await db.save_account(1, TEST_PANEL_URL, "key-one", None)  # the first key sent again
    assert (await now())[1].id == first.id
    await db.set_account_currency(1, first.id, "EUR")
    assert (await now())[1].currency == "EUR"
    await db.set_account_paused(first.id, True)  # the tracker, which knows only the account
    assert (await now())[1].paused
    await db.save_account(1, TEST_PANEL_URL, "key-three", None)  # a new key un-pauses
    assert (await now())[1].api_key == "key-three" and not (await now())[1].paused
    await db.delete_user_data(1)
    user, account = await db.user_and_account(1, "en")
    assert (user.language, user.notify, account) == ("en", NotifyMode.ALL, None)


async def test_a_read_that_raced_a_change_is_not_kept(db) -> None:
    await db.user_and_account(1, "en")
    await db.set_language(1, "en")  # nothing cached now
    # The read takes two statements; the change lands between them (the connection lock is
    # fair), so the read returns the old language but must not keep it.
    read, _ = await asyncio.gather(db.user_and_account(1, "en"), db.set_language(1, "vi"))
    assert read[0].language == "en"
    assert (await db.user_and_account(1, "en"))[0].language == "vi"


async def test_size_zero_reads_the_database_every_time(db_path) -> None:
    """What a second process writing the same file would need (see session_cache.py)."""
    async with (
        await Database.open(db_path, TEST_ENCRYPTION_KEY, session_cache_size=0) as uncached,
        await Database.open(db_path, TEST_ENCRYPTION_KEY) as cached,
        await Database.open(db_path, TEST_ENCRYPTION_KEY) as other_process,
    ):
        await uncached.user_and_account(1, "en")
        await cached.user_and_account(1, "en")
        await other_process.set_language(1, "vi")
        assert (await uncached.user_and_account(1, "en"))[0].language == "vi"
        assert (await cached.user_and_account(1, "en"))[0].language == "en"  # kept in memory
