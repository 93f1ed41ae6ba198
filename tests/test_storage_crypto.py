"""API keys at rest: encrypted, never in the file in plain text, and a wrong key changes nothing."""

from __future__ import annotations

import hashlib
import logging
import stat
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from bot.storage import Database, StorageKeyError
from bot.storage.crypto import KEY_FILE_NAME


PLAIN_KEY = "a1b2c3d4e5f6plaintextkey7890abcd"


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


async def test_api_key_round_trips_and_is_stored_encrypted(db_path: Path, storage_key: str, make_account) -> None:
    account = await make_account(1, api_key=PLAIN_KEY)
    assert account.api_key == PLAIN_KEY
    assert PLAIN_KEY not in repr(account) and PLAIN_KEY not in str(account)

    db = await Database.open(db_path, storage_key)
    try:
        reopened = await db.active_account(1)
        assert reopened is not None and reopened.api_key == PLAIN_KEY
        async with db.connection.reading() as session:
            stored = await session.scalar("SELECT api_key_enc FROM accounts WHERE id = ?", (account.id,))
    finally:
        await db.close()
    assert PLAIN_KEY not in stored
    assert Fernet(storage_key).decrypt(stored.encode()).decode() == PLAIN_KEY


async def test_no_plaintext_api_key_in_database_or_wal_file(db, db_path: Path, make_account) -> None:
    keys = [f"plain-api-key-{n}-{'x' * 20}" for n in range(4)]
    first = await make_account(1, api_key=keys[0])
    await make_account(1, api_key=keys[1], panel_url="https://other.example/api/v2")
    await make_account(2, api_key=keys[2])
    await db.save_account(1, first.panel_url, keys[3], None)  # a replaced key
    await db.delete_user_data(2)  # a deleted key

    wal = db_path.with_name(db_path.name + "-wal")
    assert wal.exists()  # the writes above are (at least partly) still in the WAL
    for raw in (db_path.read_bytes(), wal.read_bytes()):
        for key in keys:
            assert key.encode() not in raw


async def test_wrong_key_raises_and_leaves_the_file_intact(db_path: Path, storage_key: str) -> None:
    db = await Database.open(db_path, storage_key)
    await db.ensure_user(1, "en")
    await db.save_account(1, "https://panel.example/api/v2", PLAIN_KEY, "USD")
    await db.close()
    before = file_digest(db_path)
    other_key = Fernet.generate_key().decode()

    with pytest.raises(StorageKeyError, match="^ENCRYPTION_KEY does not match the key used for this database") as info:
        await Database.open(db_path, other_key)
    assert other_key not in str(info.value) and storage_key not in str(info.value)
    assert file_digest(db_path) == before

    db = await Database.open(db_path, storage_key)
    try:
        account = await db.active_account(1)
        assert account is not None and account.api_key == PLAIN_KEY
    finally:
        await db.close()


@pytest.mark.parametrize("bad_key", ["not-a-fernet-key", "", "é" * 44, Fernet.generate_key().decode()[:-4]])
async def test_malformed_key_is_a_clear_error_before_any_file_is_made(db_path: Path, bad_key: str) -> None:
    with pytest.raises(StorageKeyError, match="ENCRYPTION_KEY is malformed") as info:
        await Database.open(db_path, bad_key)
    if bad_key:
        assert bad_key not in str(info.value)
    assert not db_path.parent.exists()


async def test_generated_key_file_is_owner_only_and_reused(db_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="bot.storage"):
        db = await Database.open(db_path)
    key_file = db_path.parent / KEY_FILE_NAME
    try:
        await db.ensure_user(1, "en")
        await db.save_account(1, "https://panel.example/api/v2", PLAIN_KEY, None)
    finally:
        await db.close()

    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    key = key_file.read_text().strip()
    Fernet(key)  # a valid key
    generated = [r for r in caplog.records if "generated a new encryption key" in r.getMessage()]
    assert len(generated) == 1 and generated[0].levelno >= logging.INFO
    assert all(key not in r.getMessage() for r in caplog.records)

    caplog.clear()
    with caplog.at_level(logging.INFO, logger="bot.storage"):
        db = await Database.open(db_path)
    try:
        account = await db.active_account(1)
        assert account is not None and account.api_key == PLAIN_KEY
    finally:
        await db.close()
    assert key_file.read_text().strip() == key
    assert not [r for r in caplog.records if "generated" in r.getMessage()]
    # The same key also works when given through ENCRYPTION_KEY.
    await (await Database.open(db_path, key)).close()


async def test_missing_key_file_for_an_encrypted_database_is_refused(db_path: Path, storage_key: str) -> None:
    await (await Database.open(db_path, storage_key)).close()
    before = file_digest(db_path)
    with pytest.raises(StorageKeyError, match="ENCRYPTION_KEY is not set"):
        await Database.open(db_path)
    # No new key file: it would not open the existing keys anyway.
    assert not (db_path.parent / KEY_FILE_NAME).exists()
    assert file_digest(db_path) == before


async def test_replaced_key_file_is_refused(db_path: Path) -> None:
    await (await Database.open(db_path)).close()
    key_file = db_path.parent / KEY_FILE_NAME
    key_file.write_text(Fernet.generate_key().decode())
    with pytest.raises(StorageKeyError, match="does not match the key used for this database"):
        await Database.open(db_path)
