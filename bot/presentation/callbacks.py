"""Callback data: short, ASCII, at most 64 bytes, carrying ids and never names.

Every button's data is built here so the format lives in one place. A handler is
registered per prefix (see `PATTERNS`); anything unmatched, e.g. a button from a menu of an
older version of the bot, is caught by the stale-menu handler.
"""

from __future__ import annotations

from bot.core.ids import parse_id

MAIN = "m"
HELP = "h"
CATEGORIES = "cs"  # cs:<page>
CATEGORY = "c"  # c:<category key>:<page>
SERVICE = "s"  # s:<service id>
SEARCH_PAGE = "sp"  # sp:<search nonce>:<page>
CATALOGUE_REFRESH = "cr"
SEARCH_HINT = "sh"
ORDER_SERVICE = "o"  # o:<service id>
QUANTITY = "q"  # q:<draft token>:<quantity>
CONFIRM = "cf"  # cf:<token>
EDIT = "ed"  # ed:<token>
ABORT = "ab"  # ab:<token>
ORDERS = "ol"  # ol:<page>[:r]
ORDER = "oc"  # oc:<order pk>[:r]
REFILL = "rf"  # rf:<order pk>
CANCEL_ORDER = "cn"  # cn:<order pk>
CANCEL_ORDER_YES = "cy"  # cy:<order pk>
AGAIN = "ag"  # ag:<order pk>
UNCERTAIN = "uo"  # uo:<intent token>  an order whose outcome is unknown (checks the balance)
UNCERTAIN_PLACED = "up"  # up:<intent token>  "it was placed": asks for its id
UNCERTAIN_NOT_PLACED = "un"  # un:<intent token>  "it was not placed"
UNCERTAIN_AGAIN = "ua"  # ua:<intent token>  a new confirmation card for one settled as not placed
STATUS_ASK = "st"
REFILL_ASK = "ra"
TRACK = "tr"  # tr:<offer nonce>
BALANCE = "b"
SETTINGS = "se"
LANGUAGE = "la"  # la:<en|vi>
NOTIFY = "nt"  # nt:<all|final|off>
CHANGE_KEY = "ck"
DELETE_DATA = "dd"
DELETE_DATA_YES = "dy"


def data(*parts: object) -> str:
    text = ":".join(str(p) for p in parts)
    if len(text.encode("utf-8")) > 64:
        raise ValueError("callback data longer than 64 bytes")
    return text


def pattern(prefix: str) -> str:
    """The CallbackQueryHandler pattern for `prefix` with any arguments."""
    return rf"^{prefix}(:|$)"


def args(callback_data: str | None) -> list[str]:
    return (callback_data or "").split(":")[1:]


def int_arg(callback_data: str | None, index: int = 0) -> int | None:
    parts = args(callback_data)
    return parse_id(parts[index]) if len(parts) > index else None
