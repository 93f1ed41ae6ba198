"""JSON that round-trips the values the bot keeps: Decimal, tuples and dicts with non-str keys.

Plain JSON would turn Decimal into float (wrong for money), tuples into lists and int dict keys
into strings. Such values are written as one-key tagged objects; a real dict that happens to look
like a tag is written in the `$items` form, so decoding is always faithful. No pickle: the
database never holds code-executing data.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

_DECIMAL = "$decimal"
_TUPLE = "$tuple"
_ITEMS = "$items"
_TAGS = frozenset({_DECIMAL, _TUPLE, _ITEMS})


def _encode(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, Decimal):
        return {_DECIMAL: str(value)}
    if isinstance(value, tuple):
        return {_TUPLE: [_encode(item) for item in value]}
    if isinstance(value, list):
        return [_encode(item) for item in value]
    if isinstance(value, dict):
        looks_like_tag = len(value) == 1 and next(iter(value)) in _TAGS
        if not looks_like_tag and all(isinstance(key, str) for key in value):
            return {key: _encode(item) for key, item in value.items()}
        return {_ITEMS: [[_encode(key), _encode(item)] for key, item in value.items()]}
    raise TypeError(f"cannot store a value of type {type(value).__name__} as JSON")


def _decode_object(obj: dict[str, Any]) -> Any:
    if len(obj) == 1:
        ((tag, payload),) = obj.items()
        if tag == _DECIMAL:
            return Decimal(payload)
        if tag == _TUPLE:
            return tuple(payload)
        if tag == _ITEMS:
            return {key: item for key, item in payload}
    return obj


def dumps(value: Any) -> str:
    return json.dumps(_encode(value), ensure_ascii=False, separators=(",", ":"))


def loads(text: str) -> Any:
    return json.loads(text, object_hook=_decode_object)
