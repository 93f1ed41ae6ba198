"""Button helpers shared by every screen's keyboard."""

from __future__ import annotations

from collections.abc import Callable

from telegram import InlineKeyboardButton as Button

from bot import callback_data as cb
from bot.presentation.texts import Texts, shorten

BUTTON_TEXT_MAX = 48


def data_of(pressed: cb.Button | str) -> str:
    """A button's callback data: a bot.callback_data kind, packed. (A plain string is still
    taken from screens whose handlers are not written yet, history and time zones: their
    handlers give them kinds.)"""
    return pressed.pack() if isinstance(pressed, cb.Button) else pressed


def button(text: str, pressed: cb.Button | str) -> Button:
    return Button(shorten(text, BUTTON_TEXT_MAX), callback_data=data_of(pressed))


def pager(tx: Texts, page: int, pages: int, make: Callable[[int], cb.Button | str]) -> list[Button]:
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
