"""Operators' commands through the real bot: /stats, /broadcast, /maintenance, who sees them,
and the announcements setting. (The 1,000-user broadcast with Telegram's limits and a restart
is tests/test_e2e_broadcast.py.)"""

from __future__ import annotations

import pytest_asyncio

from tests.conftest import wait_until

ADMIN = 4_200_001
ADMIN_COMMANDS = {"stats", "broadcast", "maintenance"}


@pytest_asyncio.fixture
async def admin_bot(bot_runner, fake_bot):
    running = await bot_runner.start(admin_ids=frozenset({ADMIN}))
    yield running
    await bot_runner.stop()
    fake_bot.assert_clean()


def progress_message(admin, n: int = 1):
    """The admin's n-th broadcast progress message, once it says the broadcast finished (None before)."""
    finished = [m for m in admin.messages() if "Broadcast finished" in m.plain_text]
    return finished[n - 1] if len(finished) >= n else None


def names(commands) -> set[str]:
    return {name for name, _ in commands}


async def test_only_admins_have_the_admin_commands(admin_bot):
    fake = admin_bot.fake
    admin = await admin_bot.onboarded(ADMIN)
    user = await admin_bot.onboarded(4201)

    # Command lists: the operators' in the admin's chat (both languages), nowhere else.
    assert ADMIN_COMMANDS <= names(fake.commands_for(f"chat:{ADMIN}"))
    assert ADMIN_COMMANDS <= names(fake.commands_for(f"chat:{ADMIN}", "vi"))
    assert {"start", "orders"} <= names(fake.commands_for(f"chat:{ADMIN}"))  # theirs too
    for scope, lang in (("default", ""), ("default", "vi"), (f"chat:{user.id}", "")):
        assert not ADMIN_COMMANDS & names(fake.commands_for(scope, lang))

    reply = await admin.send("/stats")
    text = reply.text
    assert "Bot statistics" in text
    assert "Users: 2 (0 blocked the bot)" in text and "Active: 2 in 24 h" in text
    assert "API keys: 2 (0 paused)" in text and "Maintenance mode: off" in text
    assert "Last tracker cycle: none finished" in text and "No broadcast running" in text
    await admin_bot.tracker.cycle()
    reply = await admin.send("/stats")
    assert "Last tracker cycle: " in reply.text and "panel requests" in reply.text

    # For anyone else these commands do not exist.
    for command in ("/stats", "/broadcast hello", "/maintenance on"):
        reply = await user.send(command)
        assert "I don't know that command" in reply.text
    assert not admin_bot.app.bot_data["ops"].maintenance.on
    assert await admin_bot.db.running_broadcast() is None


async def test_broadcast_with_preview_progress_and_announcements_off(admin_bot):
    fake = admin_bot.fake
    admin = await admin_bot.onboarded(ADMIN)
    fans = [await admin_bot.onboarded(tg_id) for tg_id in (4211, 4212)]
    quiet = await admin_bot.onboarded(4213)

    # The quiet user turns announcements off in Settings.
    reply = await quiet.send("/settings")
    assert "Announcements: on" in reply.text
    reply = await quiet.press("🔕 No announcements")
    assert "Announcements: off" in reply.text and "🔔 Get announcements" in reply.last.buttons
    assert await admin_bot.db.get_announcements(quiet.id) is False

    # /broadcast alone asks for the message; the message is previewed as users will see it.
    reply = await admin.send("/broadcast")
    assert "Send me the message to broadcast" in reply.text
    reply = await admin.send("Big sale tonight: 20% off all services")
    assert "Preview" in reply.text
    assert reply.last.plain_text == "Big sale tonight: 20% off all services"
    assert not any("Big sale" in m.plain_text for user in fans for m in user.messages())  # not yet

    await admin.press("📣 Send to everyone")
    await wait_until(admin_bot, lambda: progress_message(admin) is not None)
    progress = progress_message(admin)
    # The progress message, edited in place: the admin and the two fans; not the quiet one.
    assert "Sending to 3 users" in progress.edits[0].plain_text
    assert "3 delivered, 0 had blocked the bot, 0 failed, 0 skipped (of 3)" in progress.plain_text
    for user in fans:
        assert user.messages()[-1].plain_text == "Big sale tonight: 20% off all services"
    # The admin has the preview and the broadcast itself; the preview lost its buttons.
    copies = [m for m in admin.messages() if m.plain_text == "Big sale tonight: 20% off all services"]
    assert len(copies) == 2 and not copies[0].buttons
    assert not any("Big sale" in m.plain_text for m in quiet.messages())

    # /broadcast <text>: the text after the command, its formatting kept.
    message = fake.add_user_message(admin.chat, admin.record, "/broadcast Flash deal now")
    message.entities.append({"type": "bold", "offset": 11, "length": 5})
    reply = await admin._deliver("message", message, "send(/broadcast Flash deal now)")
    assert reply.last.plain_text == "Flash deal now"
    assert reply.last.entities == [{"type": "bold", "offset": 0, "length": 5}]
    await admin.press("📣 Send to everyone")
    await wait_until(admin_bot, lambda: progress_message(admin, 2) is not None)
    got = fans[0].messages()[-1]
    assert got.plain_text == "Flash deal now" and got.entities == [{"type": "bold", "offset": 0, "length": 5}]
    assert not any("Flash deal" in m.plain_text for m in quiet.messages())

    # The text may start on the next line.
    reply = await admin.send("/broadcast\nTwo lines\nof news")
    assert reply.last.plain_text == "Two lines\nof news" and reply.last.buttons

    # A preview cancelled sends nothing; its buttons do nothing afterwards.
    await admin.send("/broadcast Never mind")
    preview = admin.messages()[-1]
    reply = await admin.press("✖️ Cancel")
    assert "nothing was sent" in reply.text
    assert not any("Never mind" in m.plain_text for m in fans[0].messages())
    send = next(b["callback_data"] for row in preview.edits[-1].reply_markup for b in row if "Send" in b["text"])
    reply = await admin.press_data(preview, send)
    assert "out of date" in reply.alert
    assert not any("Never mind" in m.plain_text for m in fans[0].messages())


async def test_maintenance_turns_users_away_but_not_start_help_or_admins(admin_bot):
    admin = await admin_bot.onboarded(ADMIN)
    user = await admin_bot.onboarded(4221)
    menu = user.last_message()  # the main menu, with buttons

    reply = await admin.send("/maintenance on")
    assert "Maintenance mode is on" in reply.text

    reply = await user.send("/orders")
    assert "under maintenance and will be back soon" in reply.text
    reply = await user.press("📦 My orders", message=menu)
    assert "under maintenance" in reply.alert
    assert not reply.sent and not reply.edited
    reply = await user.send("some words to search")
    assert "under maintenance" in reply.text
    reply = await user.send("/start")
    assert "back soon" not in reply.text and reply.last.buttons  # the main menu
    reply = await user.send("/help")
    assert "How it works" in reply.text

    # Vietnamese users get it in Vietnamese.
    vi = admin_bot.user(4222, "vi")
    reply = await vi.send("/orders")
    assert "Bot đang bảo trì" in reply.text

    # The admin is not turned away.
    reply = await admin.send("/orders")
    assert "under maintenance" not in reply.text
    reply = await admin.send("/stats")
    assert "Maintenance mode: on" in reply.text
    # The tracker keeps running.
    await admin_bot.tracker.cycle()
    assert admin_bot.tracker.last_stats is not None and admin_bot.tracker.last_stats.finished_at > 0

    reply = await admin.send("/maintenance off")
    assert "Maintenance mode is off" in reply.text
    reply = await user.send("/orders")
    assert "under maintenance" not in reply.text
    reply = await user.press("📦 My orders", message=menu)
    assert reply.alert is None or "under maintenance" not in reply.alert
    assert reply.sent or reply.edited

    reply = await admin.send("/maintenance")
    assert "Send /maintenance on or /maintenance off" in reply.text and "now off" in reply.text


async def test_broadcast_progress_is_edited_in_place_across_a_restart(bot_runner, fake_bot):
    admins = frozenset({ADMIN})
    bot = await bot_runner.start(admin_ids=admins)
    admin = bot.user(ADMIN)
    await admin.send("/start")
    users = [bot.user(tg_id) for tg_id in range(4231, 4251)]
    for user in users:
        await bot.db.ensure_user(user.id, "en")
    runner = bot.app.bot_data["ops"].broadcasts
    runner.rate, runner.progress_every = 5.0, 0.2  # slow enough to stop it half-way

    # An operator without a panel key: the message after /broadcast is the broadcast, not a key.
    await admin.send("/broadcast")
    reply = await admin.send("Weekend promo")
    assert "Preview" in reply.text and "key" not in reply.text.lower()
    await admin.press("📣 Send to everyone")
    in_progress = lambda: [m for m in admin.messages() if "Broadcast in progress" in m.plain_text]
    await wait_until(bot, lambda: bool(in_progress()), timeout=10)
    progress = in_progress()[0]
    assert "Sending to 21 users" in progress.edits[0].plain_text
    await bot_runner.stop()
    assert progress_message(admin) is None  # stopped half-way

    bot = await bot_runner.start(admin_ids=admins)  # resumes, and goes on editing the same message
    await wait_until(bot, lambda: progress_message(admin) is not None, timeout=10)
    assert progress_message(admin).message_id == progress.message_id
    assert "21 delivered" in progress_message(admin).plain_text
    for user in users:
        assert [m.plain_text for m in user.messages()].count("Weekend promo") == 1
    await bot_runner.stop()
    fake_bot.assert_clean()
