"""Tolerant parsing of panel answers (every variation listed in the API spec).

Functions here take already-decoded JSON (see `decode_body`) and return typed models.
A shape we cannot use raises `MalformedAnswer`; the client turns that into the right
`PanelError` for the action. Per-id errors inside batches become `ItemError` values.

Tolerant is not credulous: a value that is present but impossible (a negative or NaN
amount, a count beyond any real one, a dict where text belongs) makes the answer (or the
batch item, or the catalogue entry) unreadable rather than shown as if it were real.
Absent values (missing, null, "") stay None, as the spec allows.

A catalogue can be megabytes: `read_services_body` reads a JSON array one entry at a time
(bot.panel.bodies), and stops at the first entry beyond the limit.
"""

from __future__ import annotations

import logging
import re
import reprlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from bot.panel.bodies import NotJson, decode_body, iter_json_array, starts_array
from bot.panel.errors import PanelError, UnreadableAnswer, classify_error_text
from bot.panel.models import Balance, ItemError, OrderState, OrderStatus, RefillState, RefillStatus, Service

__all__ = [
    "MAX_COUNT",
    "MAX_ID",
    "MAX_MONEY",
    "MalformedAnswer",
    "NotJson",
    "TooManyServices",
    "decode_body",
    "error_text",
    "iter_json_array",
    "parse_add",
    "parse_balance",
    "parse_bool",
    "parse_cancel_batch",
    "parse_decimal",
    "parse_int",
    "parse_order_state",
    "parse_order_status",
    "parse_refill",
    "parse_refill_batch",
    "parse_refill_state",
    "parse_refill_status",
    "parse_refill_status_batch",
    "parse_service",
    "parse_services",
    "parse_statuses_batch",
    "read_count",
    "read_id",
    "read_money",
    "read_services",
    "read_services_body",
    "shown",
    "starts_array",
    "unreadable_item",
]

log = logging.getLogger("bot.panel")

Classifier = Callable[[str], PanelError]
T = TypeVar("T")


# Bounds of what a real panel can answer; beyond them a value is impossible, not shown.
MAX_COUNT = 10**12  # quantities, start counts, remains: above any follower or view count there is
MAX_MONEY = Decimal(10) ** 15  # charges, balances, rates: a quadrillion, in any currency
MAX_ID = 2**63 - 1  # order, refill and service ids are stored as SQLite INTEGER
_MAX_MONEY_DIGITS = 30  # significant digits: PHP floats print 17 at most
_MAX_CURRENCY_CHARS = 10  # "VND", "USD", "VNĐ", "đ"
_MAX_ERROR_CHARS = 2000  # more is never a useful error text (users see 300 characters)

# How a raw value is quoted in logs: short, whatever its size or depth.
_REPR = reprlib.Repr()
_REPR.maxstring = _REPR.maxother = 80
_REPR.maxlist = _REPR.maxdict = 4
_REPR.maxlevel = 2


def shown(value: Any) -> str:
    """A short quotation of a raw value for logs (never for users)."""
    return _REPR.repr(value)


class MalformedAnswer(ValueError):
    """JSON, but not the shape the action answers with, or a value no panel can mean.

    `what` names the problem in our words (safe anywhere); `raw` quotes the panel's value, for
    logs only (the client scrubs the API key from it before logging).
    """

    def __init__(self, what: str, *raw: Any) -> None:
        self.what = what
        self.raw = shown(raw[0]) if raw else None
        super().__init__(what)

    def __str__(self) -> str:
        return self.what if self.raw is None else f"{self.what}: {self.raw}"


class TooManyServices(ValueError):
    """The catalogue has more entries than the bot reads (`limit`)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        super().__init__(f"more than {limit} services")


# --- scalars ---------------------------------------------------------------------------------


_EDGE_JUNK_RE = re.compile(r"^[^\d+\-.,]+|[^\d.,]+$")
_GROUPED_RE = re.compile(r"^[+-]?\d{1,3}(,\d{3})+$")
_BLANKS_RE = re.compile(r"[\s\u00a0\u202f']")
# Most numbers in a catalogue are plain ("2.5", "200"): those skip the normalisation.
_PLAIN_NUMBER_RE = re.compile(r"-?\d{1,20}(?:\.\d{1,20})?")


def _normalise_number_text(raw: str) -> str:
    text = _BLANKS_RE.sub("", raw)
    # Currency signs or codes around the number ("343423 VND", "$2.5", "12₫").
    text = _EDGE_JUNK_RE.sub("", text)
    if "," in text and "." in text:
        # Whichever separator comes last is the decimal point: "1,000.5" and "1.000,5".
        if text.rfind(",") > text.rfind("."):
            text = text.replace(".", "").replace(",", ".")
        else:
            text = text.replace(",", "")
    elif "," in text:
        # "1,000" / "12,500,000" are thousands; "2,5" is a decimal comma.
        text = text.replace(",", "") if _GROUPED_RE.match(text) else text.replace(",", ".")
    return text


def parse_decimal(value: Any) -> Decimal | None:
    """A finite `Decimal` from a JSON number or string; None for empty, null or garbage."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, float):
        result = Decimal(repr(value))
    elif isinstance(value, str):
        if _PLAIN_NUMBER_RE.fullmatch(value):
            return Decimal(value)
        text = _normalise_number_text(value)
        if not text:
            return None
        try:
            result = Decimal(text)
        except InvalidOperation:
            return None
    else:
        return None
    return result if result.is_finite() else None


def parse_int(value: Any) -> int | None:
    """A whole number ("200", 200, "200.0", "-2", "1,000"); None for empty, null, garbage, or
    beyond what SQLite stores (`int()` of "1e999999999" would build a gigantic number)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value if abs(value) <= MAX_ID else None
    number = parse_decimal(value)
    if number is None or not -MAX_ID <= number <= MAX_ID:  # abs() would overflow the context
        return None
    return int(number)  # truncates a stray fraction ("10.7") rather than rejecting the answer


# What panels write for "no value": the spec allows empty and null counts.
_ABSENT_TEXTS = {"", "null", "none", "n/a", "-"}


def _absent(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.strip().casefold() in _ABSENT_TEXTS)


def _bounded(value: Any, what: str, low: Decimal | int, high: Decimal | int) -> Decimal | None:
    """None when absent; the number when it is finite and within [low, high]; otherwise the
    answer is unreadable (NaN, Infinity, "abc", true, a dict, -5 where counts start at 0...)."""
    if _absent(value):
        return None
    number = parse_decimal(value)
    if number is None or not low <= number <= high:
        raise MalformedAnswer(what, value)
    return number


def read_money(value: Any, what: str) -> Decimal | None:
    """An amount (charge, balance, rate): never negative, NaN or absurd."""
    number = _bounded(value, what, 0, MAX_MONEY)
    if number is not None and len(number.as_tuple().digits) > _MAX_MONEY_DIGITS:
        raise MalformedAnswer(what, value)
    return number


def read_count(value: Any, what: str, *, low: int = 0) -> int | None:
    """A count (quantity, start count, remains): whole, within [low, MAX_COUNT]."""
    if isinstance(value, int) and not isinstance(value, bool) and low <= value <= MAX_COUNT:
        return value
    number = _bounded(value, what, low, MAX_COUNT)
    return None if number is None else int(number)


def read_id(value: Any, what: str) -> int:
    """A panel id (order, refill, service): a positive whole number SQLite can store."""
    number = parse_int(value)
    if number is None or not 0 < number <= MAX_ID:
        raise MalformedAnswer(what, value)
    return number


_TRUE_TEXTS = {"1", "true", "yes", "y", "on", "enabled"}


def parse_bool(value: Any) -> bool:
    """true/false, 1/0, "1"/"0", "true"/"false"; missing or unknown means False."""
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, Decimal)):
        return value != 0
    if isinstance(value, str):
        return value.strip().casefold() in _TRUE_TEXTS
    return False


def _state_key(raw: str) -> str:
    return "".join(re.sub(r"[_\-]", " ", raw.casefold()).split())


_ORDER_STATES = {
    "pending": OrderState.PENDING,
    "processing": OrderState.PROCESSING,
    "inprogress": OrderState.IN_PROGRESS,
    "completed": OrderState.COMPLETED,
    "complete": OrderState.COMPLETED,
    "partial": OrderState.PARTIAL,
    "partiallycompleted": OrderState.PARTIAL,
    "canceled": OrderState.CANCELED,
    "cancelled": OrderState.CANCELED,
    "refunded": OrderState.CANCELED,
    "active": OrderState.ACTIVE,
    "paused": OrderState.PAUSED,
    "expired": OrderState.EXPIRED,
}

_REFILL_STATES = {
    "pending": RefillState.PENDING,
    "inprogress": RefillState.IN_PROGRESS,
    "processing": RefillState.PROCESSING,
    "completed": RefillState.COMPLETED,
    "complete": RefillState.COMPLETED,
    "rejected": RefillState.REJECTED,
    "error": RefillState.ERROR,
}


def parse_order_state(raw: Any) -> OrderState:
    return _ORDER_STATES.get(_state_key(raw), OrderState.UNKNOWN) if isinstance(raw, str) else OrderState.UNKNOWN


def parse_refill_state(raw: Any) -> RefillState:
    return _REFILL_STATES.get(_state_key(raw), RefillState.UNKNOWN) if isinstance(raw, str) else RefillState.UNKNOWN


def _text(value: Any, what: str) -> str | None:
    """Text where text belongs: a string, or a number written as one ("name": 123); None when
    absent; a dict, a list or a boolean makes the answer unreadable."""
    if value is None:
        return None
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
        return str(value)
    raise MalformedAnswer(what, value)


def _currency(value: Any) -> str | None:
    text = _text(value, "currency")
    if text is not None and len(text) > _MAX_CURRENCY_CHARS:
        raise MalformedAnswer("currency", value)
    return text


def _texts_in(value: Any) -> list[str]:
    """Readable texts of an error field: a string, strings in a list, a dict's message."""
    if isinstance(value, str):
        return [value.strip()] if value.strip() else []
    if isinstance(value, Mapping):
        candidates = [value.get("message"), value.get("text"), *value.values()]
        return next(([c.strip()] for c in candidates if isinstance(c, str) and c.strip()), [])
    if isinstance(value, list):
        return [text for item in value if isinstance(item, (str, Mapping)) for text in _texts_in(item)]
    return []


def _no_error(value: Any) -> bool:
    # {"error": null}, false, 0, "", [] or {} from PHP panels means "no error", sometimes next
    # to a good answer ({"order": 5, "error": ""}): reading it as a failure could make a
    # user order twice.
    if isinstance(value, bool):
        return value is False
    if isinstance(value, (int, Decimal)):
        return value == 0
    if isinstance(value, str):
        return not value.strip()
    return value is None or (isinstance(value, (list, Mapping)) and not value)


def error_text(value: Any) -> str | None:
    """The error text if `value` is an error object (`{"error": ...}`), else None.

    "" means an error marked without readable text (`{"error": true}`, `{"error": 5}`,
    `{"error": {"code": 7}}`), which `classify_error_text` reads as UnreadableAnswer.
    """
    if not isinstance(value, Mapping) or "error" not in value:
        return None
    err = value["error"]
    if _no_error(err):
        return None
    texts = _texts_in(err) or _texts_in({"message": value.get("message")})
    return "; ".join(texts)[:_MAX_ERROR_CHARS]


# --- single answers --------------------------------------------------------------------------

_SERVICE_FIELDS = {
    "service", "id", "name", "type", "category", "rate", "min", "max", "refill", "cancel",
    "dripfeed", "desc", "description", "step",
}  # fmt: skip


def _scalar(value: Any) -> bool:
    return value is None or isinstance(value, (str, int, Decimal, float))


def parse_service(obj: Mapping[str, Any]) -> Service:
    raw_id = obj.get("service", obj.get("id"))
    if raw_id is None:
        raise MalformedAnswer("service without id")
    service_id = read_id(raw_id, "service id")
    rate = read_money(obj.get("rate"), "rate")
    if rate is None:
        raise MalformedAnswer("service without rate")
    minimum = read_count(obj.get("min"), "min")
    minimum = 1 if minimum is None else minimum
    maximum = read_count(obj.get("max"), "max")
    step = read_count(obj.get("step"), "step")
    return Service(
        id=service_id,
        name=_text(obj.get("name"), "name") or f"#{service_id}",
        type=_text(obj.get("type"), "type") or "Default",
        category=_text(obj.get("category"), "category") or "",
        rate=rate,
        min=minimum,
        max=max(minimum, maximum) if maximum is not None else minimum,
        refill=parse_bool(obj.get("refill")),
        cancel=parse_bool(obj.get("cancel")),
        dripfeed=parse_bool(obj.get("dripfeed")),
        description=_text(obj.get("description"), "description") or _text(obj.get("desc"), "desc"),
        step=step if step and step > 1 else None,
        # Plain values only: nested structures are of no use to the bot and, stored with
        # every catalogue, would cost memory and disk at a hostile panel's will.
        extra={k: v for k, v in obj.items() if k not in _SERVICE_FIELDS and _scalar(v)},
    )


def read_services(entries: Iterable[Any], max_services: int | None = None) -> tuple[list[Service], int, MalformedAnswer | None]:
    """(services, how many entries were skipped, the first skipped entry's problem).

    An unreadable entry is skipped, never fatal; more than `max_services` entries (readable
    or not) raise TooManyServices as soon as the first one too many is met.
    """
    services: list[Service] = []
    skipped, first_problem, count = 0, None, 0
    for count, entry in enumerate(entries, 1):
        if max_services is not None and count > max_services:
            raise TooManyServices(max_services)
        try:
            if not isinstance(entry, Mapping):
                raise MalformedAnswer("service entry is not an object", entry)
            services.append(parse_service(entry))
        except MalformedAnswer as problem:
            skipped += 1
            first_problem = first_problem or problem
    if count and not services:
        assert first_problem is not None  # every entry read was skipped, so one was a problem
        failure = MalformedAnswer(f"no readable service (the first: {first_problem.what})")
        failure.raw = first_problem.raw
        raise failure
    return services, skipped, first_problem


def _catalogue_entries(data: Any) -> list[Any]:
    if isinstance(data, Mapping):
        nested = next((data[k] for k in ("services", "data", "result") if isinstance(data.get(k), list)), None)
        return nested if nested is not None else list(data.values())
    if not isinstance(data, list):
        raise MalformedAnswer("services is not a list")
    return data


def parse_services(data: Any, max_services: int | None = None) -> list[Service]:
    """The catalogue from decoded JSON; entries we cannot read are skipped (logged)."""
    entries = _catalogue_entries(data)
    if max_services is not None and len(entries) > max_services:
        raise TooManyServices(max_services)
    services, skipped, problem = read_services(entries)
    if skipped:
        log.debug("panel services: skipped %d unreadable entries (first: %s)", skipped, problem and problem.what)
    return services


def read_services_body(
    body: bytes | bytearray, max_services: int | None = None
) -> tuple[list[Service], int, MalformedAnswer | None]:
    """`read_services` straight from a body: an array is decoded one entry at a time (see
    `iter_json_array`), so a catalogue too long stops at its first entry too many."""
    if starts_array(body):
        return read_services(iter_json_array(body), max_services)
    entries = _catalogue_entries(decode_body(body))
    if max_services is not None and len(entries) > max_services:
        raise TooManyServices(max_services)
    return read_services(entries)


def parse_order_status(obj: Mapping[str, Any]) -> OrderStatus:
    if not isinstance(obj, Mapping):
        raise MalformedAnswer("status answer is not an object", obj)
    raw_status = obj.get("status")
    if not isinstance(raw_status, str):
        raise MalformedAnswer("status", raw_status)
    return OrderStatus(
        charge=read_money(obj.get("charge"), "charge"),
        start_count=read_count(obj.get("start_count"), "start_count"),
        status=parse_order_state(raw_status),
        # Negative remains mean over-delivery (the spec); beyond -MAX_COUNT it is nonsense.
        remains=read_count(obj.get("remains"), "remains", low=-MAX_COUNT),
        currency=_currency(obj.get("currency")),
        raw_status=raw_status.strip(),
        posts=parse_int(obj.get("posts")),
    )


def parse_balance(data: Any) -> Balance:
    if not isinstance(data, Mapping) or _absent(data.get("balance")):
        raise MalformedAnswer("balance answer without balance")
    amount = read_money(data.get("balance"), "balance")
    return Balance(amount=amount, currency=_currency(data.get("currency")))  # type: ignore[arg-type]


def parse_add(data: Any) -> int:
    if not isinstance(data, Mapping) or data.get("order") is None:
        raise MalformedAnswer("add answer without order id")
    return read_id(data.get("order"), "order id")


def parse_refill(data: Any) -> int:
    if not isinstance(data, Mapping):
        raise MalformedAnswer("refill answer without refill id")
    return read_id(data.get("refill", data.get("id")), "refill id")


def parse_refill_status(data: Any) -> RefillStatus:
    raw = data.get("status") if isinstance(data, Mapping) else data
    if not isinstance(raw, str):
        raise MalformedAnswer("refill_status answer without status")
    return RefillStatus(state=parse_refill_state(raw), raw=raw.strip())


# --- batch answers ---------------------------------------------------------------------------


def _entries(data: Any, id_fields: Sequence[str]) -> Iterator[tuple[int, Any]]:
    """(id, value) pairs of a batch answer, object keyed by id or list of items."""
    if isinstance(data, Mapping):
        for key, value in data.items():
            item_id = parse_int(key)
            if item_id is not None:
                yield item_id, value
    elif isinstance(data, list):
        for item in data:
            if not isinstance(item, Mapping):
                continue
            item_id = next((parse_int(item[f]) for f in id_fields if f in item), None)
            if item_id is not None:
                yield item_id, item
    else:
        raise MalformedAnswer("batch answer is neither a list nor an object")


def _merge(
    ids: Iterable[int],
    data: Any,
    id_fields: Sequence[str],
    read: Callable[[Any], T | ItemError],
) -> dict[int, T | ItemError]:
    wanted = list(ids)
    found: dict[int, T | ItemError] = {}
    for item_id, value in _entries(data, id_fields):
        if item_id in wanted and item_id not in found:
            found[item_id] = read(value)
    # Every requested id gets an answer, so callers never KeyError on a panel's omission.
    return {i: found[i] if i in found else unreadable_item("no answer for this id") for i in wanted}


def _item_error(value: Any, classify: Classifier) -> ItemError | None:
    text = error_text(value)
    return ItemError(classify(text)) if text is not None else None


def unreadable_item(problem: MalformedAnswer | str, *raw: Any) -> ItemError:
    """One id's answer we cannot use; the raw value travels for the client's log only."""
    if isinstance(problem, str):
        problem = MalformedAnswer(problem, *raw)
    return ItemError(UnreadableAnswer(200, reason=problem.what, raw=problem.raw))


def parse_statuses_batch(
    data: Any, ids: Sequence[int], classify: Classifier = classify_error_text
) -> dict[int, OrderStatus | ItemError]:
    if isinstance(data, Mapping) and isinstance(data.get("status"), str) and len(ids) == 1:
        data = {str(ids[0]): data}  # a panel answering `orders=<one id>` like `order=<id>`

    def read(value: Any) -> OrderStatus | ItemError:
        if isinstance(value, Mapping):
            nested = value.get("status")
            failure = _item_error(value, classify) or _item_error(nested, classify)
            if failure:
                return failure
            if isinstance(nested, Mapping):  # {"order": 1, "status": {...fields...}}
                value = nested
        try:
            return parse_order_status(value)
        except MalformedAnswer as problem:
            return unreadable_item(problem)

    return _merge(ids, data, ("order", "id"), read)


def _field_of(value: Any, classify: Classifier, name: str, fallback: str) -> Any:
    """A mapping's `name` (else `fallback`) field, or the panel's error at either level as an
    ItemError; anything but a mapping is returned as it is."""
    if not isinstance(value, Mapping):
        return value
    failure = _item_error(value, classify)
    if failure:
        return failure
    value = value.get(name, value.get(fallback))
    return _item_error(value, classify) or value


def _refill_value(value: Any, classify: Classifier) -> int | ItemError:
    value = _field_of(value, classify, "refill", "id")
    if isinstance(value, ItemError):
        return value
    try:
        return read_id(value, "refill id")
    except MalformedAnswer as problem:
        return unreadable_item(problem)


def parse_refill_batch(
    data: Any, ids: Sequence[int], classify: Classifier = classify_error_text
) -> dict[int, int | ItemError]:
    if isinstance(data, Mapping) and "refill" in data:
        # subpro.vn answers `orders=` with one `{"refill": "1"}` for the whole request.
        shared = _refill_value(data, classify)
        return {i: shared for i in ids}
    return _merge(ids, data, ("order", "id"), lambda value: _refill_value(value, classify))


def parse_refill_status_batch(
    data: Any, ids: Sequence[int], classify: Classifier = classify_error_text
) -> dict[int, RefillStatus | ItemError]:
    if isinstance(data, Mapping) and isinstance(data.get("status"), str) and len(ids) == 1:
        data = {str(ids[0]): data}

    def read(value: Any) -> RefillStatus | ItemError:
        failure = _item_error(value, classify)
        if failure:
            return failure
        status = value.get("status") if isinstance(value, Mapping) else value
        failure = _item_error(status, classify)
        if failure:
            return failure
        if isinstance(status, str):
            return RefillStatus(state=parse_refill_state(status), raw=status.strip())
        return unreadable_item("refill status", status)

    return _merge(ids, data, ("refill", "id"), read)


def _cancel_value(value: Any, classify: Classifier) -> bool | ItemError:
    value = _field_of(value, classify, "cancel", "status")
    if isinstance(value, ItemError):
        return value
    if value is None or not isinstance(value, (str, int, Decimal)):
        return unreadable_item("cancel", value)
    if isinstance(value, str) and value.strip().casefold() not in {"0", "false", "no", ""}:
        return True  # "1", "true", "ok", "Canceled"...
    return parse_bool(value)


def parse_cancel_batch(
    data: Any, ids: Sequence[int], classify: Classifier = classify_error_text
) -> dict[int, bool | ItemError]:
    if isinstance(data, Mapping) and "cancel" in data and len(ids) == 1:
        return {ids[0]: _cancel_value(data, classify)}
    return _merge(ids, data, ("order", "id"), lambda value: _cancel_value(value, classify))
