"""Settings → time zone: the current zone, a few common ones to tap, and the confirmation."""

from __future__ import annotations

from collections.abc import Callable

from telegram import InlineKeyboardMarkup as Keyboard

from bot import callback_data as cb
from bot.i18n import Html, utc_offset
from bot.presentation.buttons import button
from bot.presentation.texts import Texts

# Where the bot's users mostly are, then the big ones elsewhere. Anything else can be typed.
CHOICES = (
    "Asia/Ho_Chi_Minh", "Asia/Bangkok", "Asia/Jakarta", "Asia/Singapore", "Asia/Manila", "Asia/Shanghai",
    "Asia/Tokyo", "Asia/Seoul", "Asia/Kolkata", "Asia/Dubai", "Europe/Moscow", "Europe/Berlin",
    "Europe/London", "America/New_York", "America/Los_Angeles", "Australia/Sydney", "UTC",
)  # fmt: skip


def timezone_label(name: str, now: float) -> str:
    """`Asia/Ho_Chi_Minh (UTC+7)`; a bare offset zone (`Etc/GMT-7`, from "UTC+7") as `UTC+7`."""
    offset = utc_offset(name, now)
    if name == "UTC" or name.startswith("Etc/"):
        return offset
    return f"{name.replace('_', ' ')} ({offset})"


def timezone_line(tx: Texts, now: float) -> Html:
    """The settings screen's line about the time zone."""
    return tx("timezone.current", zone=timezone_label(tx.zone, now), time=tx.datetime(now))


def timezone_picker(tx: Texts, now: float, make: Callable[[str], cb.Button], back: cb.Button) -> tuple[Html, Keyboard]:
    """Ask for a time zone: common ones as buttons (`make(name)` is a button's data), or typed."""
    rows = []
    choices = [button(("✅ " if name == tx.zone else "") + timezone_label(name, now), make(name)) for name in CHOICES]
    rows += [choices[i : i + 2] for i in range(0, len(choices), 2)]
    rows.append([button(tx.plain("button.back"), back)])
    return Html("\n".join([timezone_line(tx, now), "", tx("timezone.ask")])), Keyboard(rows)


def timezone_changed(tx: Texts, now: float) -> Html:
    """After the user chose (`tx` already carries the new zone)."""
    return tx("timezone.changed", zone=timezone_label(tx.zone, now), time=tx.datetime(now))


def timezone_unknown(tx: Texts, typed: str) -> Html:
    return tx("timezone.unknown", text=typed[:64])
