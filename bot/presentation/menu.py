"""The main menu and the way back to it."""

from __future__ import annotations

from telegram import InlineKeyboardButton as Button
from telegram import InlineKeyboardMarkup as Keyboard

from bot import callback_data as cb
from bot.i18n import Html
from bot.presentation.buttons import button
from bot.presentation.texts import Texts


def main_menu(tx: Texts, greeting: Html | None = None) -> tuple[Html, Keyboard]:
    text = greeting or tx("menu.title")
    keyboard = Keyboard(
        [
            [button(tx.plain("menu.new_order"), cb.Categories(0)), button(tx.plain("menu.search"), cb.SearchHint())],
            [button(tx.plain("menu.orders"), cb.Orders(0)), button(tx.plain("menu.balance"), cb.Balance())],
            [button(tx.plain("menu.status"), cb.StatusAsk()), button(tx.plain("menu.refill"), cb.RefillAsk())],
            [button(tx.plain("menu.settings"), cb.SettingsMenu()), button(tx.plain("menu.help"), cb.Help())],
            [button(tx.plain("menu.mass"), cb.MassStart())],
        ]
    )
    return text, keyboard


def back_to_menu(tx: Texts) -> list[Button]:
    return [button(tx.plain("button.menu"), cb.MainMenu())]


def menu_keyboard(tx: Texts) -> Keyboard:
    return Keyboard([back_to_menu(tx)])
