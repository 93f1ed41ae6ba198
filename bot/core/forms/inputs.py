"""The kinds of answer a form field takes: how each is read, checked, shown and sent.

An input reads the user's text into a JSON-safe value (str, int, list) or returns a `Problem`
naming what is wrong with the values the message needs. `as_text` gives back a text that
reads as the same value, so a stored value is re-checked with the very same rules (before
`add`, or when a draft comes back from storage).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from bot.core.forms.platform import Page, page_of, platform_of
from bot.core.forms.reading import (
    MAX_LINK_LENGTH,
    QuantityProblem,
    check_quantity,
    clean_link,
    clean_url,
    comment_lines,
    format_date,
    parse_quantity,
    read_date,
    read_hashtag,
    read_range,
    read_username,
)
from bot.core.forms.text import Msg, Value, duration, shorten
from bot.panel import Service

__all__ = [
    "PROBLEM_CODES",
    "VALUE_KEYS",
    "Choice",
    "ChoiceInput",
    "Context",
    "DateInput",
    "HandleInput",
    "HashtagInput",
    "Input",
    "LineItem",
    "LinesInput",
    "LinkInput",
    "NumberInput",
    "Problem",
    "QuantityInput",
    "RangeInput",
]

VALUE_PREVIEW = 150  # characters of a list shown on a card
TEXT_PREVIEW = 200  # characters of a link or a name shown on a card

# Every problem a field can report; its message is `form.problem.<code>`.
PROBLEM_CODES = (
    "not_a_link", "not_a_url", "link_too_long", "not_a_number", "below_min", "above_max", "not_step",
    "empty_list", "too_few_lines", "too_many_lines", "line_too_long", "duplicate_line",
    "bad_username", "bad_hashtag", "bad_group", "not_a_username", "not_a_hashtag",
    "not_a_choice", "not_a_date", "past_date", "too_far", "not_a_range", "min_above_max",
    "required", "missing", "unsupported",
)  # fmt: skip
# Keys of the values shown on cards and buttons.
VALUE_KEYS = (
    "form.value.line_one", "form.value.lines", "form.value.days", "form.value.hours", "form.value.minutes", "form.value.now",
    "form.value.username", "form.value.hashtag", "form.value.range", "form.progress",
)  # fmt: skip


@dataclass(frozen=True)
class Problem:
    """Why an answer was refused: `code` (one of PROBLEM_CODES) and the values its message shows."""

    code: str
    values: Mapping[str, Value] = field(default_factory=dict)

    @property
    def msg(self) -> Msg:
        return Msg(f"form.problem.{self.code}", self.values)


@dataclass(frozen=True)
class Context:
    """What reading an answer may depend on besides the text."""

    service: Service
    values: Mapping[str, Any]
    today: date  # the panel's calendar day (expiry dates are in its days)


@dataclass(frozen=True)
class Choice:
    """A button: the answer it gives (sent back as the text) and what it shows."""

    value: int
    label: Value


class Input:
    def read(self, text: str, ctx: Context) -> Any:
        """The value for `text`, or a Problem."""
        raise NotImplementedError

    def as_text(self, value: Any) -> str:
        return str(value)

    def display(self, value: Any, ctx: Context) -> Value:
        return shorten(str(value), TEXT_PREVIEW)

    def param(self, value: Any) -> str | int:
        """The value as the panel's `add` takes it."""
        return value if isinstance(value, int) else str(value)

    def prompt_values(self, ctx: Context) -> dict[str, Value]:
        return {}

    def example_values(self, ctx: Context) -> dict[str, Value]:
        return {}

    def choices(self, ctx: Context) -> tuple[Choice, ...]:
        return ()

    def count(self, value: Any) -> int | None:
        """How many items the value holds, when it decides the order's quantity."""
        return None


@dataclass(frozen=True)
class LinkInput(Input):
    """A link (or a handle where panels take one); `url_only` for a post's address."""

    url_only: bool = False
    example: Page = "link"  # which page of the platform the example shows

    def read(self, text: str, ctx: Context) -> Any:
        link = text.strip()
        if len(link) > MAX_LINK_LENGTH and not any(ch.isspace() for ch in link):  # a link, only too long
            return Problem("link_too_long", {"length": len(link), "max": MAX_LINK_LENGTH})
        if self.url_only:
            return clean_url(text) or Problem("not_a_url", {"example": self._example(ctx)})
        return clean_link(text) or Problem("not_a_link", {"example": self._example(ctx)})

    def _example(self, ctx: Context) -> Value:
        return platform_of(ctx.service).example(page_of(ctx.service, self.example))

    def example_values(self, ctx: Context) -> dict[str, Value]:
        return {"example": self._example(ctx)}


def _whole(text: str) -> int | None:
    """A whole number as people type it (1000, 1.000, 1k), zero included."""
    return 0 if text.strip().strip("0") == "" and text.strip() else parse_quantity(text)


def _limits(service: Service) -> dict[str, Value]:
    return {"min": service.min, "max": service.max, "step": service.step or 1}


@dataclass(frozen=True)
class QuantityInput(Input):
    """A count within the service's min, max and step."""

    def read(self, text: str, ctx: Context) -> Any:
        quantity = parse_quantity(text)
        if quantity is None:
            return Problem("not_a_number", {"example": ctx.service.min})
        problem = check_quantity(ctx.service, quantity)
        if problem is QuantityProblem.NOT_STEP:
            step = ctx.service.step or 1
            return Problem("not_step", {"step": step, "example": max(ctx.service.min, quantity // step * step)})
        if problem is not None:
            return Problem(problem.value, _limits(ctx.service))
        return quantity

    def display(self, value: Any, ctx: Context) -> Value:
        return int(value)

    def prompt_values(self, ctx: Context) -> dict[str, Value]:
        step = ctx.service.step or 1
        note: Value = Msg("form.value.step_note", {"step": step}) if step > 1 else ""
        return {**_limits(ctx.service), "note": note}

    def example_values(self, ctx: Context) -> dict[str, Value]:
        return {"example": ctx.service.min}

    def choices(self, ctx: Context) -> tuple[Choice, ...]:
        service = ctx.service
        quick = [service.min] + ([service.max] if service.max and service.max != service.min else [])
        return tuple(Choice(n, n) for n in quick)


@dataclass(frozen=True)
class NumberInput(Input):
    """A whole number from `minimum` to `maximum`; `minutes` shows it as a duration."""

    minimum: int = 1
    maximum: int = 1_000_000
    minutes: bool = False

    def read(self, text: str, ctx: Context) -> Any:
        number = _whole(text)
        if number is None:
            return Problem("not_a_number", {"example": self.minimum})
        if number < self.minimum:
            return Problem("below_min", {"min": self.minimum, "max": self.maximum, "step": 1})
        if number > self.maximum:
            return Problem("above_max", {"min": self.minimum, "max": self.maximum, "step": 1})
        return number

    def display(self, value: Any, ctx: Context) -> Value:
        return duration(int(value)) if self.minutes else int(value)

    def prompt_values(self, ctx: Context) -> dict[str, Value]:
        return {"min": self.minimum, "max": self.maximum}

    def example_values(self, ctx: Context) -> dict[str, Value]:
        return {"example": self.minimum}


@dataclass(frozen=True)
class ChoiceInput(Input):
    """One of the allowed values, offered as buttons (a subscription's delay in minutes)."""

    options: tuple[int, ...] = ()
    minutes: bool = True

    def read(self, text: str, ctx: Context) -> Any:
        number = _whole(text)
        if number is None or number not in self.options:
            return Problem("not_a_choice")
        return number

    def display(self, value: Any, ctx: Context) -> Value:
        return duration(int(value)) if self.minutes else int(value)

    def choices(self, ctx: Context) -> tuple[Choice, ...]:
        return tuple(Choice(option, self.display(option, ctx)) for option in self.options)


@dataclass(frozen=True)
class LineItem:
    """One line of a list: how it is read and which problem a bad one gets."""

    read: Callable[[str], str | None]
    bad: str | None  # problem code of a line that cannot be read (None: every line reads)
    max_length: int = 200
    unique: bool = True  # a repeated line is refused (a mention twice, a keyword twice)


def _as_is(line: str) -> str:
    return line


def _hashtag_line(line: str) -> str | None:
    tag = read_hashtag(line)
    return "#" + tag if tag is not None else None


COMMENT = LineItem(_as_is, None, max_length=2200, unique=False)
USERNAME = LineItem(read_username, "bad_username", max_length=200)
HASHTAG = LineItem(_hashtag_line, "bad_hashtag", max_length=101)
GROUP = LineItem(clean_link, "bad_group", max_length=512)
KEYWORD = LineItem(_as_is, None, max_length=200)

MAX_LIST_LINES = 1000  # a list whose length is not the quantity (Telegram's 4096 characters come first)


@dataclass(frozen=True)
class LinesInput(Input):
    """One item per line. `counted`: the number of lines is the quantity, within the service's
    min and max; otherwise from 1 to MAX_LIST_LINES."""

    item: LineItem = COMMENT
    counted: bool = False

    def _bounds(self, service: Service) -> tuple[int, int]:
        if self.counted:
            return service.min, service.max or MAX_LIST_LINES
        return 1, MAX_LIST_LINES

    def read(self, text: str, ctx: Context) -> Any:
        lines = comment_lines(text)
        low, high = self._bounds(ctx.service)
        if not lines:
            return Problem("empty_list", {"min": low, "max": high})
        items: list[str] = []
        seen: set[str] = set()
        for number, line in enumerate(lines, start=1):
            if len(line) > self.item.max_length:
                return Problem("line_too_long", {"line": number, "max": self.item.max_length})
            item = self.item.read(line)
            if item is None:
                return Problem(self.item.bad or "empty_list", {"line": number, "text": shorten(line, 60)})
            if self.item.unique:
                if item.casefold() in seen:
                    return Problem("duplicate_line", {"line": number, "text": shorten(line, 60)})
                seen.add(item.casefold())
            items.append(item)
        if len(items) < low:
            return Problem("too_few_lines", {"count": len(items), "min": low, "max": high})
        if len(items) > high:
            return Problem("too_many_lines", {"count": len(items), "min": low, "max": high})
        return items

    def as_text(self, value: Any) -> str:
        return "\n".join(str(item) for item in value) if isinstance(value, list) else str(value)

    def param(self, value: Any) -> str | int:
        return self.as_text(value)

    def display(self, value: Any, ctx: Context) -> Value:
        items = [("@" + i if self.item is USERNAME else i) for i in value]
        shown = shorten(" | ".join(items), VALUE_PREVIEW)
        if len(items) == 1:  # no plural forms in the texts: "1 line", not "1 lines"
            return Msg("form.value.line_one", {"items": shown})
        return Msg("form.value.lines", {"count": len(items), "items": shown})

    def prompt_values(self, ctx: Context) -> dict[str, Value]:
        low, high = self._bounds(ctx.service)
        return {"min": low, "max": high}

    def example_values(self, ctx: Context) -> dict[str, Value]:
        platform = platform_of(ctx.service)
        return {"group": platform.example("group"), "profile": platform.example("profile")}

    def count(self, value: Any) -> int | None:
        return len(value) if isinstance(value, list) else None


@dataclass(frozen=True)
class HandleInput(Input):
    """One username (sent without "@"); a profile link is read as its username."""

    def read(self, text: str, ctx: Context) -> Any:
        return read_username(text) or Problem("not_a_username", {"text": shorten(text, 60)})

    def display(self, value: Any, ctx: Context) -> Value:
        return Msg("form.value.username", {"name": shorten(str(value), TEXT_PREVIEW)})

    def example_values(self, ctx: Context) -> dict[str, Value]:
        return {"profile": platform_of(ctx.service).example("profile")}


@dataclass(frozen=True)
class HashtagInput(Input):
    """One hashtag (sent without "#", the word the panel searches for)."""

    def read(self, text: str, ctx: Context) -> Any:
        return read_hashtag(text) or Problem("not_a_hashtag", {"text": shorten(text, 60)})

    def display(self, value: Any, ctx: Context) -> Value:
        return Msg("form.value.hashtag", {"tag": shorten(str(value), TEXT_PREVIEW)})


EXAMPLE_EXPIRY_DAYS = 30


@dataclass(frozen=True)
class DateInput(Input):
    """A day after today, dd/mm/yyyy, at most `max_days` ahead (a typo like 2205 is refused)."""

    max_days: int = 2 * 366

    def read(self, text: str, ctx: Context) -> Any:
        day = read_date(text)
        if day is None:
            return Problem("not_a_date", self.example_values(ctx))
        first, last = ctx.today + timedelta(days=1), ctx.today + timedelta(days=self.max_days)
        if day < first:
            return Problem("past_date", {"date": format_date(day), "first": format_date(first)})
        if day > last:
            return Problem("too_far", {"date": format_date(day), "last": format_date(last)})
        return format_date(day)

    def prompt_values(self, ctx: Context) -> dict[str, Value]:
        return {"first": format_date(ctx.today + timedelta(days=1))}

    def example_values(self, ctx: Context) -> dict[str, Value]:
        return {"example": format_date(ctx.today + timedelta(days=EXAMPLE_EXPIRY_DAYS))}


@dataclass(frozen=True)
class RangeInput(Input):
    """A low-high pair within the service's min and max (a subscription's amount per post);
    the value is `[low, high]`, sent as two parameters."""

    def read(self, text: str, ctx: Context) -> Any:
        pair = read_range(text)
        service = ctx.service
        if pair is None:
            return Problem("not_a_range", self.example_values(ctx))
        low, high = pair
        if low > high:
            return Problem("min_above_max", {"low": low, "high": high})
        if low < service.min:
            return Problem("below_min", _limits(service))
        if service.max and high > service.max:
            return Problem("above_max", _limits(service))
        return [low, high]

    def as_text(self, value: Any) -> str:
        return f"{value[0]}-{value[1]}" if isinstance(value, list) and len(value) == 2 else str(value)

    def display(self, value: Any, ctx: Context) -> Value:
        return Msg("form.value.range", {"low": int(value[0]), "high": int(value[1])})

    def prompt_values(self, ctx: Context) -> dict[str, Value]:
        return _limits(ctx.service)

    def example_values(self, ctx: Context) -> dict[str, Value]:
        service = ctx.service
        high = max(service.min, min(service.max or service.min * 2, service.min * 2))
        return {"low": service.min, "high": high}
