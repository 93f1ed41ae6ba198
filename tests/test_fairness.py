"""One user's flood takes nobody else's turn; the flooder's own updates stay in order.

A flooder's updates are queued at the fake Bot API all at once, behind a balance call the
panel answers slowly. What matters is the order of events: the other user is answered, and
a waiting tap is answered, while the flooder's slow update is still with the panel.
"""

from __future__ import annotations

from tests.conftest import wait_until

SLOW_PANEL = 4.0  # seconds the panel takes for the flooder's balance call (the bot waits up to 30)
FLOOD = 300  # updates queued at once: more than the bot's 256 shared slots
BUSY_SKIPPED = "One moment, I'm still working on your earlier requests"
BUSY_QUEUED = "⏳ One moment: I'll get to this as soon as your previous request is done."
BALANCE = "Your balance:"
HELP = "How it works"


def queue_text(user, text: str) -> None:
    """Queue a message from `user` without waiting for the bot."""
    message = user.fake.add_user_message(user.chat, user.record, text)
    user.fake.queue_update("message", user.fake.message_json(message), user.chat.id)


def queue_tap(user, message, data: str):
    return user.fake.add_callback_query(user.record, message, data)


def texts_after(user, count_before: int) -> list[str]:
    return [m.plain_text for m in user.messages()[count_before:]]


async def start_bot_with_a_slow_balance(bot_runner):
    bot = await bot_runner.start(panel_timeout_seconds=30)
    bot.sim.slow_seconds = SLOW_PANEL
    return bot


async def drained(bot) -> None:
    """Every update handled, and the processor has forgotten every user (memory stays flat)."""
    await wait_until(bot, lambda: bot.app.update_processor.users_in_progress == 0, timeout=20)


async def test_a_flood_from_one_user_does_not_hold_up_another(bot_runner):
    bot = await start_bot_with_a_slow_balance(bot_runner)
    flooder = await bot.onboarded(2101)
    other = await bot.onboarded(2102)
    menu = flooder.last_message()
    before = len(flooder.messages())

    bot.sim.fail_next(1, "slow", action="balance")
    queue_text(flooder, "/balance")  # holds the flooder's turn while the panel thinks
    for _ in range(FLOOD - 4):
        queue_text(flooder, "/help")
    taps = [queue_tap(flooder, menu, "h") for _ in range(3)]

    reply = await other.send("/start")
    assert "Welcome back" in reply.text
    reply = await other.press("Help")
    assert reply.answer.answered and HELP in reply.text
    # Both answered while the flooder's first update was still with the panel.
    assert not any(BALANCE in text for text in texts_after(flooder, before))

    await drained(bot)
    texts = texts_after(flooder, before)
    # Told once; then their updates in the order sent: the balance, then the /help queued
    # behind it; the rest was dropped, and each dropped tap answered with the notice.
    assert [t for t in texts if BUSY_SKIPPED in t] == texts[:1]
    assert BALANCE in texts[1]
    assert len(texts) == 2 + bot.app.update_processor.max_queued
    assert all(HELP in text for text in texts[2:])
    assert all(BUSY_SKIPPED in (tap.answer or {}).get("text", "") for tap in taps)
    await bot_runner.stop()
    bot.fake.assert_clean()


async def test_a_flooding_users_own_updates_are_handled_in_order(bot_runner):
    bot = await start_bot_with_a_slow_balance(bot_runner)
    user = await bot.onboarded(2111)
    before = len(user.messages())

    bot.sim.fail_next(1, "slow", action="balance")
    for text in ("/balance", "/order 1", "https://facebook.com/post/7", "1000", "/help", "/help", "/help", "/help"):
        queue_text(user, text)
    await wait_until(bot, lambda: any(BUSY_SKIPPED in t for t in texts_after(user, before)))
    await drained(bot)

    texts = texts_after(user, before)
    assert BUSY_SKIPPED in texts[0]
    assert BALANCE in texts[1]
    # /order, its link and its quantity, one after the other: a confirmation card for them.
    card = next(m for m in user.messages() if any("Confirm" in b for b in m.buttons))
    assert "https://facebook.com/post/7" in card.plain_text and "1,000" in card.plain_text
    assert texts.index(card.plain_text) > 1
    # The two /help that fitted in the queue come last; the others were dropped.
    assert [HELP in t for t in texts[-3:]] == [False, True, True]
    assert sum(HELP in t for t in texts) == 2
    await bot_runner.stop()
    bot.fake.assert_clean()


async def test_a_tap_waiting_behind_the_users_slow_update_is_answered_at_once_and_handled_in_turn(bot_runner):
    bot = await start_bot_with_a_slow_balance(bot_runner)
    user = await bot.onboarded(2121)
    menu = user.last_message()
    before = len(user.messages())

    bot.sim.fail_next(1, "slow", action="balance")
    queue_text(user, "/balance")
    # Not until handled: that is after the slow balance. The early answer is what is looked at.
    reply = await user.press("Help", message=menu, until_handled=False)
    assert reply.alert == BUSY_QUEUED
    assert texts_after(user, before) == []  # answered while the balance is still with the panel

    await drained(bot)
    balance = user.messages()[before]
    assert BALANCE in balance.plain_text
    # Then the tap was handled, in its turn: the menu it was on shows the help.
    assert HELP in user.chat.find(menu.message_id).plain_text
    events = [(e.kind, e.message_id) for e in user.chat.events]
    assert events.index(("sent", balance.message_id)) < events.index(("edited", menu.message_id))
    await bot_runner.stop()
    bot.fake.assert_clean()
