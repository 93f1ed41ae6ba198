"""Which social platform a service (or a link) is for, from the words panels use.

Shared by the order forms (their link examples), the catalogue's grouping, a pasted link's
offer and the spending summary's platforms. Panels name services freely ("Like FB Việt",
"TikTok Follow 🇻🇳"), so a name is matched on words; a name that names no platform falls back
to the link's host.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from bot.folding import fold


@dataclass(frozen=True)
class Platform:
    key: str  # stable: stored nowhere, but used in locale keys and tests
    name: str  # a brand: the same in every language
    words: tuple[str, ...]  # matched anywhere in the folded name and category
    short: tuple[str, ...]  # abbreviations, matched only as whole words ("fb", not "fbi")
    hosts: tuple[str, ...]  # a link's host equal to one of these or ending in "." + it


# In priority order: a name that mentions two platforms belongs to the first. No "tt" for TikTok:
# Vietnamese panels write "TT" for "tương tác" (engagement) on every platform.
PLATFORMS: tuple[Platform, ...] = (
    Platform("tiktok", "TikTok", ("tiktok", "tik tok"), (), ("tiktok.com",)),
    Platform("facebook", "Facebook", ("facebook",), ("fb",), ("facebook.com", "fb.com", "fb.watch", "fb.me", "m.me")),
    Platform("instagram", "Instagram", ("instagram", "insta"), ("ig",), ("instagram.com", "instagr.am")),
    Platform("youtube", "YouTube", ("youtube",), ("yt",), ("youtube.com", "youtu.be")),
    Platform("telegram", "Telegram", ("telegram",), ("tele",), ("t.me", "telegram.me", "telegram.org")),
    Platform("shopee", "Shopee", ("shopee",), (), ("shopee.vn", "shopee.com", "shp.ee")),
    Platform("twitter", "X (Twitter)", ("twitter", "tweet"), (), ("twitter.com", "x.com")),
    Platform("threads", "Threads", ("threads",), (), ("threads.net", "threads.com")),
    Platform("zalo", "Zalo", ("zalo",), (), ("zalo.me",)),
    Platform("spotify", "Spotify", ("spotify",), (), ("spotify.com",)),
    Platform("twitch", "Twitch", ("twitch",), (), ("twitch.tv",)),
    Platform("discord", "Discord", ("discord",), (), ("discord.gg", "discord.com")),
    Platform("soundcloud", "SoundCloud", ("soundcloud",), (), ("soundcloud.com",)),
    Platform("linkedin", "LinkedIn", ("linkedin",), (), ("linkedin.com",)),
)
BY_KEY = {platform.key: platform for platform in PLATFORMS}
_WORD = re.compile(r"[a-z0-9]+")


def _by_name(text: str) -> Platform | None:
    folded = fold(text)
    words = set(_WORD.findall(folded))
    for platform in PLATFORMS:
        if any(word in folded for word in platform.words) or words.intersection(platform.short):
            return platform
    return None


def _host(link: str) -> str:
    text = link.strip()
    if "://" not in text:
        text = "https://" + text
    try:
        return (urlsplit(text).hostname or "").lower()
    except ValueError:
        return ""


def _by_link(link: str) -> Platform | None:
    host = _host(link)
    for platform in PLATFORMS:
        if any(host == h or host.endswith("." + h) for h in platform.hosts):
            return platform
    return None


def platform_of(name: str | None, category: str | None = None, link: str | None = None) -> Platform | None:
    """The platform a service's name and category name (first) or the order's link belongs to."""
    return _by_name(f"{name or ''} {category or ''}") or (_by_link(link) if link else None)


def platform_of_link(link: str) -> Platform | None:
    """The platform of a link's site (facebook.com, youtu.be...), or None for any other site."""
    return _by_link(link)


# A bare address as people paste it without https:// (facebook.com/page, youtu.be/abc): a host
# of at least two labels ending in letters, then optionally a port and a path.
_BARE_ADDRESS = re.compile(r"(?:[a-z0-9-]+\.)+[a-z]{2,}(?::[0-9]{1,5})?(?:[/?#]\S*)?", re.IGNORECASE)
PASTED_LINK_MAX = 2000  # longer text is not taken for a link (the order form has its own limit)


def pasted_link(text: str) -> str | None:
    """The web address a message is, alone (an `https://` one, or a bare one), else None.

    A bare "word.word" may be a search ("node.js"): it is an address only with a path,
    a "www." or the host of a platform we know.
    """
    candidate = text.strip()
    if not candidate or len(candidate) > PASTED_LINK_MAX or any(ch.isspace() for ch in candidate):
        return None
    if candidate.lower().startswith(("http://", "https://")):
        return candidate if "." in _host(candidate).strip(".") else None
    if not _BARE_ADDRESS.fullmatch(candidate):
        return None
    link = "https://" + candidate
    if "/" in candidate or candidate.lower().startswith("www.") or _by_link(link) is not None:
        return link
    return None
