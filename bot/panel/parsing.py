"""Tolerant parsing of panel answers (every variation listed in the API spec).

Functions here take already-decoded JSON (see `decode_body`) and return typed models.
A shape we cannot use raises `MalformedAnswer`; the client turns that into the right
`PanelError` for the action. Per-id errors inside batches become `ItemError` values.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from bot.panel.errors import PanelError, UnrecognisedError, classify_error_text
from bot.panel.models import Balance, ItemError, OrderState, OrderStatus, RefillState, RefillStatus, Service

__all__ = [
    "MalformedAnswer",
    "NotJson",
    "decode_body",
    "error_text",
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
]

log = logging.getLogger("bot.panel")

Classifier = Callable[[str], PanelError]
T = TypeVar("T")


class NotJson(ValueError):
    """The body is not JSON (HTML error page, empty body, truncated answer)."""


class MalformedAnswer(ValueError):
    """JSON, but not the shape the action answers with."""


# --- bodies and scalars ----------------------------------------------------------------------


def decode_body(body: bytes) -> Any:
    """Decode a panel answer; tolerates a UTF-8 BOM and surrounding whitespace.

    Floats become `Decimal` so that money never passes through binary floating point.
    """
    text = body.decode("utf-8-sig", errors="replace").strip().lstrip("\ufeff")
    if not text:
        raise NotJson("empty body")
    try:
        return json.loads(text, parse_float=Decimal)
    except ValueError:
        raise NotJson("not JSON") from None


_EDGE_JUNK_RE = re.compile(r"^[^\d+\-.,]+|[^\d.,]+$")
_GROUPED_RE = re.compile(r"^[+-]?\d{1,3}(,\d{3})+$")


def _normalise_number_text(raw: str) -> str:
    text = re.sub(r"[\s\u00a0\u202f']", "", raw)
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
    """A whole number ("200", 200, "200.0", "-2", "1,000"); None for empty, null or garbage."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    number = parse_decimal(value)
    if number is None:
        return None
    return int(number)  # truncates a stray fraction ("10.7") rather than rejecting the answer


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


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def error_text(value: Any) -> str | None:
    """The error text if `value` is an error object (`{"error": ...}`), else None."""
    if not isinstance(value, Mapping) or "error" not in value:
        return None
    err = value["error"]
    if isinstance(err, Mapping):
        err = err.get("message") or err.get("text") or next((v for v in err.values() if isinstance(v, str)), "")
    elif isinstance(err, list):
        err = "; ".join(str(item) for item in err)
    if err is None or err is False:
        return None  # {"error": null} from some panels means "no error"
    return str(err).strip() or "error"


# --- single answers --------------------------------------------------------------------------

_SERVICE_FIELDS = {
    "service", "id", "name", "type", "category", "rate", "min", "max", "refill", "cancel",
    "dripfeed", "desc", "description", "step",
}  # fmt: skip


def parse_service(obj: Mapping[str, Any]) -> Service:
    service_id = parse_int(obj.get("service", obj.get("id")))
    rate = parse_decimal(obj.get("rate"))
    if service_id is None or rate is None:
        raise MalformedAnswer("service without id or rate")
    minimum = parse_int(obj.get("min"))
    minimum = 1 if minimum is None else minimum
    maximum = parse_int(obj.get("max"))
    step = parse_int(obj.get("step"))
    return Service(
        id=service_id,
        name=_text(obj.get("name")) or f"#{service_id}",
        type=_text(obj.get("type")) or "Default",
        category=_text(obj.get("category")) or "",
        rate=rate,
        min=minimum,
        max=max(minimum, maximum) if maximum is not None else minimum,
        refill=parse_bool(obj.get("refill")),
        cancel=parse_bool(obj.get("cancel")),
        dripfeed=parse_bool(obj.get("dripfeed")),
        description=_text(obj.get("description")) or _text(obj.get("desc")),
        step=step if step and step > 1 else None,
        extra={k: v for k, v in obj.items() if k not in _SERVICE_FIELDS},
    )


def parse_services(data: Any) -> list[Service]:
    """The catalogue; entries we cannot read are skipped (logged), never fatal."""
    entries: Any = data
    if isinstance(data, Mapping):
        nested = next((data[k] for k in ("services", "data", "result") if isinstance(data.get(k), list)), None)
        entries = nested if nested is not None else list(data.values())
    if not isinstance(entries, list):
        raise MalformedAnswer("services is not a list")
    services: list[Service] = []
    skipped = 0
    for entry in entries:
        try:
            if not isinstance(entry, Mapping):
                raise MalformedAnswer("service entry is not an object")
            services.append(parse_service(entry))
        except MalformedAnswer:
            skipped += 1
    if skipped:
        log.debug("panel services: skipped %d unreadable entries", skipped)
    if entries and not services:
        raise MalformedAnswer("no readable service")
    return services


def parse_order_status(obj: Mapping[str, Any]) -> OrderStatus:
    raw_status = obj.get("status")
    if not isinstance(raw_status, str):
        raise MalformedAnswer("status answer without status")
    return OrderStatus(
        charge=parse_decimal(obj.get("charge")),
        start_count=parse_int(obj.get("start_count")),
        status=parse_order_state(raw_status),
        remains=parse_int(obj.get("remains")),
        currency=_text(obj.get("currency")),
        raw_status=raw_status.strip(),
        posts=parse_int(obj.get("posts")),
    )


def parse_balance(data: Any) -> Balance:
    amount = parse_decimal(data.get("balance")) if isinstance(data, Mapping) else None
    if amount is None:
        raise MalformedAnswer("balance answer without balance")
    return Balance(amount=amount, currency=_text(data.get("currency")))


def parse_add(data: Any) -> int:
    order_id = parse_int(data.get("order")) if isinstance(data, Mapping) else None
    if order_id is None or order_id <= 0:
        raise MalformedAnswer("add answer without order id")
    return order_id


def parse_refill(data: Any) -> int:
    refill_id = parse_int(data.get("refill", data.get("id"))) if isinstance(data, Mapping) else None
    if refill_id is None:
        raise MalformedAnswer("refill answer without refill id")
    return refill_id


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
    return {i: found.get(i, ItemError(UnrecognisedError(None))) for i in wanted}


def _item_error(value: Any, classify: Classifier) -> ItemError | None:
    text = error_text(value)
    return ItemError(classify(text)) if text is not None else None


def _unreadable(value: Any) -> ItemError:
    return ItemError(UnrecognisedError(None))


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
            except MalformedAnswer:
                pass
        return _unreadable(value)

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
    refill_id = parse_int(value)
    return refill_id if refill_id is not None else _unreadable(value)


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
        return _unreadable(value)

    return _merge(ids, data, ("refill", "id"), read)


def _cancel_value(value: Any, classify: Classifier) -> bool | ItemError:
    value = _field_of(value, classify, "cancel", "status")
    if isinstance(value, ItemError):
        return value
    if value is None:
        return _unreadable(value)
    if isinstance(value, str) and value.strip().casefold() not in {"0", "false", "no", ""}:
        return True  # "1", "true", "ok", "Canceled"...
    return parse_bool(value)


def parse_cancel_batch(
    data: Any, ids: Sequence[int], classify: Classifier = classify_error_text
) -> dict[int, bool | ItemError]:
    if isinstance(data, Mapping) and "cancel" in data and len(ids) == 1:
        return {ids[0]: _cancel_value(data, classify)}
    return _merge(ids, data, ("order", "id"), lambda value: _cancel_value(value, classify))
