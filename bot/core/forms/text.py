"""Texts of the order forms as data: a locale key and its values, rendered by whoever shows them.

Forms never hold a language. A prompt, a problem or a card row is a `Msg` (a key of
`locales/*/messages.po` with raw values); the presentation renders it with its `Texts`, which
escapes every string. Numbers stay numbers until then, so each language groups them its own
way (1,000 / 1.000), and money keeps its currency (`Money`).
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol

from bot.i18n import Html

__all__ = ["Joined", "Localizer", "Money", "Msg", "Value", "duration", "render", "shorten"]


class Localizer(Protocol):
    """What rendering needs; `bot.presentation.Texts` is one."""

    def __call__(self, key: str, **values: object) -> str: ...

    def number(self, value: int | None) -> str: ...

    def money(self, amount: Decimal | None, currency: str | None) -> str: ...


@dataclass(frozen=True)
class Money:
    amount: Decimal
    currency: str | None


@dataclass(frozen=True)
class Msg:
    """A text to show: a locale key and its values (str, int, Money, or other Msg)."""

    key: str
    values: Mapping[str, Value] = field(default_factory=dict)

    def render(self, tx: Localizer) -> str:
        return render(self, tx)

    def keys(self) -> set[str]:
        """This key and the keys of every nested text (for the catalogue checks)."""
        found = {self.key}
        for value in self.values.values():
            if isinstance(value, (Msg, Joined)):
                found |= value.keys()
        return found


@dataclass(frozen=True)
class Joined:
    """Several values shown one after the other (`2 giờ 30 phút`)."""

    parts: tuple[Value, ...]
    separator: str = " "

    def keys(self) -> set[str]:
        found: set[str] = set()
        for part in self.parts:
            if isinstance(part, (Msg, Joined)):
                found |= part.keys()
        return found


Value = str | int | Decimal | Money | Msg | Joined


def _fragment(value: Value, tx: Localizer) -> str:
    """`value` as HTML ready to go into a template (strings escaped here or by `tx`)."""
    if isinstance(value, Msg):
        return Html(tx(value.key, **{name: _fragment(v, tx) for name, v in value.values.items()}))
    if isinstance(value, Joined):
        return Html(value.separator.join(_fragment(part, tx) for part in value.parts))
    if isinstance(value, bool):
        return Html(html.escape(str(value)))
    if isinstance(value, int):
        return Html(html.escape(tx.number(value), quote=False))
    if isinstance(value, Money):
        return Html(html.escape(tx.money(value.amount, value.currency), quote=False))
    if isinstance(value, Decimal):
        return Html(html.escape(format(value.normalize(), "f"), quote=False))
    if isinstance(value, Html):
        return value
    return Html(html.escape(str(value), quote=False))


def render(value: Value, tx: Localizer) -> str:
    """`value` as Telegram HTML in the language of `tx`."""
    return _fragment(value, tx)


def shorten(text: str, limit: int) -> str:
    """`text` on one line within `limit` characters, cut at a word boundary when one is near."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit * 0.6:
        cut = cut[:space]
    return cut.rstrip(" ,.;:-") + "…"


def duration(minutes: int) -> Value:
    """`minutes` as days, hours and minutes (`1 ngày 2 giờ`, `45 phút`, `ngay`)."""
    if minutes <= 0:
        return Msg("form.value.now")
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    parts: list[Value] = []
    if days:
        parts.append(Msg("form.value.days", {"count": days}))
    if hours:
        parts.append(Msg("form.value.hours", {"count": hours}))
    if mins:
        parts.append(Msg("form.value.minutes", {"count": mins}))
    return Joined(tuple(parts))
