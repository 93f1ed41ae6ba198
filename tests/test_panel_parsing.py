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
    UnreadableAnswer,
    classify_error_text,
)
from bot.panel.parsing import (
    MalformedAnswer,
    NotJson,
    TooManyServices,
    decode_body,
    error_text,
    iter_json_array,
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
    read_services_body,
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
    # An id the panel did not mention still gets an answer: one that could not be read.
    missing = result[1000]
    assert isinstance(missing, ItemError) and isinstance(missing.error, UnreadableAnswer)


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


# --- impossible values ----------------------------------------------------------------------------

STATUS = {"charge": "2.5", "start_count": "168", "status": "Completed", "remains": "0", "currency": "VND"}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("charge", "NaN"), ("charge", Decimal("NaN")), ("charge", "Infinity"), ("charge", "-0.5"),
        ("charge", "1e16"), ("charge", "abc"), ("charge", {"amount": 1}), ("charge", True),
        ("charge", "0." + "1" * 40),
        ("start_count", "-1"), ("start_count", "1e13"), ("start_count", [5]),
        ("remains", "-1e13"), ("remains", "1e999999999"), ("remains", "NaN"),
        ("status", 5), ("status", {"text": "Completed"}), ("status", None),
        ("currency", {"code": "VND"}), ("currency", "V" * 11), ("currency", ["VND"]),
    ],
)  # fmt: skip
def test_impossible_status_values_are_unreadable(field: str, value: Any) -> None:
    with pytest.raises(MalformedAnswer) as caught:
        parse_order_status({**STATUS, field: value})
    assert caught.value.what == field


@pytest.mark.parametrize("value", [None, "", " ", "null", "N/A", "-"])
def test_absent_counts_stay_absent(value: Any) -> None:
    status = parse_order_status({**STATUS, "charge": value, "start_count": value, "remains": value})
    assert (status.charge, status.start_count, status.remains) == (None, None, None)


def test_bounds_of_real_values() -> None:
    status = parse_order_status({**STATUS, "charge": "0", "start_count": 10**12, "remains": -(10**12)})
    assert (status.charge, status.start_count, status.remains) == (0, 10**12, -(10**12))
    assert parse_balance({"balance": "1000000000000000"}).amount == Decimal(10) ** 15


@pytest.mark.parametrize("value", ["NaN", "-1", "-0.01", "1e16", {"v": 1}, [1], True, "Infinity"])
def test_impossible_balances_are_unreadable(value: Any) -> None:
    with pytest.raises(MalformedAnswer):
        parse_balance({"balance": value, "currency": "VND"})


@pytest.mark.parametrize("value", [0, -1, "NaN", "abc", 2**63, [1], {"id": 1}, "1e999999999"])
def test_impossible_order_ids_are_unreadable(value: Any) -> None:
    with pytest.raises(MalformedAnswer):
        parse_add({"order": value})


@pytest.mark.parametrize(
    ("field", "value"),
    [("rate", "NaN"), ("rate", "-2"), ("rate", "1e16"), ("min", "-5"), ("max", "1e13"), ("step", -100),
     ("name", {"vi": "x"}), ("category", ["a"]), ("type", True), ("service", "-3"), ("service", 0)],
)  # fmt: skip
def test_impossible_service_entries_are_skipped(field: str, value: Any) -> None:
    good = {"service": 1, "name": "Views", "rate": "2.5", "min": "10", "max": "100"}
    services = parse_services([good, {**good, "service": 2, field: value}])
    assert [s.id for s in services] == [1]


def test_nested_extras_are_dropped() -> None:
    (service,) = parse_services([{"service": 1, "rate": "1", "average_time": "2 h", "junk": [[]] * 1000, "x": {}}])
    assert service.extra == {"average_time": "2 h"}


def test_impossible_items_of_batches_are_unreadable_items() -> None:
    statuses = parse_statuses_batch({"1": {**STATUS, "charge": "NaN"}, "2": STATUS, "3": 7}, [1, 2, 3])
    assert isinstance(statuses[2], OrderStatus)
    for bad in (statuses[1], statuses[3]):
        assert isinstance(bad, ItemError) and isinstance(bad.error, UnreadableAnswer)
    assert statuses[1].error.raw == "'NaN'"  # for the log
    refills = parse_refill_batch([{"order": 1, "refill": -4}, {"order": 2, "refill": "NaN"}, {"order": 3, "refill": 9}],
                                 [1, 2, 3])
    assert refills[3] == 9 and all(isinstance(refills[i], ItemError) for i in (1, 2))
    refill_statuses = parse_refill_status_batch([{"refill": 1, "status": 5}], [1])
    assert refill_statuses[1].code == "unreadable_answer"
    cancels = parse_cancel_batch([{"order": 1, "cancel": {"x": 1}}, {"order": 2, "cancel": 1}], [1, 2])
    assert cancels[2] is True and cancels[1].code == "unreadable_answer"


def test_huge_numbers_in_ids_never_build_huge_ints() -> None:
    # int(Decimal("1e999999999")) would try to build a billion-digit number.
    assert parse_int("1e999999999") is None and parse_int(2**64) is None
    assert parse_statuses_batch({"1e999999999": STATUS}, [1])[1].code == "unreadable_answer"


# --- error fields ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "text"),
    [
        ({"error": "Incorrect order ID"}, "Incorrect order ID"),
        ({"error": ["Bad link", "Bad quantity"]}, "Bad link; Bad quantity"),
        ({"error": {"message": "Invalid key"}}, "Invalid key"),
        ({"error": True, "message": "Invalid API key"}, "Invalid API key"),
        ({"error": True}, ""), ({"error": 1}, ""), ({"error": {"code": 7}}, ""), ({"error": [1, 2]}, ""),
        ({"error": None}, None), ({"error": False}, None), ({"error": ""}, None), ({"error": "  "}, None),
        ({"error": 0}, None), ({"error": []}, None), ({"error": {}}, None), ({"order": 1}, None),
    ],
)  # fmt: skip
def test_error_text(answer: Any, text: str | None) -> None:
    assert error_text(answer) == text


def test_an_error_marked_without_words_is_unreadable() -> None:
    assert isinstance(classify_error_text(error_text({"error": True})), UnreadableAnswer)
    statuses = parse_statuses_batch({"1": {"error": {"code": 3}}}, [1])
    assert statuses[1].code == "unreadable_answer"


# --- catalogues read one entry at a time ---------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        b"[]", b" \n[ ]\n", b"[1]", b"[1.25, -0.5e3, 12345]", b"\xef\xbb\xbf [ {\"a\": \"\xc4\x91\"} , 1.5 ]  \n",
        b'["\xf0\x9f\x87\xbb\xf0\x9f\x87\xb3", {"k": [1, 2.5, "x"]}, null, true, false]', b"[[[[]]]]",
        b"[1,]", b"[,1]", b"[1 2]", b"[1", b"[", b"", b"[1] x", b"[1]]", b'[{"a":1}{"b":2}]',
        b"[" + b"[" * 3000 + b"]" * 3000 + b"]",
    ],
)  # fmt: skip
@pytest.mark.parametrize("window", [1, 2, 3, 7, 1 << 16])
def test_iter_json_array_reads_as_decode_body_does(body: bytes, window: int) -> None:
    try:
        expected: Any = decode_body(body)
    except NotJson:
        expected = NotJson
    try:
        got: Any = list(iter_json_array(body, window=window))
    except NotJson:
        got = NotJson
    assert got == expected


def test_a_long_catalogue_stops_at_its_first_entry_too_many() -> None:
    entry = b'{"service": 1, "rate": "1"}'
    # Whatever follows the third entry is never read: not even the garbage that would fail it.
    body = b"[" + b",".join([entry] * 3) + b", {garbage"
    with pytest.raises(TooManyServices):
        read_services_body(body, 2)
    with pytest.raises(NotJson):
        read_services_body(body, 3)
    services, skipped, problem = read_services_body(b"[" + entry + b', {"service": 2, "rate": "NaN"}]', 5)
    assert (len(services), skipped, problem.what) == (1, 1, "rate")
