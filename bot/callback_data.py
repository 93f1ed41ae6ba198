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
category keys: letters, digits, `_` and `-`), `Literal[...]` (one of a few words), a flag,
`Annotated[bool, Flag("r")]`, written as that word after the other fields when true, and
`Annotated[str, Pattern(regex)]`, text of that regex (which must not match ":"), for the few
values that are not tokens (a packed history filter, a time zone's name).

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


class Pattern(str):
    """The regex of a `str` field's text, e.g. `Annotated[str, Pattern("[a-z/]{1,9}")]`; it must
    not match ":" (the separator), so that a field never swallows the next one."""


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
        pattern = next((x for x in extras if isinstance(x, Pattern)), None)
        if base is str and pattern is not None:
            if re.search(pattern, ":"):
                raise TypeError(f"callback data field {name}: its pattern must not match ':'")
            return _Field(name, str(pattern), lambda text: text or "", str)
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


# --- mass orders (/mass, bot.handlers.mass) ----------------------------------------------------
# A card's buttons carry their batch's id: an older card's are told apart by it.

@button("mxs")
class MassStart(Button):
    pass


@button("mxk")
class MassCheck(Button):
    pass


@button("mxc")
class MassCancel(Button):
    pass


@button("mxf")
class MassConfirm(Button):
    batch: int


@button("mxd")
class MassDiscard(Button):
    batch: int


@button("mxp")
class MassStop(Button):
    batch: int


@button("mxr")
class MassRetry(Button):
    batch: int
    rest: Annotated[bool, Flag("a")] = False  # "Send the rest": the lines never sent as well


# --- operators (bot.handlers.admin) and the announcements setting ------------------------------

@button("adb")
class BroadcastSend(Button):
    nonce: str  # the previewed broadcast, kept in user_data under this nonce


@button("adx")
class BroadcastDrop(Button):
    nonce: str


@button("ann")
class Announcements(Button):
    on: Literal["on", "off"]


# --- history, spending, export, time zone (issue 16) -------------------------------------------

# A packed bot.core.history.OrderFilter (at most 40 bytes, no ":"): search words may hold spaces,
# "~", "/", "#" and any letter or emoji the user typed.
HISTORY_FILTER = Pattern(r"[^:\r\n]{1,40}")
NO_WORDS = "-"  # `History.words` when the filter's words are whole in `filter`
WORDS_NONCE = Pattern(r"[0-9a-f]{6}|-")  # bot.handlers.common.remember's nonces, or NO_WORDS


@button("hl")
class History(Button):
    """/orders under a filter. `words`: a nonce under which the search's full words are kept
    in user_data when OrderFilter.pack had to cut them, else NO_WORDS. (40 bytes of filter
    leave room for a page number of 10 digits.)"""

    filter: Annotated[str, HISTORY_FILTER]
    page: int
    words: Annotated[str, WORDS_NONCE] = NO_WORDS
    refresh: Annotated[bool, Flag("r")] = False


@button("hra")
class HistoryRefillAll(Button):
    pass


@button("hsp")
class HistorySpending(Button):
    pass


@button("hex")
class HistoryExport(Button):
    pass


@button("tzm")
class TimezoneMenu(Button):
    pass


@button("tzp")
class TimezonePick(Button):
    zone: Annotated[str, Pattern(r"[A-Za-z0-9_+/-]{1,40}")]  # an IANA name


# --- several panels (/panels) ----------------------------------------------------------------
# By the account's row id; a removed panel's buttons reach the stale-menu answer.

@button("pnl")
class Panels(Button):
    pass


@button("pns")
class PanelSwitch(Button):
    account: int


@button("pnc")
class PanelCard(Button):
    account: int


@button("pnr")
class PanelRename(Button):
    account: int


@button("pnb")
class PanelLowBalance(Button):
    account: int


@button("pno")
class PanelLowBalanceOff(Button):
    account: int


@button("pnx")
class PanelRemove(Button):
    account: int


@button("pny")
class PanelRemoveSure(Button):
    account: int


@button("pna")
class PanelAdd(Button):
    pass


@button("pnd")
class PanelAddDefault(Button):
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


# --- Releasing a refill or cancel request of unknown outcome (lead). Two taps: the first says
# what the user should have checked on the panel's website, the second releases and sends.
@button("rqa")
class RequestAgain(Button):
    request: int  # order_requests.id
    sure: Annotated[bool, Flag("y")] = False


# --- h-link (issue 18): a link pasted outside an order. The link stays in user_data under a
# nonce (bot.handlers.common.remember); buttons carry the nonce, never the link (64 bytes).
@button("lko")
class LinkOffer(Button):
    """The categories offered for the pasted link: its platform's, or every one (`every`)."""

    nonce: str
    page: int
    every: Annotated[bool, Flag("a")] = False


@button("lkc")
class LinkCategory(Button):
    """A category's services, each a button ordering it for the pasted link. (Two free tokens
    and a page would not fit in 64 bytes: the nonce and the key have their exact shapes.)"""

    nonce: Annotated[str, Pattern(r"[0-9a-f]{6}")]  # bot.handlers.common.remember's
    key: Annotated[str, Pattern(r"[0-9a-f]{10}")]  # bot.core.catalogue.category_key
    page: int


@button("lks")
class LinkService(Button):
    """Order this service for the pasted link (an entry point of the order conversation)."""

    nonce: str
    service: int


# --- Changing an order before Confirm (issue 18, h-edit): the card's Edit offers one button per
# question of the draft's form; a question asked again offers the way back to the card.
@button("oef")
class EditField(Button):
    token: str  # the draft's, as the card was shown
    field: Annotated[str, Pattern("[a-z_]{1,20}")]  # the form field's name


@button("oeb")
class EditBack(Button):
    token: str
