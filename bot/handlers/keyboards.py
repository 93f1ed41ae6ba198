"""The few keyboards the handlers build themselves (the screens' keyboards are in views.py)."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import presentation as views
from bot.callback_data import AbortOrder, Button, Track, UncertainCard
from bot.presentation import Texts


def _button(tx: Texts, label_key: str, pressed: Button) -> InlineKeyboardButton:
    return InlineKeyboardButton(tx.plain(label_key), callback_data=pressed.pack())


def two_taps(tx: Texts, yes_key: str, sure: Button, back: Button) -> InlineKeyboardMarkup:
    """The second tap of a two-tap action (cancel an order, delete my data): yes, or back."""
    return InlineKeyboardMarkup([[_button(tx, yes_key, sure)], [_button(tx, "button.back", back)]])


def abort_order(tx: Texts, token: str) -> InlineKeyboardMarkup:
    """Under the questions of an order being prepared."""
    return InlineKeyboardMarkup([[_button(tx, "button.abort", AbortOrder(token))]])


def back_to_uncertain_card(tx: Texts, token: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[_button(tx, "button.back", UncertainCard(token))]])


def status_report(tx: Texts, track_nonce: str | None) -> InlineKeyboardMarkup:
    """Under a /status report: follow the orders it found untracked (if any), and the menu."""
    rows = [[_button(tx, "button.track", Track(track_nonce))]] if track_nonce else []
    return InlineKeyboardMarkup([*rows, views.back_to_menu(tx)])


def open_private_chat(tx: Texts, bot_username: str | None) -> InlineKeyboardMarkup:
    link = f"https://t.me/{bot_username}?start=from_group"
    return InlineKeyboardMarkup([[InlineKeyboardButton(tx.plain("group.open_private"), url=link)]])
