"""Money as its currency writes it: the currency's own decimals (none for VND), never a false
"0" for a tiny amount, the user's grouping; rates per 1000 keep the panel's precision."""

from decimal import Decimal

import pytest

from bot.i18n import format_money, format_rate
from tests.conftest import order_until_confirmation

VND_KEY = "vnd-key-fractional-0001"


@pytest.mark.parametrize("amount, en, vi", [
    ("96679", "96,679 VND", "96.679 VND"),
    ("96.679", "97 VND", "97 VND"),  # was "96.679 VND": read as ninety-six thousand
    ("6.0952", "6 VND", "6 VND"),  # was "6,0952 VND" in Vietnamese
    ("343423.5", "343,424 VND", "343.424 VND"),
    ("1234567890123.4", "1,234,567,890,123 VND", "1.234.567.890.123 VND"),
    ("0.4", "< 1 VND", "< 1 VND"),  # below the smallest unit: not "0"
    ("0.99", "< 1 VND", "< 1 VND"),
    ("0", "0 VND", "0 VND"),
])
def test_vnd_has_no_decimals(amount, en, vi):
    assert format_money(Decimal(amount), "VND", "en") == en
    assert format_money(Decimal(amount), "VND", "vi") == vi


@pytest.mark.parametrize("amount, en, vi", [
    ("1234.5", "1,234.50 USD", "1.234,50 USD"),
    ("100.84292", "100.84 USD", "100,84 USD"),
    ("0.005", "< 0.01 USD", "< 0,01 USD"),
    ("0.0035", "< 0.01 USD", "< 0,01 USD"),
    ("0.01", "0.01 USD", "0,01 USD"),
    ("12345678901.995", "12,345,678,902.00 USD", "12.345.678.902,00 USD"),
    ("-0.001", "> -0.01 USD", "> -0,01 USD"),
    ("-0.0", "0.00 USD", "0,00 USD"),
])
def test_usd_has_cents(amount, en, vi):
    assert format_money(Decimal(amount), "USD", "en") == en
    assert format_money(Decimal(amount), "USD", "vi") == vi


@pytest.mark.parametrize("currency", [None, "", "XYZ", "credits"])
def test_an_unknown_or_missing_currency_shows_up_to_four_decimals_trimmed(currency):
    code = (currency or "").upper()
    suffix = f" {code}" if code else ""
    assert format_money(Decimal("2.50"), currency, "en") == "2.5" + suffix
    assert format_money(Decimal("1234.123456"), currency, "en") == "1,234.1235" + suffix
    assert format_money(Decimal("1234.123456"), currency, "vi") == "1.234,1235" + suffix
    assert format_money(Decimal("7"), currency, "vi") == "7" + suffix
    assert format_money(Decimal("0.00004"), currency, "vi") == "< 0,0001" + suffix


def test_the_currency_code_is_read_in_any_case():
    assert format_money(Decimal("96679.4"), "vnd", "en") == "96,679 VND"


def test_rates_per_thousand_keep_the_panels_precision():
    assert format_rate(Decimal("2.5"), "VND", "en") == "2.5 VND"
    assert format_rate(Decimal("2.5"), "VND", "vi") == "2,5 VND"
    assert format_rate(Decimal("0.0035"), "USD", "en") == "0.0035 USD"
    assert format_rate(Decimal("15000"), "VND", "vi") == "15.000 VND"


async def test_balance_and_confirmation_card_show_vnd_without_decimals(bot):
    bot.sim.add_key(VND_KEY, Decimal("96679.4"), "VND")
    english = await bot.onboarded(1901, "en", key=VND_KEY)
    reply = await english.send("/balance")
    assert "96,679 VND" in reply.text and "96,679.4" not in reply.text

    vietnamese = await bot.onboarded(1902, "vi", key=VND_KEY)
    # Facebook views: 2.5 VND per 1000, so 1,234 cost 3.085 VND.
    card = await order_until_confirmation(vietnamese, quantity="1234")
    assert "Thành tiền: 3 VND" in card.text
    assert "Số dư: 96.679 VND" in card.text
    assert "3,085" not in card.text and "96.679,4" not in card.text

    bot.sim.set_balance(VND_KEY, Decimal("3"))  # 0.085 VND short: not "0 VND" missing
    card = await order_until_confirmation(english, quantity="1234")
    assert "Charge: 3 VND" in card.text and "Your balance: 3 VND" in card.text
    assert "Not enough funds: < 1 VND missing" in card.text
