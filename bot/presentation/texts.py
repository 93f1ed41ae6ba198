"""`Texts`: one user's translations, and `shorten` for values that must fit."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from bot.i18n import Html, Translations, format_int, format_money


@dataclass(frozen=True)
class Texts:
    """The translations for one user's language."""

    i18n: Translations
    lang: str

    def __call__(self, key: str, **values: object) -> Html:
        return self.i18n.t(self.lang, key, **values)

    def plain(self, key: str) -> str:
        return self.i18n.raw(self.lang, key)

    def money(self, amount: Decimal | None, currency: str | None) -> str:
        return "—" if amount is None else format_money(amount, currency, self.lang)

    def number(self, value: int | None) -> str:
        return "—" if value is None else format_int(value, self.lang)


def shorten(text: str, limit: int) -> str:
    """Cut `text` to `limit` characters on a word boundary when one is near, with an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit * 0.6:
        cut = cut[:space]
    return cut.rstrip(" ,.;:-") + "…"
