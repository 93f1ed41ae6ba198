"""An API key anywhere in a message: deleted at once, never echoed, searched for, kept or logged.

Also: the database is owner-only on disk, and a Bot API server without the cosmetic
`sendChatAction` does not stop the real work.
"""

import logging
import os
import stat
from contextlib import contextmanager

import pytest

from tests.conftest import TEST_KEY, order_until_confirmation, wait_until

# Shaped as panels make keys (32 hex characters); the simulator knows neither.
FOREIGN_KEY = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
NEW_KEY = "9f8e7d6c5b4a39281706f5e4d3c2b1a0"
OTHER_KEY = "fedcba9876543210fedcba9876543210"
DELETED_LINE = "looks like an API key, so I deleted it"


@pytest.fixture
def logs(caplog):
    """Every log record of the bot, at DEBUG (the library at INFO, as bot/logs.py sets it in
    production: at DEBUG it logs whole updates)."""
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.INFO, logger="telegram")
    return caplog


def versions_holding(messages, secret):
    return [m for m in messages if any(secret in v.text or secret in v.plain_text for v in m.versions)]


async def assert_nowhere(bot, chat_user, secret, logs, *, deleted=True):
    """`secret` was deleted from the chat (when `deleted`), and is in no bot message (any version),
    no callback answer, not in the database files (WAL included) and not in the log."""
    typed = versions_holding([m for m in chat_user.transcript() if m.sender == "user"], secret)
    assert typed, "the test sent no message holding the secret"
    if deleted:
        assert all(m.deleted for m in typed), [m.describe() for m in typed]
    assert not versions_holding(bot.fake.bot_messages(chat_user.chat_id, include_deleted=True), secret)
    assert all(secret not in str(q.answer) for q in bot.fake.callback_queries.values())
    path = bot.settings.database_path
    stored = b"".join(p.read_bytes() for p in (path, path.with_name(path.name + "-wal")) if p.exists())
    assert secret.encode() not in stored
    async with bot.db.connection.reading() as session:
        rows = await session.all("SELECT data FROM ptb_user_data UNION ALL SELECT state FROM ptb_conversations")
    assert all(secret not in str(row[0]) for row in rows)
    for record in logs.records:
        assert secret not in record.getMessage() and secret not in (record.exc_text or ""), record.getMessage()


def last_typed(user):
    return [m for m in user.transcript() if m.sender == "user"][-1]


@pytest.mark.parametrize("typed", ["/services {key}", "/order {key}", "/status {key}", "my key is {key} thanks",
                                   "/services tiktok {key}"])
async def test_a_key_inside_a_message_is_deleted_and_never_used(bot, logs, typed):
    user = await bot.onboarded(1401, "en")
    requests_before = dict(bot.sim.requests)
    reply = await user.send(typed.format(key=FOREIGN_KEY))
    assert DELETED_LINE in reply.text and "Change API key" in reply.text
    assert len(reply.messages) == 1
    assert dict(bot.sim.requests) == requests_before  # not searched, not checked, no status asked
    await assert_nowhere(bot, user, FOREIGN_KEY, logs)
    assert (await bot.db.active_account(1401)).api_key == TEST_KEY
    reply = await user.send("tiktok")  # the user goes on as before
    assert "TikTok" in reply.text


async def test_the_users_own_keys_are_recognised_even_when_not_key_shaped(bot, logs):
    user = await bot.onboarded(1402, "vi")
    reply = await user.send(f"/services {TEST_KEY}")
    assert "có vẻ chứa API key nên mình đã xoá" in reply.text
    await assert_nowhere(bot, user, TEST_KEY, logs)

    # Another account's key too (added after the first check: the bot must not go by an old list).
    first = await bot.db.active_account(1402)
    await bot.db.save_account(1402, "https://other-panel.example/api/v2", "other-panel-secret", "USD")
    await bot.db.save_account(1402, first.panel_url, first.api_key, None)  # the first one active again
    reply = await user.send("is other-panel-secret still good?")
    assert "có vẻ chứa API key nên mình đã xoá" in reply.text
    await assert_nowhere(bot, user, "other-panel-secret", logs)

    # Sent alone it is taken as a key, checked again and kept, as any key sent alone.
    reply = await user.send(TEST_KEY)
    assert "Đã kiểm tra và lưu key" in reply.text
    await assert_nowhere(bot, user, TEST_KEY, logs)


async def test_a_key_in_a_caption_is_deleted(bot, logs):
    user = await bot.onboarded(1403, "en")
    reply = await user.send_photo(caption=f"my key {FOREIGN_KEY}")
    assert DELETED_LINE in reply.text
    await assert_nowhere(bot, user, FOREIGN_KEY, logs)
    reply = await user.send_document(caption=TEST_KEY, file_name="key.txt")
    assert DELETED_LINE in reply.text
    await assert_nowhere(bot, user, TEST_KEY, logs)
    reply = await user.send_photo(caption="a cat")
    assert "I only read text messages" in reply.text and not reply.deleted
    assert bot.sim.requests.get("balance", 0) == 1  # only the onboarding's check


async def test_a_message_edited_into_a_key_is_deleted_and_other_edits_are_ignored(bot, logs):
    user = await bot.onboarded(1404, "en")
    await user.send("tiktok")
    reply = await user.edit(last_typed(user), f"/services {FOREIGN_KEY}", expect_reply=True)
    assert DELETED_LINE in reply.text
    await assert_nowhere(bot, user, FOREIGN_KEY, logs)

    await user.send("instagram")
    services_before = bot.sim.requests["services"]
    reply = await user.edit(last_typed(user), "youtube")
    assert not reply.sent and not reply.edited and not reply.deleted
    assert bot.sim.requests["services"] == services_before

    reply = await user.send_photo(caption="a cat")
    reply = await user.edit(last_typed(user), f"a cat and {NEW_KEY}", expect_reply=True)
    assert DELETED_LINE in reply.text
    await assert_nowhere(bot, user, NEW_KEY, logs)


async def test_in_the_key_step_a_key_inside_a_sentence_is_taken_and_a_caption_is_not(bot, logs):
    user = bot.user(1406, "en")
    await user.send("/start")
    key = bot.sim.add_key(NEW_KEY, 5000, "VND")
    reply = await user.send(f"my key is {key} thanks")
    assert "Key checked and saved" in reply.text and "5,000 VND" in reply.text
    assert (await bot.db.active_account(1406)).api_key == key
    await assert_nowhere(bot, user, key, logs)

    await user.send("/settings")
    await user.press("🔑 Change API key")
    reply = await user.send_photo(caption=TEST_KEY)
    assert DELETED_LINE in reply.text and "on its own" in reply.text
    await assert_nowhere(bot, user, TEST_KEY, logs)
    reply = await user.send(f"{FOREIGN_KEY} or {OTHER_KEY}")  # two keys: which one?
    assert "does not look like an API key" in reply.text
    await assert_nowhere(bot, user, FOREIGN_KEY, logs)
    await assert_nowhere(bot, user, OTHER_KEY, logs)
    assert (await bot.db.active_account(1406)).api_key == key


async def test_a_key_in_a_group_caption_or_edit_is_not_read_and_the_sender_is_warned(bot, logs):
    await bot.onboarded(1405, "en")
    member = bot.user(1405, "en", chat_type="group", chat_id=-100905)
    reply = await member.send_photo(caption=f"key: {FOREIGN_KEY}")
    assert "Never post keys in a group" in reply.text
    reply = await member.send_photo(caption=f"mine is {TEST_KEY}")  # the sender's own stored key
    assert "Never post keys in a group" in reply.text
    await member.send("/start")
    reply = await member.edit(last_typed(member), f"/start {NEW_KEY}", expect_reply=True)
    assert "Never post keys in a group" in reply.text
    assert bot.sim.requests.get("balance", 0) == 1  # the private onboarding only
    for secret in (FOREIGN_KEY, TEST_KEY, NEW_KEY):
        await assert_nowhere(bot, member, secret, logs, deleted=False)


@pytest.mark.parametrize("link", [
    "https://www.youtube.com/watch?v=dQw4w9WgXcQ&list=PLx0sYbCqOb8TBPRdmBHs5Iftvv9TPboYG",
    "https://www.tiktok.com/@someone/video/7234567890123456789?_r=1&_t=8fAbCdEf1234567890abcdEF",
    "https://www.facebook.com/permalink.php?story_fbid=pfbid02aBcDeF1234GhIjKl5678MnOpQr9012StUv&id=100012345678901",
    "drive.google.com/file/d/1aBcD3fGhIjK1mNoPqRsTuVwXyZ12345/view",
])
async def test_links_with_long_ids_are_links_not_keys(bot, link):
    user = await bot.onboarded(1407, "en")
    await user.send("/order 1")
    reply = await user.send(link)
    assert DELETED_LINE not in reply.text and "How many?" in reply.text
    assert not last_typed(user).deleted


async def test_order_ids_are_not_keys(bot):
    user = await bot.onboarded(1409, "en")
    await order_until_confirmation(user)
    await user.press("✅ Confirm")
    order_id = max(bot.sim.orders)
    # A long number (a tracking or transaction number pasted by mistake) is no key either.
    reply = await user.send(f"/status {order_id} 12345678901234567890123456789012")
    assert f"#{order_id}: ⏳ Pending" in reply.text and DELETED_LINE not in reply.text


async def test_a_server_without_send_chat_action_still_checks_keys_loads_the_catalogue_and_status(bot):
    bot.fake.refuse_method("sendChatAction")
    user = bot.user(1408, "en")
    await user.send("/start")

    def last_says(text):
        return lambda: text in user.last_message().plain_text

    await user.send(TEST_KEY)
    await wait_until(bot, last_says("Key checked and saved"))
    await user.send("/services")
    await wait_until(bot, last_says("Pick a category"))
    await order_until_confirmation(user)
    await user.press("✅ Confirm")
    order_id = max(bot.sim.orders)
    await user.send(f"/status {order_id}")
    await wait_until(bot, last_says(f"#{order_id}: ⏳ Pending"))
    assert "Something went wrong" not in "\n".join(m.plain_text for m in user.messages())
    refused = bot.fake.pop_rejections()
    assert refused and {r.method for r in refused} == {"sendChatAction"}


@contextmanager
def umask(value):
    old = os.umask(value)
    try:
        yield
    finally:
        os.umask(old)


def mode(path):
    return stat.S_IMODE(path.stat().st_mode)


async def test_the_database_its_wal_shm_and_folder_are_owner_only(bot_runner):
    with umask(0o022):  # the usual umask, which leaves new files readable by everyone
        running = await bot_runner.start()
        await running.onboarded(1410, "en")
        path = running.settings.database_path
        files = [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")]
        assert all(f.exists() for f in files)
        assert {f.name: mode(f) for f in files} == {f.name: 0o600 for f in files}
        assert mode(path.parent) == 0o700
        await bot_runner.stop()


async def test_an_existing_database_readable_by_others_is_tightened_on_start(bot_runner, caplog):
    with umask(0o022):
        await bot_runner.start()
        await bot_runner.stop()
    path = bot_runner.tmp_path / "data" / "bot.sqlite3"
    os.chmod(path, 0o644)
    wal = path.with_name(path.name + "-wal")
    wal.write_bytes(b"")  # left by a crash, as wide as the database was
    os.chmod(wal, 0o644)
    with caplog.at_level(logging.WARNING):
        running = await bot_runner.start()
    assert mode(path) == 0o600 and mode(wal) == 0o600
    assert f"{path} was open to other users (mode 644); it is now owner-only (600)" in caplog.text
    user = await running.onboarded(1411, "en")  # the tightened database works as before
    assert "Key checked and saved" in user.last_message().plain_text
    await bot_runner.stop()
    running.fake.assert_clean()
