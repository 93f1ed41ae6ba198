"""Schema migrations: a new file, and files left by every earlier schema version, end up identical
and keep their data."""

from __future__ import annotations

import hashlib
from decimal import Decimal
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from bot.storage import Database, SchemaTooNewError, SqlitePersistence
from bot.storage.connection import Connection
from bot.storage.crypto import CHECK_META_KEY, cipher_from_key
from bot.storage.migrations import LATEST_VERSION, MIGRATIONS, migrate, schema_version


API_KEY = "old-build-api-key-0123456789"
KEY = Fernet.generate_key().decode()

# What an older build stored, written with the SQL of the version that introduced each table.
# Keyed by the schema version the statements need.
SEED_ROWS: dict[int, list[tuple[str, tuple[object, ...]]]] = {
    1: [
        ("INSERT INTO users (tg_id, language, notify, blocked, created_at) VALUES (?, ?, ?, ?, ?)",
         (501, "vi", "final", 0, 1000.0)),
        ("""INSERT INTO accounts (id, tg_id, panel_url, api_key_enc, currency, label, active, paused, created_at)
            VALUES (7, 501, 'https://old.example/api/v2', ?, 'VND', 'main', 1, 0, 1001.0)""",
         (Fernet(KEY).encrypt(API_KEY.encode()).decode(),)),
        ("""INSERT INTO orders (id, tg_id, account_id, panel_order_id, service_id, service_name, link, quantity,
                                expected_charge, currency, status, charge, final, created_at)
            VALUES (3, 501, 7, 4242, 11, 'Likes', 'https://t.me/x', 100, '12500', 'VND', 'In progress', '12500.5',
                    0, 1002.0)""", ()),
        ("""INSERT INTO intents (tg_id, token, account_id, state, panel_order_id, request, created_at, updated_at)
            VALUES (501, 'tok-1', 7, 'placed', 4242, '{"service":11}', 1002.0, 1002.0)""", ()),
        ("INSERT INTO refills (tg_id, account_id, order_id, refill_id, status, created_at) "
         "VALUES (501, 7, 3, 99, 'Pending', 1003.0)", ()),
        ("INSERT INTO catalogue_cache (account_id, payload, fetched_at) VALUES (7, '[]', 1004.0)", ()),
    ],
    3: [
        ("INSERT INTO ptb_user_data (user_id, data) VALUES (501, '{\"draft\":\"x\"}')", ()),
        ("INSERT INTO ptb_conversations (name, key, state) VALUES ('order', '[501,501]', '2')", ()),
    ],
}  # fmt: skip


async def build_database_at(path: Path, version: int) -> None:
    """A file as a build whose latest migration was `version` left it, with data in it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = await Connection.open(path)
    try:
        assert await migrate(conn, target=version) == version
        async with conn.transaction() as session:
            if version >= 1:  # every build since version 1 stores the key check value at first open
                check = cipher_from_key(KEY, source="test").make_check_value()
                await session.execute("INSERT INTO meta (key, value) VALUES (?, ?)", (CHECK_META_KEY, check))
            for needed, statements in SEED_ROWS.items():
                if needed <= version:
                    for sql, params in statements:
                        await session.execute(sql, params)
    finally:
        await conn.close()


async def schema_of(path: Path) -> list[tuple[str, str, str]]:
    conn = await Connection.open(path)
    try:
        async with conn.reading() as session:
            rows = await session.all("SELECT type, name, sql FROM sqlite_master ORDER BY type, name")
        return [tuple(row) for row in rows]
    finally:
        await conn.close()


def test_migrations_are_numbered_one_to_n() -> None:
    assert [m.version for m in MIGRATIONS] == list(range(1, LATEST_VERSION + 1))
    assert LATEST_VERSION >= 2


async def test_new_file_gets_the_latest_schema(tmp_path: Path) -> None:
    path = tmp_path / "fresh" / "bot.sqlite3"
    db = await Database.open(path, KEY)
    try:
        assert await schema_version(db.connection) == LATEST_VERSION
        user = await db.ensure_user(1, "en")
        assert user.language == "en"
    finally:
        await db.close()
    names = {name for _, name, _ in await schema_of(path)}
    assert {"users", "accounts", "orders", "refills", "intents", "orders_open", "ptb_user_data"} <= names


@pytest.mark.parametrize("version", range(LATEST_VERSION))
async def test_every_earlier_version_migrates_and_keeps_its_data(tmp_path: Path, version: int) -> None:
    old = tmp_path / "old" / "bot.sqlite3"
    await build_database_at(old, version)

    db = await Database.open(old, KEY)
    try:
        assert await schema_version(db.connection) == LATEST_VERSION
        if version >= 1:
            user = await db.get_user(501)
            assert user is not None and user.language == "vi" and user.notify == "final"
            account = await db.active_account(501)
            assert account is not None and account.id == 7 and account.api_key == API_KEY
            order = await db.get_order(501, 4242)
            assert order is not None
            assert order.charge == Decimal("12500.5") and order.expected_charge == Decimal("12500")
            assert order.status == "In progress" and order.quantity == 100
            intent = await db.get_intent(501, "tok-1")
            assert intent is not None and intent.panel_order_id == 4242 and intent.request == {"service": 11}
            assert [r.refill_id async for batch in db.iter_open_refills() for r in batch] == [99]
            catalogue = await db.load_catalogue(7)
            assert catalogue is not None and catalogue.payload == "[]"
            # The tracker's queries (indexes came with version 2) see the old rows.
            open_orders = [o.id async for batch in db.iter_open_orders() for o in batch]
            assert open_orders == [3]
        # Tables added by later steps are usable.
        persistence = SqlitePersistence(db)
        await persistence.update_user_data(9, {"k": "v"})
        assert (await persistence.get_user_data())[9] == {"k": "v"}
        if version >= 3:
            assert (await persistence.get_user_data())[501] == {"draft": "x"}
            assert await persistence.get_conversations("order") == {(501, 501): 2}
    finally:
        await db.close()

    fresh = tmp_path / "fresh" / "bot.sqlite3"
    await (await Database.open(fresh, KEY)).close()
    assert await schema_of(old) == await schema_of(fresh)


async def test_a_file_from_a_newer_build_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    await build_database_at(path, LATEST_VERSION)
    conn = await Connection.open(path)
    async with conn.transaction() as session:
        await session.execute(f"PRAGMA user_version = {LATEST_VERSION + 1}")
    await conn.close()
    before = hashlib.sha256(path.read_bytes()).hexdigest()

    with pytest.raises(SchemaTooNewError, match="newer build"):
        await Database.open(path, KEY)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
