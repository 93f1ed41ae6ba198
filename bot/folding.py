"""Text folded for searching: shared by the catalogue search (bot.core) and the order search
(bot.storage, which keeps each order's folded text), so both find the same things."""

from __future__ import annotations

import unicodedata


def fold(text: str) -> str:
    """Lower-case and strip Vietnamese diacritics so `luot xem` finds `Lượt xem`."""
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
