"""How the simulated panel checks `add` for each order type (the spec's table of parameters).

Like a real panel it is strict about what the type needs and silent about extra parameters:
a missing or malformed parameter is refused with a panel's own text (`Incorrect request`, or
an untranslated `neworder.error.<param>` key as some panels leak), before anything is charged.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

__all__ = ["DELAYS", "Refused", "TypeRules", "rules_for", "type_key"]

REQUEST = "Incorrect request"
DELAYS = frozenset({0, 5, 10, 15, 30, 60, 90, 120, 150, 180, 210, 240, 270, 300, 360, 420, 480, 540, 600})
_PANEL_TZ = timezone(timedelta(hours=7))

_USERNAME_RE = re.compile(r"@?[A-Za-z0-9_.\-]{1,64}")
_HASHTAG_RE = re.compile(r"#?\w{1,100}")
_URL_RE = re.compile(r"https?://[^\s/]+\.[^\s]+")
_LINK_RE = re.compile(r"(https?://[^\s/]+\.[^\s]+|@?[A-Za-z0-9_.]{3,})")
_DATE_RE = re.compile(r"(\d{2})/(\d{2})/(\d{4})")


class Refused(Exception):
    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


def type_key(type_name: str) -> str:
    return re.sub(r"[^0-9a-z]+", "", type_name.casefold())


def _lines(value: str | None) -> list[str]:
    return [line.strip() for line in (value or "").splitlines() if line.strip()]


def _whole(value: str | None) -> int | None:
    if value is None or not re.fullmatch(r"\s*-?\d+\s*", value):
        return None
    return int(value)


Check = Callable[[str | None], bool]


def _list_of(pattern: re.Pattern[str]) -> Check:
    return lambda value: bool(_lines(value)) and all(pattern.fullmatch(line) for line in _lines(value))


def _one(pattern: re.Pattern[str]) -> Check:
    return lambda value: value is not None and pattern.fullmatch(value.strip()) is not None


def _at_least(minimum: int) -> Check:
    def check(value: str | None) -> bool:
        number = _whole(value)
        return number is not None and number >= minimum

    return check


def _any_lines(value: str | None) -> bool:
    return bool(_lines(value))


def future_date(value: str | None) -> bool:
    match = _DATE_RE.fullmatch((value or "").strip())
    if match is None:
        return False
    day, month, year = (int(part) for part in match.groups())
    try:
        return date(year, month, day) > datetime.now(_PANEL_TZ).date()
    except ValueError:
        return False


@dataclass(frozen=True)
class TypeRules:
    """What `add` of one type needs.

    `quantity`: "given" (the `quantity` parameter), "package" (one package), or the name of the
    list parameter whose lines are the quantity. `required`/`optional`: parameter -> check,
    with the error text a bad or missing one gets.
    """

    quantity: str = "given"
    link: bool = True
    required: tuple[tuple[str, Check, str], ...] = ()
    optional: tuple[tuple[str, Check, str], ...] = ()
    subscription: bool = False

    def check(self, params: Mapping[str, str]) -> None:
        for name, ok, error in self.required:
            if not ok(params.get(name)):
                raise Refused(error)
        for name, ok, error in self.optional:
            if params.get(name) not in (None, "") and not ok(params.get(name)):
                raise Refused(error)


def _error(param: str) -> str:
    return f"neworder.error.{param}"


_RULES = {
    "default": TypeRules(),
    "package": TypeRules(quantity="package"),
    "customcomments": TypeRules(quantity="comments", required=(("comments", _any_lines, REQUEST),)),
    "customcommentspackage": TypeRules(quantity="package", required=(("comments", _any_lines, REQUEST),)),
    "mentionscustomlist": TypeRules(quantity="usernames",
                                    required=(("usernames", _list_of(_USERNAME_RE), _error("usernames")),)),
    "mentionswithhashtags": TypeRules(required=(("usernames", _list_of(_USERNAME_RE), _error("usernames")),
                                                ("hashtags", _list_of(_HASHTAG_RE), _error("hashtags")))),
    "mentionshashtag": TypeRules(required=(("hashtag", _one(_HASHTAG_RE), _error("hashtag")),)),
    "mentionsuserfollowers": TypeRules(required=(("username", _one(_USERNAME_RE), _error("username")),)),
    "mentionsmedialikers": TypeRules(required=(("media", _one(_URL_RE), _error("media")),)),
    "commentlikes": TypeRules(required=(("username", _one(_USERNAME_RE), _error("username")),)),
    "commentreplies": TypeRules(quantity="comments", required=(("username", _one(_USERNAME_RE), _error("username")),
                                                               ("comments", _any_lines, REQUEST))),
    "poll": TypeRules(required=(("answer_number", _at_least(1), REQUEST),)),
    "seo": TypeRules(required=(("keywords", _any_lines, _error("keywords")),)),
    "invitesfromgroups": TypeRules(required=(("groups", _list_of(_LINK_RE), _error("groups")),)),
    "subscriptions": TypeRules(
        quantity="none", link=False, subscription=True,
        required=(("username", _one(_USERNAME_RE), _error("username")),
                  ("min", _at_least(1), REQUEST), ("max", _at_least(1), REQUEST),
                  ("delay", lambda value: _whole(value) in DELAYS, REQUEST)),
        optional=(("posts", _at_least(1), REQUEST), ("old_posts", _at_least(0), REQUEST),
                  ("expiry", future_date, REQUEST)),
    ),
}


def rules_for(type_name: str) -> TypeRules | None:
    """The rules of a type; None for a type the panel does not sell through the API."""
    return _RULES.get(type_key(type_name))


def line_count(params: Mapping[str, str], name: str) -> int:
    return len(_lines(params.get(name)))


def whole(value: str | None) -> int | None:
    return _whole(value)


def expiry_day(value: str | None) -> date | None:
    match = _DATE_RE.fullmatch((value or "").strip())
    if match is None:
        return None
    day, month, year = (int(part) for part in match.groups())
    try:
        return date(year, month, day)
    except ValueError:
        return None


def panel_today() -> date:
    return datetime.now(_PANEL_TZ).date()
