"""Button helpers shared by every screen's keyboard."""

from __future__ import annotations

from collections.abc import Callable

from telegram import InlineKeyboardButton as Button

from bot import callback_data as cb
from bot.presentation.texts import Texts, shorten

BUTTON_TEXT_MAX = 48


def data_of(pressed: cb.Button) -> str:
    """A button's callback data: a bot.callback_data kind, packed."""
    if not isinstance(pressed, cb.Button):  # a string would skip the 64-byte and format checks
        raise TypeError(f"a button's data is a bot.callback_data kind, not {pressed!r}")
    return pressed.pack()


def button(text: str, pressed: cb.Button) -> Button:
    return Button(shorten(text, BUTTON_TEXT_MAX), callback_data=data_of(pressed))


def pager(tx: Texts, page: int, pages: int, make: Callable[[int], cb.Button]) -> list[Button]:
    row = []
    if page > 0:
        row.append(Button(tx.plain("button.prev"), callback_data=data_of(make(page - 1))))
    if pages > 1:
        row.append(Button(f"{page + 1}/{pages}", callback_data=data_of(make(page))))
    if page + 1 < pages:
        row.append(Button(tx.plain("button.next"), callback_data=data_of(make(page + 1))))
    return row


def clamp(page: int, pages: int) -> int:
    return max(0, min(page, pages - 1))
