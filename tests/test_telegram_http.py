"""AiohttpRequest (bot/telegram_http.py) against a real Bot API stand-in on 127.0.0.1.

Each test runs python-telegram-bot's `Bot` over the real transport to a real aiohttp web
server, and checks what the server receives and what the caller gets back. Where
python-telegram-bot's own HTTPXRequest is the reference (what goes over the wire), both
transports talk to the same server and their requests are compared.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import socket
import sys
import time
import traceback
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
import pytest_asyncio
from aiohttp import web
from multidict import CIMultiDictProxy
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputFile
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.request import BaseRequest, HTTPXRequest

from bot.telegram_http import POOL_TIMEOUT_MESSAGE, AiohttpRequest

# Shaped like a real token (so a leak would look like one) but not a real one.
TOKEN = "7012345678:AAF3kq9Xz-TESTONLY_b8Jc2LmNoPqRsTuVwX"
TEXT = "Đơn hàng #1 đã hoàn thành"
MARKUP = InlineKeyboardMarkup(
    [
        [InlineKeyboardButton("Xem đơn hàng", callback_data="order:1")],
        [
            InlineKeyboardButton("Hủy", callback_data="cancel:1"),
            InlineKeyboardButton("Trang web", url="https://example.vn/"),
        ],
    ]
)
CHAT_ID = 4242
SHORT = 0.2  # the time-outs the tests wait for: long enough to be unambiguous, short to stay fast
# Should a time-out not fire, the test fails after this long instead of hanging (asyncio's
# TimeoutError is not python-telegram-bot's TimedOut, so `pytest.raises(TimedOut)` fails).
GIVE_UP = SHORT + 3

Answer = Callable[["Seen"], Awaitable[web.StreamResponse]]


@dataclass
class Seen:
    """One request as the server received it."""

    http_method: str
    path: str
    api_method: str
    headers: CIMultiDictProxy[str]
    body: bytes | None  # raw bytes of a form-encoded body; None for multipart (parsed in `form`)
    form: dict[str, Any]  # field -> text, or ("file", filename, content type, bytes)


@dataclass
class BotApi:
    """A local Bot API: records every request and answers like Telegram, or as a test says."""

    url: str = ""
    seen: list[Seen] = field(default_factory=list)
    answers: dict[str, Answer] = field(default_factory=dict)
    # Methods whose request body is left unread until `release`; then what still arrives of
    # it is counted into `unread_received`.
    unread: set[str] = field(default_factory=set)
    unread_received: list[int] = field(default_factory=list)
    redirect_target_hits: int = 0
    # Handlers that hang wait on this; set at teardown so the server can stop at once.
    release: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def base_url(self) -> str:
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        return f"{self.url}/file/bot"

    def calls(self, api_method: str) -> list[Seen]:
        return [seen for seen in self.seen if seen.api_method == api_method]

    def bot(self, request: BaseRequest, **kwargs: Any) -> Bot:
        return Bot(TOKEN, base_url=self.base_url, base_file_url=self.base_file_url, request=request, **kwargs)

    async def handle(self, request: web.Request) -> web.StreamResponse:
        body: bytes | None = None
        api_method = request.match_info["method"]
        if api_method in self.unread:
            self.seen.append(Seen(request.method, request.path, api_method, request.headers, None, {}))
            await self.release.wait()
            received = 0
            with contextlib.suppress(ConnectionError):
                while chunk := await request.content.readany():
                    received += len(chunk)
            self.unread_received.append(received)
            return web.json_response({"ok": True, "result": True})
        if request.content_type == "multipart/form-data":
            form = {name: _field(value) for name, value in (await request.post()).items()}
        else:
            body = await request.read()
            form = dict(await request.post())
        seen = Seen(request.method, request.path, api_method, request.headers, body, form)
        self.seen.append(seen)
        answer = self.answers.get(seen.api_method, _telegram_answer)
        return await answer(seen)

    async def redirect_target(self, request: web.Request) -> web.StreamResponse:
        self.redirect_target_hits += 1
        return web.json_response({"ok": True, "result": True})

    async def file(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        self.seen.append(Seen(request.method, request.path, "file", request.headers, body, {}))
        return web.Response(body=b"order export\n")


def _field(value: Any) -> Any:
    if isinstance(value, str):
        return value
    return ("file", value.filename, value.content_type, value.file.read())


async def _telegram_answer(seen: Seen) -> web.StreamResponse:
    """What the Bot API answers to a successful call (just enough for python-telegram-bot)."""
    chat = {"id": int(seen.form.get("chat_id", CHAT_ID)), "type": "private"}
    if seen.api_method == "getMe":
        result: Any = {"id": 7012345678, "is_bot": True, "first_name": "Shop", "username": "shop_bot"}
    elif seen.api_method == "sendMessage":
        result = {"message_id": 11, "date": 1700000000, "chat": chat, "text": seen.form["text"]}
        if "reply_markup" in seen.form:
            result["reply_markup"] = json.loads(seen.form["reply_markup"])
    elif seen.api_method == "sendDocument":
        document = seen.form["document"]
        result = {
            "message_id": 12,
            "date": 1700000000,
            "chat": chat,
            "document": {"file_id": "doc-1", "file_unique_id": "u-doc-1", "file_name": document[1]},
        }
    elif seen.api_method == "getFile":
        result = {"file_id": seen.form["file_id"], "file_unique_id": "u-1", "file_path": "documents/a.txt"}
    else:
        result = True
    return web.json_response({"ok": True, "result": result})


def error_answer(status: int, description: str, **parameters: Any) -> Answer:
    async def answer(seen: Seen) -> web.StreamResponse:
        payload: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
        if parameters:
            payload["parameters"] = parameters
        return web.json_response(payload, status=status)

    return answer


def hang(api: BotApi) -> Answer:
    async def answer(seen: Seen) -> web.StreamResponse:
        await api.release.wait()
        return await _telegram_answer(seen)

    return answer


@pytest_asyncio.fixture
async def api() -> AsyncIterator[BotApi]:
    bot_api = BotApi()
    app = web.Application()
    app.router.add_route("*", "/bot{token}/{method}", bot_api.handle)
    app.router.add_route("*", "/file/bot{token}/{path:.+}", bot_api.file)
    app.router.add_route("*", "/elsewhere", bot_api.redirect_target)
    runner = web.AppRunner(app)
    await runner.setup()
    # A fixed receive buffer (accepted sockets inherit it) turns off the kernel's autotuning,
    # which can grow it to net.ipv4.tcp_rmem's maximum (32 MiB on some machines): what a server
    # that stops reading can hold then no longer depends on the machine or on its load.
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 256 << 10)
    listener.bind(("127.0.0.1", 0))
    site = web.SockSite(runner, listener)
    await site.start()
    host, port = listener.getsockname()[:2]
    bot_api.url = f"http://{host}:{port}"
    yield bot_api
    bot_api.release.set()
    await runner.cleanup()


def everything_shown(error: BaseException) -> str:
    """All a log line, a traceback or a debugger would show of the error and of every exception
    reachable from it (cause, context, arguments, attributes)."""
    shown: list[str] = []
    todo, done = [error], set()
    while todo:
        exc = todo.pop()
        if id(exc) in done:
            continue
        done.add(id(exc))
        shown += [str(exc), repr(exc), "".join(traceback.format_exception(exc))]
        slots = [name for cls in type(exc).__mro__ for name in getattr(cls, "__slots__", ())]
        linked = [exc.__cause__, exc.__context__, *exc.args, *vars(exc).values()]
        linked += [getattr(exc, name, None) for name in slots]
        shown += [repr(item) for item in linked if item is not None]
        todo += [item for item in linked if isinstance(item, BaseException)]
    return "\n".join(shown)


def assert_no_token(error: BaseException) -> None:
    # No aiohttp error rides along: those hold the URL (and so the token) in their attributes.
    assert error.__cause__ is None and error.__context__ is None
    assert TOKEN not in everything_shown(error)
    assert TOKEN.split(":")[1] not in everything_shown(error)


# 1. What goes over the wire ---------------------------------------------------------------


async def test_send_message_goes_out_as_httpx_sends_it(api: BotApi) -> None:
    messages = {}
    for name, request in (("httpx", HTTPXRequest()), ("aiohttp", AiohttpRequest())):
        updates_request = HTTPXRequest(1) if name == "httpx" else AiohttpRequest(1)
        async with api.bot(request, get_updates_request=updates_request) as bot:  # sends getMe
            messages[name] = await bot.send_message(CHAT_ID, TEXT, reply_markup=MARKUP)

    httpx_me, aiohttp_me = api.calls("getMe")
    httpx_sent, aiohttp_sent = api.calls("sendMessage")
    # The same form, field for field and byte for byte, under the same headers.
    assert aiohttp_sent.form == httpx_sent.form
    assert aiohttp_sent.body == httpx_sent.body
    assert aiohttp_sent.form["text"] == TEXT
    assert aiohttp_sent.form["chat_id"] == str(CHAT_ID)
    assert json.loads(aiohttp_sent.form["reply_markup"]) == MARKUP.to_dict()
    for header in ("Content-Type", "User-Agent"):
        assert aiohttp_sent.headers.get(header) == httpx_sent.headers.get(header), header
    assert aiohttp_sent.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert aiohttp_sent.path == httpx_sent.path == f"/bot{TOKEN}/sendMessage"
    assert aiohttp_sent.http_method == httpx_sent.http_method == "POST"
    # A call without parameters: an empty POST with no Content-Type, as httpx sends it.
    assert (aiohttp_me.http_method, aiohttp_me.body) == (httpx_me.http_method, httpx_me.body) == ("POST", b"")
    assert aiohttp_me.headers.get("Content-Type") is httpx_me.headers.get("Content-Type") is None
    # And the answer comes back as python-telegram-bot's Message.
    message = messages["aiohttp"]
    assert (message.message_id, message.chat_id, message.text) == (11, CHAT_ID, TEXT)
    assert message.reply_markup == MARKUP
    assert message == messages["httpx"]


# 2. Statuses become python-telegram-bot's errors -------------------------------------------


@pytest.mark.parametrize(
    ("answer", "error_type", "text"),
    [
        (error_answer(400, "Bad Request: message text is empty"), BadRequest, "Message text is empty"),
        (
            error_answer(429, "Too Many Requests: retry after 7", retry_after=7),
            RetryAfter,
            "Flood control exceeded. Retry in 0:00:07",
        ),
        (
            error_answer(403, "Forbidden: bot was blocked by the user"),
            Forbidden,
            "Forbidden: bot was blocked by the user",
        ),
    ],
    ids=["400", "429", "403"],
)
async def test_error_statuses_become_telegram_errors(
    api: BotApi, answer: Answer, error_type: type[Exception], text: str
) -> None:
    api.answers["sendMessage"] = answer
    async with AiohttpRequest() as request:
        with pytest.raises(error_type) as caught:
            await api.bot(request).send_message(CHAT_ID, "")
    assert type(caught.value) is error_type
    assert str(caught.value) == text
    if isinstance(caught.value, RetryAfter):
        assert caught.value.retry_after.total_seconds() == 7  # PTB_TIMEDELTA=1 (tests/conftest.py)


# 3. Time-outs and failed connections, without the token ------------------------------------


@pytest.mark.parametrize(
    ("request_kwargs", "call_kwargs"),
    [({"read_timeout": SHORT}, {}), ({"read_timeout": 30}, {"read_timeout": SHORT})],
    ids=["instance-default", "per-call"],
)
async def test_silent_server_times_out_after_the_read_timeout(
    api: BotApi, request_kwargs: dict[str, float], call_kwargs: dict[str, float]
) -> None:
    api.answers["sendMessage"] = hang(api)
    async with AiohttpRequest(**request_kwargs) as request:
        started = time.monotonic()
        with pytest.raises(TimedOut) as caught:
            async with asyncio.timeout(GIVE_UP):
                await api.bot(request).send_message(CHAT_ID, TEXT, **call_kwargs)
        elapsed = time.monotonic() - started
    assert SHORT * 0.9 <= elapsed < SHORT + 1
    assert len(api.calls("sendMessage")) == 1  # the request did arrive: it is the answer that never came
    assert_no_token(caught.value)


async def test_read_timeout_none_waits_past_the_default(api: BotApi) -> None:
    async def slow(seen: Seen) -> web.StreamResponse:
        await asyncio.sleep(0.3)
        return await _telegram_answer(seen)

    api.answers["sendMessage"] = slow
    async with AiohttpRequest(read_timeout=0.1) as request:
        message = await api.bot(request).send_message(CHAT_ID, TEXT, read_timeout=None)
    assert message.text == TEXT


async def test_refused_connection_is_a_network_error_without_the_token() -> None:
    with socket.socket() as probe:  # a port that was just free: nothing listens there
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    async with AiohttpRequest() as request:
        bot = Bot(TOKEN, base_url=f"http://127.0.0.1:{port}/bot", request=request)
        with pytest.raises(NetworkError) as caught:
            await bot.send_message(CHAT_ID, TEXT)
    assert not isinstance(caught.value, TimedOut)
    assert str(caught.value).startswith("aiohttp.ClientConnectorError: ")
    assert_no_token(caught.value)


@pytest.mark.skipif(sys.platform != "linux", reason="relies on Linux dropping SYNs to a full accept queue")
async def test_connect_timeout_is_timed_out_without_the_token() -> None:
    # aiohttp's message for this one names the whole URL, token included.
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)
        port = listener.getsockname()[1]
        fillers = [socket.socket() for _ in range(3)]  # fill the accept queue, never accepted
        try:
            for filler in fillers:
                filler.setblocking(False)
                filler.connect_ex(("127.0.0.1", port))
            async with AiohttpRequest(connect_timeout=SHORT) as request:
                bot = Bot(TOKEN, base_url=f"http://127.0.0.1:{port}/bot", request=request)
                started = time.monotonic()
                with pytest.raises(TimedOut) as caught:
                    async with asyncio.timeout(GIVE_UP):
                        await bot.send_message(CHAT_ID, TEXT)
                elapsed = time.monotonic() - started
        finally:
            for filler in fillers:
                filler.close()
    assert SHORT * 0.9 <= elapsed < SHORT + 1
    assert "ConnectionTimeoutError" in str(caught.value) and "/bot<token>/sendMessage" in str(caught.value)
    assert_no_token(caught.value)


async def test_pool_timeout_when_every_connection_is_busy(api: BotApi) -> None:
    api.answers["sendMessage"] = hang(api)
    async with AiohttpRequest(1, pool_timeout=0.2) as request:
        bot = api.bot(request)
        first = asyncio.create_task(bot.send_message(CHAT_ID, "first"))
        while not api.calls("sendMessage"):
            await asyncio.sleep(0.01)
        with pytest.raises(TimedOut) as caught:
            async with asyncio.timeout(GIVE_UP):
                await bot.send_message(CHAT_ID, "second")
        api.release.set()
        assert (await first).text == "first"
    assert str(caught.value) == POOL_TIMEOUT_MESSAGE
    assert [seen.form["text"] for seen in api.calls("sendMessage")] == ["first"]  # never sent


@pytest.mark.parametrize(
    ("api_method", "request_kwargs", "call_kwargs"),
    [
        ("sendDocument", {"media_write_timeout": SHORT}, {}),
        ("sendDocument", {"media_write_timeout": 30}, {"write_timeout": SHORT}),
        ("sendMessage", {"write_timeout": SHORT}, {}),  # a (huge) form: write_timeout, not media's
    ],
    ids=["upload-media-default", "upload-per-call", "form-default"],
)
async def test_stalled_body_times_out_after_the_write_timeout(
    api: BotApi, api_method: str, request_kwargs: dict[str, float], call_kwargs: dict[str, float]
) -> None:
    # The server never reads the body: once the socket buffers are full, writing stalls.
    # Only the write time-out in force is short, so the TimedOut can come from nothing else.
    api.unread.add(api_method)
    size = 16 << 20
    timeouts = {"read_timeout": 30, "write_timeout": 30, "media_write_timeout": 30, **request_kwargs}
    async with AiohttpRequest(**timeouts) as request:
        bot = api.bot(request)
        started = time.monotonic()
        with pytest.raises(TimedOut) as caught:
            async with asyncio.timeout(GIVE_UP):
                if api_method == "sendDocument":
                    await bot.send_document(CHAT_ID, b"\0" * size, filename="big.bin", **call_kwargs)
                else:
                    await bot.send_message(CHAT_ID, "x" * size, **call_kwargs)
        elapsed = time.monotonic() - started
        assert SHORT * 0.9 <= elapsed < SHORT + 1.5
        assert_no_token(caught.value)
        # The connection is dropped with the rest of the body, as httpx drops it: once the
        # server reads again, only what the kernels' buffers held arrives, not the 16 MiB
        # (a plain close of the asyncio transport would go on sending all of it).
        api.release.set()
        async with asyncio.timeout(GIVE_UP):
            while not api.unread_received:
                await asyncio.sleep(0.01)
    assert 0 < api.unread_received[0] < size // 2


# 4. Redirects -------------------------------------------------------------------------------


async def test_redirect_is_not_followed(api: BotApi) -> None:
    async def moved(seen: Seen) -> web.StreamResponse:
        raise web.HTTPFound(f"{api.url}/elsewhere")

    api.answers["sendMessage"] = moved
    async with AiohttpRequest() as request:
        with pytest.raises(NetworkError) as caught:
            await api.bot(request).send_message(CHAT_ID, TEXT)
    assert "(302)" in str(caught.value)
    assert api.redirect_target_hits == 0
    assert len(api.calls("sendMessage")) == 1


# 5. Uploads -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("document", "kwargs", "expected_file"),
    [
        (
            InputFile(b"Order 1: done\n", filename="Đơn hàng 1.txt"),
            {},
            ("file", "Đơn hàng 1.txt", "text/plain", b"Order 1: done\n"),
        ),
        (
            b"%PDF-1.4 receipt",
            {"filename": "receipt.pdf"},
            ("file", "receipt.pdf", "application/pdf", b"%PDF-1.4 receipt"),
        ),
    ],
    ids=["InputFile", "bytes"],
)
async def test_upload_arrives_as_multipart_as_httpx_sends_it(
    api: BotApi, document: InputFile | bytes, kwargs: dict[str, str], expected_file: tuple[Any, ...]
) -> None:
    messages = []
    for request in (HTTPXRequest(), AiohttpRequest()):
        async with request:
            messages.append(await api.bot(request).send_document(CHAT_ID, document, caption=TEXT, **kwargs))

    httpx_sent, aiohttp_sent = api.calls("sendDocument")
    assert aiohttp_sent.headers["Content-Type"].startswith("multipart/form-data; boundary=")
    assert aiohttp_sent.form == httpx_sent.form
    assert aiohttp_sent.form == {"chat_id": str(CHAT_ID), "caption": TEXT, "document": expected_file}
    assert messages[1].document.file_name == expected_file[1]


async def test_upload_from_a_file_handle_sends_it_whole_and_leaves_it_open(api: BotApi) -> None:
    # InputFile(..., read_file_handle=False) hands the handle to the transport, which reads it
    # from the start, as httpx does.
    handle = io.BytesIO(b"line 1\nline 2\n")
    handle.read(3)
    async with AiohttpRequest() as request:
        await api.bot(request).send_document(
            CHAT_ID, InputFile(handle, filename="orders.txt", read_file_handle=False)
        )
    sent = api.calls("sendDocument")[0].form["document"]
    assert sent == ("file", "orders.txt", "text/plain", b"line 1\nline 2\n")
    assert not handle.closed


async def test_file_download_is_a_plain_get(api: BotApi) -> None:
    async with AiohttpRequest() as request:
        telegram_file = await api.bot(request).get_file("doc-1")
        content = await telegram_file.download_as_bytearray()
    assert content == b"order export\n"
    download = api.calls("file")[0]
    assert (download.http_method, download.path) == ("GET", f"/file/bot{TOKEN}/documents/a.txt")
    assert "Content-Type" not in download.headers


# 6. Life cycle ------------------------------------------------------------------------------


async def test_initialize_and_shutdown_twice_then_again(api: BotApi) -> None:
    request = AiohttpRequest()
    await request.initialize()
    await request.initialize()
    assert (await api.bot(request).send_message(CHAT_ID, "one")).text == "one"
    await request.shutdown()
    await request.shutdown()
    await request.initialize()  # after a shutdown, initialize() makes it usable again
    assert (await api.bot(request).send_message(CHAT_ID, "two")).text == "two"
    await request.shutdown()
    assert [seen.form["text"] for seen in api.calls("sendMessage")] == ["one", "two"]


async def test_do_request_before_initialize_or_after_shutdown_raises(api: BotApi) -> None:
    request = AiohttpRequest()
    url = f"{api.base_url}{TOKEN}/getMe"
    with pytest.raises(RuntimeError, match="not initialized"):
        await request.do_request(url, "POST")
    async with request:
        assert (await request.do_request(url, "POST"))[0] == 200
    with pytest.raises(RuntimeError, match="not initialized"):
        await request.do_request(url, "POST")
    assert len(api.calls("getMe")) == 1


async def test_a_proxy_from_the_environment_carries_the_requests(monkeypatch) -> None:
    """HTTPS_PROXY / HTTP_PROXY are honoured as httpx honours them, and NO_PROXY bypasses."""
    seen: list[str] = []

    async def proxy(request: web.Request) -> web.Response:
        seen.append(str(request.url))  # a forward proxy gets the absolute target URL
        return web.json_response({"ok": True, "result": True})

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", proxy)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{port}")
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        request = AiohttpRequest()
        await request.initialize()
        try:
            assert await request.post("http://api.example.invalid/botX/close") is True
        finally:
            await request.shutdown()
        assert seen == ["http://api.example.invalid/botX/close"]

        monkeypatch.setenv("NO_PROXY", "api.example.invalid")
        request = AiohttpRequest(read_timeout=0.5, connect_timeout=0.5)
        await request.initialize()
        try:
            with pytest.raises(NetworkError):  # straight to a host that does not exist
                await request.post("http://api.example.invalid/botX/close")
        finally:
            await request.shutdown()
        assert len(seen) == 1
    finally:
        await runner.cleanup()
