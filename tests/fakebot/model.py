"""What the fake Telegram remembers, shaped for tests to read."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tests.fakebot.markup import Markup
from tests.fakebot.text import FormattedText


@dataclass
class UserRecord:
    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None
    is_bot: bool = False

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        for key in ("last_name", "username", "language_code"):
            if getattr(self, key):
                data[key] = getattr(self, key)
        return data


@dataclass(frozen=True)
class MessageVersion:
    """One state of a message: what the bot sent and how Telegram shows it."""

    text: str
    parse_mode: str | None
    plain_text: str
    entities: list[dict[str, Any]]
    reply_markup: list[list[dict[str, Any]]] | None
    date: int


@dataclass(eq=False)
class ChatMessage:
    """A message in a chat transcript, in its current state; `edits` holds earlier states."""

    chat_id: int
    message_id: int
    sender: str  # "user" or "bot"
    from_user_id: int
    date: int
    text: str  # raw, as sent (HTML source for the bot's messages)
    parse_mode: str | None
    plain_text: str  # as Telegram shows it
    entities: list[dict[str, Any]] = field(default_factory=list)
    reply_markup: list[list[dict[str, Any]]] | None = None  # inline keyboard rows of button dicts
    reply_keyboard: list[list[dict[str, Any]]] | None = None  # custom keyboard sent with it
    removes_keyboard: bool = False  # sent with ReplyKeyboardRemove
    deleted: bool = False
    edits: list[MessageVersion] = field(default_factory=list)
    edit_date: int | None = None
    formatted: FormattedText | None = field(default=None, repr=False)
    markup: Markup | None = field(default=None, repr=False)
    # A photo or document: its Bot API fields ({"photo": [...]}); `text` is then the caption.
    media: dict[str, Any] | None = None
    # The bytes of a photo or document the bot sent (sendPhoto, sendDocument), and its name.
    file: bytes | None = field(default=None, repr=False)
    file_name: str | None = None

    @property
    def is_bot(self) -> bool:
        return self.sender == "bot"

    @property
    def buttons(self) -> list[str]:
        """Texts of the inline buttons, row by row, flattened."""
        return [button["text"] for row in self.reply_markup or [] for button in row]

    @property
    def button_rows(self) -> list[list[str]]:
        return [[button["text"] for button in row] for row in self.reply_markup or []]

    @property
    def versions(self) -> list[MessageVersion]:
        """Every state, oldest first, ending with the current one."""
        return [*self.edits, self.current_version()]

    def current_version(self) -> MessageVersion:
        return MessageVersion(
            self.text, self.parse_mode, self.plain_text, self.entities, self.reply_markup,
            self.edit_date or self.date,
        )

    def describe(self) -> str:
        """One readable line for failure messages."""
        who = "bot " if self.is_bot else "user"
        mode = f" [{self.parse_mode}]" if self.parse_mode else ""
        if self.media:
            mode += f" [{next(iter(self.media))}, caption]"
        text = self.plain_text if len(self.plain_text) <= 300 else self.plain_text[:300] + "…"
        line = f"#{self.message_id} {who}{mode}: {text!r}"
        if self.reply_markup:
            rows = " / ".join(" | ".join(_describe_button(b) for b in row) for row in self.reply_markup)
            line += f"\n      buttons: {rows}"
        if self.reply_keyboard:
            line += f"\n      keyboard: {[[b['text'] for b in row] for row in self.reply_keyboard]}"
        if self.edits:
            line += f"  (edited {len(self.edits)}x)"
        if self.deleted:
            line += "  (DELETED)"
        return line

    def __repr__(self) -> str:
        return f"ChatMessage({self.describe()})"


def _describe_button(button: dict[str, Any]) -> str:
    if "callback_data" in button:
        return f"[{button['text']} -> {button['callback_data']!r}]"
    action = next((key for key in button if key != "text"), "?")
    return f"[{button['text']} {action}={button.get(action)!r}]"


@dataclass
class ChatEvent:
    """Something the bot did in a chat; `seq` orders events across the whole fake."""

    seq: int
    kind: str  # "sent", "edited", "deleted", "answered", "action", "rejected"
    message_id: int | None = None
    detail: str = ""  # "edited": "markup" when only the buttons changed (editMessageReplyMarkup)


@dataclass(eq=False)
class ChatRecord:
    id: int
    type: str  # "private", "group", "supergroup"
    title: str | None = None
    user: UserRecord | None = None  # the other side of a private chat
    messages: list[ChatMessage] = field(default_factory=list)
    actions: list[str] = field(default_factory=list)  # sendChatAction actions, in order
    events: list[ChatEvent] = field(default_factory=list)
    next_message_id: int = 1
    reply_count: int = 0  # bot calls answering in this chat (send/edit/delete/answer, refused too)
    last_activity: float = 0.0  # loop time of the last bot call touching this chat
    bot_is_admin: bool = False

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "type": self.type}
        if self.type == "private" and self.user is not None:
            data["first_name"] = self.user.first_name
            if self.user.last_name:
                data["last_name"] = self.user.last_name
            if self.user.username:
                data["username"] = self.user.username
        else:
            data["title"] = self.title or "Test group"
        return data

    def find(self, message_id: int) -> ChatMessage | None:
        for message in self.messages:
            if message.message_id == message_id:
                return message
        return None


@dataclass
class CallbackQueryRecord:
    id: str
    user_id: int
    chat_id: int
    message_id: int
    data: str
    created_at: float  # fake clock
    update_id: int
    answered: bool = False
    answer: dict[str, Any] | None = None  # text, show_alert, url, cache_time
    attempts: int = 0  # answerCallbackQuery calls for it, refused ones included


@dataclass
class ApiCall:
    """One request the bot made. `params` are decoded (JSON values parsed, numbers as int)."""

    method: str
    params: dict[str, Any]
    ok: bool
    error_code: int | None = None
    description: str | None = None
    chat_id: int | None = None
    result: Any = field(default=None, repr=False)
    at: float = 0.0  # fake-clock time the call was answered


@dataclass
class Rejection:
    """A refused request."""

    method: str
    description: str
    error_code: int
    params: dict[str, Any] = field(default_factory=dict)
    chat_id: int | None = None

    def __repr__(self) -> str:
        extra = ""
        for key in ("text", "callback_query_id", "message_id"):
            if key in self.params:
                value = str(self.params[key])
                extra += f", {key}={value[:120] + '…' if len(value) > 120 else value!r}"
        chat = f", chat_id={self.chat_id}" if self.chat_id is not None else ""
        return f"Rejection({self.method}: {self.error_code} {self.description!r}{chat}{extra})"


@dataclass
class QueuedUpdate:
    update_id: int
    kind: str  # "message", "callback_query", "my_chat_member"
    payload: dict[str, Any]
    chat_id: int | None
    queued_at: float  # loop time
    fetched_at: float | None = None
    processed_at: float | None = None  # loop time the bot reported its handling ended
    dropped_reason: str | None = None
