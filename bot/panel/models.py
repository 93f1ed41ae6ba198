"""Typed, immutable values the panel client returns. Money is always `Decimal`."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from bot.panel.errors import PanelError

__all__ = [
    "Balance",
    "ItemError",
    "OrderState",
    "OrderStatus",
    "RefillState",
    "RefillStatus",
    "Service",
    "ServiceKind",
]


class ServiceKind(enum.Enum):
    """What `add` needs for a service type; OTHER means the bot must not offer ordering yet."""

    DEFAULT = "default"  # link + quantity (+ runs/interval when dripfeed)
    PACKAGE = "package"  # link only; rate is the price of one package
    CUSTOM_COMMENTS = "custom_comments"  # link + comments; quantity = non-empty lines
    CUSTOM_COMMENTS_PACKAGE = "custom_comments_package"  # link + comments; rate per package
    OTHER = "other"  # Poll, Mentions, Subscriptions, SEO...: parameters we do not collect


_KIND_BY_TYPE = {
    "default": ServiceKind.DEFAULT,
    "package": ServiceKind.PACKAGE,
    "custom comments": ServiceKind.CUSTOM_COMMENTS,
    "custom comments package": ServiceKind.CUSTOM_COMMENTS_PACKAGE,
}

_THOUSAND = Decimal(1000)


@dataclass(frozen=True)
class Service:
    id: int
    name: str
    type: str
    category: str
    rate: Decimal  # per 1000 units; for Package types the price of one package
    min: int
    max: int
    refill: bool = False
    cancel: bool = False
    dripfeed: bool = False
    description: str | None = None
    step: int | None = None
    # Every other field the panel sent (average_time, currency...), untouched.
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def kind(self) -> ServiceKind:
        return _KIND_BY_TYPE.get(" ".join(self.type.casefold().split()), ServiceKind.OTHER)

    def charge_for(self, quantity: int = 1, runs: int | None = None) -> Decimal:
        """What the panel will take for this order (before any rounding the panel applies)."""
        if self.kind in (ServiceKind.PACKAGE, ServiceKind.CUSTOM_COMMENTS_PACKAGE):
            return self.rate
        total = quantity * (runs if runs else 1)
        return self.rate * total / _THOUSAND


class OrderState(enum.Enum):
    PENDING = "pending"
    PROCESSING = "processing"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    PARTIAL = "partial"
    CANCELED = "canceled"
    UNKNOWN = "unknown"

    @property
    def is_final(self) -> bool:
        return self in (OrderState.COMPLETED, OrderState.PARTIAL, OrderState.CANCELED)


class RefillState(enum.Enum):
    PENDING = "pending"
    IN_PROGRESS = "in_progress"
    PROCESSING = "processing"
    COMPLETED = "completed"
    REJECTED = "rejected"
    ERROR = "error"
    UNKNOWN = "unknown"

    @property
    def is_final(self) -> bool:
        return self in (RefillState.COMPLETED, RefillState.REJECTED, RefillState.ERROR)


@dataclass(frozen=True)
class OrderStatus:
    charge: Decimal | None
    start_count: int | None
    status: OrderState
    remains: int | None  # negative means over-delivery
    currency: str | None = None
    raw_status: str = ""  # the panel's own spelling, for display and debugging

    @property
    def is_final(self) -> bool:
        return self.status.is_final


@dataclass(frozen=True)
class Balance:
    amount: Decimal
    currency: str | None


@dataclass(frozen=True)
class RefillStatus:
    state: RefillState
    raw: str = ""

    @property
    def is_final(self) -> bool:
        return self.state.is_final


@dataclass(frozen=True)
class ItemError:
    """One id's error inside a batch answer; the other ids' results are unaffected."""

    error: PanelError

    @property
    def code(self) -> str:
        return self.error.code

    @property
    def panel_text(self) -> str | None:
        return self.error.panel_text
