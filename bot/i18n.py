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
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

log = logging.getLogger(__name__)

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
LANGUAGES = ("en", "vi")
FALLBACK = "en"
# Currencies whose minor unit nobody uses in practice on these panels.
ZERO_DECIMAL_CURRENCIES = {"VND", "IDR", "KRW", "JPY"}


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
    """`amount` in the user's locale: `343.423 VND` for vi, `343,423 VND` for en.

    The currency code is written after the number in both languages; panels report codes
    (VND, USD, ...) and a code is unambiguous where a symbol is not. Currencies without a
    minor unit in practice (VND...) show no decimals, unless the amount is a small fraction
    that rounding would turn into a different price (a 0.5 VND charge stays 0,5 VND).
    """
    code = (currency or "").upper()
    if code in ZERO_DECIMAL_CURRENCIES and (amount == amount.to_integral_value() or abs(amount) >= 100):
        quantized = amount.quantize(Decimal(1), rounding=ROUND_HALF_UP)
        number = format_decimal(quantized, format="#,##0", locale=lang)
    elif code in ZERO_DECIMAL_CURRENCIES:
        number = format_decimal(amount.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP), format="#,##0.####", locale=lang)
    else:
        # Up to 4 decimals (panels price in fractions of a cent), at least 2 for money.
        quantized = amount.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)
        number = format_decimal(quantized, format="#,##0.00##", locale=lang)
    return f"{number} {code}".strip()


def format_rate(amount: Decimal, currency: str | None, lang: str) -> str:
    """A price per 1000, exactly as the panel gives it: never rounded (2.5 VND stays 2,5)."""
    code = (currency or "").upper()
    number = format_decimal(amount, format="#,##0.##########", locale=lang)
    return f"{number} {code}".strip()
