"""Ids typed by users or carried in callback data: ASCII digits only, within SQLite's range.

`str.isdigit()` accepts "²" and other digits `int()` refuses, and a forged button can carry
a number larger than SQLite's 64-bit integers; both would crash a handler.
"""

from __future__ import annotations

MAX_ID = 2**63 - 1


def parse_id(text: str | None) -> int | None:
    """A positive id from `123` or `#123`; None for anything else."""
    text = (text or "").strip().lstrip("#")
    if not text or not text.isascii() or not text.isdigit():
        return None
    value = int(text)
    return value if 0 < value <= MAX_ID else None


def parse_ids(text: str, limit: int = 1000) -> list[int]:
    """Order ids from `123,456 789` or `#123`; duplicates dropped, order kept."""
    seen: dict[int, None] = {}
    for chunk in text.replace(",", " ").replace(";", " ").split():
        value = parse_id(chunk)
        if value is not None:
            seen.setdefault(value, None)
            if len(seen) >= limit:
                break
    return list(seen)
