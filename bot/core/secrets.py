"""Finding panel API keys in what users type, so that a key is never searched for, echoed or kept.

Panel keys are long runs of letters and digits (most panels: 32 hex characters). Links carry
long ids of the same shape (YouTube playlists, TikTok share tokens, Facebook's pfbid…), so a
link's path and query are not read as keys, except query values named like a secret
(`?key=…`, `api_key=`, `token=`): that is a pasted API URL. A user's own stored keys, whatever
their shape, are found anywhere in the text, links included.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import parse_qsl, urlsplit

# A key: 24-128 letters, digits or dashes with at least 4 of each kind of the first two; a
# handle, a word or an order id is shorter or lacks one kind.
_KEY_LENGTHS = range(24, 129)
_KEY_SHAPE_RE = re.compile(r"(?=(?:[^\d]*\d){4})(?=(?:[^A-Za-z]*[A-Za-z]){4})[A-Za-z0-9-]{24,128}")
# What the key step accepts as a key at all (checked with the panel next).
_KEY_FORMAT_RE = re.compile(r"[A-Za-z0-9_\-.=+/]{8,256}")
_PIECE_SPLIT_RE = re.compile(r"[^A-Za-z0-9-]+")
# Links with a scheme or www., and bare domains with a path (tiktok.com/@a/video/1).
_URL_RE = re.compile(
    r"(?i)(?:\b[a-z][a-z0-9+.-]{0,15}://|\bwww\.)\S+|(?<![\w@.-])(?:[a-z0-9-]+\.)+[a-z]{2,63}/\S*"
)
_SECRET_PARAM_RE = re.compile(r"(?i)key|token|secret|passw")
MIN_OWN_KEY_LENGTH = 8  # shorter stored "keys" would match ordinary words


def looks_like_key(text: str) -> bool:
    """True for text that is, as a whole, shaped like a panel API key."""
    return _KEY_SHAPE_RE.fullmatch(text.strip()) is not None


def is_well_formed_key(text: str) -> bool:
    """True for a single word the key step may send to the panel for checking."""
    return _KEY_FORMAT_RE.fullmatch(text) is not None


def find_keys(text: str, own_keys: Iterable[str] = ()) -> list[str]:
    """Every key in `text`, each once: key-shaped words outside links, key-shaped secret query
    values of links, and any of `own_keys` (the user's stored keys) found anywhere."""
    found: dict[str, None] = {}
    rest = []
    position = 0
    for link in _URL_RE.finditer(text):
        rest.append(text[position:link.start()])
        position = link.end()
        for value in _secrets_in_link(link.group()):
            found.setdefault(value, None)
    rest.append(text[position:])
    for piece in _PIECE_SPLIT_RE.split(" ".join(rest)):
        piece = piece.strip("-")
        if len(piece) in _KEY_LENGTHS and _KEY_SHAPE_RE.fullmatch(piece):
            found.setdefault(piece, None)
    for key in own_keys:
        if len(key) >= MIN_OWN_KEY_LENGTH and key in text:
            found.setdefault(key, None)
    return list(found)


def _secrets_in_link(link: str) -> list[str]:
    """Key-shaped parts of a link that are no id of a post: host labels, user info, and query
    values whose name says secret."""
    try:
        parts = urlsplit(link if "://" in link else "http://" + link)
        host, user, password = parts.hostname or "", parts.username or "", parts.password or ""
        query = parse_qsl(parts.query, keep_blank_values=False)
    except ValueError:  # e.g. a malformed port or IPv6 host: read it as plain words instead
        return [p for p in _PIECE_SPLIT_RE.split(link) if _KEY_SHAPE_RE.fullmatch(p.strip("-"))]
    values = [*host.split("."), user, password]
    values += [value for name, value in query if _SECRET_PARAM_RE.search(name)]
    return [v for v in values if _KEY_SHAPE_RE.fullmatch(v)]


def choose_key(text: str, found: list[str]) -> str:
    """What to check as the key in the key step: the message itself when it is one word, else
    the one key found in it ("my key is … thanks"); with none or several, the whole text, which
    the key step then refuses as malformed."""
    whole = text.strip()
    if is_well_formed_key(whole) or len(found) != 1:
        return whole
    return found[0]
