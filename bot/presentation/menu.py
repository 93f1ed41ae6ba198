"""The main menu and the way back to it."""

from __future__ import annotations

from telegram import InlineKeyboardButton as Button
from telegram import InlineKeyboardMarkup as Keyboard

from bot.i18n import Html
from bot.presentation import callbacks as cb
from bot.presentation.buttons import button
from bot.presentation.texts import Texts


def main_menu(tx: Texts, greeting: Html | None = None) -> tuple[Html, Keyboard]:
    text = greeting or tx("menu.title")
    keyboard = Keyboard(
        [
            [button(tx.plain("menu.new_order"), cb.CATEGORIES + ":0"), button(tx.plain("menu.search"), cb.SEARCH_HINT)],
            [button(tx.plain("menu.orders"), cb.ORDERS + ":0"), button(tx.plain("menu.balance"), cb.BALANCE)],
            [button(tx.plain("menu.status"), cb.STATUS_ASK), button(tx.plain("menu.refill"), cb.REFILL_ASK)],
            [button(tx.plain("menu.settings"), cb.SETTINGS), button(tx.plain("menu.help"), cb.HELP)],
        ]
    )
    return text, keyboard


def back_to_menu(tx: Texts) -> list[Button]:
    return [button(tx.plain("button.menu"), cb.MAIN)]


def menu_keyboard(tx: Texts) -> Keyboard:
    return Keyboard([back_to_menu(tx)])
