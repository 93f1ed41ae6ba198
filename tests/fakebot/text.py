"""Message text as Telegram sees it: parse mode, clean-up and trimming, length limits.

Follows tdlib: `parse_html` or `parse_markdown_v2` (legacy Markdown is taken as plain text), then
`fix_formatted_text` (control characters become spaces, `\\r` disappears, leading/trailing spaces
and newlines are trimmed, entities made of spaces only are dropped), then the 4096-character limit
counted in code points of the final text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tests.fakebot.errors import ApiError
from tests.fakebot.html import Entity, HtmlParseError, parse_html, sort_entities
from tests.fakebot.markdown import parse_markdown_v2

MAX_MESSAGE_LENGTH = 4096

# Characters tdlib removes outright: U+2028..U+202E (line/paragraph separators, bidi embeddings)
# and three combining "vertical line" marks.
_REMOVED = frozenset(chr(c) for c in (*range(0x2028, 0x202F), 0x0333, 0x033F, 0x030A))


def utf16_len(text: str) -> int:
    return sum(2 if ord(ch) > 0xFFFF else 1 for ch in text)


@dataclass(frozen=True)
class FormattedText:
    """Plain text after parsing, with entities (code-point offsets)."""

    text: str
    entities: tuple[Entity, ...] = ()

    def entities_json(self) -> list[dict[str, Any]]:
        """Entities as the Bot API returns them (UTF-16 offsets)."""
        out: list[dict[str, Any]] = []
        for e in self.entities:
            item: dict[str, Any] = {
                "type": e.type,
                "offset": utf16_len(self.text[: e.start]),
                "length": utf16_len(self.text[e.start : e.end]),
            }
            if e.url is not None:
                item["url"] = e.url
            if e.language:
                item["language"] = e.language
            if e.custom_emoji_id is not None:
                item["custom_emoji_id"] = e.custom_emoji_id
            if e.user_id is not None:
                item["user"] = {"id": e.user_id, "is_bot": False, "first_name": ""}
            out.append(item)
        return out


def _entities_from_json(text: str, raw: Any) -> list[Entity]:
    """Entities given explicitly (parse_mode absent), converted from UTF-16 to code points."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise ApiError(400, "Bad Request: can't parse entities JSON object")
    # Map UTF-16 offsets to code-point offsets.
    boundaries: dict[int, int] = {}
    u16 = 0
    for index, ch in enumerate(text):
        boundaries[u16] = index
        u16 += 2 if ord(ch) > 0xFFFF else 1
    boundaries[u16] = len(text)
    entities: list[Entity] = []
    for item in raw:
        if not isinstance(item, dict) or "type" not in item:
            raise ApiError(400, "Bad Request: can't parse MessageEntity: field \"type\" must be of type String")
        offset, length = item.get("offset"), item.get("length")
        if not isinstance(offset, int) or not isinstance(length, int):
            raise ApiError(400, "Bad Request: can't parse MessageEntity: field \"offset\" must be of type Number")
        start, end = boundaries.get(offset), boundaries.get(offset + length)
        if start is None or end is None or length <= 0:
            continue  # tdlib silently drops entities outside the text
        entities.append(
            Entity(
                str(item["type"]), start, end,
                url=item.get("url"), language=item.get("language"),
                custom_emoji_id=item.get("custom_emoji_id"),
                user_id=(item.get("user") or {}).get("id"),
            )
        )
    return sort_entities(entities)


def fix_formatted_text(text: str, entities: list[Entity]) -> FormattedText | None:
    """tdlib's clean-up and trimming; None when nothing but whitespace is left."""
    kept: list[str] = []
    new_index: list[int] = []  # old code-point index -> new index (before trimming)
    for ch in text:
        new_index.append(len(kept))
        if ch == "\r" or ch in _REMOVED:
            continue
        kept.append(" " if (ord(ch) < 32 and ch != "\n") else ch)
    new_index.append(len(kept))
    cleaned = "".join(kept)

    remapped = []
    for e in entities:
        start, end = new_index[e.start], new_index[e.end]
        if end > start and cleaned[start:end].strip(" \n"):
            remapped.append(e.moved(start, end))

    stripped_right = cleaned.rstrip(" \n")
    if not stripped_right:
        return None
    right = len(stripped_right)
    first_entity = min((e.start for e in remapped), default=right)
    left = 0
    while left < first_entity and left < right and cleaned[left] in " \n":
        left += 1
    final = []
    for e in remapped:
        start, end = e.start - left, min(e.end, right) - left
        if end > start:
            final.append(e.moved(start, end))
    return FormattedText(cleaned[left:right], tuple(sort_entities(final)))


def prepare_text(
    text: str | None,
    parse_mode: str | None,
    entities_param: Any = None,
    *,
    strict_ampersand: bool = True,
) -> FormattedText:
    """Validate and format a message text like sendMessage/editMessageText do; raises ApiError."""
    if not text:
        raise ApiError(400, "Bad Request: message text is empty")
    mode = (parse_mode or "").strip().lower()
    if mode == "html":
        try:
            plain, entities = parse_html(text, strict_ampersand=strict_ampersand)
        except HtmlParseError as exc:
            raise ApiError(400, f"Bad Request: can't parse entities: {exc}") from None
    elif mode in ("", "none"):
        plain, entities = text, _entities_from_json(text, entities_param)
    elif mode == "markdownv2":
        try:
            plain, entities = parse_markdown_v2(text)
        except HtmlParseError as exc:
            raise ApiError(400, f"Bad Request: can't parse entities: {exc}") from None
    elif mode == "markdown":
        # Legacy Markdown is not validated by the fake: kept as plain text.
        plain, entities = text, []
    else:
        raise ApiError(400, "Bad Request: unsupported parse_mode")
    formatted = fix_formatted_text(plain, list(entities))
    if formatted is None:
        raise ApiError(400, "Bad Request: message must be non-empty")
    if len(formatted.text) > MAX_MESSAGE_LENGTH:
        raise ApiError(400, "Bad Request: message is too long")
    return formatted
