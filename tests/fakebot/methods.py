"""The Bot API methods the fake implements. Each takes Params and returns the JSON `result`, or
raises ApiError with Telegram's wording. State lives on the FakeBotApi these are mixed into."""

from __future__ import annotations

import re
import struct
from typing import TYPE_CHECKING, Any

from tests.fakebot.errors import ApiError, bad_request
from tests.fakebot.markup import Markup, parse_inline_markup, parse_reply_markup
from tests.fakebot.model import CallbackQueryRecord, ChatMessage, ChatRecord
from tests.fakebot.params import Params, require_chat_id
from tests.fakebot.text import FormattedText, prepare_text

if TYPE_CHECKING:
    from tests.fakebot.server import FakeBotApi

CHAT_ACTIONS = frozenset(
    {
        "typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice",
        "upload_document", "choose_sticker", "find_location", "record_video_note", "upload_video_note",
    }
)
COMMAND_SCOPES = frozenset(
    {
        "default", "all_private_chats", "all_group_chats", "all_chat_administrators",
        "chat", "chat_administrators", "chat_member",
    }
)
MAX_ANSWER_TEXT = 200
MAX_CAPTION_LENGTH = 1024
MAX_PHOTO_BYTES = 10 * 1024 * 1024  # Telegram's limit for an uploaded photo
MAX_PHOTO_SIDES = 10_000  # width + height
_PNG = b"\x89PNG\r\n\x1a\n"
MAX_COMMANDS = 100
_COMMAND_RE = re.compile(r"[a-z0-9_]+")
_LANGUAGE_RE = re.compile(r"[a-z]{2}")

MARKUP_ONLY = "markup"  # the detail of an "edited" event that changed the buttons only
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the same "
    "as a current content and reply markup of the message"
)
QUERY_TOO_OLD = "query is too old and response timeout expired or query ID is invalid"

# Methods the fake answers with True without modelling them (recorded in the call log).
HARMLESS_METHODS = ("setMyDescription", "setMyShortDescription", "setChatMenuButton", "setMyName")


def scope_key(scope: Any) -> str:
    """A readable key for a BotCommandScope: "default", "all_private_chats", "chat:-100123",
    "chat_member:-100123:1001"."""
    if scope is None:
        return "default"
    if not isinstance(scope, dict) or scope.get("type") not in COMMAND_SCOPES:
        raise bad_request("unsupported bot command scope type")
    kind = scope["type"]
    if kind in ("chat", "chat_administrators", "chat_member"):
        if scope.get("chat_id") in (None, ""):
            raise bad_request("chat_id is empty")
        key = f"{kind}:{scope['chat_id']}"
        if kind == "chat_member":
            if scope.get("user_id") in (None, ""):
                raise bad_request("user_id is empty")
            key += f":{scope['user_id']}"
        return key
    return str(kind)


class BotApiMethods:
    """Mixed into FakeBotApi; `self` is the fake."""

    # ---- helpers ---------------------------------------------------------------------------

    def _chat(self: FakeBotApi, params: Params) -> ChatRecord:
        chat = self.chats.get(require_chat_id(params))
        if chat is None:
            raise bad_request("chat not found")
        return chat

    def _check_can_write(self: FakeBotApi, chat: ChatRecord) -> None:
        if chat.type == "private" and chat.id in self.blocked_users:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        if chat.type != "private" and chat.id in self.kicked_from:
            kind = "supergroup" if chat.type == "supergroup" else "group"
            raise ApiError(403, f"Forbidden: bot was kicked from the {kind} chat")

    def _formatted(self: FakeBotApi, params: Params) -> FormattedText:
        return prepare_text(
            params.str("text"), params.str("parse_mode"), params.json("entities"),
            strict_ampersand=self.strict_ampersand,
        )

    def _message_to_edit(self: FakeBotApi, params: Params) -> tuple[ChatRecord, ChatMessage]:
        if params.has("inline_message_id"):
            raise bad_request("MESSAGE_ID_INVALID")  # inline messages are not modelled
        chat = self._chat(params)
        message_id = params.int("message_id")
        if not message_id:
            raise bad_request("message identifier is not specified")
        message = chat.find(message_id)
        if message is None or message.deleted:
            raise bad_request("message to edit not found")
        if not message.is_bot:
            raise bad_request("message can't be edited")
        return chat, message

    def _apply_edit(
        self: FakeBotApi, chat: ChatRecord, message: ChatMessage, *, text: str, parse_mode: str | None,
        formatted: FormattedText, markup: Markup | None, detail: str = "",
    ) -> dict[str, Any]:
        rows = markup.rows_list() if markup is not None else None
        if message.formatted == formatted and message.reply_markup == rows:
            raise bad_request(NOT_MODIFIED)
        message.edits.append(message.current_version())
        message.text, message.parse_mode = text, parse_mode
        message.formatted, message.plain_text = formatted, formatted.text
        message.entities = formatted.entities_json()
        message.markup, message.reply_markup = markup, rows
        message.edit_date = int(self.clock.wall())
        self._record_event(chat.id, "edited", message.message_id, detail=detail)
        return self.message_json(message)

    # ---- bot identity and updates ----------------------------------------------------------------

    def api_getme(self: FakeBotApi, params: Params) -> dict[str, Any]:
        return {
            **self.bot_user.to_json(),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def api_deletewebhook(self: FakeBotApi, params: Params) -> bool:
        if params.bool("drop_pending_updates"):
            for update in self._pending:
                update.dropped_reason = "deleteWebhook(drop_pending_updates=True)"
            self._pending.clear()
            self._notify()
        return True

    def api_getwebhookinfo(self: FakeBotApi, params: Params) -> dict[str, Any]:
        return {"url": "", "has_custom_certificate": False, "pending_update_count": len(self._pending)}

    # ---- commands ---------------------------------------------------------------------------------

    def _command_target(self: FakeBotApi, params: Params) -> tuple[str, str]:
        key = scope_key(params.json("scope", "bot command scope"))
        language = params.str("language_code") or ""
        if language and not _LANGUAGE_RE.fullmatch(language):
            raise bad_request("invalid language code specified")
        return key, language

    def api_setmycommands(self: FakeBotApi, params: Params) -> bool:
        raw = params.json("commands", "bot commands")
        if raw is None:
            raise bad_request('parameter "commands" is required')
        if not isinstance(raw, list):
            raise bad_request("expected an Array of BotCommand")
        commands: list[tuple[str, str]] = []
        for item in raw:
            if not isinstance(item, dict):
                raise bad_request("can't parse BotCommand: expected an Object")
            command = str(item.get("command", "")).strip()
            command = command[1:] if command.startswith("/") else command
            description = str(item.get("description", "")).strip()
            if not command:
                raise bad_request("command must be non-empty")
            if len(command) > 32:
                raise bad_request("command length must not exceed 32")
            if not description:
                raise bad_request("command description must be non-empty")
            if len(description) > 256:
                raise bad_request("command description length must not exceed 256")
            commands.append((command, description))
        key, language = self._command_target(params)
        # What Telegram's servers check after tdlib's own validation.
        if len(commands) > MAX_COMMANDS:
            raise bad_request("BOT_COMMANDS_TOO_MUCH")
        if any(not _COMMAND_RE.fullmatch(command) for command, _ in commands):
            raise bad_request("BOT_COMMAND_INVALID")
        if commands:
            self.bot_commands[(key, language)] = commands
        else:
            self.bot_commands.pop((key, language), None)
        return True

    def api_getmycommands(self: FakeBotApi, params: Params) -> list[dict[str, str]]:
        commands = self.bot_commands.get(self._command_target(params), [])
        return [{"command": command, "description": description} for command, description in commands]

    def api_deletemycommands(self: FakeBotApi, params: Params) -> bool:
        self.bot_commands.pop(self._command_target(params), None)
        return True

    # ---- messages ----------------------------------------------------------------------------------

    def api_sendmessage(self: FakeBotApi, params: Params) -> dict[str, Any]:
        formatted = self._formatted(params)
        markup = parse_reply_markup(params.raw.get("reply_markup"))
        chat = self._chat(params)
        self._check_can_write(chat)
        self._check_reply_target(chat, params)
        if self.flood is not None:
            self.flood.take(chat.id, chat.type)
        message = ChatMessage(
            chat_id=chat.id,
            message_id=chat.next_message_id,
            sender="bot",
            from_user_id=self.bot_user.id,
            date=int(self.clock.wall()),
            text=params.str("text") or "",
            parse_mode=params.str("parse_mode"),
            plain_text=formatted.text,
            entities=formatted.entities_json(),
            reply_markup=markup.rows_list() if markup is not None and markup.is_inline else None,
            reply_keyboard=markup.rows_list() if markup is not None and markup.kind == "keyboard" else None,
            removes_keyboard=markup is not None and markup.kind == "remove",
            formatted=formatted,
            markup=markup if markup is not None and markup.is_inline else None,
        )
        chat.next_message_id += 1
        chat.messages.append(message)
        self._record_event(chat.id, "sent", message.message_id)
        return self.message_json(message)

    # ---- photos and documents (uploaded files only) ---------------------------------------------

    def api_sendphoto(self: FakeBotApi, params: Params) -> dict[str, Any]:
        upload = params.upload("photo")
        if upload is None:
            raise bad_request("the fake takes uploaded photos only (no file_id or URL)")
        width, height = _image_size(upload.data)
        if len(upload.data) > MAX_PHOTO_BYTES or width + height > MAX_PHOTO_SIDES or max(width, height) > 20 * min(width, height):
            raise bad_request("PHOTO_INVALID_DIMENSIONS")
        ident = f"photo-{self._next_update_id}-{len(upload.data)}"
        media = {"photo": [{"file_id": ident, "file_unique_id": ident, "width": width, "height": height,
                            "file_size": len(upload.data)}]}
        return self._send_file(params, upload, media)

    def api_senddocument(self: FakeBotApi, params: Params) -> dict[str, Any]:
        upload = params.upload("document")
        if upload is None:
            raise bad_request("the fake takes uploaded documents only (no file_id or URL)")
        if not upload.data:
            raise bad_request("file must be non-empty")
        ident = f"document-{self._next_update_id}-{len(upload.data)}"
        media = {"document": {"file_id": ident, "file_unique_id": ident, "file_name": str(upload),
                              "mime_type": upload.content_type, "file_size": len(upload.data)}}
        return self._send_file(params, upload, media)

    def _send_file(self: FakeBotApi, params: Params, upload: Any, media: dict[str, Any]) -> dict[str, Any]:
        caption = params.str("caption") or ""
        formatted = prepare_text(caption, params.str("parse_mode"), params.json("caption_entities"),
                                 strict_ampersand=self.strict_ampersand) if caption else FormattedText("")
        if len(formatted.text) > MAX_CAPTION_LENGTH:
            raise bad_request("message caption is too long")
        markup = parse_reply_markup(params.raw.get("reply_markup"))
        chat = self._chat(params)
        self._check_can_write(chat)
        if self.flood is not None:
            self.flood.take(chat.id, chat.type)
        message = ChatMessage(
            chat_id=chat.id, message_id=chat.next_message_id, sender="bot", from_user_id=self.bot_user.id,
            date=int(self.clock.wall()), text=caption, parse_mode=params.str("parse_mode"),
            plain_text=formatted.text, entities=formatted.entities_json(),
            reply_markup=markup.rows_list() if markup is not None and markup.is_inline else None,
            formatted=formatted, markup=markup if markup is not None and markup.is_inline else None,
            media=media, file=upload.data, file_name=str(upload),
        )
        chat.next_message_id += 1
        chat.messages.append(message)
        self._record_event(chat.id, "sent", message.message_id)
        return self.message_json(message)

    def _check_reply_target(self: FakeBotApi, chat: ChatRecord, params: Params) -> None:
        reply = params.json("reply_parameters", "reply parameters") or {}
        target = reply.get("message_id") if isinstance(reply, dict) else None
        target = target or params.int("reply_to_message_id")
        allow_missing = params.bool("allow_sending_without_reply") or (
            isinstance(reply, dict) and bool(reply.get("allow_sending_without_reply"))
        )
        if target and not allow_missing:
            replied = chat.find(int(target))
            if replied is None or replied.deleted:
                raise bad_request("message to be replied not found")

    def api_editmessagetext(self: FakeBotApi, params: Params) -> dict[str, Any]:
        formatted = self._formatted(params)
        markup = parse_inline_markup(params.raw.get("reply_markup"))
        chat, message = self._message_to_edit(params)
        return self._apply_edit(
            chat, message, text=params.str("text") or "", parse_mode=params.str("parse_mode"),
            formatted=formatted, markup=markup,
        )

    def api_editmessagereplymarkup(self: FakeBotApi, params: Params) -> dict[str, Any]:
        markup = parse_inline_markup(params.raw.get("reply_markup"))
        chat, message = self._message_to_edit(params)
        assert message.formatted is not None
        return self._apply_edit(
            chat, message, text=message.text, parse_mode=message.parse_mode,
            formatted=message.formatted, markup=markup, detail=MARKUP_ONLY,
        )

    def api_deletemessage(self: FakeBotApi, params: Params) -> bool:
        chat = self._chat(params)
        message = chat.find(params.int("message_id") or 0)
        if message is None or message.deleted:
            raise bad_request("message to delete not found")
        if not message.is_bot and chat.type != "private" and not chat.bot_is_admin:
            raise bad_request("message can't be deleted")
        message.deleted = True
        self._record_event(chat.id, "deleted", message.message_id)
        return True

    def api_sendchataction(self: FakeBotApi, params: Params) -> bool:
        chat = self._chat(params)
        action = (params.str("action") or "").lower()
        if action not in CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        self._check_can_write(chat)
        chat.actions.append(action)
        self._record_event(chat.id, "action", detail=action, reply=False)
        return True

    # ---- callback queries ---------------------------------------------------------------------------

    def api_answercallbackquery(self: FakeBotApi, params: Params) -> bool:
        query: CallbackQueryRecord | None = self.callback_queries.get(params.str("callback_query_id") or "")
        if query is not None:
            query.attempts += 1
        if (
            query is None
            or query.answered
            or self.clock.now() - query.created_at > self.callback_answer_deadline
        ):
            raise bad_request(QUERY_TOO_OLD)
        text = params.str("text") or ""
        if len(text) > MAX_ANSWER_TEXT:
            raise bad_request("MESSAGE_TOO_LONG")
        query.answered = True
        query.answer = {
            "text": text or None,
            "show_alert": params.bool("show_alert"),
            "url": params.str("url"),
            "cache_time": params.int("cache_time", 0),
        }
        self._record_event(query.chat_id, "answered", query.message_id, detail=text)
        return True

    def api_harmless(self: FakeBotApi, params: Params) -> bool:
        return True


def _image_size(data: bytes) -> tuple[int, int]:
    """Width and height of a PNG (what the bot sends); Telegram refuses what is no image."""
    if data[:8] != _PNG or data[12:16] != b"IHDR":
        raise bad_request("IMAGE_PROCESS_FAILED")
    width, height = struct.unpack(">II", data[16:24])
    if not width or not height:
        raise bad_request("IMAGE_PROCESS_FAILED")
    return width, height
