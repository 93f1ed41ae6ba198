"""Every shape of update Telegram documents is taken without a traceback, and the bot goes on.

Updates of the kinds the bot asks for (messages, edits, callback queries) come through the fake
Bot API's getUpdates. Kinds it does not ask for (allowed_updates) never come from Telegram; they
are put on the application's update queue, where getUpdates' updates go, to show that one
arriving anyway (a change of allowed_updates, a webhook) is harmless too.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

import pytest
from telegram import Update

from tests.fakebot.model import CallbackQueryRecord

CHANNEL = {"id": -100555, "type": "channel", "title": "A channel"}


@pytest.fixture
def errors(caplog):
    caplog.set_level(logging.ERROR)
    return caplog


async def handled(bot, put: Callable[[], object | Awaitable[object]], timeout: float = 5.0) -> None:
    """Put an update in with `put` (returning its update_id, or awaitable of it) and wait until
    the application has finished with it."""
    done: dict[int, asyncio.Event] = {}

    def finished(update: object) -> None:
        if isinstance(update, Update):
            done.setdefault(update.update_id, asyncio.Event()).set()

    bot.app.update_processor.on_done.append(finished)
    try:
        update_id = put()
        if asyncio.iscoroutine(update_id):
            update_id = await update_id
        await asyncio.wait_for(done.setdefault(update_id, asyncio.Event()).wait(), timeout)
    finally:
        bot.app.update_processor.on_done.remove(finished)


def through_the_fake(bot, kind: str, body: dict, chat_id: int | None):
    return lambda: bot.fake.queue_update(kind, body, chat_id).update_id


def on_the_queue(bot, payload: dict):
    async def put() -> int:
        payload["update_id"] = update_id = bot.fake._next_update_id
        bot.fake._next_update_id += 1
        await bot.app.update_queue.put(Update.de_json(payload, bot.app.bot))
        return update_id

    return put


def query(bot, user, data: str | None, **where: object) -> tuple[dict, CallbackQueryRecord]:
    """A callback query of `user` without the usual message (`where`: inline_message_id or
    message), registered with the fake so that its answer is checked."""
    query_id = f"{user.id}{bot.fake._next_query_id:010d}"
    bot.fake._next_query_id += 1
    body = {"id": query_id, "from": user.record.to_json(), "chat_instance": "-17", **where}
    if data is not None:
        body["data"] = data
    else:
        body["game_short_name"] = "a_game"
    record = CallbackQueryRecord(query_id, user.id, user.chat_id, 0, data or "", created_at=bot.fake.clock.now(),
                                 update_id=bot.fake._next_update_id)
    bot.fake.callback_queries[query_id] = record
    return body, record


async def still_answers(user) -> None:
    reply = await user.send("/help")
    assert "/order" in reply.text


@pytest.mark.parametrize("data", ["m", "cf:AbCdEf012345", "xx:junk"])
async def test_a_button_of_an_inline_message_is_answered_and_nothing_else(bot, errors, data):
    user = await bot.onboarded(1601, "en")
    sent = len(user.messages())
    body, record = query(bot, user, data, inline_message_id="AAAAAQ-inline")
    await handled(bot, through_the_fake(bot, "callback_query", body, user.chat_id))
    assert record.answered and "out of date" in record.answer["text"]
    assert len(user.messages()) == sent  # no chat to show a menu in
    assert not errors.records
    await still_answers(user)


async def test_a_button_of_an_inaccessible_message_gets_a_new_message(bot, errors):
    user = await bot.onboarded(1602, "en")
    inaccessible = {"chat": user.chat.to_json(), "message_id": 1, "date": 0}  # date 0: no access
    body, record = query(bot, user, "m", message=inaccessible)
    await handled(bot, through_the_fake(bot, "callback_query", body, user.chat_id))
    assert record.answered
    assert "What would you like to do?" in user.last_message().plain_text  # sent anew, not edited
    assert not errors.records
    await still_answers(user)


async def test_a_games_button_is_stale(bot, errors):
    user = await bot.onboarded(1603, "en")
    menu = user.last_message()
    body, record = query(bot, user, None, message=bot.fake.message_json(menu))
    await handled(bot, through_the_fake(bot, "callback_query", body, user.chat_id))
    assert record.answered and record.attempts == 1 and "out of date" in record.answer["text"]
    # The old message keeps its text, loses its buttons; the fresh menu is a new message.
    assert len(bot.fake.calls_of("editMessageText")) == 0
    assert len(bot.fake.calls_of("editMessageReplyMarkup")) == 1
    assert not errors.records
    await still_answers(user)


async def test_a_private_message_without_a_sender_is_ignored(bot, errors):
    user = await bot.onboarded(1604, "en")
    await user.send("/order 1")  # in a step: the message must not be read as its answer
    sent = len(user.messages())
    body = {"message_id": 999, "date": 0, "chat": user.chat.to_json(), "text": "https://facebook.com/post/1"}
    await handled(bot, through_the_fake(bot, "message", body, user.chat_id))
    command = {"message_id": 1000, "date": 0, "chat": user.chat.to_json(), "text": "/start",
               "entities": [{"type": "bot_command", "offset": 0, "length": 6}]}
    await handled(bot, through_the_fake(bot, "edited_message", {**command, "edit_date": 1}, user.chat_id))
    await handled(bot, through_the_fake(bot, "message", command, user.chat_id))
    assert len(user.messages()) == sent
    assert not errors.records
    reply = await user.send("https://facebook.com/post/1")  # the step is still there
    assert "How many?" in reply.text


async def test_an_edit_during_a_step_is_not_read_and_the_step_stays(bot, errors):
    user = await bot.onboarded(1605, "en")
    await user.send("/order 1")
    typed = [m for m in user.transcript() if m.sender == "user"][-1]
    reply = await user.edit(typed, "https://facebook.com/post/1", expect_reply=True)
    assert "I don't read edited messages" in reply.text and not reply.edited
    reply = await user.send("https://facebook.com/post/2")
    assert "How many?" in reply.text
    assert not errors.records


@pytest.mark.parametrize("kind", ["channel_post", "edited_channel_post"])
async def test_channel_posts_are_ignored(bot, errors, kind):
    user = await bot.onboarded(1606, "en")
    for text in ("/start", "hello", "/order 1"):
        post = {"message_id": 5, "date": 0, "chat": CHANNEL, "sender_chat": CHANNEL, "text": text}
        if text.startswith("/"):
            post["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        if kind == "edited_channel_post":
            post["edit_date"] = 1
        await handled(bot, on_the_queue(bot, {kind: post}))
    assert bot.fake.sent_count("sendMessage") == 2  # the onboarding's two only
    assert not errors.records
    await still_answers(user)


@pytest.mark.parametrize("payload", [
    {"message_reaction": {"chat": CHANNEL, "message_id": 1, "date": 0, "old_reaction": [], "new_reaction": []}},
    {"a_kind_from_the_future": {"id": 1}},
    {},
])
async def test_unknown_update_kinds_are_ignored(bot, errors, payload):
    user = await bot.onboarded(1607, "en")
    await handled(bot, on_the_queue(bot, dict(payload)))
    assert not errors.records
    await still_answers(user)


async def test_the_bot_leaving_a_group_is_not_a_block(bot, errors):
    user = await bot.onboarded(1608, "en")
    member = bot.user(1608, "en", chat_type="group", chat_id=-100908)
    body = {"chat": member.chat.to_json(), "from": member.record.to_json(), "date": 0,
            "old_chat_member": {"status": "member", "user": bot.fake.bot_user.to_json()},
            "new_chat_member": {"status": "left", "user": bot.fake.bot_user.to_json()}}
    await handled(bot, through_the_fake(bot, "my_chat_member", body, member.chat_id))
    assert not (await bot.db.get_user(1608)).blocked
    assert not errors.records
    await still_answers(user)
