"""Telegram's MarkdownV2 parse mode, ported from tdlib's `parse_markdown_v2`
(td/telegram/MessageEntity.cpp): same walk over UTF-8 bytes, same error messages
("Character '.' is reserved and must be escaped with the preceding '\\'",
"Can't find end of Bold entity at byte offset 0")."""

from __future__ import annotations

import re
from dataclasses import dataclass

from tests.fakebot.html import Entity, HtmlParseError, _check_link, _link_user_id, sort_entities

__all__ = ["parse_markdown_v2"]

_RESERVED = frozenset(b"_*[]()~`>#+-=|{}.!\n")
_CODE_RESERVED = frozenset(b"`")
_SPACES = frozenset(b" \t\r\n\x00\x0b\x0c")
_NAMES = {
    "bold": "Bold", "italic": "Italic", "underline": "Underline", "strikethrough": "Strikethrough",
    "spoiler": "Spoiler", "code": "Code", "pre": "Pre", "pre_code": "PreCode", "text_url": "TextUrl",
    "custom_emoji": "CustomEmoji", "blockquote": "BlockQuote", "expandable_blockquote": "ExpandableBlockQuote",
}
_EMOJI_URL = re.compile(r"tg://emoji\?id=(\d+)")


class MarkdownParseError(HtmlParseError):
    """Invalid MarkdownV2 (shares HtmlParseError's role: message without the Bot API prefix)."""


@dataclass
class _Open:
    type: str
    argument: str
    offset: int  # code points of the result
    byte_offset: int  # in the source
    begin_pos: int  # byte position in the result


def _reserved(c: int) -> MarkdownParseError:
    return MarkdownParseError(f"Character '{chr(c)}' is reserved and must be escaped with the preceding '\\'")


def _unclosed(opened: _Open) -> MarkdownParseError:
    return MarkdownParseError(f"Can't find end of {_NAMES[opened.type]} entity at byte offset {opened.byte_offset}")


def parse_markdown_v2(text: str) -> tuple[str, list[Entity]]:
    """Parse MarkdownV2. Returns (plain text, entities); raises MarkdownParseError."""
    data = text.encode("utf-8", "surrogatepass")
    n = len(data)

    def at(i: int) -> int:
        return data[i] if 0 <= i < n else 0

    def read_url(i: int) -> tuple[str, int]:
        url = bytearray()
        while i < n and data[i] != ord(")"):
            if data[i] == ord("\\") and 0 < at(i + 1) <= 126:
                url.append(at(i + 1))
                i += 2
                continue
            url.append(data[i])
            i += 1
        return url.decode("utf-8", "replace"), i

    result = bytearray()
    offset = 0
    entities: list[Entity] = []
    nested: list[_Open] = []
    have_blockquote = False
    can_start_blockquote = True
    i = 0
    while i < n:
        c = data[i]
        if c == ord("\\") and 0 < at(i + 1) <= 126:
            i += 1
            offset += 1
            result.append(data[i])
            if data[i] != ord("\r"):
                can_start_blockquote = data[i] == ord("\n")
            i += 1
            continue
        in_code = bool(nested) and nested[-1].type in ("code", "pre", "pre_code")
        if c not in (_CODE_RESERVED if in_code else _RESERVED):
            if c & 0xC0 != 0x80:
                offset += 1
                if c != ord("\r"):
                    can_start_blockquote = False
            result.append(c)
            i += 1
            continue

        if not nested:
            is_end = False
        elif have_blockquote and c == ord("\n") and (i + 1 == n or at(i + 1) != ord(">")):
            is_end = True
        else:
            kind = nested[-1].type
            nxt, nxt2 = at(i + 1), at(i + 2)
            is_end = {
                "bold": c == ord("*"),
                "italic": c == ord("_") and nxt != ord("_"),
                "code": c == ord("`"),
                "pre": c == ord("`") and nxt == ord("`") and nxt2 == ord("`"),
                "pre_code": c == ord("`") and nxt == ord("`") and nxt2 == ord("`"),
                "text_url": c == ord("]"),
                "underline": c == ord("_") and nxt == ord("_"),
                "strikethrough": c == ord("~"),
                "spoiler": c == ord("|") and nxt == ord("|"),
                "custom_emoji": c == ord("]"),
                "blockquote": False,
            }[kind]

        if not is_end:
            kind_opt: str | None
            argument = ""
            byte_offset = i
            ch = chr(c)
            if ch == "_":
                if at(i + 1) == ord("_"):
                    kind_opt = "underline"
                    i += 1
                else:
                    kind_opt = "italic"
            elif ch == "*":
                kind_opt = "bold"
            elif ch == "~":
                kind_opt = "strikethrough"
            elif ch == "|":
                if at(i + 1) != ord("|"):
                    raise _reserved(c)
                i += 1
                kind_opt = "spoiler"
            elif ch == "[":
                kind_opt = "text_url"
            elif ch == "`":
                if at(i + 1) == ord("`") and at(i + 2) == ord("`"):
                    i += 3
                    kind_opt = "pre"
                    language_end = i
                    while at(language_end) not in _SPACES and at(language_end) != ord("`"):
                        language_end += 1
                    if i != language_end and language_end < n and at(language_end) != ord("`"):
                        kind_opt = "pre_code"
                        argument = data[i:language_end].decode("utf-8", "replace")
                        i = language_end
                    if at(i) in (ord("\n"), ord("\r")):
                        if at(i + 1) in (ord("\n"), ord("\r")) and at(i) != at(i + 1):
                            i += 2
                        else:
                            i += 1
                    i -= 1
                else:
                    kind_opt = "code"
            elif ch == "!":
                if at(i + 1) != ord("["):
                    raise _reserved(c)
                i += 1
                kind_opt = "custom_emoji"
            elif ch == "\n":
                offset += 1
                result.append(c)
                can_start_blockquote = True
                kind_opt = None
            elif ch == ">":
                if not can_start_blockquote:
                    raise _reserved(c)
                if have_blockquote:
                    kind_opt = None
                else:
                    kind_opt = "blockquote"
                    have_blockquote = True
            else:
                raise _reserved(c)
            if kind_opt is not None:
                nested.append(_Open(kind_opt, argument, offset, byte_offset, len(result)))
            i += 1
            continue

        # The end of an entity.
        kind = nested[-1].type
        if c == ord("\n") and kind != "blockquote":
            top = nested[-1]
            expandable_mark = top.byte_offset == i - 2 or (
                top.byte_offset == i - 3 and result and result[-1] == ord("\r")
            )
            if kind != "spoiler" or not expandable_mark:
                raise _unclosed(top)
            nested.pop()
            if nested[-1].type != "blockquote":
                raise _unclosed(nested[-1])
            kind = "expandable_blockquote"
        top = nested[-1]
        argument = top.argument
        user_id: int | None = None
        emoji_id: str | None = None
        skip = offset == top.offset
        if kind in ("underline", "spoiler"):
            i += 1
        elif kind in ("pre", "pre_code"):
            i += 2
        elif kind == "text_url":
            if at(i + 1) != ord("("):
                url = result[top.begin_pos :].decode("utf-8", "replace")
            else:
                url_begin = i + 2
                url, i = read_url(url_begin)
                if at(i) != ord(")"):
                    raise MarkdownParseError(f"Can't find end of a URL at byte offset {url_begin}")
            user_id = _link_user_id(url)
            if user_id is None:
                checked = _check_link(url)
                if checked is None:
                    skip = True
                else:
                    argument = checked
        elif kind == "custom_emoji":
            if at(i + 1) != ord("("):
                raise MarkdownParseError("Custom emoji entity must contain a tg://emoji URL")
            url_begin = i + 2
            url, i = read_url(url_begin)
            if at(i) != ord(")"):
                raise MarkdownParseError(f"Can't find end of a custom emoji URL at byte offset {url_begin}")
            match = _EMOJI_URL.fullmatch(url)
            if match is None or int(match.group(1)) == 0:
                raise MarkdownParseError("Invalid custom emoji identifier specified")
            emoji_id = match.group(1)
        elif kind in ("blockquote", "expandable_blockquote"):
            have_blockquote = False
            result.append(c)
            can_start_blockquote = True
            offset += 1
            skip = False
        if not skip:
            entities.append(_entity(kind, top.offset, offset, argument, user_id, emoji_id))
        nested.pop()
        i += 1

    if have_blockquote:
        kind = "blockquote"
        if nested and nested[-1].type == "spoiler" and nested[-1].byte_offset == n - 2:
            nested.pop()
            kind = "expandable_blockquote"
        if nested and nested[-1].type == "blockquote":
            if offset != nested[-1].offset:
                entities.append(_entity(kind, nested[-1].offset, offset, "", None, None))
            nested.pop()
    if nested:
        raise _unclosed(nested[-1])
    return result.decode("utf-8", "surrogatepass"), sort_entities(entities)


def _entity(kind: str, start: int, end: int, argument: str, user_id: int | None, emoji_id: str | None) -> Entity:
    if user_id is not None:
        return Entity("text_mention", start, end, user_id=user_id)
    if kind == "text_url":
        return Entity("text_link", start, end, url=argument)
    if kind == "pre_code":
        return Entity("pre", start, end, language=argument)
    if kind == "custom_emoji":
        return Entity("custom_emoji", start, end, custom_emoji_id=emoji_id)
    return Entity(kind, start, end)
