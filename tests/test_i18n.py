"""Every text exists in every language with the same placeholders; formats follow the locale."""

import re
import string
from decimal import Decimal
from pathlib import Path

from bot.i18n import LANGUAGES, Html, Translations, format_money, format_rate, language_for

ROOT = Path(__file__).resolve().parent.parent


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_key_exists_in_every_language_with_the_same_placeholders():
    i18n = Translations.load()
    en, vi = i18n.keys("en"), i18n.keys("vi")
    assert en == vi
    for key in en:
        assert placeholders(i18n.raw("en", key)) == placeholders(i18n.raw("vi", key)), key


def test_every_key_the_code_uses_exists():
    i18n = Translations.load()
    used = set()
    for path in (ROOT / "bot").rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        used |= set(re.findall(r'(?:tx|tx\.plain|\.t\(lang,|i18n\.raw\(lang,|session\.t\(context,)\(?\s*"([a-z_]+\.[a-z_.]+)"', source))
    missing = sorted(k for k in used if k not in i18n.keys("en"))
    assert not missing
    assert len(used) > 50  # the pattern still finds the keys


def test_values_are_escaped_but_fragments_are_not():
    i18n = Translations.load()
    text = i18n.t("en", "order.service", name="<b>VIP</b> & Co")
    assert "&lt;b&gt;VIP&lt;/b&gt; &amp; Co" in text
    nested = i18n.t("en", "order.failed", reason=i18n.t("en", "error.panel.unrecognised", text="a<b"))
    assert "a&lt;b" in nested and "&amp;lt;" not in nested
    assert isinstance(nested, Html)


def test_language_choice():
    assert language_for("vi") == "vi"
    assert language_for("vi-VN") == "vi"
    assert language_for("en-US") == "en"
    assert language_for("ru") == "en"
    assert language_for(None, default="vi") == "vi"
    assert set(LANGUAGES) == {"en", "vi"}


def test_money_per_locale_and_currency():
    assert format_money(Decimal("343423"), "VND", "vi") == "343.423 VND"
    assert format_money(Decimal("343423.6"), "VND", "en") == "343,424 VND"
    assert format_money(Decimal("1234.5"), "USD", "en") == "1,234.50 USD"
    assert format_money(Decimal("1234.5"), "USD", "vi") == "1.234,50 USD"
    assert format_rate(Decimal("0.0035"), "USD", "en") == "0.0035 USD"
    assert format_rate(Decimal("2.5"), "VND", "vi") == "2,5 VND"
    assert format_rate(Decimal("15000"), "VND", "vi") == "15.000 VND"


def test_every_text_is_valid_telegram_html_in_both_languages():
    """Rendered with hostile values, every text parses as Telegram HTML (the fake's parser)."""
    from tests.fakebot.html import parse_html

    i18n = Translations.load()
    hostile = "<b>&amp; x_y *z*</b> 🚀 & <"
    for lang in LANGUAGES:
        for key in i18n.keys(lang):
            values = {name: hostile for name in placeholders(i18n.raw(lang, key))}
            text = i18n.t(lang, key, **values)
            plain, _ = parse_html(text)
            if values:
                assert hostile in plain, key
