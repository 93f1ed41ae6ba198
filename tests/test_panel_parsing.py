"""Parsing of every answer variation in the API spec, from raw fixture files."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from bot.panel import (
    Balance,
    CancelNotAllowed,
    ItemError,
    OrderState,
    OrderStatus,
    RefillNotAllowed,
    RefillState,
    RefillStatus,
    ServiceKind,
    UnknownOrder,
    UnrecognisedError,
)
from bot.panel.parsing import (
    MalformedAnswer,
    NotJson,
    decode_body,
    parse_add,
    parse_balance,
    parse_bool,
    parse_cancel_batch,
    parse_decimal,
    parse_int,
    parse_order_state,
    parse_order_status,
    parse_refill,
    parse_refill_batch,
    parse_refill_status,
    parse_refill_status_batch,
    parse_services,
    parse_statuses_batch,
)

DATA = Path(__file__).parent / "data" / "panel"


def load(name: str) -> Any:
    return decode_body((DATA / name).read_bytes())


# --- bodies and scalars ---------------------------------------------------------------------------


def test_bom_before_json_is_ignored() -> None:
    assert (DATA / "services_bom.json").read_bytes().startswith(b"\xef\xbb\xbf")
    assert load("services_bom.json") == load("services_seed.json")


@pytest.mark.parametrize("name", ["error_html_500.html", "error_cloudflare_503.html"])
def test_html_pages_are_not_json(name: str) -> None:
    with pytest.raises(NotJson):
        load(name)


@pytest.mark.parametrize("body", [b"", b"   \n", b"\xef\xbb\xbf", b'{"order": 1', b"null garbage"])
def test_empty_and_truncated_bodies_are_not_json(body: bytes) -> None:
    with pytest.raises(NotJson):
        decode_body(body)


def test_json_floats_become_exact_decimals() -> None:
    assert decode_body(b'{"charge": 0.1}')["charge"] == Decimal("0.1")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2.5", Decimal("2.5")),
        (2.5, Decimal("2.5")),
        (Decimal("0.27819"), Decimal("0.27819")),
        (4, Decimal(4)),
        ("1,000.5", Decimal("1000.5")),
        ("12,500,000", Decimal(12500000)),
        ("1.000,5", Decimal("1000.5")),
        ("2,5", Decimal("2.5")),
        (" 343423 VND", Decimal(343423)),
        ("-2", Decimal(-2)),
        ("", None),
        (None, None),
        ("abc", None),
        ("NaN", None),
        ("Infinity", None),
        (True, None),
        ([], None),
    ],
)
def test_parse_decimal(raw: Any, expected: Decimal | None) -> None:
    assert parse_decimal(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("200", 200), (200, 200), ("200.0", 200), ("-2", -2), (-2, -2), ("1,000", 1000),
        ("", None), (None, None), ("x", None),
    ],  # fmt: skip
)
def test_parse_int(raw: Any, expected: int | None) -> None:
    assert parse_int(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (True, True), (False, False), (1, True), (0, False), ("1", True), ("0", False),
        ("true", True), ("false", False), ("True", True), (None, False), ("", False), ("maybe", False),
    ],
)  # fmt: skip
def test_parse_bool(raw: Any, expected: bool) -> None:
    assert parse_bool(raw) is expected


@pytest.mark.parametrize(
    ("raw", "state"),
    [
        ("Pending", OrderState.PENDING),
        ("Processing", OrderState.PROCESSING),
        ("In progress", OrderState.IN_PROGRESS),
        ("In Progress", OrderState.IN_PROGRESS),
        ("IN_PROGRESS", OrderState.IN_PROGRESS),
        ("inprogress", OrderState.IN_PROGRESS),
        ("Completed", OrderState.COMPLETED),
        ("COMPLETED", OrderState.COMPLETED),
        ("Partial", OrderState.PARTIAL),
        ("Canceled", OrderState.CANCELED),
        ("Cancelled", OrderState.CANCELED),
        ("canceled", OrderState.CANCELED),
        # A subscription's own states.
        ("Active", OrderState.ACTIVE),
        ("PAUSED", OrderState.PAUSED),
        ("paused", OrderState.PAUSED),
        ("Expired", OrderState.EXPIRED),
        ("On hold", OrderState.UNKNOWN),
        ("", OrderState.UNKNOWN),
    ],
)
def test_order_state_spellings(raw: str, state: OrderState) -> None:
    assert parse_order_state(raw) is state


def test_final_states() -> None:
    assert {s for s in OrderState if s.is_final} == {
        OrderState.COMPLETED, OrderState.PARTIAL, OrderState.CANCELED, OrderState.EXPIRED,
    }  # fmt: skip
    assert {s for s in RefillState if s.is_final} == {RefillState.COMPLETED, RefillState.REJECTED, RefillState.ERROR}


# --- services -------------------------------------------------------------------------------------


def test_seed_services() -> None:
    first, second = parse_services(load("services_seed.json"))
    assert (first.id, first.name, first.type, first.category) == (1, "Facebook views", "Default", "Facebook")
    assert (first.rate, first.min, first.max, first.refill) == (Decimal("2.5"), 200, 10000, True)
    assert (first.cancel, first.dripfeed, first.description, first.step, first.extra) == (False, False, None, None, {})
    assert (second.id, second.rate, second.min, second.max, second.refill) == (2, Decimal(4), 10, 1500, False)
    assert first.kind is ServiceKind.DEFAULT
    assert first.charge_for(1000) == Decimal("2.5")


def test_service_variants() -> None:
    services = {s.id: s for s in parse_services(load("services_variants.json"))}
    assert 14 not in services  # no rate: skipped, the others survive
    vip = services[10]
    assert vip.name == "Likes <b>VIP</b> & Co_fast 🇻🇳"
    assert (vip.rate, vip.min, vip.max, vip.step) == (Decimal("12.5"), 50, 50000, 100)
    assert (vip.refill, vip.cancel, vip.dripfeed) == (True, False, True)
    assert vip.description == "Bảo hành 30 ngày"
    assert vip.extra == {"average_time": "2 hours"}
    assert vip.charge_for(500, runs=3) == Decimal("18.75")

    package = services[11]
    assert package.kind is ServiceKind.PACKAGE
    assert (package.refill, package.cancel, package.description) == (False, True, "One package")
    assert package.extra == {"currency": "VND"}
    assert package.charge_for() == Decimal(95000)

    comments = services[12]
    assert comments.kind is ServiceKind.CUSTOM_COMMENTS
    assert (comments.rate, comments.refill, comments.cancel) == (Decimal("1000.5"), True, False)
    assert services[13].kind is ServiceKind.POLL

    views = services[15]
    assert views.kind is ServiceKind.DEFAULT  # "default" in lower case
    assert (views.rate, views.min, views.max, views.refill, views.step, views.description) == (
        Decimal("2.5"), 1, 1, False, None, None,
    )  # fmt: skip


def test_services_wrapped_or_keyed() -> None:
    seed = load("services_seed.json")
    assert [s.id for s in parse_services({"services": seed})] == [1, 2]
    assert [s.id for s in parse_services({"1": seed[0], "2": seed[1]})] == [1, 2]
    assert parse_services([]) == []


def test_services_unusable() -> None:
    with pytest.raises(MalformedAnswer):
        parse_services("services")
    with pytest.raises(MalformedAnswer):
        parse_services([{"name": "no id"}])


# --- single answers -------------------------------------------------------------------------------


def test_status_seed() -> None:
    status = parse_order_status(load("status_seed.json"))
    assert status == OrderStatus(
        charge=Decimal("2.5"), start_count=168, status=OrderState.COMPLETED, remains=-2, currency=None,
        raw_status="Completed",
    )  # fmt: skip
    assert status.is_final


def test_status_empty_counts() -> None:
    status = parse_order_status(load("status_empty_counts.json"))
    assert (status.charge, status.start_count, status.remains) == (None, None, None)
    assert status.status is OrderState.IN_PROGRESS and status.raw_status == "In Progress"
    assert not status.is_final


def test_status_numbers_and_currency() -> None:
    status = parse_order_status(load("status_numbers.json"))
    assert (status.charge, status.start_count, status.remains) == (Decimal("0.27819"), 3572, -5)
    assert (status.status, status.raw_status, status.currency) == (OrderState.CANCELED, "Cancelled", "USD")


def test_status_missing_counts() -> None:
    status = parse_order_status(load("status_missing_counts.json"))
    assert (status.charge, status.start_count, status.remains, status.status) == (
        Decimal("1.44219"), None, None, OrderState.PENDING,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("balance_seed.json", Balance(Decimal(343423), "VND")),
        ("balance_numbers.json", Balance(Decimal("100.84292"), "USD")),
        ("balance_grouped.json", Balance(Decimal("1234567.50"), None)),
    ],
)
def test_balance(name: str, expected: Balance) -> None:
    assert parse_balance(load(name)) == expected


def test_balance_missing() -> None:
    with pytest.raises(MalformedAnswer):
        parse_balance({"currency": "VND"})


def test_add() -> None:
    assert parse_add(load("add_seed.json")) == 99999
    assert parse_add(load("add_string.json")) == 23501
    with pytest.raises(MalformedAnswer):
        parse_add({"status": "ok"})


def test_refill_and_refill_status_seed() -> None:
    assert parse_refill(load("refill_seed.json")) == 1
    assert parse_refill_status(load("refill_status_seed.json")) == RefillStatus(RefillState.COMPLETED, "Completed")


# --- batch answers --------------------------------------------------------------------------------


def test_statuses_seed_object() -> None:
    result = parse_statuses_batch(load("statuses_seed.json"), [123, 456, 789])
    assert list(result) == [123, 456, 789]
    partial = result[123]
    assert isinstance(partial, OrderStatus)
    assert (partial.status, partial.charge, partial.remains) == (OrderState.PARTIAL, Decimal("0.27819"), 157)
    assert result[456] == ItemError(UnknownOrder("Incorrect order ID"))
    in_progress = result[789]
    assert isinstance(in_progress, OrderStatus) and in_progress.status is OrderState.IN_PROGRESS


def test_statuses_list_form() -> None:
    result = parse_statuses_batch(load("statuses_list.json"), [123, 456, 789, 999, 1000])
    assert isinstance(result[123], OrderStatus) and result[123].status is OrderState.PARTIAL
    assert result[456] == ItemError(UnknownOrder("Order not found."))
    assert result[789] == ItemError(UnknownOrder("Incorrect order ID"))
    processing = result[999]
    assert isinstance(processing, OrderStatus)
    assert (processing.status, processing.start_count, processing.remains) == (OrderState.PROCESSING, None, 0)
    # An id the panel did not mention still gets an answer: an error without panel text.
    missing = result[1000]
    assert isinstance(missing, ItemError) and isinstance(missing.error, UnrecognisedError)


def test_statuses_single_shape_for_one_id() -> None:
    result = parse_statuses_batch(load("status_seed.json"), [42])
    assert isinstance(result[42], OrderStatus) and result[42].remains == -2


def test_refill_batch_subpro_single_object() -> None:
    # subpro.vn answers `orders=` with one refill id for the whole request.
    assert parse_refill_batch(load("refill_seed.json"), [5, 6]) == {5: 1, 6: 1}


def test_refill_batch_list_form() -> None:
    result = parse_refill_batch(load("refill_batch_list.json"), [1, 2, 3, 4])
    assert (result[1], result[2]) == (1, 2)
    assert result[3] == ItemError(RefillNotAllowed("Refill is disabled for this service"))
    assert result[4] == ItemError(RefillNotAllowed("Order not eligible for refill."))


def test_refill_batch_object_form() -> None:
    result = parse_refill_batch(load("refill_batch_object.json"), [1, 2, 3])
    assert result == {1: 7, 2: 8, 3: ItemError(UnknownOrder("Incorrect order ID"))}


def test_refill_statuses_seed_list() -> None:
    result = parse_refill_status_batch(load("refill_statuses_seed.json"), [1, 2, 3])
    assert result[1] == RefillStatus(RefillState.COMPLETED, "Completed")
    assert result[2] == RefillStatus(RefillState.REJECTED, "Rejected")
    assert result[3] == ItemError(UnknownOrder("Incorrect refill ID"))


def test_refill_statuses_object_form() -> None:
    result = parse_refill_status_batch(load("refill_statuses_object.json"), [1, 2, 3, 4, 5])
    assert result[1] == RefillStatus(RefillState.IN_PROGRESS, "in progress")
    assert result[2] == RefillStatus(RefillState.PENDING, "Pending")
    assert result[3] == ItemError(UnknownOrder("Refill not found"))
    assert result[4] == RefillStatus(RefillState.ERROR, "ERROR")
    assert result[5] == RefillStatus(RefillState.PROCESSING, "Processing")


def test_cancel_list_form() -> None:
    result = parse_cancel_batch(load("cancel_list.json"), [2, 9, 10])
    assert result == {
        2: True,
        9: ItemError(CancelNotAllowed("Order cannot be cancelled")),
        10: ItemError(UnknownOrder("Incorrect order ID")),
    }


def test_cancel_object_form() -> None:
    result = parse_cancel_batch(load("cancel_object.json"), [2, 3, 9])
    assert result == {2: True, 3: True, 9: ItemError(CancelNotAllowed("Order cannot be cancelled"))}


def test_batch_that_is_neither_list_nor_object() -> None:
    with pytest.raises(MalformedAnswer):
        parse_statuses_batch("ok", [1])
