"""Turning what a user typed into an order, and placing it exactly once.

`add` has no idempotency key on any panel: sending it twice charges twice. So an order
intent is stored (and claimed atomically) before the request leaves, and a second tap, an
old confirmation card or a restart finds the intent instead of sending again.
"""

from __future__ import annotations

import asyncio
import logging
import re
import secrets
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from enum import Enum

from bot.core.ports import IntentStore, PanelApi
from bot.core.secrets import looks_like_key
from bot.panel import OutcomeUnknown, PanelError, Service, ServiceKind
from bot.storage import Intent, IntentState, NewOrder

log = logging.getLogger(__name__)

MAX_LINK_LENGTH = 512
MAX_COMMENTS = 10_000
_HANDLE_RE = re.compile(r"^@?(?=[A-Za-z0-9_.]*[A-Za-z])[A-Za-z0-9_.]{2,64}$")


class OrderKind(str, Enum):
    """What the bot asks for before an order, by the service's kind."""

    DEFAULT = "default"  # link + quantity
    PACKAGE = "package"  # link only
    COMMENTS = "comments"  # link + one comment per line
    UNSUPPORTED = "unsupported"  # shown, but ordered on the panel's website


_KINDS = {
    ServiceKind.DEFAULT: OrderKind.DEFAULT,
    ServiceKind.PACKAGE: OrderKind.PACKAGE,
    ServiceKind.CUSTOM_COMMENTS: OrderKind.COMMENTS,
    ServiceKind.CUSTOM_COMMENTS_PACKAGE: OrderKind.COMMENTS,
}


def order_kind(service: Service) -> OrderKind:
    return _KINDS.get(service.kind, OrderKind.UNSUPPORTED)


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


def charge_for(service: Service, quantity: int | None) -> Decimal:
    """What the panel will take: rate per 1000 items, or the price of one package."""
    return service.charge_for(quantity or 1).normalize()


@dataclass
class Draft:
    """An order being put together; lives in the user's persisted `user_data`."""

    service_id: int
    service_name: str
    service_type: str
    account_id: int
    link: str | None = None
    quantity: int | None = None
    comments: str | None = None
    token: str = field(default_factory=lambda: secrets.token_urlsafe(9))
    # The balance shown on the confirmation card: kept with the order as evidence, should
    # its outcome be unknown.
    balance: Decimal | None = None
    balance_currency: str | None = None

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "Draft":
        return cls(**data)

    def renew_token(self) -> None:
        """A new confirmation card gets a new token, so edits never reuse a claimed one."""
        self.token = secrets.token_urlsafe(9)


def order_snapshot(draft: Draft, service: Service, currency: str | None) -> dict:
    """What an order intent keeps of the order: enough to show it, to store it once its panel id
    is known (`order_of_snapshot`), or to order it again, without the catalogue."""
    return {
        **draft.as_dict(),
        "kind": order_kind(service).value,
        "charge": charge_for(service, draft.quantity),
        "currency": currency,
        "refill": service.refill,
        "cancel": service.cancel,
    }


def order_of_snapshot(snapshot: dict, order_id: int) -> NewOrder:
    """The order to store for an intent placed as panel order `order_id`."""
    return NewOrder(
        account_id=snapshot["account_id"],
        panel_order_id=order_id,
        service_id=snapshot.get("service_id"),
        service_name=snapshot.get("service_name"),
        service_type=snapshot.get("service_type"),
        link=snapshot.get("link") or "",
        quantity=snapshot.get("quantity"),
        expected_charge=snapshot.get("charge"),
        currency=snapshot.get("currency"),
        refill_allowed=bool(snapshot.get("refill")),
        cancel_allowed=bool(snapshot.get("cancel")),
    )


# Why an `add` got no definite answer, kept with the intent (error_code) to tell the user.
REASON_TIMEOUT = "timeout"  # no answer within the deadline
REASON_CONNECTION = "connection"  # the connection was cut before the answer arrived
REASON_SERVER_ERROR = "http_"  # + the HTTP status of a server error (http_502)
REASON_UNREADABLE = "unreadable"  # an answer came, but not one that can be read
REASON_STOPPED = "stopped"  # the bot was stopped while sending
REASON_INTERNAL = "internal"  # an error in the bot while sending


def unknown_reason(error: BaseException) -> str:
    """The reason code for an `add` that ended without a definite answer with `error`."""
    if isinstance(error, asyncio.CancelledError):
        return REASON_STOPPED
    if not isinstance(error, OutcomeUnknown):
        return REASON_INTERNAL
    status = error.http_status
    if status is None:
        return REASON_TIMEOUT if error.reason == "timeout" else REASON_CONNECTION
    if status >= 500:
        return f"{REASON_SERVER_ERROR}{int(status)}"
    return REASON_UNREADABLE


class Outcome(str, Enum):
    PLACED = "placed"  # we placed it now
    ALREADY_PLACED = "already_placed"  # a tap on a card whose order exists
    IN_FLIGHT = "in_flight"  # another tap is placing it right now
    FAILED = "failed"  # the panel said no; nothing was charged
    UNKNOWN = "unknown"  # we cannot tell whether the panel placed it


@dataclass
class PlaceResult:
    outcome: Outcome
    order: object | None = None  # storage Order when placed
    panel_order_id: int | None = None
    error: PanelError | None = None
    owned: bool = True  # this call claimed the order (False: another tap or an earlier card did)


async def place_order(db: IntentStore, api: PanelApi, tg_id: int, draft: Draft, service: Service, currency: str | None,
                      *, before_sending: Callable[[], Awaitable[object]] | None = None,
                      wait_for_other_tap: float = 5.0) -> PlaceResult:
    """Place `draft` at most once, whatever is tapped twice or fails on the way.

    `before_sending` runs once this call owns the order (e.g. to say "placing…"); a call that
    does not own it returns what became of the order instead (ALREADY_PLACED / IN_FLIGHT /
    UNKNOWN), waiting up to `wait_for_other_tap` seconds for a concurrent tap to finish.
    """
    request = order_snapshot(draft, service, currency)
    claim = await db.begin_intent(tg_id, draft.account_id, draft.token, request)
    if not claim.claimed:
        return await _report_existing(db, tg_id, draft.token, claim.intent, wait_for_other_tap)
    if before_sending is not None:
        try:
            await before_sending()
        except Exception:  # cosmetic (a "placing…" toast): it must not strand the claim
            log.warning("before_sending failed; placing the order anyway", exc_info=True)

    kind = order_kind(service)
    try:
        order_id = await api.add(
            service.id,
            draft.link or "",
            None if kind is OrderKind.PACKAGE or kind is OrderKind.COMMENTS else draft.quantity,
            comments=draft.comments if kind is OrderKind.COMMENTS else None,
        )
    except OutcomeUnknown as exc:
        await db.intent_unknown(tg_id, draft.token, unknown_reason(exc))
        return PlaceResult(Outcome.UNKNOWN, error=exc)
    except PanelError as exc:
        await db.intent_failed(tg_id, draft.token, exc.code)
        return PlaceResult(Outcome.FAILED, error=exc)
    except BaseException as exc:
        # Anything else (a bug, a cancelled task) after the claim: we cannot know whether the
        # request left, so the intent must not be retried as if it had failed.
        await asyncio.shield(db.intent_unknown(tg_id, draft.token, unknown_reason(exc)))
        raise

    try:
        order = await db.intent_placed(tg_id, draft.token, order_id, order_of_snapshot(request, order_id))
    except Exception:
        # The panel took the order and charged for it: whatever failed here, the user must
        # learn its number rather than order again.
        log.exception("order %s was placed but could not be stored", order_id)
        return PlaceResult(Outcome.PLACED, panel_order_id=order_id)
    return PlaceResult(Outcome.PLACED, order=order, panel_order_id=order_id)


async def _report_existing(db: IntentStore, tg_id: int, token: str, intent: Intent, wait: float) -> PlaceResult:
    # Two taps at the same moment: the other one is sending the order; wait briefly for it
    # so this tap can answer with the order number instead of a vague "in progress".
    deadline = asyncio.get_running_loop().time() + wait
    while intent.state is IntentState.SUBMITTING and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.1)
        fresh = await db.get_intent(tg_id, token)
        if fresh is None:  # the user deleted their data meanwhile
            break
        intent = fresh
    if intent.state is IntentState.PLACED:
        return PlaceResult(Outcome.ALREADY_PLACED, panel_order_id=intent.panel_order_id, owned=False)
    if intent.state is IntentState.UNKNOWN:
        return PlaceResult(Outcome.UNKNOWN, owned=False)
    if intent.state is IntentState.FAILED:
        return PlaceResult(Outcome.FAILED, owned=False)
    return PlaceResult(Outcome.IN_FLIGHT, owned=False)
