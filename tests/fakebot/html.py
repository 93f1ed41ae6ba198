"""Telegram's HTML parse mode, ported from tdlib's `parse_html` (td/telegram/MessageEntity.cpp).

The walk is done over the UTF-8 bytes of the text, exactly like tdlib, so error messages carry the
same byte offsets Telegram reports ("Unsupported start tag "foo" at byte offset 12").

One deliberate difference: Telegram keeps a bare `&` that does not start a recognised entity as a
literal character. With `strict_ampersand=True` (the fake's default) such an `&` in the text is
refused with "Character entity expected at byte offset N", because a bot that forgets to escape
`&` forgets to escape `<` too, and the test data rarely contains a `<`.
Attribute values (URLs) keep Telegram's lenient behaviour.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Entity", "HtmlParseError", "parse_html", "SUPPORTED_TAGS"]

SUPPORTED_TAGS = frozenset(
    {
        "a", "b", "strong", "i", "em", "s", "strike", "del", "u", "ins",
        "tg-spoiler", "tg-emoji", "span", "pre", "code", "blockquote",
    }
)

# tdlib's is_space() is true for the NUL that terminates a C string; the parser relies on it.
_SPACES = frozenset(b" \t\r\n\x00\x0b\x0c")
_LT, _GT, _SLASH, _AMP, _EQ, _QUOT, _APOS, _SEMI, _HASH = b"<>/&=\"';#"


class HtmlParseError(Exception):
    """The text is not valid Telegram HTML. `str(error)` is tdlib's message (no prefix)."""


@dataclass(frozen=True)
class Entity:
    """A formatting entity. Offsets are in code points of the parsed text (not UTF-16)."""

    type: str
    start: int
    end: int
    url: str | None = None
    language: str | None = None
    custom_emoji_id: str | None = None
    user_id: int | None = None

    def moved(self, start: int, end: int) -> Entity:
        return Entity(self.type, start, end, self.url, self.language, self.custom_emoji_id, self.user_id)


_TYPE_PRIORITY = {
    "bold": 90, "italic": 91, "code": 20, "pre": 11, "text_link": 49, "text_mention": 49,
    "underline": 92, "strikethrough": 93, "blockquote": 0, "expandable_blockquote": 0,
    "spoiler": 94, "custom_emoji": 99,
}


def sort_entities(entities: list[Entity]) -> list[Entity]:
    """tdlib's order: by offset, longer first, then by type priority."""
    return sorted(entities, key=lambda e: (e.start, -(e.end - e.start), _TYPE_PRIORITY.get(e.type, 50)))


def _decode_entity(data: bytes, pos: int) -> tuple[int, int]:
    """(code point, position after the entity), or (0, pos) if `data[pos]` starts no entity."""
    n = len(data)

    def at(i: int) -> int:
        return data[i] if i < n else 0

    end = pos + 1
    code = 0
    if at(pos + 1) == _HASH:
        end += 1
        if at(pos + 2) == ord("x"):
            end += 1
            while chr(at(end)) in "0123456789abcdefABCDEF" and at(end) != 0:
                code = code * 16 + int(chr(at(end)), 16)
                end += 1
        else:
            while ord("0") <= at(end) <= ord("9"):
                code = code * 10 + at(end) - ord("0")
                end += 1
        if code == 0 or code >= 0x10FFFF or end - pos >= 10:
            return 0, pos
    else:
        while chr(at(end)).isascii() and chr(at(end)).isalpha():
            end += 1
        name = data[pos + 1 : end]
        code = {b"lt": ord("<"), b"gt": ord(">"), b"amp": ord("&"), b"quot": ord('"')}.get(name, 0)
        if code == 0:
            return 0, pos
    if at(end) == _SEMI:
        end += 1
    return code, end


def _encode(code: int) -> bytes:
    return chr(code).encode("utf-8", "surrogatepass")


def _is_alnum(c: int) -> bool:
    return c != 0 and chr(c).isascii() and chr(c).isalnum()


def _check_link(url: str) -> str | None:
    """A loose stand-in for tdlib's LinkManager::get_checked_link: None drops the link silently."""
    url = url.strip()
    if not url or any(ch.isspace() for ch in url):
        return None
    scheme, sep, rest = url.partition("://")
    if sep:
        if scheme.lower() in ("http", "https", "tg", "ton", "ftp") and rest:
            return url
        return None
    if ":" not in url and "." in url:
        return "http://" + url
    return None


def _link_user_id(url: str) -> int | None:
    prefix = "tg://user?id="
    if url.lower().startswith(prefix) and url[len(prefix) :].isdigit():
        return int(url[len(prefix) :])
    return None


@dataclass
class _Open:
    tag: str
    argument: str
    offset: int  # in code points of the result


def parse_html(text: str, *, strict_ampersand: bool = True) -> tuple[str, list[Entity]]:
    """Parse Telegram HTML. Returns (plain text, entities); raises HtmlParseError."""
    data = text.encode("utf-8", "surrogatepass")
    n = len(data)

    def at(i: int) -> int:
        return data[i] if i < n else 0

    result = bytearray()
    offset = 0  # code points emitted so far
    entities: list[Entity] = []
    nested: list[_Open] = []
    i = 0
    while i < n:
        c = data[i]
        if c == _AMP:
            code, after = _decode_entity(data, i)
            if code:
                result += _encode(code)
                offset += 1
                i = after
                continue
            if strict_ampersand:
                raise HtmlParseError(f"Character entity expected at byte offset {i}")
        if c != _LT:
            if c & 0xC0 != 0x80:
                offset += 1
            result.append(c)
            i += 1
            continue

        begin = i
        i += 1
        if at(i) != _SLASH:
            while at(i) not in _SPACES and at(i) != _GT:
                i += 1
            if at(i) == 0:
                raise HtmlParseError(f"Unclosed start tag at byte offset {begin}")
            tag = data[begin + 1 : i].lower().decode("utf-8", "replace")
            if tag not in SUPPORTED_TAGS:
                raise HtmlParseError(f'Unsupported start tag "{tag}" at byte offset {begin}')
            argument = ""
            while at(i) != _GT:
                while at(i) != 0 and at(i) in _SPACES:
                    i += 1
                if at(i) == _GT:
                    break
                attr_begin = i
                while at(i) not in _SPACES and at(i) not in (_EQ, _GT, _SLASH, _QUOT, _APOS):
                    i += 1
                attr_name = data[attr_begin:i]
                if not attr_name:
                    raise HtmlParseError(f'Empty attribute name in the tag "{tag}" at byte offset {begin}')
                while at(i) != 0 and at(i) in _SPACES:
                    i += 1
                if at(i) != _EQ:
                    if at(i) == 0:
                        raise HtmlParseError(f'Unclosed start tag "{tag}" at byte offset {begin}')
                    if tag == "blockquote" and attr_name == b"expandable":
                        argument = "1"
                    continue
                i += 1
                while at(i) != 0 and at(i) in _SPACES:
                    i += 1
                if at(i) == 0:
                    raise HtmlParseError(f'Unclosed start tag "{tag}" at byte offset {begin}')
                if at(i) not in (_QUOT, _APOS):
                    token_begin = i
                    while _is_alnum(at(i)) or at(i) in (ord("."), ord("-")):
                        i += 1
                    value = data[token_begin:i].lower().decode("utf-8", "replace")
                    if at(i) not in _SPACES and at(i) != _GT:
                        raise HtmlParseError(f"Unexpected end of name token at byte offset {token_begin}")
                else:
                    quote = at(i)
                    i += 1
                    buf = bytearray()
                    while at(i) != quote and at(i) != 0:
                        if at(i) == _AMP:
                            code, after = _decode_entity(data, i)
                            if code:
                                buf += _encode(code)
                                i = after
                                continue
                        buf.append(at(i))
                        i += 1
                    if at(i) == quote:
                        i += 1
                    value = buf.decode("utf-8", "replace")
                if at(i) == 0:
                    raise HtmlParseError(f"Unclosed start tag at byte offset {begin}")
                if tag == "a" and attr_name == b"href":
                    argument = value
                elif tag == "code" and attr_name == b"class" and value.startswith("language-"):
                    argument = value[len("language-") :]
                elif tag == "span" and attr_name == b"class" and value.startswith("tg-"):
                    argument = value[len("tg-") :]
                elif tag == "tg-emoji" and attr_name == b"emoji-id":
                    argument = value
                elif tag == "blockquote" and attr_name == b"expandable":
                    argument = "1"
            if tag == "span" and argument != "spoiler":
                raise HtmlParseError(f'Tag "span" must have class "tg-spoiler" at byte offset {begin}')
            nested.append(_Open(tag, argument, offset))
            i += 1  # past '>'
            continue

        # An end tag.
        if not nested:
            raise HtmlParseError(f"Unexpected end tag at byte offset {begin}")
        while at(i) not in _SPACES and at(i) != _GT:
            i += 1
        end_tag = data[begin + 2 : i].lower().decode("utf-8", "replace")
        while at(i) in _SPACES and at(i) != 0:
            i += 1
        if at(i) != _GT:
            raise HtmlParseError(f"Unclosed end tag at byte offset {begin}")
        opened = nested[-1]
        if end_tag and end_tag != opened.tag:
            raise HtmlParseError(
                f'Unmatched end tag at byte offset {begin}, expected "</{opened.tag}>", found "</{end_tag}>"'
            )
        if offset > opened.offset:
            _close_entity(opened, offset, result, entities)
        nested.pop()
        i += 1  # past '>'

    if nested:
        raise HtmlParseError(f'Can\'t find end tag corresponding to start tag "{nested[-1].tag}"')
    plain = result.decode("utf-8", "surrogatepass")
    try:
        plain.encode("utf-8")
    except UnicodeEncodeError:
        raise HtmlParseError(
            "Text contains invalid Unicode characters after decoding HTML entities, "
            "check for unmatched surrogate code units"
        ) from None
    # tdlib keeps a <code class="language-..."> language only when it pairs up with a <pre>.
    entities = [Entity("code", e.start, e.end) if e.type == "code" else e for e in entities]
    return plain, sort_entities(entities)


def _close_entity(opened: _Open, end: int, result: bytearray, entities: list[Entity]) -> None:
    start, tag, argument = opened.offset, opened.tag, opened.argument
    simple = {
        "i": "italic", "em": "italic", "b": "bold", "strong": "bold",
        "s": "strikethrough", "strike": "strikethrough", "del": "strikethrough",
        "u": "underline", "ins": "underline", "tg-spoiler": "spoiler", "span": "spoiler",
    }
    if tag in simple:
        entities.append(Entity(simple[tag], start, end))
    elif tag == "tg-emoji":
        if not (argument.lstrip("-").isdigit() and int(argument) != 0 and abs(int(argument)) < 2**63):
            raise HtmlParseError("Invalid custom emoji identifier specified")
        entities.append(Entity("custom_emoji", start, end, custom_emoji_id=str(int(argument))))
    elif tag == "a":
        url = argument
        if not url:
            url = result.decode("utf-8", "surrogatepass")[start:end]
        user_id = _link_user_id(url)
        if user_id is not None:
            entities.append(Entity("text_mention", start, end, user_id=user_id))
        else:
            checked = _check_link(url)
            if checked is not None:
                entities.append(Entity("text_link", start, end, url=checked))
    elif tag == "pre":
        last = entities[-1] if entities else None
        if last and last.type == "code" and (last.start, last.end) == (start, end) and last.language:
            entities[-1] = Entity("pre", start, end, language=last.language)
        else:
            entities.append(Entity("pre", start, end))
    elif tag == "code":
        last = entities[-1] if entities else None
        if last and last.type == "pre" and (last.start, last.end) == (start, end) and argument:
            entities[-1] = Entity("pre", start, end, language=argument)
        else:
            entities.append(Entity("code", start, end, language=argument or None))
    elif tag == "blockquote":
        entities.append(Entity("expandable_blockquote" if argument else "blockquote", start, end))
