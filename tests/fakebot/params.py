"""Request parameters, whichever way the client sent them.

python-telegram-bot posts form-urlencoded fields (multipart when a file goes along), where strings
are sent as-is and everything else (numbers, booleans, objects) JSON-encoded. Other clients post
JSON bodies or put parameters in the query string. Each method reads what it needs with a type,
so a text like "123" or '{"a": 1}' stays a string.
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from tests.fakebot.errors import bad_request

# Parameters whose value is a JSON object/array (decoded for the call log and for the methods).
JSON_PARAMS = frozenset(
    {
        "reply_markup", "entities", "caption_entities", "link_preview_options", "reply_parameters",
        "allowed_updates", "commands", "scope", "media", "results", "menu_button", "options",
    }
)
INT_PARAMS = frozenset(
    {"chat_id", "message_id", "offset", "limit", "timeout", "user_id", "cache_time", "message_thread_id"}
)
BOOL_PARAMS = frozenset(
    {
        "show_alert", "disable_notification", "protect_content", "drop_pending_updates",
        "allow_sending_without_reply", "disable_web_page_preview", "revoke_messages",
    }
)


async def read_params(request: web.Request) -> dict[str, Any]:
    """All parameters of a request: query string first, then the body."""
    params: dict[str, Any] = dict(request.query)
    if request.method != "POST" or not request.can_read_body:
        return params
    content_type = request.content_type
    if content_type == "application/json":
        try:
            body = await request.json()
        except ValueError:
            raise bad_request("can't parse JSON encoded request") from None
        if not isinstance(body, dict):
            raise bad_request("can't parse JSON encoded request")
        params.update(body)
    elif content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await request.post()
        for key, value in form.items():
            if isinstance(value, str):
                params[key] = value
            else:  # a FileField
                params[key] = Upload(value.filename or "<file>", value.file.read(), value.content_type)
    else:
        await request.read()
    return params


class Upload(str):
    """A file sent along (multipart): reads as its file name, holds its bytes."""

    data: bytes
    content_type: str

    def __new__(cls, filename: str, data: bytes, content_type: str) -> Upload:
        upload = super().__new__(cls, filename)
        upload.data, upload.content_type = data, content_type
        return upload


class Params:
    """Typed access to one request's parameters."""

    def __init__(self, raw: dict[str, Any]) -> None:
        self.raw = raw

    def has(self, name: str) -> bool:
        return self.raw.get(name) not in (None, "")

    def str(self, name: str) -> str | None:
        value = self.raw.get(name)
        if value is None:
            return None
        if isinstance(value, bool):
            return "true" if value else "false"
        return value if isinstance(value, str) else str(value)

    def int(self, name: str, default: int | None = None) -> int | None:
        value = self.raw.get(name)
        if value is None or value == "":
            return default
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, int):
            return value
        try:
            return int(str(value).strip())
        except ValueError:
            return default

    def bool(self, name: str) -> bool:
        value = self.raw.get(name)
        if isinstance(value, bool):
            return value
        if value is None:
            return False
        return str(value).strip().lower() in ("true", "1", "yes")

    def upload(self, name: str) -> Upload | None:
        """A file sent with the request (not a file_id or a URL, which the fake does not fetch)."""
        value = self.raw.get(name)
        return value if isinstance(value, Upload) else None

    def json(self, name: str, what: str | None = None) -> Any:
        value = self.raw.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                raise bad_request(f"can't parse {what or name} JSON object") from None
        return value

    def chat_id(self) -> int | str | None:
        """An integer chat id, or the raw string ("@username") when it is not a number."""
        value = self.raw.get("chat_id")
        if value is None or value == "":
            return None
        as_int = self.int("chat_id")
        return as_int if as_int is not None else str(value)

    def decoded(self) -> dict[str, Any]:
        """A readable copy for logs: JSON values parsed, numbers and booleans typed."""
        out: dict[str, Any] = {}
        for key, value in self.raw.items():
            if key in JSON_PARAMS and isinstance(value, str):
                try:
                    value = json.loads(value)
                except ValueError:
                    pass
            elif key in INT_PARAMS:
                as_int = self.int(key)
                value = as_int if as_int is not None else value
            elif key in BOOL_PARAMS:
                value = self.bool(key)
            out[key] = value
        return out


def require_chat_id(params: Params) -> int:
    chat_id = params.chat_id()
    if chat_id is None:
        raise bad_request("chat_id is empty")
    if not isinstance(chat_id, int):
        raise bad_request("chat not found")
    return chat_id
