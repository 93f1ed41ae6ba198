"""The flows as conversations: entered, left, one at a time, and kept across restarts and crashes."""

from __future__ import annotations

import logging
import shutil
import sqlite3
from contextlib import closing

from telegram import Update
from telegram.ext import CallbackQueryHandler

from bot.app import PERSISTENCE_INTERVAL_SECONDS
from bot.handlers import order_draft
from bot.handlers.common import answer
from bot.handlers.conversation import Flow
from bot.storage import Database, SqlitePersistence
from tests.conftest import ENCRYPTION_KEY, order_until_confirmation, wait_until


async def at_quantity(user, link="https://facebook.com/post/1"):
    await user.send("/order 1")
    reply = await user.send(link)
    assert "How many?" in reply.text
    return reply


async def test_cancel_leaves_the_order_and_its_card(bot):
    user = await bot.onboarded(1501, "en")
    card = (await order_until_confirmation(user)).last
    reply = await user.send("/cancel")
    assert "OK, cancelled." in reply.text
    reply = await user.press("✅ Confirm", message=card)  # the card of the draft /cancel dropped
    assert "out of date" in reply.alert

    await at_quantity(user, "https://facebook.com/post/2")
    reply = await user.send("/cancel")
    assert "OK, cancelled." in reply.text
    reply = await user.send("700")  # no longer a quantity: a number opens that service
    assert "Please check your order" not in reply.text and "700" in reply.text
    reply = await user.send("/cancel")
    assert "There was nothing to cancel." in reply.text
    assert bot.sim.requests.get("add", 0) == 0


async def test_another_flow_or_a_menu_button_or_a_stale_button_ends_the_step(bot):
    user = await bot.onboarded(1502, "en")
    menu = user.last_message()
    order_id = None

    await at_quantity(user)
    reply = await user.press("🔎 Check status", message=menu)  # another flow: the ids prompt
    assert "order ids" in reply.text.lower()
    await user.send("/order 1")
    await user.send("https://facebook.com/post/1")
    reply = await user.send("1000")
    await user.press("✅ Confirm")
    order_id = max(bot.sim.orders)
    reply = await user.send("tiktok")  # neither a quantity nor ids: the steps are over
    assert "Tiktok views" in reply.text

    await at_quantity(user)
    await user.press_data(menu, "ol:0")  # a menu button (My orders; the menu now shows the ids question)
    reply = await user.send("tiktok")
    assert "Tiktok views" in reply.text

    # A glance at the balance or the help keeps the step (bot.handlers.conversation.GLANCE_COMMANDS).
    await at_quantity(user)
    await user.press_data(menu, "b")
    reply = await user.send("/help")
    reply = await user.send("tiktok")
    assert "Tiktok views" not in reply.text and "number" in reply.text.lower()
    await user.send("/cancel")

    await at_quantity(user)
    reply = await user.press_data(menu, "xx:1")  # a button no kind reads
    assert "out of date" in reply.alert
    reply = await user.send("tiktok")
    assert "Tiktok views" in reply.text

    await user.press_data(menu, "st")  # Check status
    reply = await user.send(f"#{order_id}")
    assert f"#{order_id}: ⏳ Pending" in reply.text
    assert bot.sim.requests["add"] == 1


async def test_a_photo_during_a_step_is_answered_and_the_step_stays(bot):
    user = await bot.onboarded(1503, "en")
    await user.send("/order 1")
    reply = await user.send_photo(caption="my post")
    assert "I only read text messages" in reply.text
    reply = await user.send("https://facebook.com/post/3")
    assert "How many?" in reply.text


async def test_the_key_step_is_left_by_cancel(bot):
    user = await bot.onboarded(1504, "en")
    await user.send("/settings")
    await user.press("🔑 Change API key")
    reply = await user.send("/cancel")
    assert "OK, cancelled." in reply.text
    reply = await user.send("tiktok")  # searched, no longer taken as a key
    assert "Tiktok views" in reply.text and not user.transcript()[-2].deleted


def on_disk(path, user_id):
    """The conversations' states and the user's user_data, as a restarted bot would read them."""
    with closing(sqlite3.connect(path)) as db:
        states = dict(db.execute("SELECT name, state FROM ptb_conversations").fetchall())
        data = db.execute("SELECT data FROM ptb_user_data WHERE user_id = ?", (user_id,)).fetchone()
    return states, data[0] if data else ""


async def test_a_step_is_on_disk_within_seconds_so_a_crash_loses_nothing_older(bot_runner, tmp_path):
    running = await bot_runner.start()
    user = await running.onboarded(1505, "en")
    await at_quantity(user, "https://facebook.com/post/9")
    path = running.settings.database_path
    # Written by the persistence's periodic update, not at stop: the bot is still running.
    assert PERSISTENCE_INTERVAL_SECONDS <= 5

    def step_saved():
        states, data = on_disk(path, 1505)
        return states.get("order") == '"quantity"' and "https://facebook.com/post/9" in data

    await wait_until(running, step_saved, timeout=10)
    # What a crash now would leave on disk (WAL included).
    crashed = tmp_path / "crashed.sqlite3"
    with closing(sqlite3.connect(path)) as source, closing(sqlite3.connect(crashed)) as copy:
        source.backup(copy)
    await bot_runner.stop()  # a clean stop writes everything: put the crash's file back instead
    for leftover in (path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        leftover.unlink(missing_ok=True)
    shutil.copyfile(crashed, path)

    running = await bot_runner.start()
    reply = await user.send("700")
    assert "Please check your order" in reply.text and "https://facebook.com/post/9" in reply.text
    await bot_runner.stop()
    running.fake.assert_clean()


async def test_a_step_kept_by_the_previous_version_is_carried_over(bot_runner):
    running = await bot_runner.start()
    user = await running.onboarded(1506, "en")
    await at_quantity(user, "https://facebook.com/post/6")
    await bot_runner.stop()
    # What the version before conversations left: the step in user_data, no conversation row.
    db = await Database.open(running.settings.database_path, ENCRYPTION_KEY)
    persistence = SqlitePersistence(db)
    data = (await persistence.get_user_data())[1506]
    await persistence.update_user_data(1506, {**data, "step": "quantity"})
    await persistence.update_conversation("order", (1506, 1506), None)
    await db.close()

    running = await bot_runner.start()
    reply = await user.send("700")
    assert "Please check your order" in reply.text and "https://facebook.com/post/6" in reply.text
    assert "step" not in (await SqlitePersistence(running.db).get_user_data())[1506]
    await bot_runner.stop()
    running.fake.assert_clean()


async def test_a_step_ahead_of_its_draft_is_not_taken_as_the_next_answer(bot_runner):
    running = await bot_runner.start()
    user = await running.onboarded(1510, "en")
    await user.send("/order 1")  # a draft without a link yet
    await bot_runner.stop()
    # As if a crash kept the quantity step but not the link that led to it.
    db = await Database.open(running.settings.database_path, ENCRYPTION_KEY)
    await SqlitePersistence(db).update_conversation("order", (1510, 1510), "quantity")
    await db.close()

    running = await bot_runner.start()
    reply = await user.send("700")
    assert "Please check your order" not in reply.text and "no service 700" in reply.text
    await bot_runner.stop()
    running.fake.assert_clean()


def private_text(bot, user, text):
    body = {"message_id": 1, "date": 0, "chat": user.chat.to_json(), "from": user.record.to_json(), "text": text}
    return Update.de_json({"update_id": 1, "message": body}, bot.app.bot)


async def test_a_flows_state_is_read_where_ptb_keeps_it(bot):
    # Flow.state_of reads ConversationHandler's own dict: this fails if an upgrade moves it.
    [order_flow] = [h for group in bot.app.handlers.values() for h in group if isinstance(h, Flow) and h.name == "order"]
    user = await bot.onboarded(1507, "en")
    assert order_flow.state_of(private_text(bot, user, "x")) is None
    await user.send("/order 1")
    assert order_flow.state_of(private_text(bot, user, "x")) == order_draft.LINK
    await user.send("https://facebook.com/post/1")
    assert order_flow.state_of(private_text(bot, user, "x")) == order_draft.QUANTITY
    await user.send("/cancel")
    assert order_flow.state_of(private_text(bot, user, "x")) is None


async def test_the_session_is_read_once_per_update(bot):
    user = await bot.onboarded(1508, "en")
    db = bot.db
    reads = []
    real = db.user_and_account

    async def counted(*args, **kwargs):
        reads.append(args[0])
        return await real(*args, **kwargs)

    db.user_and_account = counted  # a spy: the real method still answers
    try:
        await user.send("/order 1")  # the guard, the flows, the checkpoint and the order's entry
        await user.send("https://facebook.com/post/1")
        await user.send("tiktok x")  # a bad quantity: read by the guard and the step
        await user.press("✖️ Cancel")
    finally:
        del db.user_and_account
    assert reads == [1508] * 4


async def test_a_failure_after_the_answer_is_told_without_answering_twice(bot, caplog):
    async def broken(update, context):
        await answer(update, context, "working on it")
        raise RuntimeError("boom")

    bot.app.add_handler(CallbackQueryHandler(broken, pattern="^boom$"), group=-1)
    user = await bot.onboarded(1509, "en")
    with caplog.at_level(logging.ERROR):
        reply = await user.press_data(user.last_message(), "boom")
    assert reply.alert == "working on it" and reply.answer.attempts == 1
    assert "Something went wrong" in reply.text
    assert "unhandled error" in caplog.text
    # The update ends with the error: the menu's stale-button handler did not run too.
    assert "out of date" not in reply.text
