"""Translations and locale formats.

Texts live in gettext `.po` files under `locales/<lang>/LC_MESSAGES/messages.po`, read with
Babel at start-up (no compile step). Message ids are stable keys such as `start.greeting`;
every key exists in every language (a test checks). Placeholders use `str.format` names.

`t()` HTML-escapes every value it substitutes, so a handler cannot forget to escape a
service name or a link. A value that is already HTML (a fragment built by another `t()`
call) is wrapped in `Html` to pass through unchanged.
"""

from __future__ import annotations

import functools
import html
import logging
import re
from datetime import date, datetime, tzinfo
from decimal import ROUND_HALF_UP, Decimal, localcontext
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from babel.dates import format_date as babel_format_date
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po
from babel.numbers import format_compact_decimal, format_decimal, get_currency_precision, is_currency

from bot.folding import fold

log = logging.getLogger(__name__)

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
LANGUAGES = ("en", "vi")
FALLBACK = "en"
# Decimals shown for a currency Babel does not know (or none): panels price in fractions of a cent.
FALLBACK_DIGITS = 4


class Html(str):
    """A string that is already valid Telegram HTML and must not be escaped again."""


class Translations:
    def __init__(self, catalogs: dict[str, dict[str, str]]):
        self._catalogs = catalogs

    @classmethod
    def load(cls, directory: Path = LOCALES_DIR) -> Translations:
        catalogs: dict[str, dict[str, str]] = {}
        for lang in LANGUAGES:
            path = directory / lang / "LC_MESSAGES" / "messages.po"
            with path.open("rb") as fh:
                catalog: Catalog = read_po(fh, locale=lang)
            # Only plain messages: texts are written so that no plural forms are needed.
            catalogs[lang] = {m.id: m.string for m in catalog if m.id and isinstance(m.id, str) and m.string and isinstance(m.string, str)}
        return cls(catalogs)

    def keys(self, lang: str) -> set[str]:
        return set(self._catalogs[lang])

    def raw(self, lang: str, key: str) -> str:
        entry = self._catalogs.get(lang, {}).get(key) or self._catalogs[FALLBACK].get(key)
        if entry is None:
            log.error("missing translation key %s", key)
            return key
        return entry

    def t(self, lang: str, key: str, **values: object) -> Html:
        """The text for `key` in `lang` with `values` HTML-escaped and substituted."""
        template = self.raw(lang, key)
        escaped = {name: _escape(value) for name, value in values.items()}
        try:
            return Html(template.format(**escaped))
        except (KeyError, IndexError, ValueError):
            log.exception("bad placeholders in translation %s/%s", lang, key)
            return Html(html.escape(template, quote=False))


def _escape(value: object) -> str:
    if isinstance(value, Html):
        return value
    return html.escape(str(value), quote=False)


def language_for(language_code: str | None, default: str = "vi") -> str:
    """Telegram's `language_code` starting with `vi` gives Vietnamese; anything else English.

    With no language code at all (Telegram omits it sometimes) the bot's default applies.
    """
    if not language_code:
        return default
    return "vi" if language_code.lower().startswith("vi") else "en"


def format_int(number: int, lang: str) -> str:
    return format_decimal(number, locale=lang)


def format_money(amount: Decimal, currency: str | None, lang: str) -> str:
    """`amount` as its currency writes it, grouped the user's way: `96,679 VND` (en),
    `96.679 VND` (vi), `1,234.50 USD` (en), `1.234,50 USD` (vi).

    Decimals are the currency's own (CLDR's, through Babel: 0 for VND, 2 for USD), so a VND
    amount never shows digits a reader would take for thousands. A nonzero amount below the
    smallest unit shows as `< 1 VND` / `< 0,01 USD`, never as 0. A currency Babel does not
    know (or none): up to 4 decimals, trailing zeros trimmed. The code follows the number in
    both languages: panels report codes, and a code is unambiguous where a symbol ($) is not.
    For display only: sums and comparisons are done on the exact Decimal before this.
    """
    code = (currency or "").strip().upper()
    if code and is_currency(code):
        digits = get_currency_precision(code)
        pattern = "#,##0." + "0" * digits if digits else "#,##0"
    else:
        digits = FALLBACK_DIGITS
        pattern = "#,##0." + "#" * digits
    unit = Decimal(1).scaleb(-digits)
    if 0 < abs(amount) < unit:
        number = ("< " if amount > 0 else "> -") + format_decimal(unit, format=pattern, locale=lang)
    else:
        with localcontext() as context:
            # Room for every digit of a big amount (the default 28 would refuse to quantize it).
            context.prec = max(context.prec, amount.adjusted() + digits + 2)
            rounded = amount.quantize(unit, rounding=ROUND_HALF_UP)
            number = format_decimal(rounded if rounded else abs(rounded), format=pattern, locale=lang)  # no "-0"
    return f"{number} {code}".strip()


def format_rate(amount: Decimal, currency: str | None, lang: str) -> str:
    """A price per 1000, exactly as the panel gives it: never rounded (2.5 VND stays 2,5)."""
    code = (currency or "").upper()
    number = format_decimal(amount, format="#,##0.##########", locale=lang)
    return f"{number} {code}".strip()


def format_compact(amount: Decimal, lang: str) -> str:
    """A short number for a chart's axis: `1.5K`, `2M` (en), `1,5 N`, `2 Tr` (vi)."""
    return format_compact_decimal(amount, format_type="short", locale=lang, fraction_digits=1)


# --- time zones -----------------------------------------------------------------------------------

# Where a user who never chose a time zone is assumed to be: the bot's users are mostly in
# Vietnam, and an English speaker may be anywhere. Applied at display time (users.timezone
# stays NULL until the user chooses), so it follows a change of language.
DEFAULT_TIMEZONES = {"vi": "Asia/Ho_Chi_Minh", "en": "UTC"}
_UTC = ZoneInfo("UTC")
# Names people type for Vietnam's zone (IANA has no Hanoi; Saigon is an old alias).
_ZONE_ALIASES = {
    "vietnam": "Asia/Ho_Chi_Minh", "viet nam": "Asia/Ho_Chi_Minh", "vn": "Asia/Ho_Chi_Minh",
    "hanoi": "Asia/Ho_Chi_Minh", "ha noi": "Asia/Ho_Chi_Minh", "saigon": "Asia/Ho_Chi_Minh",
    "sai gon": "Asia/Ho_Chi_Minh", "hcm": "Asia/Ho_Chi_Minh", "ho chi minh": "Asia/Ho_Chi_Minh",
    "tphcm": "Asia/Ho_Chi_Minh", "gmt": "UTC", "utc": "UTC", "z": "UTC",
}  # fmt: skip
_OFFSET_RE = re.compile(r"^(?:utc|gmt)?\s*([+-])\s*(\d{1,2})(?::?00)?$")


def user_timezone(language: str, chosen: str | None = None) -> str:
    """The IANA name of a user's time zone: the one they chose, else their language's default."""
    return chosen or DEFAULT_TIMEZONES.get(language, DEFAULT_TIMEZONES[FALLBACK])


def zone(name: str | tzinfo | None) -> tzinfo:
    """The time zone of that IANA name; UTC for one this system does not know (a database
    moved to a machine without it must still show times)."""
    if isinstance(name, tzinfo):
        return name
    try:
        return ZoneInfo(name) if name else _UTC
    except (ZoneInfoNotFoundError, ValueError):
        log.warning("unknown time zone %r; showing UTC", name)
        return _UTC


def format_datetime(timestamp: float, tz: str | tzinfo | None, lang: str) -> str:
    """A moment in the user's time zone, as their language writes it: `31/12/2024 23:05` (vi),
    `2024-12-31 23:05` (en)."""
    moment = datetime.fromtimestamp(timestamp, zone(tz))
    return moment.strftime("%d/%m/%Y %H:%M" if lang == "vi" else "%Y-%m-%d %H:%M")


def format_day(day: date, lang: str) -> str:
    """A day without its year, short: `03/05` (vi), `3 May` (en)."""
    return babel_format_date(day, "dd/MM" if lang == "vi" else "d MMM", locale=lang)


def utc_offset(tz: str | tzinfo | None, at: float) -> str:
    """`UTC+7`, `UTC-3:30`, `UTC` for the zone at that moment."""
    offset = datetime.fromtimestamp(at, zone(tz)).utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset else 0
    if not minutes:
        return "UTC"
    sign, minutes = ("+" if minutes > 0 else "-"), abs(minutes)
    return f"UTC{sign}{minutes // 60}" + (f":{minutes % 60:02d}" if minutes % 60 else "")


@functools.cache
def _zones_by_folded_name() -> dict[str, str]:
    """Every IANA zone by its full name and by its city, lower-case with spaces for `_`.
    Reads the system's zone list once (a directory walk, tens of milliseconds)."""
    found: dict[str, str] = {}
    for name in sorted(available_timezones()):
        if name.startswith(("Etc/", "SystemV/", "posix/", "right/")) or "/" not in name:
            continue
        found.setdefault(name.lower().replace("_", " "), name)
        found.setdefault(name.rsplit("/", 1)[1].lower().replace("_", " "), name)
    return found


def parse_timezone(text: str) -> str | None:
    """An IANA name from what a user typed: `Asia/Bangkok`, `bangkok`, `New York`, `Hà Nội`,
    `UTC+7`, `GMT-3` (whole hours). None when nothing matches.

    Blocking the first time (it lists the system's zones): call it in a worker thread."""
    typed = " ".join(fold(text).replace("_", " ").split())
    if not typed or len(typed) > 64:
        return None
    if typed in _ZONE_ALIASES:
        return _ZONE_ALIASES[typed]
    offset = _OFFSET_RE.match(typed.replace(" ", ""))
    if offset:
        sign, hours = offset.group(1), int(offset.group(2))
        if hours == 0:
            return "UTC"
        # POSIX zone names count the other way: UTC+7 is Etc/GMT-7.
        if (sign == "+" and hours <= 14) or (sign == "-" and hours <= 12):
            return f"Etc/GMT{'-' if sign == '+' else '+'}{hours}"
        return None
    return _zones_by_folded_name().get(typed)
