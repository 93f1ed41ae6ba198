"""From a panel's answer body to JSON values: whole, or a JSON array one item at a time.

`decode_body` decodes what every action answers. A catalogue can be megabytes, so
`iter_json_array` decodes an array item by item through a sliding window of text: besides the
body, at most one item's objects and a window of text exist at once, and the caller can stop
at any item (at the first one over a limit) without decoding the rest.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

__all__ = ["NotJson", "decode_body", "iter_json_array", "starts_array"]


class NotJson(ValueError):
    """The body is not JSON (HTML error page, empty body, truncated answer)."""


def decode_body(body: bytes | bytearray) -> Any:
    """Decode a panel answer; tolerates a UTF-8 BOM and surrounding whitespace.

    Floats become `Decimal` so that money never passes through binary floating point.
    """
    text = body.decode("utf-8-sig", errors="replace").strip().lstrip("\ufeff")
    if not text:
        raise NotJson("empty body")
    try:
        return json.loads(text, parse_float=Decimal)
    except (ValueError, RecursionError):  # RecursionError: nested deeper than Python recurses
        raise NotJson("not JSON") from None


_DECODER = json.JSONDecoder(parse_float=Decimal)
_WS_RE = re.compile(r"[ \t\n\r]*")


def _after_blanks(text: str, pos: int) -> int:
    """The position of the first character at or after `pos` that is not a JSON blank."""
    match = _WS_RE.match(text, pos)
    assert match is not None  # the pattern matches the empty string, so always matches
    return match.end()


_WINDOW_BYTES = 256 * 1024
_WS_BYTES = b" \t\n\r"


def starts_array(body: bytes | bytearray) -> bool:
    """Whether a body is (at least at its start) a JSON array: `[`, after a BOM and blanks."""
    head = bytes(body[:64]).removeprefix(b"\xef\xbb\xbf").lstrip(_WS_BYTES)
    return head.startswith(b"[")


@dataclass(slots=True)
class _Window:
    """Where `iter_json_array` is: bytes fed to the decoder, the text decoded, the read position in it."""

    fed: int = 0
    text: str = ""
    pos: int = 0


def iter_json_array(body: bytes | bytearray, window: int = _WINDOW_BYTES) -> Iterator[Any]:
    """The items of a JSON array body one at a time, decoded as `decode_body` would.

    The body is decoded through a sliding window of text, so no whole-body string exists
    (a body with one emoji decodes to four bytes a character). An item cut by the window's
    end is read again with more text; the window doubles while an item does not fit, so a
    huge item costs O(size). Raises NotJson where `decode_body` would.
    """
    decoder = codecs.getincrementaldecoder("utf-8-sig")(errors="replace")
    view = memoryview(body)
    state = _Window()

    def more(size: int) -> bool:
        fed = state.fed
        if fed >= len(view):
            return False
        chunk = view[fed : fed + max(size, window)]
        state.fed = fed + len(chunk)
        state.text = state.text[state.pos :] + decoder.decode(chunk, final=state.fed >= len(view))
        state.pos = 0
        return True

    def next_char() -> str | None:
        """The next character that is not a blank (not consumed), reading on as needed."""
        while True:
            text = state.text
            pos = _after_blanks(text, state.pos)
            state.pos = pos
            if pos < len(text):
                return text[pos]
            if not more(window):
                return None

    if next_char() != "[":
        raise NotJson("not a JSON array")
    state.pos += 1
    first = True
    while True:
        char = next_char()
        if char == "]":  # after "[" or after an item ("[1,]" fails below, reading "]" as an item)
            state.pos += 1
            break
        if not first:
            if char != ",":
                raise NotJson("not JSON")
            state.pos += 1
            next_char()
        first = False
        while True:
            text, pos = state.text, state.pos
            try:
                value, end = _DECODER.raw_decode(text, pos)
            except (ValueError, RecursionError):
                if more(len(text) - pos):
                    continue
                raise NotJson("not JSON") from None
            # A number at the window's end may be cut ("12" of "1234", "1" of "1.25"): an
            # item is whole only when a "," or "]" follows it (or the body ends).
            after = _after_blanks(text, end)
            if (after >= len(text) or text[after] not in ",]") and more(len(text) - pos):
                continue
            break
        state.pos = end
        yield value
    while more(window) or state.pos < len(state.text):  # only blanks may follow
        text = state.text
        if _after_blanks(text, state.pos) < len(text):
            raise NotJson("not JSON")
        state.pos = len(text)
