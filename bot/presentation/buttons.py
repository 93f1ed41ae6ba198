"""Button helpers shared by every screen's keyboard."""

from __future__ import annotations

from telegram import InlineKeyboardButton as Button

from bot.presentation.texts import Texts, shorten

BUTTON_TEXT_MAX = 48


def button(text: str, data: str) -> Button:
    return Button(shorten(text, BUTTON_TEXT_MAX), callback_data=data)


def pager(tx: Texts, page: int, pages: int, make) -> list[Button]:
    row = []
    if page > 0:
        row.append(Button(tx.plain("button.prev"), callback_data=make(page - 1)))
    if pages > 1:
        row.append(Button(f"{page + 1}/{pages}", callback_data=make(page)))
    if page + 1 < pages:
        row.append(Button(tx.plain("button.next"), callback_data=make(page + 1)))
    return row


def clamp(page: int, pages: int) -> int:
    return max(0, min(page, pages - 1))
