"""Errors a panel can answer, as one hierarchy with stable `code` strings.

The bot maps `code` to a localized message; `panel_text` keeps the panel's own words (already
scrubbed of the API key by the client) for the cases where showing them helps the user.
Messages (`str()`) and reprs never contain request data: only the code, the panel's text and
numbers such as an HTTP status.

`classify_error_text` turns any panel error text (English sentences, untranslated
`neworder.error.*` keys, close variants) into the right subclass by keyword matching.
"""

from __future__ import annotations

import re

__all__ = [
    "AnswerTooLarge",
    "BadRequest",
    "BadLink",
    "CancelNotAllowed",
    "DuplicateActiveOrder",
    "InvalidKey",
    "NotEnoughFunds",
    "OutcomeUnknown",
    "PanelAddressRefused",
    "PanelError",
    "PanelUnavailable",
    "QuantityOutOfRange",
    "RateLimited",
    "RefillNotAllowed",
    "UnknownOrder",
    "UnknownService",
    "UnreadableAnswer",
    "UnrecognisedError",
    "classify_error_text",
]


class PanelError(Exception):
    """Base of every error the panel client raises or reports per id."""

    code: str = "panel_error"
    default_message: str = "panel error"

    def __init__(self, panel_text: str | None = None) -> None:
        self.panel_text = panel_text
        super().__init__(self._message())

    def _message(self) -> str:
        if self.panel_text:
            return f"{self.code}: {self.panel_text}"
        return f"{self.code}: {self.default_message}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, panel_text={self.panel_text!r})"

    def __eq__(self, other: object) -> bool:
        # Value semantics make per-id `ItemError`s comparable in tests and caches.
        if type(other) is not type(self):
            return NotImplemented
        return vars(self) == vars(other)

    def __hash__(self) -> int:
        return hash((type(self), self.code, self.panel_text))


class InvalidKey(PanelError):
    code = "invalid_key"
    default_message = "the API key was refused"


class NotEnoughFunds(PanelError):
    code = "not_enough_funds"
    default_message = "not enough funds on the balance"


class QuantityOutOfRange(PanelError):
    """`kind` is "min" or "max" when the text says which bound was crossed; `bound` its value."""

    code = "quantity_out_of_range"
    default_message = "quantity out of range"

    def __init__(self, panel_text: str | None = None, *, bound: int | None = None, kind: str | None = None) -> None:
        self.bound = bound
        self.kind = kind
        super().__init__(panel_text)

    def __repr__(self) -> str:
        return f"QuantityOutOfRange(kind={self.kind!r}, bound={self.bound!r}, panel_text={self.panel_text!r})"


class BadLink(PanelError):
    code = "bad_link"
    default_message = "the link was refused"


class UnknownService(PanelError):
    code = "unknown_service"
    default_message = "unknown service"


class DuplicateActiveOrder(PanelError):
    code = "duplicate_active_order"
    default_message = "an active order with this link exists"


class RefillNotAllowed(PanelError):
    code = "refill_not_allowed"
    default_message = "refill is not allowed for this order"


class CancelNotAllowed(PanelError):
    code = "cancel_not_allowed"
    default_message = "the order cannot be cancelled"


class UnknownOrder(PanelError):
    """An order id (or refill id) the panel does not know for this key."""

    code = "unknown_order"
    default_message = "unknown order"


class UnrecognisedError(PanelError):
    """An error text we do not recognise; show `panel_text` to the user as is."""

    code = "unrecognised"
    default_message = "the panel answered an unrecognised error"


class BadRequest(UnrecognisedError):
    """"Incorrect request": the panel did not accept the parameters (or the action)."""

    code = "bad_request"
    default_message = "the panel refused the request"


class PanelUnavailable(PanelError):
    """The panel could not be reached or did not answer usable JSON (`http_status` if any)."""

    code = "panel_unavailable"
    default_message = "the panel is unavailable"

    def __init__(
        self, http_status: int | None = None, panel_text: str | None = None, *, reason: str | None = None
    ) -> None:
        self.http_status = http_status
        self.reason = reason
        super().__init__(panel_text)

    def _message(self) -> str:
        parts = [f"{self.code}:", self.default_message]
        if self.http_status is not None:
            parts.append(f"(HTTP {self.http_status})")
        if self.reason:
            parts.append(f"[{self.reason}]")
        if self.panel_text:
            parts.append(f"- {self.panel_text}")
        return " ".join(parts)

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(http_status={self.http_status!r}, reason={self.reason!r}, "
            f"panel_text={self.panel_text!r})"
        )


class PanelAddressRefused(PanelUnavailable):
    """The panel URL's host resolves to a loopback, private or otherwise non-public address,
    which the operator does not allow for panels users add (see bot.panel.urls). Nothing was
    sent; asking again gets the same answer until the URL or its DNS changes."""

    code = "address_refused"
    default_message = "the panel's address is not allowed"

    def __init__(self) -> None:
        super().__init__(None, reason="address_refused")


class UnreadableAnswer(PanelUnavailable):
    """JSON, but not an answer we can use: the wrong shape, a wrong type (a status that is a
    number), an impossible value (a negative or NaN amount, an absurd count), or an error
    marker without readable text. Never retried: the panel would answer the same.

    `reason` names what was wrong (our words, e.g. "charge"); `raw` quotes the panel's value
    for the client's log only (it is in neither the message nor the repr, and never shown).
    """

    code = "unreadable_answer"
    default_message = "the panel's answer could not be read"

    def __init__(self, http_status: int | None = 200, *, reason: str | None = None, raw: str | None = None) -> None:
        self.raw = raw
        super().__init__(http_status, None, reason=reason)

    def __repr__(self) -> str:
        return f"UnreadableAnswer(http_status={self.http_status!r}, reason={self.reason!r})"


class AnswerTooLarge(PanelUnavailable):
    """The answer was bigger than the bot reads for this action (`limit` in `unit`: "bytes"
    or "services"); reading stopped there. Never retried: a broken or hostile panel would
    send it again, and every copy costs memory and time."""

    code = "answer_too_large"
    default_message = "the panel's answer is larger than the bot accepts"

    def __init__(self, http_status: int | None = 200, *, limit: int, unit: str = "bytes") -> None:
        self.limit = limit
        self.unit = unit
        super().__init__(http_status, None, reason=f"over {limit:,} {unit}")

    def __repr__(self) -> str:
        return f"AnswerTooLarge(http_status={self.http_status!r}, limit={self.limit!r}, unit={self.unit!r})"


class RateLimited(PanelUnavailable):
    """Too many requests; `retry_after` seconds when the panel said so."""

    code = "rate_limited"
    default_message = "too many requests to the panel"

    def __init__(
        self, retry_after: float | None = None, panel_text: str | None = None, *, http_status: int | None = 429
    ) -> None:
        self.retry_after = retry_after
        super().__init__(http_status, panel_text)

    def __repr__(self) -> str:
        return (
            f"RateLimited(retry_after={self.retry_after!r}, http_status={self.http_status!r}, "
            f"panel_text={self.panel_text!r})"
        )


class OutcomeUnknown(PanelError):
    """`add` was possibly received by the panel but no answer came back: the order may exist.

    Never retry automatically (there is no idempotency key); ask the user to check their orders.
    """

    code = "outcome_unknown"
    default_message = "the panel may or may not have placed the order"

    def __init__(self, http_status: int | None = None, *, reason: str | None = None) -> None:
        self.http_status = http_status
        self.reason = reason
        super().__init__(None)

    def _message(self) -> str:
        status = f" (HTTP {self.http_status})" if self.http_status is not None else ""
        reason = f" [{self.reason}]" if self.reason else ""
        return f"{self.code}: {self.default_message}{status}{reason}"

    def __repr__(self) -> str:
        return f"OutcomeUnknown(http_status={self.http_status!r}, reason={self.reason!r})"


# --- text classification -------------------------------------------------------------------

# "1,000" and "1.000" (vi locale) are thousands-separated whole numbers.
_NUMBER_RE = re.compile(r"\d{1,3}(?:[,.]\d{3})+(?!\d)|\d+")
_NOT_FOUND_WORDS = ("not found", "incorrect", "invalid", "unknown", "no such")
_MIN_WORDS = ("less", "min", "minimal", "minimum", "below", "too small", "too low", "at least")
_MAX_WORDS = ("more", "max", "maximal", "maximum", "above", "exceed", "greater", "too big", "too high", "at most")


def _normalise(text: str) -> str:
    # "neworder.error.not_enough_funds" -> "neworder error not enough funds"
    lowered = text.casefold()
    return " ".join(re.sub(r"[^\w]+|_", " ", lowered).split())


def _has(text: str, *words: str) -> bool:
    return any(re.search(rf"\b{re.escape(word)}", text) for word in words)


def _bound_from(text: str, words: tuple[str, ...]) -> int | None:
    """The first whole number after one of `words` ("minimal 1,000" -> 1000), else the last one."""
    lowered = text.casefold()
    starts = [m.end() for word in words for m in re.finditer(rf"\b{re.escape(word)}", lowered)]
    after = min(starts) if starts else 0
    numbers = [m for m in _NUMBER_RE.finditer(text)]
    following = [m for m in numbers if m.start() >= after]
    chosen = following[0] if following else (numbers[-1] if numbers else None)
    if chosen is None:
        return None
    digits = re.sub(r"\D", "", chosen.group())
    # No quantity has 19 digits; int() refuses more than 4,300 (and this must never raise).
    return int(digits) if len(digits) <= 18 else None


def _quantity_error(panel_text: str, norm: str) -> QuantityOutOfRange:
    if _has(norm, *_MIN_WORDS):
        return QuantityOutOfRange(panel_text, bound=_bound_from(panel_text, _MIN_WORDS), kind="min")
    if _has(norm, *_MAX_WORDS):
        return QuantityOutOfRange(panel_text, bound=_bound_from(panel_text, _MAX_WORDS), kind="max")
    return QuantityOutOfRange(panel_text)


def classify_error_text(panel_text: str) -> PanelError:
    """Map a panel's error text to the matching `PanelError` (never raises).

    A blank text is an error the panel marked without words (`{"error": true}`): there is
    nothing to show, so it reads as UnreadableAnswer rather than an empty quotation.
    """
    text = panel_text.strip()
    if not text:
        return UnreadableAnswer(None, reason="an error without text")
    norm = _normalise(text)
    # Order matters: more specific phrases first ("active order with this link" mentions a link,
    # "Order not eligible for refill" mentions an order, "neworder" contains "order").
    if _has(norm, "active order") or (_has(norm, "link") and _has(norm, "already", "duplicate", "wait until")):
        return DuplicateActiveOrder(text)
    if _has(norm, "api key", "apikey", "api token", "invalid key", "incorrect key", "wrong key") or (
        _has(norm, "key") and _has(norm, "invalid", "incorrect", "wrong", "unknown", "not found", "disabled", "expired")
    ):
        return InvalidKey(text)
    if _has(norm, "fund", "insufficient") or (_has(norm, "balance") and _has(norm, "not enough", "low", "enough")):
        return NotEnoughFunds(text)
    if _has(norm, "quantity", "qty"):
        return _quantity_error(text, norm)
    if _has(norm, "refill"):
        if _has(norm, *_NOT_FOUND_WORDS) and not _has(norm, "eligible"):
            return UnknownOrder(text)
        return RefillNotAllowed(text)
    if _has(norm, "cancel"):
        if _has(norm, *_NOT_FOUND_WORDS) and _has(norm, "order id", "id"):
            return UnknownOrder(text)
        return CancelNotAllowed(text)
    if _has(norm, "link", "url"):
        return BadLink(text)
    if _has(norm, "service") and _has(norm, *_NOT_FOUND_WORDS, "error", "disabled", "not available", "inactive"):
        return UnknownService(text)
    if _has(norm, "order") and _has(norm, *_NOT_FOUND_WORDS, "does not exist", "doesn t exist"):
        return UnknownOrder(text)
    if _has(norm, "too many", "rate limit", "slow down"):
        return RateLimited(None, text, http_status=None)
    if _has(norm, "request", "action", "parameter") and _has(norm, *_NOT_FOUND_WORDS, "bad", "wrong", "missing"):
        return BadRequest(text)
    return UnrecognisedError(text)
