"""What users type, read the way they mean it: links, quantities, comments, charges."""

from decimal import Decimal

import pytest

from bot.core.ordering import OrderKind, QuantityProblem, charge_for, check_quantity, clean_link, comment_lines, order_kind, parse_quantity
from bot.core.ids import parse_ids
from bot.panel import Service


def service(**overrides) -> Service:
    values = dict(id=1, name="Facebook views", type="Default", category="Facebook", rate=Decimal("2.5"), min=200, max=10000)
    values.update(overrides)
    return Service(**values)


@pytest.mark.parametrize("typed, expected", [
    ("1000", 1000), ("1.000", 1000), ("1,000", 1000), ("1 000", 1000), (" 25 ", 25), ("1.000.000", 1000000),
    ("2k", 2000), ("1.5k", 1500), ("1,5k", 1500), ("1\u00a0000", 1000),
])
def test_quantities_people_type_are_understood(typed, expected):
    assert parse_quantity(typed) == expected


@pytest.mark.parametrize("typed", ["", "abc", "-5", "0", "1.5", "10,5", "1e3", "12 apples", "9" * 13, "²", "1.2345k"])
def test_what_is_not_a_count_is_refused(typed):
    assert parse_quantity(typed) is None


def test_quantity_limits_and_step():
    s = service(step=100)
    assert check_quantity(s, 199) is QuantityProblem.BELOW_MIN
    assert check_quantity(s, 10001) is QuantityProblem.ABOVE_MAX
    assert check_quantity(s, 250) is QuantityProblem.NOT_STEP
    assert check_quantity(s, 300) is None
    assert check_quantity(service(), 250) is None


@pytest.mark.parametrize("typed, expected", [
    ("https://facebook.com/page/1", "https://facebook.com/page/1"),
    ("  https://www.tiktok.com/@user/video/123  ", "https://www.tiktok.com/@user/video/123"),
    ("@some_user", "@some_user"),
    ("instagram.com/someone", "https://instagram.com/someone"),
])
def test_links_and_handles_are_accepted(typed, expected):
    assert clean_link(typed) == expected


@pytest.mark.parametrize("typed", ["", "two words", "https://", "http://nodot", "not a link!", "x" * 600, "ftp://a.b/c",
                                   "1000", "a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6"])
def test_bad_links_are_refused(typed):
    assert clean_link(typed) is None


def test_charge_is_rate_per_thousand_in_decimal():
    assert charge_for(service(), 1000) == Decimal("2.5")
    assert charge_for(service(rate=Decimal("0.3")), 333) == Decimal("0.0999")
    assert charge_for(service(type="Package", rate=Decimal("15000")), None) == Decimal("15000")


def test_order_kinds():
    assert order_kind(service()) is OrderKind.DEFAULT
    assert order_kind(service(type="Package")) is OrderKind.PACKAGE
    assert order_kind(service(type="Custom Comments")) is OrderKind.COMMENTS
    assert order_kind(service(type="Poll")) is OrderKind.UNSUPPORTED


def test_comments_are_non_empty_lines():
    assert comment_lines("great\n\n  nice  \n\n") == ["great", "nice"]


def test_ids_from_status_commands():
    assert parse_ids("123,456 789 #12 123 abc") == [123, 456, 789, 12]
    assert parse_ids("") == []
    assert parse_ids("² ³ 99999999999999999999999 0 -4 7") == [7]
