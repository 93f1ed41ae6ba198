"""Callback data: one small frozen dataclass per kind of button.

    OrderCard(order=12, refresh=True).pack()  ->  "oc:12:r"
    OrderCard.parse("oc:12:r")                ->  OrderCard(order=12, refresh=True)
    OrderCard.parse("oc:twelve")              ->  None
    OrderCard.pattern                         ->  the regex its handler is registered with

The wire format is the one the bot has always used, `prefix[:field...]`: ASCII, at most 64
bytes (Telegram's limit), carrying ids and tokens, never names. It must not change: users keep
pressing buttons of messages an earlier version sent. A kind of button that changes shape gets a
new prefix; the old prefix, no longer registered, then reaches the stale-menu handler.

Field types: `int` (ids and pages: ASCII digits within SQLite's range), `str` (tokens, nonces,
category keys: letters, digits, `_` and `-`), `Literal[...]` (one of a few words), and a flag,
`Annotated[bool, Flag("r")]`, written as that word after the other fields when true.

Pure data: no Telegram, storage or handler imports, so keyboards can be built anywhere (the
handlers' views, the tracker's notifications) and tested alone.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import (
    Annotated,
    Any,
    ClassVar,
    Literal,
    Self,
    dataclass_transform,
    get_args,
    get_origin,
    get_type_hints,
)

from bot.core.ids import MAX_ID

MAX_BYTES = 64  # Telegram refuses longer callback data
_WORD = r"[A-Za-z0-9_-]{1,32}"
_DIGITS = r"[0-9]{1,19}"


class Flag(str):
    """The word that stands for a true `bool` field, e.g. `Annotated[bool, Flag("r")]`."""


@dataclass(frozen=True)
class _Field:
    name: str
    regex: str  # of the field's text, without the ":" before it
    decode: Callable[[str | None], object]  # raises ValueError for text out of range
    encode: Callable[[Any], str | None]  # None: nothing written (a false flag)
    is_flag: bool = False


def _int(text: str | None) -> int:
    value = int(text or "")
    if value > MAX_ID:
        raise ValueError("out of range")
    return value


def _field(name: str, hint: object) -> _Field:
    if get_origin(hint) is Annotated:
        base, *extras = get_args(hint)
        flag = next((x for x in extras if isinstance(x, Flag)), None)
        if base is bool and flag is not None:
            return _Field(name, re.escape(flag), lambda text: text is not None, lambda v: flag if v else None, True)
    if hint is int:
        return _Field(name, _DIGITS, _int, str)
    if hint is str:
        return _Field(name, _WORD, lambda text: text or "", str)
    if get_origin(hint) is Literal:
        words = [str(w) for w in get_args(hint)]
        return _Field(name, "|".join(map(re.escape, words)), lambda text: text or "", str)
    raise TypeError(f"callback data field {name}: unsupported type {hint!r}")


class Button:
    """A kind of button: subclasses are declared with `@button(prefix)`."""

    prefix: ClassVar[str]
    pattern: ClassVar[re.Pattern[str]]
    fields_: ClassVar[tuple[_Field, ...]]

    def pack(self) -> str:
        """The callback data; ValueError if over 64 bytes or not readable back (e.g. a token
        holding ":"), so a bad button fails where it is built, not when it is pressed."""
        parts = [self.prefix]
        for field in self.fields_:
            text = field.encode(getattr(self, field.name))
            if text is not None:
                parts.append(text)
        data = ":".join(parts)
        if len(data.encode("utf-8")) > MAX_BYTES:
            raise ValueError(f"callback data longer than {MAX_BYTES} bytes: {data!r}")
        if type(self).parse(data) != self:
            raise ValueError(f"{self!r} does not fit its callback data format")
        return data

    @classmethod
    def parse(cls, data: str | None) -> Self | None:
        """The button `data` stands for, or None when it is not one of this kind."""
        match = cls.pattern.match(data or "")
        if match is None:
            return None
        try:
            return cls(**{f.name: f.decode(match[f.name]) for f in cls.fields_})
        except ValueError:
            return None


@dataclass_transform(frozen_default=True)
def button(prefix: str) -> Callable[[type[Any]], type[Any]]:
    """Declare a kind of button: a frozen dataclass whose fields follow `prefix` in its data."""

    def define(cls: type[Any]) -> type[Any]:
        cls = dataclass(frozen=True)(cls)
        hints = get_type_hints(cls, include_extras=True)
        cls.prefix = prefix
        cls.fields_ = tuple(_field(f.name, hints[f.name]) for f in dataclasses.fields(cls))
        body = re.escape(prefix)
        for field in cls.fields_:
            group = f"(?P<{field.name}>{field.regex})"
            body += f"(?::{group})?" if field.is_flag else f":{group}"
        cls.pattern = re.compile(body + r"\Z")
        return cls

    return define


def kinds() -> Iterator[type[Button]]:
    """Every kind of button of the bot (each has one handler: tests check)."""
    return (kind for kind in Button.__subclasses__() if kind.__module__ == __name__)


# --- the buttons ------------------------------------------------------------------------------
# Prefixes are part of the wire format: never reuse one for a different shape.

@button("m")
class MainMenu(Button):
    pass


@button("h")
class Help(Button):
    pass


@button("cs")
class Categories(Button):
    page: int


@button("c")
class CategoryPage(Button):
    key: str  # bot.core.catalogue.category_key
    page: int


@button("s")
class ServiceCard(Button):
    service: int


@button("sp")
class SearchPage(Button):
    nonce: str  # the search's words, kept in user_data under this nonce
    page: int


@button("cr")
class RefreshCatalogue(Button):
    pass


@button("sh")
class SearchHint(Button):
    pass


@button("o")
class OrderService(Button):
    service: int


@button("q")
class Quantity(Button):
    token: str  # the draft's
    quantity: int


@button("cf")
class Confirm(Button):
    token: str  # the draft's, claimed as the order's intent


@button("ed")
class EditOrder(Button):
    token: str


@button("ab")
class AbortOrder(Button):
    token: str


@button("ol")
class Orders(Button):
    page: int
    refresh: Annotated[bool, Flag("r")] = False


@button("oc")
class OrderCard(Button):
    order: int  # the order's row id, not the panel's order id
    refresh: Annotated[bool, Flag("r")] = False


@button("rf")
class Refill(Button):
    order: int


# Two taps: the first asks, the second (its own kind) acts.
@button("cn")
class CancelOrder(Button):
    order: int


@button("cy")
class CancelOrderSure(Button):
    order: int


@button("ag")
class OrderAgain(Button):
    order: int


# Orders whose outcome is unknown, by their intent's token.
@button("uo")
class UncertainCard(Button):
    token: str


@button("up")
class UncertainPlaced(Button):
    token: str


@button("un")
class UncertainNotPlaced(Button):
    token: str


@button("ua")
class UncertainAgain(Button):
    token: str


@button("st")
class StatusAsk(Button):
    pass


@button("ra")
class RefillAsk(Button):
    pass


@button("tr")
class Track(Button):
    nonce: str  # the offered ids, kept in user_data under this nonce


@button("b")
class Balance(Button):
    pass


@button("se")
class SettingsMenu(Button):
    pass


@button("la")
class Language(Button):
    lang: Literal["vi", "en"]


@button("nt")
class Notify(Button):
    mode: Literal["all", "final", "off"]


@button("ck")
class ChangeKey(Button):
    pass


@button("dd")
class DeleteData(Button):
    pass


@button("dy")
class DeleteDataSure(Button):
    pass


# --- Order forms (issue 13): a question's buttons. Each question gets a new draft token, so a
# button of an earlier question is told apart from the current one's.
@button("ofa")
class FormChoice(Button):
    token: str  # the draft's, as the question was asked
    value: int


@button("ofs")
class FormSkip(Button):
    token: str
