"""Ids typed by users or carried in callback data: ASCII digits only, within SQLite's range.

`str.isdigit()` accepts "²" and other digits `int()` refuses, and a forged button can carry
a number larger than SQLite's 64-bit integers; both would crash a handler.
"""

from __future__ import annotations

from dataclasses import dataclass, field

MAX_ID = 2**63 - 1


def parse_id(text: str | None) -> int | None:
    """A positive id from `123` or `#123`; None for anything else."""
    text = (text or "").strip().lstrip("#")
    if not text or not text.isascii() or not text.isdigit():
        return None
    value = int(text)
    return value if 0 < value <= MAX_ID else None


@dataclass
class TypedIds:
    """What a user typed where order ids were expected."""

    ids: list[int] = field(default_factory=list)  # distinct, in the order typed
    invalid: list[str] = field(default_factory=list)  # words that are no id ("abc", "12x", "0"), once each


def split_ids(text: str, limit: int = 1000) -> TypedIds:
    """Order ids from `123,456 789` or `#123`, and every word that is not one, so that each
    gets an answer instead of being dropped. At most `limit` of each are kept."""
    typed = TypedIds()
    seen: set[int] = set()
    for chunk in text.replace(",", " ").replace(";", " ").split():
        value = parse_id(chunk)
        if value is None:
            if chunk not in typed.invalid and len(typed.invalid) < limit:
                typed.invalid.append(chunk)
        elif value not in seen and len(typed.ids) < limit:
            seen.add(value)
            typed.ids.append(value)
    return typed


def parse_ids(text: str, limit: int = 1000) -> list[int]:
    """Order ids from `123,456 789` or `#123`; duplicates dropped, order kept, the rest ignored."""
    return split_ids(text, limit).ids
