"""Translations and locale formats.

Texts live in gettext `.po` files under `locales/<lang>/LC_MESSAGES/messages.po`, read with
Babel at start-up (no compile step). Message ids are stable keys such as `start.greeting`;
every key exists in every language (a test checks). Placeholders use `str.format` names.

`t()` HTML-escapes every value it substitutes, so a handler cannot forget to escape a
service name or a link. A value that is already HTML (a fragment built by another `t()`
call) is wrapped in `Html` to pass through unchanged.
"""

from __future__ import annotations

import html
import logging
from decimal import ROUND_HALF_UP, Decimal, localcontext
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, get_currency_precision, is_currency

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
    def load(cls, directory: Path = LOCALES_DIR) -> "Translations":
        catalogs: dict[str, dict[str, str]] = {}
        for lang in LANGUAGES:
            path = directory / lang / "LC_MESSAGES" / "messages.po"
            with path.open("rb") as fh:
                catalog: Catalog = read_po(fh, locale=lang)
            # Only plain messages: texts are written so that no plural forms are needed.
            catalogs[lang] = {m.id: m.string for m in catalog if m.id and isinstance(m.id, str) and m.string}
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
