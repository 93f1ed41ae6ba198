"""The fake Bot API over HTTP: shapes, rules and refusals, as a bot would meet them."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
import telegram
from telegram.error import BadRequest, Forbidden, RetryAfter

from tests.fakebot.server import FakeBotApi

NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)
QUERY_TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"


class Api:
    """Posts like python-telegram-bot does: form fields, non-strings JSON-encoded."""

    def __init__(self, fake: FakeBotApi, session: aiohttp.ClientSession) -> None:
        self.fake = fake
        self.session = session

    async def call(self, method: str, *, token: str | None = None, as_json: bool = False,
                   **params: Any) -> tuple[int, dict[str, Any]]:
        url = f"{self.fake.url}/bot{token or self.fake.token}/{method}"
        if as_json:
            response = await self.session.post(url, json=params)
        else:
            form = {k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items()}
            response = await self.session.post(url, data=form)
        async with response:
            return response.status, await response.json()

    async def ok(self, method: str, **params: Any) -> Any:
        status, body = await self.call(method, **params)
        assert (status, body["ok"]) == (200, True), body
        return body["result"]

    async def error(self, method: str, **params: Any) -> str:
        status, body = await self.call(method, **params)
        assert body["ok"] is False and status == body["error_code"], body
        return body["description"]


@pytest_asyncio.fixture
async def api(fake_bot: FakeBotApi) -> AsyncIterator[Api]:  # noqa: F811
    async with aiohttp.ClientSession() as session:
        yield Api(fake_bot, session)


def keyboard(*rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {"inline_keyboard": list(rows)}


# ---- basics -------------------------------------------------------------------------------------


async def test_get_me_and_request_encodings(fake_bot: FakeBotApi, api: Api) -> None:  # noqa: F811
    me = await api.ok("getMe")
    assert me["is_bot"] is True and me["id"] == int(fake_bot.token.split(":")[0])
    assert me["username"] == fake_bot.bot_user.username
    fake_bot.user(1001)
    # Method names are case-insensitive; JSON bodies and query strings work too.
    sent = await api.ok("SENDMESSAGE", chat_id=1001, text="form")
    status, body = await api.call("sendMessage", as_json=True, chat_id=1001, text="json")
    assert status == 200 and body["result"]["text"] == "json"
    async with api.session.get(f"{fake_bot.url}/bot{fake_bot.token}/sendMessage",
                               params={"chat_id": "1001", "text": "query"}) as response:
        assert (await response.json())["result"]["text"] == "query"
    form = aiohttp.FormData({"chat_id": "1001", "text": "multipart"})
    form.add_field("document", b"data", filename="a.txt")
    async with api.session.post(f"{fake_bot.url}/bot{fake_bot.token}/sendMessage", data=form) as response:
        assert (await response.json())["result"]["text"] == "multipart"
    assert sent["message_id"] == 1
    assert [m.plain_text for m in fake_bot.bot_messages(1001)] == ["form", "json", "query", "multipart"]
    assert fake_bot.sent_count("sendMessage") == 4
    assert fake_bot.rejections == []


async def test_wrong_token_and_unknown_method(fake_bot: FakeBotApi, api: Api) -> None:  # noqa: F811
    status, body = await api.call("getMe", token="123:wrong")
    assert (status, body) == (401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
    status, body = await api.call("sendPigeon")
    assert (status, body) == (404, {"ok": False, "error_code": 404, "description": "Not Found"})
    assert [(r.method, r.description) for r in fake_bot.pop_rejections()] == [
        ("getMe", "Unauthorized"), ("sendPigeon", "Not Found"),
    ]


async def test_sent_message_has_telegrams_shape_and_is_in_the_transcript(
    fake_bot: FakeBotApi, api: Api,  # noqa: F811
) -> None:
    fake_bot.user(1001, first_name="An", language_code="vi")
    markup = keyboard([{"text": "Nạp tiền", "callback_data": "topup"}, {"text": "Web", "url": "https://x.io"}])
    result = await api.ok("sendMessage", chat_id=1001, text="<b>Số dư</b>: 10 ₫", parse_mode="HTML",
                          reply_markup=markup)
    assert result["from"]["id"] == fake_bot.bot_user.id and result["from"]["is_bot"] is True
    assert result["chat"] == {"id": 1001, "type": "private", "first_name": "An"}
    assert result["text"] == "Số dư: 10 ₫"
    assert result["entities"] == [{"type": "bold", "offset": 0, "length": 5}]
    assert result["reply_markup"] == markup
    assert isinstance(result["date"], int)
    [message] = fake_bot.transcript(1001)
    assert (message.sender, message.text, message.parse_mode, message.plain_text) == (
        "bot", "<b>Số dư</b>: 10 ₫", "HTML", "Số dư: 10 ₫",
    )
    assert message.buttons == ["Nạp tiền", "Web"]
    assert await api.error("sendMessage", chat_id=999, text="x") == "Bad Request: chat not found"
    fake_bot.pop_rejections()


# ---- text rules -----------------------------------------------------------------------------------


async def test_html_errors_and_length_limits_over_http(fake_bot: FakeBotApi, api: Api) -> None:  # noqa: F811
    fake_bot.user(1001)
    assert await api.error("sendMessage", chat_id=1001, text="Xin chào <br>", parse_mode="HTML") == (
        "Bad Request: can't parse entities: Unsupported start tag \"br\" at byte offset 10"
    )
    assert await api.error("sendMessage", chat_id=1001, text="") == "Bad Request: message text is empty"
    assert await api.error("sendMessage", chat_id=1001, text="x" * 4097) == "Bad Request: message is too long"
    await api.ok("sendMessage", chat_id=1001, text="<i>" + "x" * 4096 + "</i>", parse_mode="HTML")
    rejected = fake_bot.pop_rejections()
    assert [r.method for r in rejected] == ["sendMessage"] * 3
    assert rejected[0].params == {"chat_id": 1001, "text": "Xin chào <br>", "parse_mode": "HTML"}
    assert rejected[0].chat_id == 1001


# ---- keyboards ------------------------------------------------------------------------------------


async def test_callback_data_is_limited_to_64_bytes(fake_bot: FakeBotApi, api: Api) -> None:  # noqa: F811
    fake_bot.user(1001)
    data_64 = "ệ" * 21 + "a"  # 3 bytes each: 63 + 1
    data_65 = "ệ" * 21 + "ab"
    assert len(data_64.encode()) == 64 and len(data_65.encode()) == 65
    await api.ok("sendMessage", chat_id=1001, text="ok", reply_markup=keyboard([{"text": "A", "callback_data": data_64}]))
    assert await api.error(
        "sendMessage", chat_id=1001, text="no", reply_markup=keyboard([{"text": "A", "callback_data": data_65}])
    ) == "Bad Request: BUTTON_DATA_INVALID"
    assert [r.description for r in fake_bot.pop_rejections()] == ["Bad Request: BUTTON_DATA_INVALID"]


async def test_at_most_100_inline_buttons(fake_bot: FakeBotApi, api: Api) -> None:  # noqa: F811
    fake_bot.user(1001)
    rows = [[{"text": f"{r}-{c}", "callback_data": f"{r}-{c}"} for c in range(5)] for r in range(20)]
    await api.ok("sendMessage", chat_id=1001, text="100", reply_markup=keyboard(*rows))
    rows.append([{"text": "101", "callback_data": "101"}])
    assert await api.error("sendMessage", chat_id=1001, text="101", reply_markup=keyboard(*rows)) == (
        "Bad Request: reply markup is too long"
    )
    fake_bot.pop_rejections()


@pytest.mark.parametrize(
    ("button", "description"),
    [
        ({"text": "A"}, "Bad Request: can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"),
        ({"text": "A", "callback_data": ""}, "Bad Request: can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"),
        ({"callback_data": "a"}, "Bad Request: can't parse inline keyboard button: Can't find field \"text\""),
        ({"text": "", "callback_data": "a"}, "Bad Request: BUTTON_TEXT_INVALID"),
        ({"text": "A", "callback_data": "a", "url": "https://x.io"},
         "Bad Request: can't parse inline keyboard button: exactly one of the optional fields must be used, "
         "found \"url\", \"callback_data\""),
        ({"text": "A", "url": "ftp://x.io"}, "Bad Request: BUTTON_URL_INVALID"),
        ({"text": "A", "url": "javascript:alert(1)"}, "Bad Request: BUTTON_URL_INVALID"),
        ({"text": "A", "url": "https://"}, "Bad Request: BUTTON_URL_INVALID"),
    ],
)
async def test_invalid_inline_buttons(fake_bot: FakeBotApi, api: Api, button: dict[str, Any],  # noqa: F811
                                      description: str) -> None:
    fake_bot.user(1001)
    assert await api.error("sendMessage", chat_id=1001, text="x", reply_markup=keyboard([button])) == description
    fake_bot.pop_rejections()


async def test_url_buttons_accept_http_https_and_tg(fake_bot: FakeBotApi, api: Api) -> None:  # noqa: F811
    fake_bot.user(1001)
    buttons = [{"text": "a", "url": "http://panel.example/x"}, {"text": "b", "url": "https://t.me/x"},
               {"text": "c", "url": "tg://resolve?domain=x"}]
    await api.ok("sendMessage", chat_id=1001, text="x", reply_markup=keyboard(buttons))
    assert await api.error("sendMessage", chat_id=1001, text="x", reply_markup="{not json") == (
        "Bad Request: can't parse reply keyboard markup JSON object"
    )
    fake_bot.pop_rejections()


# ---- edits and deletions ----------------------------------------------------------------------------


async def test_edits_not_modified_missing_and_foreign_messages(fake_bot: FakeBotApi, api: Api) -> None:  # noqa: F811
    user = fake_bot.user(1001)
    fake_bot.add_user_message(user.chat, user.record, "hello")  # message #1, from the user
    markup = keyboard([{"text": "A", "callback_data": "a"}])
    sent = await api.ok("sendMessage", chat_id=1001, text="<b>v1</b>", parse_mode="HTML", reply_markup=markup)
    mid = sent["message_id"]
    # Same text after parsing and same keyboard: refused, however the HTML is spelled.
    assert await api.error("editMessageText", chat_id=1001, message_id=mid, text="<strong>v1</strong>",
                           parse_mode="HTML", reply_markup=markup) == NOT_MODIFIED
    # Formatting alone is a change; leaving out reply_markup removes the keyboard.
    edited = await api.ok("editMessageText", chat_id=1001, message_id=mid, text="v1")
    assert edited["text"] == "v1" and "reply_markup" not in edited and "edit_date" in edited
    assert await api.error("editMessageReplyMarkup", chat_id=1001, message_id=mid) == NOT_MODIFIED
    await api.ok("editMessageReplyMarkup", chat_id=1001, message_id=mid, reply_markup=markup)
    assert await api.error("editMessageText", chat_id=1001, message_id=999, text="x") == (
        "Bad Request: message to edit not found"
    )
    assert await api.error("editMessageText", chat_id=1001, message_id=1, text="x") == (
        "Bad Request: message can't be edited"
    )
    message = fake_bot.bot_messages(1001)[0]
    assert [(v.text, v.reply_markup is not None) for v in message.versions] == [
        ("<b>v1</b>", True), ("v1", False), ("v1", True),
    ]
    await api.ok("deleteMessage", chat_id=1001, message_id=mid)
    assert await api.error("deleteMessage", chat_id=1001, message_id=mid) == "Bad Request: message to delete not found"
    assert await api.error("editMessageText", chat_id=1001, message_id=mid, text="x") == (
        "Bad Request: message to edit not found"
    )
    assert fake_bot.transcript(1001)[1].deleted and fake_bot.bot_messages(1001) == []
    await api.ok("deleteMessage", chat_id=1001, message_id=1)  # bots may delete incoming private messages
    assert len(fake_bot.pop_rejections()) == 6


# ---- callback queries -------------------------------------------------------------------------------


async def test_callback_answers_once_in_time_and_short(fake_bot: FakeBotApi, api: Api) -> None:  # noqa: F811
    user = fake_bot.user(1001)
    await api.ok("sendMessage", chat_id=1001, text="x", reply_markup=keyboard([{"text": "A", "callback_data": "a"}]))
    message = user.last_message()
    first = fake_bot.add_callback_query(user.record, message, "a")
    second = fake_bot.add_callback_query(user.record, message, "a")
    late = fake_bot.add_callback_query(user.record, message, "a")
    assert fake_bot.unanswered_callbacks() == [first, second, late]

    assert await api.error("answerCallbackQuery", callback_query_id=first.id, text="x" * 201) == (
        "Bad Request: MESSAGE_TOO_LONG"
    )
    await api.ok("answerCallbackQuery", callback_query_id=first.id, text="x" * 200, show_alert=True)
    assert first.answer == {"text": "x" * 200, "show_alert": True, "url": None, "cache_time": 0}
    assert await api.error("answerCallbackQuery", callback_query_id=first.id) == QUERY_TOO_OLD
    assert await api.error("answerCallbackQuery", callback_query_id="no-such-query") == QUERY_TOO_OLD
    await api.ok("answerCallbackQuery", callback_query_id=second.id)

    fake_bot.clock.advance(fake_bot.callback_answer_deadline + 1)
    assert await api.error("answerCallbackQuery", callback_query_id=late.id) == QUERY_TOO_OLD
    assert fake_bot.unanswered_callbacks() == [late]
    assert late.attempts == 1
    with pytest.raises(AssertionError, match="callback queries never answered"):
        fake_bot.assert_clean()
    assert len(fake_bot.pop_rejections()) == 4


# ---- injected failures, blocking, flood limits ------------------------------------------------------


async def test_injected_429_with_retry_after(fake_bot: FakeBotApi, api: Api) -> None:  # noqa: F811
    fake_bot.user(1001)
    fake_bot.user(1002)
    fake_bot.fail_next("sendMessage", chat_id=1001, count=2, retry_after=7)
    for _ in range(2):
        status, body = await api.call("sendMessage", chat_id=1001, text="x")
        assert (status, body) == (429, {"ok": False, "error_code": 429,
                                        "description": "Too Many Requests: retry after 7",
                                        "parameters": {"retry_after": 7}})
    await api.ok("sendMessage", chat_id=1002, text="other chat is fine")
    await api.ok("sendMessage", chat_id=1001, text="third call goes through")
    assert [r.error_code for r in fake_bot.pop_rejections()] == [429, 429]


async def test_blocked_user_answers_403(fake_bot: FakeBotApi, api: Api) -> None:  # noqa: F811
    fake_bot.user(1001)
    await api.ok("sendChatAction", chat_id=1001, action="typing")
    fake_bot.block_bot(1001)
    assert await api.error("sendMessage", chat_id=1001, text="x") == "Forbidden: bot was blocked by the user"
    assert await api.error("sendChatAction", chat_id=1001, action="typing") == "Forbidden: bot was blocked by the user"
    fake_bot.unblock_bot(1001)
    assert await api.error("sendChatAction", chat_id=1001, action="dancing") == (
        "Bad Request: wrong parameter action in request"
    )
    assert fake_bot.chat_actions(1001) == ["typing"]
    assert [r.error_code for r in fake_bot.pop_rejections()] == [403, 403, 400]


async def test_flood_limits_per_chat_and_overall(fake_bot: FakeBotApi, api: Api) -> None:  # noqa: F811
    fake_bot.enable_flood_limits(private_burst=2, global_burst=5, global_per_second=5)
    for user_id in range(1001, 1005):
        fake_bot.user(user_id)
    await api.ok("sendMessage", chat_id=1001, text="1")
    await api.ok("sendMessage", chat_id=1001, text="2")
    status, body = await api.call("sendMessage", chat_id=1001, text="3")
    assert status == 429 and body["parameters"] == {"retry_after": 1}
    fake_bot.clock.advance(1.0)
    await api.ok("sendMessage", chat_id=1001, text="3 after a second")
    # Overall budget: 5 with these settings, 3 already used and refilled by 5 in the second: 5 left.
    for user_id in (1002, 1003, 1004):
        await api.ok("sendMessage", chat_id=user_id, text="a")
    await api.ok("sendMessage", chat_id=1002, text="b")
    status, body = await api.call("sendMessage", chat_id=1003, text="over the overall limit")
    assert status == 429
    fake_bot.disable_flood_limits()
    await api.ok("sendMessage", chat_id=1003, text="unlimited again")
    assert [r.error_code for r in fake_bot.pop_rejections()] == [429, 429]


# ---- getUpdates -----------------------------------------------------------------------------------


async def test_get_updates_offset_and_long_polling(fake_bot: FakeBotApi, api: Api) -> None:  # noqa: F811
    user = fake_bot.user(1001)
    first = fake_bot.queue_update("message", fake_bot.message_json(fake_bot.add_user_message(user.chat, user.record, "a")), 1001)
    second = fake_bot.queue_update("message", fake_bot.message_json(fake_bot.add_user_message(user.chat, user.record, "b")), 1001)
    assert [u["update_id"] for u in await api.ok("getUpdates")] == [first.update_id, second.update_id]
    # Not confirmed yet: served again; offset confirms and drops older updates.
    assert [u["update_id"] for u in await api.ok("getUpdates", limit=1)] == [first.update_id]
    batch = await api.ok("getUpdates", offset=first.update_id + 1, timeout=5)
    assert [u["message"]["text"] for u in batch] == ["b"]
    assert first.fetched_at is not None

    loop = asyncio.get_running_loop()
    started = loop.time()
    polls = fake_bot.get_updates_calls
    poll = asyncio.create_task(api.ok("getUpdates", offset=second.update_id + 1, timeout=5,
                                      allowed_updates=["message", "callback_query"]))
    while fake_bot.get_updates_calls == polls:  # the long poll has reached the fake
        await fake_bot.wait_changed(1)
    assert not poll.done()
    third = fake_bot.queue_update("message", fake_bot.message_json(fake_bot.add_user_message(user.chat, user.record, "c")), 1001)
    assert [u["update_id"] for u in await poll] == [third.update_id]
    assert loop.time() - started < 1

    started = loop.time()
    assert await api.ok("getUpdates", offset=third.update_id + 1, timeout=1) == []
    assert 0.9 < loop.time() - started < 2
    # Types outside allowed_updates are never delivered.
    dropped = fake_bot.queue_update("my_chat_member", {"chat": user.chat.to_json()}, 1001)
    assert await api.ok("getUpdates", offset=third.update_id + 1) == []
    assert "excludes 'my_chat_member'" in (dropped.dropped_reason or "")


# ---- commands -------------------------------------------------------------------------------------


async def test_bot_commands_per_scope_and_language(fake_bot: FakeBotApi, api: Api) -> None:  # noqa: F811
    commands = [{"command": "start", "description": "Bắt đầu"}, {"command": "balance", "description": "Số dư"}]
    await api.ok("setMyCommands", commands=commands, language_code="vi")
    await api.ok("setMyCommands", commands=[{"command": "/start", "description": "Start"}],
                 scope={"type": "all_private_chats"})
    await api.ok("setMyCommands", commands=[{"command": "admin", "description": "Admin"}],
                 scope={"type": "chat", "chat_id": 1001})
    assert fake_bot.commands_for("default", "vi") == [("start", "Bắt đầu"), ("balance", "Số dư")]
    assert fake_bot.commands_for("all_private_chats") == [("start", "Start")]
    assert fake_bot.commands_for({"type": "chat", "chat_id": 1001}) == [("admin", "Admin")]
    assert fake_bot.commands_for("default") == []
    assert await api.ok("getMyCommands", language_code="vi") == commands
    assert await api.ok("getMyCommands") == []
    await api.ok("deleteMyCommands", language_code="vi")
    assert fake_bot.commands_for("default", "vi") == []

    def one(command: str, description: str = "d") -> list[dict[str, str]]:
        return [{"command": command, "description": description}]

    assert await api.error("setMyCommands", commands=one("Start")) == "Bad Request: BOT_COMMAND_INVALID"
    assert await api.error("setMyCommands", commands=one("đơn")) == "Bad Request: BOT_COMMAND_INVALID"
    assert await api.error("setMyCommands", commands=one("a" * 33)) == "Bad Request: command length must not exceed 32"
    assert await api.error("setMyCommands", commands=one("")) == "Bad Request: command must be non-empty"
    assert await api.error("setMyCommands", commands=one("a", " ")) == "Bad Request: command description must be non-empty"
    assert await api.error("setMyCommands", commands=one("a", "d" * 257)) == (
        "Bad Request: command description length must not exceed 256"
    )
    assert await api.error("setMyCommands", commands=one("a"), language_code="vie") == (
        "Bad Request: invalid language code specified"
    )
    await api.ok("setMyCommands", commands=one("a" * 32, "d" * 256))
    assert len(fake_bot.pop_rejections()) == 7


# ---- a real python-telegram-bot Bot ------------------------------------------------------------------


# PTB itself warns about RetryAfter.retry_after becoming a timedelta when the error is built.
@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_real_ptb_bot_gets_the_right_exceptions(fake_bot: FakeBotApi) -> None:  # noqa: F811
    fake_bot.user(1001)
    async with telegram.Bot(fake_bot.token, base_url=fake_bot.bot_base_url,
                            base_file_url=fake_bot.file_base_url) as bot:
        assert bot.username == fake_bot.bot_user.username
        message = await bot.send_message(1001, "<b>Chào</b> 🎉", parse_mode="HTML")
        assert message.text == "Chào 🎉" and message.entities[0].type == "bold"
        edited = await bot.edit_message_text("<i>Chào</i>", chat_id=1001, message_id=message.message_id,
                                             parse_mode="HTML")
        assert isinstance(edited, telegram.Message) and edited.text == "Chào"
        with pytest.raises(BadRequest, match="(?i)unsupported start tag \"p\" at byte offset 0"):
            await bot.send_message(1001, "<p>x</p>", parse_mode="HTML")
        fake_bot.fail_next("sendMessage", retry_after=3)
        with pytest.raises(RetryAfter, match="Retry in"):
            await bot.send_message(1001, "x")
        fake_bot.block_bot(1001)
        with pytest.raises(Forbidden, match="bot was blocked by the user"):
            await bot.send_message(1001, "x")
    assert [r.error_code for r in fake_bot.pop_rejections()] == [400, 429, 403]
    fake_bot.assert_clean()


def _png(width: int, height: int) -> bytes:
    import struct
    import zlib

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    rows = b"".join(b"\x00" + b"\xff\xff\xff" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


async def test_photos_and_documents_keep_their_bytes(fake_bot: FakeBotApi) -> None:  # noqa: F811
    fake_bot.user(1001)
    async with telegram.Bot(fake_bot.token, base_url=fake_bot.bot_base_url,
                            base_file_url=fake_bot.file_base_url) as bot:
        png = _png(40, 50)
        sent = await bot.send_photo(1001, telegram.InputFile(png, filename="c.png"), caption="<b>Chi tiêu</b>",
                                    parse_mode="HTML")
        assert sent.caption == "Chi tiêu" and (sent.photo[-1].width, sent.photo[-1].height) == (40, 50)
        document = await bot.send_document(1001, telegram.InputFile("\ufeffa,b\r\n".encode(), filename="x.csv"))
        assert document.document.file_name == "x.csv"
        with pytest.raises(BadRequest, match="(?i)image_process_failed"):
            await bot.send_photo(1001, telegram.InputFile(b"not a picture", filename="c.png"))
        with pytest.raises(BadRequest, match="(?i)caption is too long"):
            await bot.send_photo(1001, telegram.InputFile(png, filename="c.png"), caption="x" * 1025)
    photo, csv_file = [m for m in fake_bot.chats[1001].messages if m.is_bot]
    assert photo.file == png and photo.plain_text == "Chi tiêu"
    assert csv_file.file == "\ufeffa,b\r\n".encode() and csv_file.file_name == "x.csv"
    fake_bot.pop_rejections()
