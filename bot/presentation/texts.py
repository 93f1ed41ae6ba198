"""`Texts`: one user's translations and time zone, and `shorten` for values that must fit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

# One shortening rule for every text the user sees (the forms use it for their card values too).
from bot.core.forms.text import shorten as shorten
from bot.i18n import Html, Translations, format_datetime, format_day, format_int, format_money, user_timezone


@dataclass(frozen=True)
class Texts:
    """The translations for one user's language, and the time zone their times are shown in.

    `tz`: the IANA name the user chose (`User.timezone`); None: their language's default.
    """

    i18n: Translations
    lang: str
    tz: str | None = None

    @classmethod
    def for_user(cls, i18n: Translations, user, lang: str | None = None) -> Texts:
        """For a stored user (`bot.storage.User`): their language (or `lang`) and time zone."""
        return cls(i18n, lang or user.language, getattr(user, "timezone", None))

    def __call__(self, key: str, **values: object) -> Html:
        return self.i18n.t(self.lang, key, **values)

    def plain(self, key: str) -> str:
        return self.i18n.raw(self.lang, key)

    def money(self, amount: Decimal | None, currency: str | None) -> str:
        return "—" if amount is None else format_money(amount, currency, self.lang)

    def number(self, value: int | None) -> str:
        return "—" if value is None else format_int(value, self.lang)

    @property
    def zone(self) -> str:
        """The IANA name of the time zone this user's times are shown in."""
        return user_timezone(self.lang, self.tz)

    def datetime(self, timestamp: float | None) -> str:
        """A moment in the user's time zone (`31/12/2024 23:05` in Vietnamese)."""
        return "—" if timestamp is None else format_datetime(timestamp, self.zone, self.lang)

    def day(self, day: date) -> str:
        return format_day(day, self.lang)


