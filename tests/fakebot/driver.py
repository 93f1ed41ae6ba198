"""A test acting as a Telegram user against the fake, and a helper to run a PTB Application on it.

    user = fake.user(1001, language_code="vi", first_name="An")
    reply = await user.send("/start")          # waits until the bot has answered and is done
    assert "Xin chào" in reply.text
    reply = await user.press("Số dư")          # presses an inline button of the last keyboard
    await user.send_photo(caption="look")      # photos and documents carry a caption
    await user.edit(message, "new text")       # an edited_message update for the user's own message
    assert user.last_message().buttons == [...]

A wait ends when (for send) the bot made at least one call touching the chat (send/edit/delete/
answer, refused ones included) or (for press) answered the callback query, and then:

- when the fake is told when the bot has finished handling an update (`fake.waits_on_processed`,
  set by a harness that calls `fake.mark_processed(update_id)`, as tests/conftest.py does for the
  in-process bot): as soon as the update's handling has ended. Nothing is timed: everything the
  handler did is in the reply, and a wait is as long as the bot takes.
- otherwise (a bot in another process, a plain PTB app): once the update was fetched by
  getUpdates and `idle` seconds passed without any call touching the chat (the quiet window).

An explicit `idle` also asks for that quiet window after the handling ended. `until_handled=False`
asks for the quiet window instead of the end of the handling, to look at the chat while the bot
is still busy with the update (e.g. a tap answered early while it waits for its turn). After
`timeout` seconds a wait fails with an AssertionError showing the chat transcript and the
refused requests.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tests.fakebot.methods import MARKUP_ONLY
from tests.fakebot.model import CallbackQueryRecord, ChatMessage, ChatRecord, QueuedUpdate, Rejection, UserRecord

if TYPE_CHECKING:
    from tests.fakebot.server import FakeBotApi


@dataclass
class Reply:
    """What the bot did in the chat during one exchange (messages in their current state)."""

    sent: list[ChatMessage] = field(default_factory=list)  # new bot messages, deleted ones included
    edited: list[ChatMessage] = field(default_factory=list)
    deleted: list[ChatMessage] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)
    answer: CallbackQueryRecord | None = None  # for press(): the callback query and its answer
    # Sent or edited (text, or text and buttons), by last event; a message whose buttons alone
    # were taken off is in `edited` only.
    touched: list[ChatMessage] = field(default_factory=list)

    @property
    def messages(self) -> list[ChatMessage]:
        """New bot messages still present."""
        return [m for m in self.sent if not m.deleted]

    @property
    def text(self) -> str:
        """Plain text of the messages sent or edited (still present), joined by blank lines."""
        return "\n\n".join(m.plain_text for m in self.touched if not m.deleted)

    @property
    def last(self) -> ChatMessage:
        present = [m for m in self.touched if not m.deleted]
        if not present:
            raise AssertionError(f"the bot sent or edited no message in this exchange: {self!r}")
        return present[-1]

    @property
    def alert(self) -> str | None:
        """Text of the callback answer (toast or alert), if any."""
        return (self.answer.answer or {}).get("text") if self.answer is not None else None


class FakeUser:
    """One Telegram user in one chat (private, or a group shared with other FakeUsers)."""

    def __init__(self, fake: FakeBotApi, user: UserRecord, chat: ChatRecord) -> None:
        self.fake = fake
        self.record = user
        self.chat = chat

    @property
    def id(self) -> int:
        return self.record.id

    @property
    def chat_id(self) -> int:
        return self.chat.id

    # ---- acting --------------------------------------------------------------------------------

    async def send(self, text: str, *, expect_reply: bool = True, timeout: float | None = None,
                   idle: float | None = None, until_handled: bool = True) -> Reply:
        """Send a text message (bot_command entities are added for /commands) and wait for the bot."""
        message = self.fake.add_user_message(self.chat, self.record, text)
        return await self._deliver("message", message, f"send({text!r})", expect_reply, timeout, idle, until_handled)

    async def send_photo(self, caption: str = "", **options: object) -> Reply:
        """Send a photo with `caption` and wait for the bot (options as for send())."""
        message = self.fake.add_user_message(self.chat, self.record, caption, media=self.fake.media_json("photo"))
        return await self._deliver("message", message, f"send_photo(caption={caption!r})", **options)

    async def send_document(self, caption: str = "", file_name: str = "file.txt", **options: object) -> Reply:
        """Send a document with `caption` and wait for the bot (options as for send())."""
        media = self.fake.media_json("document", file_name)
        message = self.fake.add_user_message(self.chat, self.record, caption, media=media)
        return await self._deliver("message", message, f"send_document(caption={caption!r})", **options)

    async def edit(self, message: ChatMessage, text: str, *, expect_reply: bool = False,
                   timeout: float | None = None, idle: float | None = None, until_handled: bool = True) -> Reply:
        """Edit one of this user's messages (its text, or a photo's caption): the bot receives an
        `edited_message` update. By default no answer is expected, as for most edits."""
        if message.chat_id != self.chat.id:
            raise AssertionError(f"message {message!r} is not in chat {self.chat.id}")
        self.fake.edit_user_message(message, text)
        return await self._deliver("edited_message", message, f"edit(#{message.message_id}, {text!r})",
                                   expect_reply, timeout, idle, until_handled)

    async def _deliver(self, kind: str, message: ChatMessage, what: str, expect_reply: bool = True,
                       timeout: float | None = None, idle: float | None = None, until_handled: bool = True) -> Reply:
        start = self._mark()
        update = self.fake.queue_update(kind, self.fake.message_json(message), self.chat.id)
        replies_before = self.chat.reply_count
        await self._wait(
            update,
            (lambda: self.chat.reply_count > replies_before) if expect_reply else (lambda: True),
            what, "the bot made no call in this chat", timeout, idle, until_handled,
        )
        return self._collect(start)

    async def press(self, button_text: str, *, message: ChatMessage | None = None, expect_answer: bool = True,
                    timeout: float | None = None, idle: float | None = None, until_handled: bool = True) -> Reply:
        """Press an inline button, found by exact text (or a unique substring) on `message`, by
        default the last bot message with an inline keyboard in this chat."""
        target = message if message is not None else self._last_keyboard_message()
        button = find_button(target, button_text)
        if "callback_data" not in button:
            kind = next((k for k in button if k != "text"), "?")
            raise AssertionError(f"button {button['text']!r} is a {kind} button, not a callback button: {button}")
        return await self.press_data(target, button["callback_data"], expect_answer=expect_answer,
                                     timeout=timeout, idle=idle, until_handled=until_handled)

    async def press_data(self, message: ChatMessage | int, data: str, *, expect_answer: bool = True,
                         timeout: float | None = None, idle: float | None = None, until_handled: bool = True) -> Reply:
        """Send a callback query with raw `data` from `message` (a ChatMessage or message_id),
        e.g. a button of an old message."""
        target = self.chat.find(message) if isinstance(message, int) else message
        if target is None or target.chat_id != self.chat.id:
            raise AssertionError(f"message {message!r} is not in chat {self.chat.id}")
        if target.deleted:
            raise AssertionError(f"cannot press a button on deleted message #{target.message_id}")
        start = self._mark()
        query = self.fake.add_callback_query(self.record, target, data)
        update = next(u for u in self.fake.updates if u.update_id == query.update_id)
        await self._wait(
            update,
            (lambda: query.attempts > 0) if expect_answer else (lambda: True),
            f"press(data={data!r}) on message #{target.message_id}", "the callback query was never answered",
            timeout, idle, until_handled,
        )
        reply = self._collect(start)
        reply.answer = query
        return reply

    async def block_bot(self, *, notify: bool = True) -> None:
        """Block the bot: later sends to this user answer 403. With notify, the bot receives the
        my_chat_member update Telegram sends (status "kicked")."""
        self.fake.block_bot(self.id)
        if notify:
            await self._member_update("member", "kicked")

    async def unblock_bot(self, *, notify: bool = True) -> None:
        self.fake.unblock_bot(self.id)
        if notify:
            await self._member_update("kicked", "member")

    async def _member_update(self, old: str, new: str) -> None:
        bot = self.fake.bot_user.to_json()
        body = {
            "chat": self.chat.to_json(),
            "from": self.record.to_json(),
            "date": int(self.fake.clock.wall()),
            "old_chat_member": {"status": old, "user": bot, **({"until_date": 0} if old == "kicked" else {})},
            "new_chat_member": {"status": new, "user": bot, **({"until_date": 0} if new == "kicked" else {})},
        }
        update = self.fake.queue_update("my_chat_member", body, self.chat.id)
        await self._wait(update, lambda: True, f"my_chat_member {old}->{new}", "", None, None)

    # ---- reading -------------------------------------------------------------------------------

    def messages(self) -> list[ChatMessage]:
        """The bot's messages in this chat, current state, deleted ones left out."""
        return self.fake.bot_messages(self.chat.id)

    def last_message(self) -> ChatMessage:
        messages = self.messages()
        if not messages:
            raise AssertionError(
                f"the bot has no message in chat {self.chat.id}\n{self.fake.format_transcript(self.chat.id)}"
            )
        return messages[-1]

    def buttons(self, message: ChatMessage | None = None) -> list[str]:
        """Button texts of `message`, by default of the last bot message with an inline keyboard."""
        target = message if message is not None else self._last_keyboard_message()
        return target.buttons

    def transcript(self) -> list[ChatMessage]:
        return self.fake.transcript(self.chat.id)

    def reply_keyboard(self) -> list[list[str]] | None:
        """The custom (reply) keyboard the user currently sees, as rows of texts; None if none."""
        for message in reversed(self.fake.bot_messages(self.chat.id, include_deleted=True)):
            if message.removes_keyboard:
                return None
            if message.reply_keyboard:
                return [[button["text"] for button in row] for row in message.reply_keyboard]
        return None

    # ---- internals -----------------------------------------------------------------------------

    def _last_keyboard_message(self) -> ChatMessage:
        for message in reversed(self.messages()):
            if message.reply_markup:
                return message
        raise AssertionError(
            f"no bot message with an inline keyboard in chat {self.chat.id}\n"
            + self.fake.format_transcript(self.chat.id)
        )

    def _mark(self) -> tuple[int, int]:
        return self.fake._seq, len(self.fake.rejections)

    def _collect(self, start: tuple[int, int]) -> Reply:
        seq, rejection_count = start
        reply = Reply(rejections=[r for r in self.fake.rejections[rejection_count:] if r.chat_id == self.chat.id])
        touched: dict[int, ChatMessage] = {}
        for event in self.chat.events:
            if event.seq <= seq or event.message_id is None:
                continue
            message = self.chat.find(event.message_id)
            if message is None:
                continue
            if event.kind == "sent":
                reply.sent.append(message)
            elif event.kind == "edited" and message not in reply.edited:
                reply.edited.append(message)
            elif event.kind == "deleted":
                reply.deleted.append(message)
            # Taking buttons off an earlier message is not something the bot says: not "touched".
            if event.kind == "sent" or (event.kind == "edited" and event.detail != MARKUP_ONLY):
                touched.pop(message.message_id, None)
                touched[message.message_id] = message
        reply.touched = list(touched.values())
        return reply

    async def _wait(self, update: QueuedUpdate, condition: Callable[[], bool], what: str, missing: str,
                    timeout: float | None, idle: float | None, until_handled: bool = True) -> None:
        loop = asyncio.get_running_loop()
        timeout = self.fake.reply_timeout if timeout is None else timeout
        on_processed = self.fake.waits_on_processed and until_handled
        if idle is None:
            idle = 0.0 if on_processed else self.fake.idle_window
        deadline = loop.time() + timeout
        while True:
            now = loop.time()
            if update.dropped_reason:
                raise AssertionError(f"{what}: the update was dropped ({update.dropped_reason})")
            ended = update.processed_at is not None if on_processed else update.fetched_at is not None
            if ended and condition():
                if idle <= 0:
                    return
                quiet_since = max(update.fetched_at, self.chat.last_activity)
                if now - quiet_since >= idle:
                    return
                if now >= deadline:
                    raise AssertionError(self._timeout_report(what, "the bot kept acting in the chat", timeout))
                await self.fake.wait_changed(min(quiet_since + idle, deadline) - now)
                continue
            if now >= deadline:
                if update.fetched_at is None:
                    reason = "the update was never fetched by getUpdates (is the bot polling this fake?)"
                elif on_processed and update.processed_at is None:
                    reason = "the bot was still handling the update"
                elif on_processed:
                    reason = f"{missing} (its handling of the update had ended)"
                else:
                    reason = missing
                raise AssertionError(self._timeout_report(what, reason, timeout))
            await self.fake.wait_changed(deadline - now)

    def _timeout_report(self, what: str, reason: str, timeout: float) -> str:
        rejections = "\n".join(f"  {r!r}" for r in self.fake.rejections) or "  (none)"
        return (
            f"{what} as user {self.id}: {reason} within {timeout:g}s.\n"
            f"{self.fake.format_transcript(self.chat.id)}\nrefused requests:\n{rejections}"
        )


def find_button(message: ChatMessage, text: str) -> dict[str, Any]:
    """The button whose text is `text`, else the only one containing it (case-sensitive first)."""
    buttons = [button for row in message.reply_markup or [] for button in row]
    exact = [b for b in buttons if b["text"] == text]
    if len(exact) == 1:
        return exact[0]
    for matches in (
        [b for b in buttons if text in b["text"]],
        [b for b in buttons if text.lower() in b["text"].lower()],
    ):
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            raise AssertionError(
                f"{text!r} matches several buttons of message #{message.message_id}: {[b['text'] for b in matches]}"
            )
    if len(exact) > 1:
        raise AssertionError(f"several buttons of message #{message.message_id} are called {text!r}")
    raise AssertionError(
        f"no button {text!r} on message #{message.message_id}; buttons present: {message.buttons}\n"
        f"message: {message.describe()}"
    )


@asynccontextmanager
async def running_application(app: Any, *, poll_timeout: int = 10,
                              allowed_updates: list[str] | None = None) -> AsyncIterator[Any]:
    """Initialize and start a PTB Application with long polling; stop it all on exit."""
    async with app:
        await app.start()
        await app.updater.start_polling(timeout=poll_timeout, poll_interval=0, allowed_updates=allowed_updates)
        try:
            yield app
        finally:
            if app.updater.running:
                await app.updater.stop()
            if app.running:
                await app.stop()
