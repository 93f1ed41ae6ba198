"""Rows the storage layer hands out. Frozen dataclasses: callers never mutate storage by accident."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any


class NotifyMode(StrEnum):
    ALL = "all"  # every status change
    FINAL = "final"  # only when an order or refill reaches a final status
    OFF = "off"


class IntentState(StrEnum):
    SUBMITTING = "submitting"  # claimed; the `add` request may be in flight
    PLACED = "placed"  # the panel answered with an order id
    FAILED = "failed"  # the panel definitely refused; the same token may be retried
    UNKNOWN = "unknown"  # no definite answer (timeout, crash): never resend blindly


class RequestKind(StrEnum):
    """What a claimed request asks the panel to do with an order (see claims.py)."""

    REFILL = "refill"
    CANCEL = "cancel"


class RequestState(StrEnum):
    SUBMITTING = "submitting"  # claimed; the request may be in flight
    ACCEPTED = "accepted"  # the panel said yes (a refill id, or a cancel confirmed)
    REFUSED = "refused"  # the panel definitely said no, or the request never left: may be asked again
    UNKNOWN = "unknown"  # no definite answer: never resend blindly


class StatusGroup(StrEnum):
    """The /orders filters by status. UNKNOWN lists order intents whose outcome is unknown
    (intents.py), which have no order row: the order queries find nothing for it."""

    ALL = "all"
    ACTIVE = "active"  # not final yet: pending, processing, in progress (or never checked)
    COMPLETED = "completed"
    PARTIAL = "partial"
    CANCELED = "canceled"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class User:
    tg_id: int
    language: str
    notify: NotifyMode
    blocked: bool
    created_at: float
    # An IANA name the user chose; None: their language's default (bot.i18n.user_timezone).
    timezone: str | None = None


@dataclass(frozen=True, slots=True)
class Account:
    id: int
    tg_id: int
    panel_url: str
    # Decrypted; kept out of repr so that logging an Account never leaks it.
    api_key: str = field(repr=False)
    currency: str | None
    label: str | None
    active: bool
    paused: bool
    created_at: float


@dataclass(frozen=True, slots=True)
class AccountBalance:
    """What the bot last knew about an account's balance, and its low-balance alert."""

    account_id: int
    amount: Decimal | None  # the last balance the panel answered (None: never asked)
    currency: str | None
    checked_at: float | None
    threshold: Decimal | None  # alert below this (None: no alert)
    told_low: bool  # the owner was told the balance is below the threshold

    @property
    def below_threshold(self) -> bool:
        return self.amount is not None and self.threshold is not None and self.amount < self.threshold


@dataclass(frozen=True, slots=True)
class CachedCatalogue:
    payload: str
    fetched_at: float


@dataclass(frozen=True, slots=True)
class Intent:
    token: str
    tg_id: int
    account_id: int
    state: IntentState
    panel_order_id: int | None
    request: dict[str, Any]
    error_code: str | None
    created_at: float
    updated_at: float


@dataclass(frozen=True, slots=True)
class IntentClaim:
    claimed: bool  # True: the caller owns this attempt and must send the order to the panel
    intent: Intent


@dataclass(frozen=True, slots=True)
class OrderRequest:
    """One claimed refill or cancel of a panel order (which the bot may not track)."""

    id: int
    tg_id: int
    account_id: int
    kind: RequestKind
    panel_order_id: int
    state: RequestState
    refill_id: int | None  # the panel's refill id, once a refill is accepted
    finished: bool  # an accepted refill reached a final status: the order may be refilled again
    error_code: str | None
    created_at: float
    updated_at: float


@dataclass(frozen=True, slots=True)
class RequestClaim:
    claimed: bool  # True: the caller owns this request and must send it, then settle it
    request: OrderRequest  # the new request, or the live one that blocked the claim


@dataclass(frozen=True, slots=True)
class RequestSettlement:
    """How a claimed request ended (`Database.settle_requests`)."""

    request_id: int
    state: RequestState  # ACCEPTED, REFUSED or UNKNOWN
    refill_id: int | None = None
    error_code: str | None = None


@dataclass(frozen=True, slots=True)
class NewOrder:
    """An order to remember: placed through the bot, or made on the website and tracked.

    Orders tracked from the website only have what the panel's `status` answer tells, so
    the service details are optional.
    """

    account_id: int
    panel_order_id: int
    service_id: int | None = None
    service_name: str | None = None
    service_type: str | None = None
    link: str | None = None
    quantity: int | None = None
    expected_charge: Decimal | None = None
    currency: str | None = None
    refill_allowed: bool = False
    cancel_allowed: bool = False


@dataclass(frozen=True, slots=True)
class Order:
    id: int  # our primary key ("order_pk"); the panel's id is panel_order_id
    tg_id: int
    account_id: int
    panel_order_id: int
    service_id: int | None
    service_name: str | None
    service_type: str | None
    link: str | None
    quantity: int | None
    expected_charge: Decimal | None
    currency: str | None
    refill_allowed: bool
    cancel_allowed: bool
    status: str | None
    charge: Decimal | None
    start_count: int | None
    remains: int | None
    checked_at: float | None
    told_status: str | None  # the status the user was last told about
    final: bool
    created_at: float


@dataclass(frozen=True, slots=True)
class Refill:
    id: int  # our primary key ("refill_pk"); the panel's id is refill_id
    tg_id: int
    account_id: int
    order_id: int  # Order.id
    panel_order_id: int
    refill_id: int
    status: str | None
    final: bool
    checked_at: float | None
    told_status: str | None
    created_at: float


@dataclass(frozen=True, slots=True)
class OrderStatusUpdate:
    """What the panel said about one stored order (`Database.update_order_statuses`)."""

    order_pk: int
    tg_id: int  # the owner: an update naming another user's order is ignored
    status: str
    charge: Decimal | None
    start_count: int | None
    remains: int | None
    final: bool
    checked_at: float
    told: bool = False  # the user sees this status already: do not notify them about it


@dataclass(frozen=True, slots=True)
class RefillStatusUpdate:
    """What the panel said about one stored refill (`Database.update_refill_statuses`)."""

    refill_pk: int
    status: str
    final: bool
    checked_at: float
    told: bool = False


@dataclass(frozen=True, slots=True)
class OrderPage:
    """One page of a user's orders (newest first) and how many match in all."""

    orders: list[Order]
    total: int


@dataclass(frozen=True, slots=True)
class ServiceSpend:
    """What one service cost the user over a spending period, in one currency."""

    service_id: int | None  # None: orders followed from the website, whose service is unknown
    service_name: str | None
    currency: str | None
    amount: Decimal
    orders: int
    link: str | None  # one of its orders' links: tells the platform when the name does not


@dataclass(frozen=True, slots=True)
class Spending:
    """A user's spending per day in their time zone (`Database.spending`).

    Each order counts what the panel reports it charged (its `charge` once a status came),
    else what it was expected to cost; a Canceled order with no charge reported counts 0.
    Amounts are summed per currency: panels in different currencies are never added up.
    """

    zone: str
    days: tuple[date, ...]  # oldest first; the last is today in `zone`
    daily: dict[str | None, tuple[Decimal, ...]]  # per currency, one amount per day
    orders: dict[str | None, int]  # per currency, how many orders
    services: tuple[ServiceSpend, ...]  # biggest amount first

    def total(self, currency: str | None) -> Decimal:
        return sum(self.daily.get(currency, ()), Decimal(0))
