"""reply_markup validation, in the order and wording of the Bot API server and Telegram.

Client-side parsing (telegram-bot-api's Client.cpp) comes first ("can't parse inline keyboard
button: ..."), then the checks Telegram's servers make (BUTTON_DATA_INVALID, BUTTON_URL_INVALID,
"reply markup is too long").

Stricter than Telegram, on purpose: an inline button with more than one action (Telegram silently
keeps the first of url, callback_data, ... and drops the rest) is refused.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from tests.fakebot.errors import ApiError, bad_request

MAX_INLINE_BUTTONS = 100
MAX_KEYBOARD_BUTTONS = 300
MAX_CALLBACK_DATA_BYTES = 64

INLINE_ACTIONS = (
    "url", "callback_data", "web_app", "login_url", "switch_inline_query",
    "switch_inline_query_current_chat", "switch_inline_query_chosen_chat", "copy_text",
    "callback_game", "pay",
)
_STRING_ACTIONS = {"url", "callback_data", "switch_inline_query", "switch_inline_query_current_chat"}
_ALWAYS_PRESENT = {"switch_inline_query", "switch_inline_query_current_chat", "callback_game", "pay"}


@dataclass(frozen=True)
class Markup:
    """A validated reply markup. `rows` holds button dicts (inline or reply keyboard)."""

    kind: str  # "inline" | "keyboard" | "remove" | "force_reply"
    rows: tuple[tuple[dict[str, Any], ...], ...] = ()
    raw: dict[str, Any] = field(default_factory=dict)

    @property
    def is_inline(self) -> bool:
        return self.kind == "inline"

    def rows_list(self) -> list[list[dict[str, Any]]]:
        return [list(row) for row in self.rows]


def _button_error(message: str, *, inline: bool = True) -> ApiError:
    what = "inline keyboard button" if inline else "keyboard button"
    return bad_request(f"can't parse {what}: {message}")


def _inline_button(button: Any) -> dict[str, Any]:
    if not isinstance(button, dict):
        raise _button_error("InlineKeyboardButton must be an Object")
    if "text" not in button:
        raise _button_error('Can\'t find field "text"')
    if not isinstance(button["text"], str):
        raise _button_error('Field "text" must be of type String')
    # Like the Bot API, an empty string action counts as absent.
    present = [
        name for name in INLINE_ACTIONS
        if name in button and (name in _ALWAYS_PRESENT or button[name] not in ("", None))
    ]
    for name in present:
        if name in _STRING_ACTIONS and not isinstance(button[name], str):
            raise _button_error(f'Field "{name}" must be of type String')
    if not present:
        raise _button_error("Text buttons are unallowed in the inline keyboard")
    if len(present) > 1:
        found = ", ".join(f'"{name}"' for name in present)
        raise _button_error(f"exactly one of the optional fields must be used, found {found}")
    return dict(button)


def _keyboard_button(button: Any) -> dict[str, Any]:
    if isinstance(button, str):
        return {"text": button}
    if not isinstance(button, dict):
        raise _button_error("KeyboardButton must be a String or an Object", inline=False)
    if not isinstance(button.get("text"), str):
        raise _button_error('Field "text" must be of type String', inline=False)
    return dict(button)


def _rows(value: Any, field_name: str, type_name: str, parse_button: Any) -> tuple[tuple[dict[str, Any], ...], ...]:
    if not isinstance(value, list):
        raise bad_request(f'field "{field_name}" of the {type_name} must be an Array')
    rows = []
    for row in value:
        if not isinstance(row, list):
            raise bad_request(f'field "{field_name}" of the {type_name} must be an Array of Arrays')
        rows.append(tuple(parse_button(button) for button in row))
    return tuple(rows)


def _valid_button_url(url: str) -> bool:
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    scheme = parts.scheme.lower()
    if scheme in ("http", "https"):
        host = parts.hostname or ""
        return bool(host) and " " not in url and (("." in host) or host == "localhost")
    if scheme == "tg":
        return bool(url[len("tg://") :]) and url.lower().startswith("tg://")
    return False


def _server_checks(markup: Markup) -> None:
    buttons = [button for row in markup.rows for button in row]
    if markup.is_inline:
        if len(buttons) > MAX_INLINE_BUTTONS:
            raise bad_request("reply markup is too long")
        for button in buttons:
            if not button["text"]:
                raise bad_request("BUTTON_TEXT_INVALID")
            data = button.get("callback_data")
            if data is not None and not 1 <= len(data.encode("utf-8", "surrogatepass")) <= MAX_CALLBACK_DATA_BYTES:
                raise bad_request("BUTTON_DATA_INVALID")
            url = button.get("url")
            if url is not None and not _valid_button_url(url):
                raise bad_request("BUTTON_URL_INVALID")
    elif markup.kind == "keyboard":
        if len(buttons) > MAX_KEYBOARD_BUTTONS:
            raise bad_request("reply markup is too long")
        if any(not button["text"] for button in buttons):
            raise bad_request("BUTTON_TEXT_INVALID")


def parse_reply_markup(value: Any) -> Markup | None:
    """Validate a reply_markup parameter (a JSON string or an already decoded object)."""
    if value is None or value == "":
        return None
    if isinstance(value, (str, bytes)):
        try:
            value = json.loads(value)
        except ValueError:
            raise bad_request("can't parse reply keyboard markup JSON object") from None
    if not isinstance(value, dict):
        raise bad_request("object expected as reply markup")
    markup: Markup | None = None
    if "inline_keyboard" in value:
        rows = _rows(value["inline_keyboard"], "inline_keyboard", "InlineKeyboardMarkup", _inline_button)
        if rows and any(rows):
            markup = Markup("inline", rows, value)
    if markup is None and "keyboard" in value:
        rows = _rows(value["keyboard"], "keyboard", "ReplyKeyboardMarkup", _keyboard_button)
        if rows and any(rows):
            markup = Markup("keyboard", rows, value)
    if markup is None and (value.get("remove_keyboard") or value.get("hide_keyboard")):
        markup = Markup("remove", (), value)
    if markup is None and value.get("force_reply"):
        markup = Markup("force_reply", (), value)
    if markup is not None:
        _server_checks(markup)
    return markup


def parse_inline_markup(value: Any) -> Markup | None:
    """For edit methods: only inline keyboards are allowed ("inline keyboard expected", as in tdlib)."""
    markup = parse_reply_markup(value)
    if markup is not None and not markup.is_inline:
        raise bad_request("inline keyboard expected")
    return markup
