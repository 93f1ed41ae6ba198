"""Reading what people type: links, counts, usernames, hashtags, dates, min-max pairs.

Each reader returns the value the panel should get, or None when the text cannot be one; the
form fields (`inputs.py`) turn None into a problem the user is told about.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from enum import Enum
from urllib.parse import urlsplit

from bot.core.secrets import looks_like_key
from bot.panel import Service

MAX_LINK_LENGTH = 512
_HANDLE_RE = re.compile(r"^@?(?=[A-Za-z0-9_.]*[A-Za-z])[A-Za-z0-9_.]{2,64}$")
# Usernames across platforms: letters, digits, "_", "." (Instagram, TikTok), "-" (YouTube).
_USERNAME_RE = re.compile(r"@?([A-Za-z0-9_.\-]{1,64})")
_HASHTAG_RE = re.compile(r"#?(\w{1,100})")


def clean_link(text: str) -> str | None:
    """The link as the panel should get it, or None when it cannot be a link or a handle."""
    link = text.strip()
    if not link or len(link) > MAX_LINK_LENGTH or any(ch.isspace() for ch in link):
        return None
    if link.lower().startswith(("http://", "https://")):
        try:
            host = urlsplit(link).hostname or ""
        except ValueError:
            return None
        return link if "." in host.strip(".") else None
    if _HANDLE_RE.match(link) and not looks_like_key(link):
        return link
    # Bare domains people paste without the scheme (facebook.com/page).
    if re.match(r"^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+(/\S*)?$", link):
        return "https://" + link
    return None


def clean_url(text: str) -> str | None:
    """A web address (a post, a profile), never a bare handle."""
    link = clean_link(text)
    return link if link is not None and link.lower().startswith(("http://", "https://")) else None


def parse_quantity(text: str) -> int | None:
    """Read what people type: 1000, 1.000, 1,000, 1 000, 1k, 1.5k, 1,5k. None when it is not a count."""
    raw = text.strip().lower().replace("\u00a0", "").replace("\u202f", "").replace(" ", "")
    if not raw.isascii():
        return None  # "²" passes isdigit() but is no quantity
    thousands = re.fullmatch(r"(\d{1,9})(?:[.,](\d{1,3}))?k", raw)
    if thousands:
        whole, fraction = thousands.groups()
        amount = Decimal(f"{whole}.{fraction or 0}") * 1000
        return int(amount) if amount == amount.to_integral_value() and amount > 0 else None
    # Thousands separators only: groups of exactly three digits after a , or .
    if re.fullmatch(r"\d{1,3}([.,]\d{3})+", raw):
        raw = raw.replace(",", "").replace(".", "")
    if not raw.isdigit() or len(raw) > 12:
        return None
    value = int(raw)
    return value if value > 0 else None


class QuantityProblem(str, Enum):
    BELOW_MIN = "below_min"
    ABOVE_MAX = "above_max"
    NOT_STEP = "not_step"


def check_quantity(service: Service, quantity: int) -> QuantityProblem | None:
    if quantity < service.min:
        return QuantityProblem.BELOW_MIN
    if service.max and quantity > service.max:
        return QuantityProblem.ABOVE_MAX
    if service.step and service.step > 1 and quantity % service.step:
        return QuantityProblem.NOT_STEP
    return None


def comment_lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def read_username(text: str) -> str | None:
    """`@name`, `name` or a profile link (`https://www.tiktok.com/@name`) -> `name`."""
    text = text.strip()
    if text.lower().startswith(("http://", "https://")) or re.match(r"^[\w-]+(\.[\w-]+)+/", text):
        try:
            parts = [p for p in urlsplit(text if "://" in text else "https://" + text).path.split("/") if p]
        except ValueError:
            return None
        if len(parts) != 1:
            return None  # a post or a page inside a profile, not a profile
        text = parts[0]
    match = _USERNAME_RE.fullmatch(text)
    if match is None or not any(ch.isalnum() for ch in match.group(1)):
        return None
    return match.group(1)


def read_hashtag(text: str) -> str | None:
    """`#dulich` or `dulich` -> `dulich` (letters of any language, digits, "_")."""
    match = _HASHTAG_RE.fullmatch(text.strip())
    return match.group(1) if match is not None else None


_DATE_RE = re.compile(r"(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{4}|\d{2})")


def read_date(text: str) -> date | None:
    """dd/mm/yyyy as Vietnamese write it (also d/m/yy, with "-" or "."); None if no such day."""
    match = _DATE_RE.fullmatch(text.strip())
    if match is None:
        return None
    day, month, year = (int(part) for part in match.groups())
    if year < 100:
        year += 2000
    try:
        return date(year, month, day)
    except ValueError:
        return None


def format_date(day: date) -> str:
    """The panel's format for `expiry`: dd/mm/yyyy."""
    return f"{day.day:02d}/{day.month:02d}/{day.year:04d}"


_RANGE_SPLIT_RE = re.compile(r"\s*(?:-|–|—|~|/|đến|den|to|\s)\s*", re.IGNORECASE)


def read_range(text: str) -> tuple[int, int] | None:
    """Two counts, low then high: `100-200`, `100 200`, `100 đến 200`, `1k-2k`."""
    parts = [part for part in _RANGE_SPLIT_RE.split(text.strip()) if part]
    if len(parts) != 2:
        return None
    low, high = parse_quantity(parts[0]), parse_quantity(parts[1])
    if low is None or high is None:
        return None
    return low, high
