"""The user driver against a minimal real python-telegram-bot Application, over real long polling."""

from __future__ import annotations

import asyncio
import html
from collections.abc import AsyncIterator, Awaitable
from typing import Any

import pytest
import pytest_asyncio
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    AIORateLimiter,
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    SimpleUpdateProcessor,
)

from tests.fakebot.driver import running_application
from tests.fakebot.server import FakeBotApi

KEYBOARD = InlineKeyboardMarkup(
    [
        [InlineKeyboardButton("✅ Yes", callback_data="yes"), InlineKeyboardButton("❌ No", callback_data="no")],
        [InlineKeyboardButton("Silent", callback_data="silent"), InlineKeyboardButton("Docs", url="https://t.me/x")],
    ]
)


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_chat is not None
    await context.bot.send_chat_action(update.effective_chat.id, "typing")
    words = html.escape(" ".join(context.args or []))
    await update.effective_chat.send_message(f"<b>Echo:</b> {words}", parse_mode="HTML", reply_markup=KEYBOARD)


async def broken(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_chat is not None
    await update.effective_chat.send_message("<b>never closed", parse_mode="HTML")


async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None
    if query.data == "silent":
        return  # a bug on purpose: never answers
    await query.answer(f"chose {query.data}")
    await query.edit_message_text(f"You chose <i>{query.data}</i>", parse_mode="HTML")


async def member_changed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.my_chat_member is not None
    context.bot_data.setdefault("member_status", []).append(update.my_chat_member.new_chat_member.status)


async def swallow_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    context.bot_data.setdefault("errors", []).append(context.error)


@pytest_asyncio.fixture
async def app(fake_bot: FakeBotApi) -> AsyncIterator[Application]:  # noqa: F811
    application = fake_bot.application_builder().build()
    application.add_handler(CommandHandler("echo", echo))
    application.add_handler(CommandHandler("broken", broken))
    application.add_handler(CallbackQueryHandler(pressed))
    application.add_handler(ChatMemberHandler(member_changed))
    application.add_error_handler(swallow_error)
    async with running_application(application, allowed_updates=Update.ALL_TYPES):
        yield application


async def test_send_and_press_through_real_polling(fake_bot: FakeBotApi, app: Application) -> None:  # noqa: F811
    user = fake_bot.user(1001, language_code="vi", first_name="An")
    reply = await user.send("/echo xin chào <3")
    assert reply.text == "Echo: xin chào <3"
    assert reply.last.buttons == ["✅ Yes", "❌ No", "Silent", "Docs"]
    assert user.buttons() == ["✅ Yes", "❌ No", "Silent", "Docs"]
    assert fake_bot.chat_actions(1001) == ["typing"]

    reply = await user.press("Yes")  # a unique substring is enough
    assert reply.alert == "chose yes"
    assert reply.answer is not None and reply.answer.answered
    assert [m.plain_text for m in reply.edited] == ["You chose yes"]
    assert user.last_message().plain_text == "You chose yes"
    assert user.last_message().reply_markup is None  # the edit did not keep the keyboard
    assert [v.plain_text for v in user.last_message().versions] == ["Echo: xin chào <3", "You chose yes"]
    assert [(m.sender, m.plain_text) for m in user.transcript()] == [
        ("user", "/echo xin chào <3"), ("bot", "You chose yes"),
    ]
    assert fake_bot.sent_count("sendMessage") == 1
    fake_bot.assert_clean()


async def test_press_fails_clearly_when_the_button_is_missing(fake_bot: FakeBotApi, app: Application) -> None:  # noqa: F811
    user = fake_bot.user(1001)
    await user.send("/echo")
    with pytest.raises(AssertionError, match=r"no button 'Maybe'.*\['✅ Yes', '❌ No', 'Silent', 'Docs'\]"):
        await user.press("Maybe")
    with pytest.raises(AssertionError, match="is a url button"):
        await user.press("Docs")
    fake_bot.assert_clean()


async def test_a_callback_never_answered_fails_with_the_transcript(fake_bot: FakeBotApi, app: Application) -> None:  # noqa: F811
    user = fake_bot.user(1001)
    await user.send("/echo")
    with pytest.raises(AssertionError, match=r"(?s)the callback query was never answered.*Echo:"):
        await user.press("Silent", timeout=0.4)
    assert [q.data for q in fake_bot.unanswered_callbacks()] == ["silent"]
    with pytest.raises(AssertionError, match="callback queries never answered"):
        fake_bot.assert_clean()


async def test_press_data_on_an_old_message(fake_bot: FakeBotApi, app: Application) -> None:  # noqa: F811
    user = fake_bot.user(1001)
    first = (await user.send("/echo one")).last
    await user.send("/echo two")
    reply = await user.press_data(first, "no")
    assert reply.edited == [first]
    assert [m.plain_text for m in user.messages()] == ["You chose no", "Echo: two"]
    fake_bot.assert_clean()


async def test_users_talk_to_the_bot_concurrently(fake_bot: FakeBotApi, app: Application) -> None:  # noqa: F811
    users = [fake_bot.user(user_id) for user_id in (1001, 1002, 1003)]
    replies = await asyncio.gather(*(u.send(f"/echo {u.id}") for u in users))
    assert [r.text for r in replies] == ["Echo: 1001", "Echo: 1002", "Echo: 1003"]
    presses = await asyncio.gather(*(u.press("No") for u in users))
    assert [p.alert for p in presses] == ["chose no"] * 3
    assert all(u.last_message().plain_text == "You chose no" for u in users)
    fake_bot.assert_clean()


async def test_group_chat_command_with_bot_username(fake_bot: FakeBotApi, app: Application) -> None:  # noqa: F811
    alice = fake_bot.user(1001, chat_type="supergroup", chat_id=-100123, title="Resellers")
    bob = fake_bot.user(1002, chat_type="supergroup", chat_id=-100123)
    await alice.send(f"/echo@{fake_bot.bot_user.username} hi")
    reply = await bob.press("Yes")
    assert reply.alert == "chose yes"
    assert [m.sender for m in fake_bot.transcript(-100123)] == ["user", "bot"]
    fake_bot.assert_clean()


async def test_a_refused_call_is_reported_in_the_reply(fake_bot: FakeBotApi, app: Application) -> None:  # noqa: F811
    user = fake_bot.user(1001)
    reply = await user.send("/broken")
    assert reply.messages == []
    assert [r.description for r in reply.rejections] == [
        'Bad Request: can\'t parse entities: Can\'t find end tag corresponding to start tag "b"'
    ]
    with pytest.raises(AssertionError, match="refused requests"):
        fake_bot.assert_clean()
    fake_bot.pop_rejections()
    fake_bot.assert_clean()


async def test_blocking_the_bot(fake_bot: FakeBotApi, app: Application) -> None:  # noqa: F811
    user = fake_bot.user(1001)
    await user.block_bot()
    assert app.bot_data["member_status"] == ["kicked"]
    await user.send("/echo")  # the handler's first call already fails
    assert [(r.method, r.error_code, r.description) for r in fake_bot.pop_rejections()] == [
        ("sendChatAction", 403, "Forbidden: bot was blocked by the user"),
    ]
    assert len(app.bot_data["errors"]) == 1
    await user.unblock_bot()
    assert (await user.send("/echo back")).text == "Echo: back"
    fake_bot.assert_clean()


async def test_message_without_reply(fake_bot: FakeBotApi, app: Application) -> None:  # noqa: F811
    user = fake_bot.user(1001)
    reply = await user.send("just chatting", expect_reply=False)
    assert reply.sent == [] and reply.text == ""
    fake_bot.assert_clean()


async def test_waiting_on_a_bot_that_does_not_poll_fails_clearly(fake_bot: FakeBotApi) -> None:  # noqa: F811
    user = fake_bot.user(1001)
    with pytest.raises(AssertionError, match="never fetched by getUpdates"):
        await user.send("/start", timeout=0.2)


# PTB's rate limiter reads RetryAfter.retry_after, which warns about becoming a timedelta.
@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_send_waits_for_the_retry_after_a_429(fake_bot: FakeBotApi) -> None:  # noqa: F811
    application = fake_bot.application_builder().rate_limiter(AIORateLimiter(max_retries=1)).build()
    application.add_handler(CommandHandler("echo", echo))
    async with running_application(application):
        user = fake_bot.user(1001)
        fake_bot.fail_next("sendMessage", chat_id=1001, retry_after=1)
        reply = await user.send("/echo again")
    assert reply.text == "Echo: again"
    assert [r.description for r in reply.rejections] == ["Too Many Requests: retry after 1"]
    assert fake_bot.sent_count("sendMessage", include_rejected=True) == 2
    fake_bot.pop_rejections()
    fake_bot.assert_clean()


# ---- waits that end when the bot reports an update handled ----------------------------------


class ReportingProcessor(SimpleUpdateProcessor):
    """Tells the fake when each update's handling has ended, as tests/conftest.py does for the bot."""

    def __init__(self, fake: FakeBotApi) -> None:
        super().__init__(1)
        self.fake = fake

    async def process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        try:
            await super().process_update(update, coroutine)
        finally:
            if isinstance(update, Update):
                self.fake.mark_processed(update.update_id)


async def test_a_wait_on_the_processed_update_sees_all_the_handler_did(fake_bot: FakeBotApi) -> None:  # noqa: F811
    release = asyncio.Event()

    async def slow(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_chat is not None
        message = await update.effective_chat.send_message("working")
        await release.wait()  # e.g. a slow panel: longer than any quiet window
        await message.edit_text("done")

    application = fake_bot.application_builder().concurrent_updates(ReportingProcessor(fake_bot)).build()
    application.add_handler(CommandHandler("slow", slow))
    async with running_application(application):
        user = fake_bot.user(1001)
        # The quiet window ends while the handler still waits: only the first message is seen.
        reply = await user.send("/slow")
        assert reply.text == "working"
        release.set()
        while user.last_message().plain_text != "done":
            await fake_bot.wait_changed(1)

        release.clear()
        fake_bot.waits_on_processed = True
        asyncio.get_running_loop().call_later(0.3, release.set)
        reply = await user.send("/slow")
        assert reply.text == "done" and [m.plain_text for m in reply.sent] == ["done"]

        # Asked not to wait for the handling: the quiet window again, the bot still busy.
        release.clear()
        reply = await user.send("/slow", until_handled=False)
        assert reply.text == "working"
        release.set()
        while user.last_message().plain_text != "done":
            await fake_bot.wait_changed(1)
    fake_bot.assert_clean()


async def test_a_processed_update_without_the_expected_reply_fails_clearly(fake_bot: FakeBotApi) -> None:  # noqa: F811
    async def silent(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        return None

    application = fake_bot.application_builder().concurrent_updates(ReportingProcessor(fake_bot)).build()
    application.add_handler(CommandHandler("silent", silent))
    fake_bot.waits_on_processed = True
    async with running_application(application):
        user = fake_bot.user(1001)
        with pytest.raises(AssertionError, match=r"made no call in this chat \(its handling of the update had ended\)"):
            await user.send("/silent", timeout=0.3)
        reply = await user.send("/silent", expect_reply=False)  # returns once handled
        assert reply.sent == []
    fake_bot.assert_clean()
