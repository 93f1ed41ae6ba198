"""The settings screen: language, notifications, time zone, announcements, the key, deleting one's data."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup as Keyboard

from bot import callback_data as cb
from bot.i18n import Html
from bot.presentation.buttons import button
from bot.presentation.menu import back_to_menu
from bot.presentation.texts import Texts
from bot.presentation.timezone import timezone_line


def settings_view(tx: Texts, user, account, now: float, announcements: bool | None = None) -> tuple[Html, Keyboard]:
    """`now`: for the time zone's line (its offset today and the time there). `announcements`:
    whether operators' broadcasts reach the user (None: not shown)."""
    notify = str(getattr(user.notify, "value", user.notify))
    parts = [
        tx("settings.title"),
        tx("settings.language", value=tx.plain(f"language.{tx.lang}")),
        tx("settings.notify", value=tx.plain(f"notify.{notify}")),
        timezone_line(tx, now),
    ]
    toggle = []
    if announcements is not None:
        state = tx.plain("settings.announcements_on") if announcements else tx.plain("settings.announcements_off")
        parts.append(tx("settings.announcements", value=state))
        label = tx.plain("settings.announcements_stop") if announcements else tx.plain("settings.announcements_get")
        toggle = [[button(label, cb.Announcements("off" if announcements else "on"))]]
    if account is not None:
        parts.append(tx("settings.account", url=account.panel_url))
    else:
        parts.append(tx("settings.no_account"))

    def mark(selected: bool, label: str) -> str:
        return ("✅ " if selected else "") + label

    rows = [
        [button(mark(tx.lang == lang, tx.plain(f"language.{lang}")), cb.Language(lang)) for lang in ("vi", "en")],
        [button(mark(notify == mode, tx.plain(f"notify.{mode}")), cb.Notify(mode)) for mode in ("all", "final", "off")],
        [button(tx.plain("timezone.button"), cb.TimezoneMenu())],
        *toggle,
        [button(tx.plain("settings.change_key"), cb.ChangeKey())],
        [button(tx.plain("settings.panels"), cb.Panels())],
        [button(tx.plain("settings.delete"), cb.DeleteData())],
        back_to_menu(tx),
    ]
    return Html("\n".join(parts)), Keyboard(rows)
