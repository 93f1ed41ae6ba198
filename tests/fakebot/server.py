"""A strict fake of the Telegram Bot API server, for tests that run the real python-telegram-bot.

    fake = FakeBotApi()
    await fake.start()                       # http://127.0.0.1:<ephemeral port>
    app = fake.application_builder().build()  # or base_url=f"{fake.url}/bot"
    user = fake.user(1001, language_code="vi")
    reply = await user.send("/start")
    ...
    fake.assert_clean()                      # no refused request, no unanswered callback query
    await fake.stop()

Requests arrive as POST /bot<TOKEN>/<method>; answers use Telegram's shapes and wording.
Updates go out by long polling (getUpdates) or, after setWebhook, by POST to the bot's webhook
(tests/fakebot/webhook.py).
Everything the bot did is kept for inspection: `calls`, `rejections`, chat transcripts
(`transcript(chat_id)`), `bot_commands`, `callback_queries`, chat actions.
Failures on demand: `fail_next()` (the next calls), `refuse_method()` (a method the server lacks).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from typing import Any

from aiohttp import web
from telegram.ext import Application, ApplicationBuilder

from tests.fakebot.driver import FakeUser
from tests.fakebot.errors import ApiError
from tests.fakebot.limits import Clock, FailureRule, FloodLimiter, FloodSettings
from tests.fakebot.methods import HARMLESS_METHODS, BotApiMethods, scope_key
from tests.fakebot.model import (
    ApiCall,
    CallbackQueryRecord,
    ChatEvent,
    ChatMessage,
    ChatRecord,
    QueuedUpdate,
    Rejection,
    UserRecord,
)
from tests.fakebot.params import Params, read_params
from tests.fakebot.text import FormattedText, utf16_len
from tests.fakebot.webhook import WebhookMethods

DEFAULT_BOT_ID = 7123456789
DEFAULT_TOKEN = f"{DEFAULT_BOT_ID}:AAHfakeTokenForTests-0123456789abcd"  # BotFather shape
_PATH = re.compile(r"/bot([^/]*)/([A-Za-z_]*)/?")
_COMMAND = re.compile(r"(?<![\w/<>])/[a-zA-Z0-9_]{1,64}(?:@[a-zA-Z0-9_]{3,32})?(?![\w/<>])")
_NOT_FOUND = {"ok": False, "error_code": 404, "description": "Not Found"}


def command_entities(text: str) -> list[dict[str, Any]]:
    """bot_command entities, as Telegram adds them to a message's text."""
    return [
        {"type": "bot_command", "offset": utf16_len(text[: m.start()]), "length": utf16_len(m.group())}
        for m in _COMMAND.finditer(text)
    ]


class FakeBotApi(WebhookMethods, BotApiMethods):
    """The fake Telegram: an aiohttp server plus everything it remembers.

    Options (also plain attributes, changeable during a test): `callback_answer_deadline` seconds
    of fake-clock time to answer a callback query; `strict_ampersand` refuses a bare "&" in HTML
    (Telegram would show it literally); `idle_window` and `reply_timeout` are the driver's defaults.
    `waits_on_processed`: the harness tells the fake when the bot has finished handling an update
    (`mark_processed`), and the driver's waits end on that instead of the idle window.
    """

    def __init__(
        self,
        *,
        token: str = DEFAULT_TOKEN,
        bot_first_name: str = "SMM Panel Test Bot",
        bot_username: str = "smm_panel_test_bot",
        callback_answer_deadline: float = 15.0,
        strict_ampersand: bool = True,
        idle_window: float = 0.15,
        reply_timeout: float = 10.0,
    ) -> None:
        self.token = token
        bot_id = int(token.split(":", 1)[0])
        self.bot_user = UserRecord(id=bot_id, first_name=bot_first_name, username=bot_username, is_bot=True)
        self.callback_answer_deadline = callback_answer_deadline
        self.strict_ampersand = strict_ampersand
        self.idle_window = idle_window
        self.reply_timeout = reply_timeout
        self.waits_on_processed = False
        self.clock = Clock()
        self.url = ""

        self.calls: list[ApiCall] = []  # every request but getUpdates, in order
        self.rejections: list[Rejection] = []
        self.get_updates_calls = 0
        self.chats: dict[int, ChatRecord] = {}
        self.users: dict[int, UserRecord] = {}
        self.callback_queries: dict[str, CallbackQueryRecord] = {}
        self.bot_commands: dict[tuple[str, str], list[tuple[str, str]]] = {}
        self.blocked_users: set[int] = set()
        self.kicked_from: set[int] = set()
        self.updates: list[QueuedUpdate] = []  # every update ever queued
        self._updates_by_id: dict[int, QueuedUpdate] = {}
        self.allowed_updates: list[str] | None = None
        self.flood: FloodLimiter | None = None
        self.missing_methods: set[str] = set()  # lower-case names answered 404, see refuse_method()
        self._init_webhook()  # setWebhook: updates are POSTed to the bot (tests/fakebot/webhook.py)

        self._pending: list[QueuedUpdate] = []  # queued and not yet confirmed by an offset
        self._failures: list[FailureRule] = []
        self._next_update_id = 500_000_001
        self._next_query_id = 1
        self._seq = 0
        self._poll_generation = 0
        self._closing = False
        self._changed = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._methods: dict[str, tuple[str, Callable[[Params], Any]]] = {}
        for name in (
            "getMe", "setWebhook", "deleteWebhook", "getWebhookInfo", "setMyCommands", "getMyCommands",
            "deleteMyCommands", "sendMessage", "editMessageText", "editMessageReplyMarkup",
            "deleteMessage", "answerCallbackQuery", "sendChatAction", "sendPhoto", "sendDocument",
        ):
            self._methods[name.lower()] = (name, getattr(self, f"api_{name.lower()}"))
        self._methods["getupdates"] = ("getUpdates", self.api_harmless)  # served by async _get_updates
        for name in HARMLESS_METHODS:
            self._methods[name.lower()] = (name, self.api_harmless)

    # ---- lifecycle -----------------------------------------------------------------------------

    @property
    def bot_base_url(self) -> str:
        """What to pass as `base_url` to python-telegram-bot."""
        return f"{self.url}/bot"

    @property
    def file_base_url(self) -> str:
        return f"{self.url}/file/bot"

    async def start(self, host: str = "127.0.0.1") -> None:
        """Listen on `host` (an ephemeral port); 0.0.0.0 lets containers reach it (deploy/)."""
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        # handler_cancellation: a long poll whose client went away must not swallow updates.
        self._runner = web.AppRunner(app, handler_cancellation=True, shutdown_timeout=1.0, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, 0)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self.url = f"http://{host}:{port}"

    async def stop(self) -> None:
        self._closing = True
        self._notify()
        await self._stop_webhook()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeBotApi:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def application_builder(self) -> ApplicationBuilder:  # type: ignore[type-arg]
        """An ApplicationBuilder already pointed at this fake (token, base URLs)."""
        return Application.builder().token(self.token).base_url(self.bot_base_url).base_file_url(self.file_base_url)

    # ---- HTTP ----------------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        match = _PATH.fullmatch(request.path)
        if match is None:
            return web.json_response(_NOT_FOUND, status=404)
        token, method_name = match.groups()
        name, impl = self._methods.get(method_name.lower(), (method_name, None))
        params = Params({})
        try:
            params = Params(await read_params(request))
            if token != self.token:
                raise ApiError(401, "Unauthorized")
            if impl is None or name.lower() in self.missing_methods:
                raise ApiError(404, "Not Found")
            self._raise_injected_failure(name, params)
            if name == "getUpdates":
                self._refuse_polling_while_webhook()
                self.get_updates_calls += 1
                result = await self._get_updates(params)
            else:
                result = impl(params)
        except ApiError as error:
            self._reject(name, params, error)
            return web.json_response(error.to_json(), status=error.error_code)
        if name != "getUpdates":
            self.calls.append(
                ApiCall(name, params.decoded(), ok=True, chat_id=self._call_chat_id(name, params), result=result,
                        at=self.clock.now())
            )
        return web.json_response({"ok": True, "result": result})

    def _call_chat_id(self, method: str, params: Params) -> int | None:
        if method == "answerCallbackQuery":
            query = self.callback_queries.get(params.str("callback_query_id") or "")
            return query.chat_id if query is not None else None
        chat_id = params.chat_id()
        return chat_id if isinstance(chat_id, int) else None

    def _reject(self, method: str, params: Params, error: ApiError) -> None:
        chat_id = self._call_chat_id(method, params)
        decoded = params.decoded()
        self.rejections.append(Rejection(method, error.description, error.error_code, decoded, chat_id))
        self.calls.append(ApiCall(method, decoded, ok=False, error_code=error.error_code,
                                  description=error.description, chat_id=chat_id, at=self.clock.now()))
        if chat_id is not None and method not in ("getUpdates", "getMe"):
            # A 429 is not an answer: a well-behaved bot retries after retry_after, so the
            # driver keeps waiting until then (plus its idle window).
            retrying = error.retry_after is not None
            self._record_event(chat_id, "rejected", detail=error.description, reply=not retrying)
            chat = self.chats.get(chat_id)
            if retrying and chat is not None:
                resume = asyncio.get_running_loop().time() + (error.retry_after or 0)
                chat.last_activity = max(chat.last_activity, resume)
        self._notify()

    def _raise_injected_failure(self, method: str, params: Params) -> None:
        chat_id = self._call_chat_id(method, params)
        for rule in self._failures:
            if method == "getUpdates" and rule.method is None:
                continue  # "any method" never starves the poller
            if rule.matches(method, chat_id):
                raise rule.error()

    # ---- change notification ---------------------------------------------------------------------

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    async def wait_changed(self, timeout: float) -> None:
        """Return when anything changes (a call, an update, a fetch) or after `timeout` seconds."""
        event = self._changed
        try:
            await asyncio.wait_for(event.wait(), max(0.0, timeout))
        except TimeoutError:
            pass

    def _record_event(self, chat_id: int, kind: str, message_id: int | None = None, *,
                      detail: str = "", reply: bool = True) -> None:
        chat = self.chats.get(chat_id)
        if chat is None:
            return
        self._seq += 1
        chat.events.append(ChatEvent(self._seq, kind, message_id, detail))
        if reply:
            chat.reply_count += 1
        chat.last_activity = asyncio.get_running_loop().time()
        self._notify()

    # ---- updates and long polling ----------------------------------------------------------------

    def queue_update(self, kind: str, body: dict[str, Any], chat_id: int | None) -> QueuedUpdate:
        """Queue an update, e.g. queue_update("message", {...message...}, chat_id)."""
        update = QueuedUpdate(
            update_id=self._next_update_id,
            kind=kind,
            payload={"update_id": self._next_update_id, kind: body},
            chat_id=chat_id,
            queued_at=asyncio.get_running_loop().time(),
        )
        self._next_update_id += 1
        self.updates.append(update)
        self._updates_by_id[update.update_id] = update
        self._pending.append(update)
        self._notify()
        return update

    def mark_processed(self, update_id: int) -> None:
        """The bot has finished handling this update (its handler returned or raised, error
        handler included): what the driver waits for when `waits_on_processed` is set."""
        update = self._updates_by_id.get(update_id)
        if update is not None and update.processed_at is None:
            update.processed_at = asyncio.get_running_loop().time()
            self._notify()

    def _confirm(self, offset: int | None) -> None:
        if offset is None or offset == 0:
            return
        if offset < 0:
            keep = self._pending[offset:]
        else:
            keep = [update for update in self._pending if update.update_id >= offset]
        self._pending = keep

    def _deliverable(self, limit: int) -> list[QueuedUpdate]:
        batch = []
        for update in list(self._pending):
            if self.allowed_updates is not None and update.kind not in self.allowed_updates:
                update.dropped_reason = f"allowed_updates={self.allowed_updates} excludes {update.kind!r}"
                self._pending.remove(update)
                continue
            batch.append(update)
            if len(batch) >= limit:
                break
        return batch

    async def _get_updates(self, params: Params) -> list[dict[str, Any]]:
        loop = asyncio.get_running_loop()
        offset = params.int("offset")
        limit = min(max(params.int("limit", 100) or 100, 1), 100)
        timeout = max(params.int("timeout", 0) or 0, 0)
        allowed = params.json("allowed_updates", "allowed updates")
        if isinstance(allowed, list):
            self.allowed_updates = [str(kind) for kind in allowed] or None
        # A newer getUpdates ends an older long poll (which answers with no updates).
        self._poll_generation += 1
        generation = self._poll_generation
        self._notify()
        deadline = loop.time() + timeout
        while True:
            self._confirm(offset)
            batch = self._deliverable(limit)
            if batch or self._closing or generation != self._poll_generation:
                break
            remaining = deadline - loop.time()
            if remaining <= 0:
                break
            await self.wait_changed(remaining)
        now = loop.time()
        for update in batch:
            if update.fetched_at is None:
                update.fetched_at = now
        if batch:
            self._notify()
        return [update.payload for update in batch]

    # ---- building messages and updates -----------------------------------------------------------

    def message_json(self, message: ChatMessage) -> dict[str, Any]:
        chat = self.chats[message.chat_id]
        sender = self.bot_user if message.is_bot else self.users[message.from_user_id]
        data: dict[str, Any] = {
            "message_id": message.message_id,
            "from": sender.to_json(),
            "chat": chat.to_json(),
            "date": message.date,
        }
        if message.media is not None:
            data.update(message.media)
            if message.plain_text:
                data["caption"] = message.plain_text
        else:
            data["text"] = message.plain_text
        if message.entities:
            data["caption_entities" if message.media is not None else "entities"] = message.entities
        if message.reply_markup:
            data["reply_markup"] = {"inline_keyboard": message.reply_markup}
        if message.edit_date:
            data["edit_date"] = message.edit_date
        return data

    def register_user(
        self, user_id: int, *, first_name: str, last_name: str | None, username: str | None,
        language_code: str | None, chat_type: str, chat_id: int | None, title: str | None,
    ) -> tuple[UserRecord, ChatRecord]:
        user = UserRecord(user_id, first_name, last_name, username, language_code)
        self.users[user_id] = user
        if chat_type == "private":
            chat = self.chats.get(user_id) or ChatRecord(user_id, "private", user=user)
            chat.user = user
        else:
            if chat_id is None:
                raise ValueError("a group user needs chat_id=<negative id>")
            chat = self.chats.get(chat_id) or ChatRecord(chat_id, chat_type, title=title or "Test group")
        self.chats[chat.id] = chat
        return user, chat

    def add_user_message(self, chat: ChatRecord, user: UserRecord, text: str,
                         media: dict[str, Any] | None = None) -> ChatMessage:
        """A message the user sends: text, or with `media` (e.g. media_json("photo")) a photo or
        document whose caption is `text`."""
        message = ChatMessage(
            chat_id=chat.id, message_id=chat.next_message_id, sender="user", from_user_id=user.id,
            date=int(self.clock.wall()), text=text, parse_mode=None, plain_text=text,
            entities=command_entities(text), formatted=FormattedText(text), media=media,
        )
        chat.next_message_id += 1
        chat.messages.append(message)
        return message

    def edit_user_message(self, message: ChatMessage, text: str) -> None:
        """The user edits their own message (or its caption); the update is queued by the caller."""
        if message.is_bot or message.deleted:
            raise AssertionError(f"a user can only edit their own message still present: {message!r}")
        message.edits.append(message.current_version())
        message.text = message.plain_text = text
        message.entities = command_entities(text)
        message.formatted = FormattedText(text)
        message.edit_date = int(self.clock.wall())

    def media_json(self, kind: str, file_name: str = "file.txt") -> dict[str, Any]:
        """The Bot API fields of a user's "photo" or "document" (no file behind it)."""
        ident = f"{kind}-{self._next_update_id}"
        if kind == "photo":
            return {"photo": [{"file_id": ident, "file_unique_id": ident, "width": 90, "height": 90, "file_size": 1024}]}
        if kind == "document":
            return {"document": {"file_id": ident, "file_unique_id": ident, "file_name": file_name,
                                 "mime_type": "text/plain", "file_size": 64}}
        raise ValueError(f"unsupported media kind {kind!r}")

    def add_callback_query(self, user: UserRecord, message: ChatMessage, data: str) -> CallbackQueryRecord:
        query_id = f"{user.id}{self._next_query_id:010d}"
        self._next_query_id += 1
        body = {
            "id": query_id,
            "from": user.to_json(),
            "message": self.message_json(message),
            "chat_instance": str(-abs(message.chat_id) * 7919 - 17),
            "data": data,
        }
        update = self.queue_update("callback_query", body, message.chat_id)
        query = CallbackQueryRecord(query_id, user.id, message.chat_id, message.message_id, data,
                                    created_at=self.clock.now(), update_id=update.update_id)
        self.callback_queries[query_id] = query
        return query

    # ---- test controls -----------------------------------------------------------------------------

    def user(
        self, user_id: int = 1001, *, first_name: str = "Test", last_name: str | None = None,
        username: str | None = None, language_code: str | None = "en", chat_type: str = "private",
        chat_id: int | None = None, title: str | None = None,
    ) -> FakeUser:
        """A driver acting as this Telegram user (see tests.fakebot.driver.FakeUser). For a group,
        pass chat_type="group" or "supergroup" and the chat's (negative) chat_id."""
        user, chat = self.register_user(
            user_id, first_name=first_name, last_name=last_name, username=username,
            language_code=language_code, chat_type=chat_type, chat_id=chat_id, title=title,
        )
        return FakeUser(self, user, chat)

    def fail_next(
        self, method: str | None = None, *, chat_id: int | None = None, count: int = 1,
        retry_after: int = 1, error_code: int = 429, description: str | None = None,
    ) -> None:
        """Answer the next `count` calls of `method` (any method if None), optionally only those
        for `chat_id`, with an error: by default 429 "Too Many Requests: retry after N"."""
        self._failures.append(FailureRule(method.lower() if method else None, chat_id, count,
                                          error_code, description, retry_after))

    def clear_failures(self) -> None:
        """Forget the failures fail_next() has still to inject."""
        self._failures.clear()

    def refuse_method(self, method: str) -> None:
        """Answer every `method` call with 404 "Not Found", as a Bot API server (or emulator) that
        lacks the method does, until allow_method(). Each refusal is recorded in `rejections`."""
        self.missing_methods.add(method.lower())

    def allow_method(self, method: str) -> None:
        self.missing_methods.discard(method.lower())

    def block_bot(self, user_id: int) -> None:
        """The user blocked the bot: sends to them answer 403 "Forbidden: bot was blocked by the user"."""
        self.blocked_users.add(user_id)

    def unblock_bot(self, user_id: int) -> None:
        self.blocked_users.discard(user_id)

    def enable_flood_limits(self, **settings: float) -> FloodLimiter:
        """Enforce Telegram's flood limits on sendMessage (see limits.FloodSettings for the knobs)."""
        self.flood = FloodLimiter(self.clock, FloodSettings(**settings))
        return self.flood

    def disable_flood_limits(self) -> None:
        self.flood = None

    # ---- inspection --------------------------------------------------------------------------------

    def transcript(self, chat_id: int) -> list[ChatMessage]:
        """Every message of a chat in order, the users' and the bot's, deleted ones included."""
        return list(self.chats[chat_id].messages)

    def bot_messages(self, chat_id: int, *, include_deleted: bool = False) -> list[ChatMessage]:
        return [m for m in self.chats[chat_id].messages if m.is_bot and (include_deleted or not m.deleted)]

    def chat_actions(self, chat_id: int) -> list[str]:
        return list(self.chats[chat_id].actions)

    def sent_count(self, method: str, *, include_rejected: bool = False) -> int:
        """How many `method` calls succeeded (or were made at all, with include_rejected)."""
        return sum(1 for c in self.calls if c.method.lower() == method.lower() and (c.ok or include_rejected))

    def calls_of(self, method: str) -> list[ApiCall]:
        return [c for c in self.calls if c.method.lower() == method.lower()]

    def commands_for(self, scope: str | dict[str, Any] = "default", language_code: str = "") -> list[tuple[str, str]]:
        """Commands set for a scope ("default", "all_private_chats", "chat:-100123", or a
        BotCommandScope dict) and language, as (command, description) pairs; [] if none."""
        key = scope if isinstance(scope, str) else scope_key(scope)
        return list(self.bot_commands.get((key, language_code), []))

    def unanswered_callbacks(self) -> list[CallbackQueryRecord]:
        return [q for q in self.callback_queries.values() if not q.answered]

    def pop_rejections(self) -> list[Rejection]:
        """Take the rejections recorded so far (for tests that expect some)."""
        taken, self.rejections = self.rejections, []
        return taken

    def format_transcript(self, chat_id: int) -> str:
        chat = self.chats.get(chat_id)
        if chat is None:
            return f"(no chat {chat_id})"
        lines = [f"chat {chat_id} ({chat.type}):"] + [f"  {m.describe()}" for m in chat.messages]
        if chat.actions:
            lines.append(f"  chat actions: {chat.actions}")
        return "\n".join(lines) if chat.messages else lines[0] + " (no messages)"

    def assert_clean(self) -> None:
        """Raise AssertionError listing refused requests and callback queries never answered."""
        problems = []
        if self.rejections:
            problems.append("refused requests:\n" + "\n".join(f"  {r!r}" for r in self.rejections))
        unanswered = self.unanswered_callbacks()
        if unanswered:
            problems.append("callback queries never answered:\n" + "\n".join(
                f"  id={q.id} chat={q.chat_id} message=#{q.message_id} data={q.data!r} attempts={q.attempts}"
                for q in unanswered))
        if problems:
            raise AssertionError("fake Telegram saw problems:\n" + "\n".join(problems))
