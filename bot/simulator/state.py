"""The simulated panel's books: accounts, orders, refills and a controllable clock.

Nothing here does I/O. Order and refill states are derived from simulated time (or forced by
tests) and refreshed by `tick()`, which also refunds orders that end Partial or Canceled.
"""

from __future__ import annotations

import random
import secrets
import time
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import Any

__all__ = [
    "FINAL_ORDER_STATES",
    "FINAL_SUBSCRIPTION_STATES",
    "SUBSCRIPTION_STATES",
    "PanelState",
    "SimAccount",
    "SimClock",
    "SimOrder",
    "SimRefill",
    "SimService",
    "money",
]

FINAL_ORDER_STATES = ("Completed", "Partial", "Canceled")
ORDER_STATES = ("Pending", "Processing", "In progress", *FINAL_ORDER_STATES)
# A subscription's own states (spec): it serves new posts until its posts, its expiry or a cancel.
FINAL_SUBSCRIPTION_STATES = ("Completed", "Canceled", "Expired")
SUBSCRIPTION_STATES = ("Active", "Paused", *FINAL_SUBSCRIPTION_STATES)
FINAL_REFILL_STATES = ("Completed", "Rejected", "Error")
REFILL_STATES = ("Pending", "In progress", "Processing", *FINAL_REFILL_STATES)
_CENT = Decimal("0.00001")  # the seed shows charges with five decimals ("0.27819")


def money(value: Decimal, rounding: str = ROUND_HALF_UP) -> Decimal:
    return value.quantize(_CENT, rounding=rounding)


def _flag(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes"}
    return bool(value)


class SimClock:
    """Simulated seconds: `speed` per real second, plus whatever `advance()` added."""

    def __init__(self, speed: float = 1.0) -> None:
        self._speed = speed
        self._base = 0.0
        self._real_start = time.monotonic()

    @property
    def speed(self) -> float:
        return self._speed

    @speed.setter
    def speed(self, value: float) -> None:
        self._base = self.now()  # keep time continuous across a speed change
        self._real_start = time.monotonic()
        self._speed = value

    def now(self) -> float:
        return self._base + (time.monotonic() - self._real_start) * self._speed

    def advance(self, seconds: float) -> None:
        self._base += seconds


@dataclass(frozen=True)
class SimService:
    id: int
    type: str
    rate: Decimal
    min: int
    max: int
    refill: bool
    cancel: bool
    dripfeed: bool
    step: int | None

    @classmethod
    def from_entry(cls, entry: dict[str, Any]) -> SimService:
        step = int(str(entry.get("step") or 0)) or None
        return cls(
            id=int(str(entry["service"])),
            type=str(entry.get("type") or "Default"),
            rate=Decimal(str(entry["rate"])),
            min=int(str(entry["min"])),
            max=int(str(entry["max"])),
            refill=_flag(entry.get("refill")),
            cancel=_flag(entry.get("cancel")),
            dripfeed=_flag(entry.get("dripfeed")),
            step=step,
        )

    @property
    def per_package(self) -> bool:
        return self.type.lower() in {"package", "custom comments package"}


@dataclass
class SimAccount:
    key: str = field(repr=False)
    balance: Decimal
    currency: str = "VND"
    rejected: bool = False


@dataclass
class SimOrder:
    id: int
    key: str = field(repr=False)
    service_id: int
    link: str
    quantity: int  # total to deliver (quantity x runs for drip-feed)
    charge: Decimal  # current charge: reduced by refunds
    created_at: float
    start_count: int
    params: dict[str, str] = field(default_factory=dict)
    status: str = "Pending"
    remains: int = 0
    outcome: str = "Completed"  # how the order ends when its time is up
    outcome_remains: int | None = None
    forced: bool = False  # a test fixed the state: time no longer moves it
    settled: bool = False  # final state reached and refund (if any) paid
    subscription: bool = False  # serves new posts of an account; charged per post served
    posts: int = 0  # posts served so far (subscriptions)
    posts_limit: int | None = None  # new posts to serve; None: until expiry or cancel
    old_posts: int = 0  # existing posts served at the start
    expires_at: float | None = None  # simulated time of expiry
    per_post: int = 0  # amount served per post

    @property
    def is_final(self) -> bool:
        return self.status in (FINAL_SUBSCRIPTION_STATES if self.subscription else FINAL_ORDER_STATES)


@dataclass
class SimRefill:
    id: int
    key: str = field(repr=False)
    order_ids: list[int]
    created_at: float
    status: str = "Pending"
    outcome: str = "Completed"
    forced: bool = False


def _canonical(status: str, allowed: tuple[str, ...]) -> str:
    wanted = " ".join(status.lower().replace("cancelled", "canceled").split())
    for state in allowed:
        if state.lower() == wanted:
            return state
    raise ValueError(f"unknown state {status!r}; expected one of {', '.join(allowed)}")


class PanelState:
    """Books and lifecycle rules; `PanelSimulator` adds the HTTP front."""

    def __init__(
        self,
        catalogue: list[dict[str, Any]] | None = None,
        speed: float = 1.0,
        *,
        seed: int | None = None,
        pending_seconds: float = 5.0,
        progress_seconds: float = 60.0,
        refill_pending_seconds: float = 5.0,
        refill_progress_seconds: float = 30.0,
        first_order_id: int = 10001,
        first_refill_id: int = 1,
    ) -> None:
        from bot.simulator.catalogue import default_catalogue

        self.catalogue: list[dict[str, Any]] = catalogue if catalogue is not None else default_catalogue()
        self.services: dict[int, SimService] = {s.id: s for s in map(SimService.from_entry, self.catalogue)}
        self.clock = SimClock(speed)
        self.rng = random.Random(seed)
        self.pending_seconds = pending_seconds
        self.progress_seconds = progress_seconds
        self.refill_pending_seconds = refill_pending_seconds
        self.refill_progress_seconds = refill_progress_seconds
        self.accounts: dict[str, SimAccount] = {}
        self.orders: dict[int, SimOrder] = {}
        self.refills: dict[int, SimRefill] = {}
        self._live_orders: set[int] = set()  # not settled yet: the only ones `tick()` looks at
        self._next_order_id = first_order_id
        self._next_refill_id = first_refill_id

    def set_catalogue(self, catalogue: list[dict[str, Any]]) -> None:
        """Replace the catalogue (as a panel does when it edits its services); orders stay."""
        self.catalogue = catalogue
        self.services.update({s.id: s for s in map(SimService.from_entry, catalogue)})

    # --- accounts -------------------------------------------------------------------------------

    def add_key(self, key: str | None = None, balance: Decimal | int | str = Decimal(0), currency: str = "VND") -> str:
        key = key or secrets.token_hex(16)
        self.accounts[key] = SimAccount(key=key, balance=Decimal(str(balance)), currency=currency)
        return key

    def reject_key(self, key: str) -> None:
        """From now on the panel answers "Invalid API key" for this key."""
        self.accounts[key].rejected = True

    def balance_of(self, key: str) -> Decimal:
        self.tick()
        return self.accounts[key].balance

    def set_balance(self, key: str, balance: Decimal | int | str) -> None:
        self.accounts[key].balance = Decimal(str(balance))

    def account_for(self, key: str | None) -> SimAccount | None:
        account = self.accounts.get(key or "")
        return account if account is not None and not account.rejected else None

    # --- time -------------------------------------------------------------------------------------

    @property
    def speed(self) -> float:
        return self.clock.speed

    @speed.setter
    def speed(self, value: float) -> None:
        self.clock.speed = value

    def now(self) -> float:
        return self.clock.now()

    def advance(self, seconds: float) -> None:
        """Move simulated time forward instantly (orders and refills progress accordingly)."""
        self.clock.advance(seconds)
        self.tick()

    def tick(self) -> None:
        now = self.clock.now()
        for order_id in sorted(self._live_orders):
            self._refresh_order(self.orders[order_id], now)
        for refill in self.refills.values():
            if not refill.forced and refill.status not in FINAL_REFILL_STATES:
                refill.status = self._refill_state_at(refill, now)

    # --- orders -----------------------------------------------------------------------------------

    def create_order(
        self,
        account: SimAccount,
        service: SimService,
        link: str,
        quantity: int,
        charge: Decimal,
        params: dict[str, str],
    ) -> SimOrder:
        order = SimOrder(
            id=self._next_order_id,
            key=account.key,
            service_id=service.id,
            link=link,
            quantity=quantity,
            charge=charge,
            created_at=self.clock.now(),
            start_count=self.rng.randint(0, 20000),
            params=params,
            remains=quantity,
        )
        self._next_order_id += 1
        account.balance -= charge
        self.orders[order.id] = order
        self._live_orders.add(order.id)
        return order

    def create_subscription(self, account: SimAccount, service: SimService, target: str,
                            params: dict[str, str]) -> SimOrder:
        """A subscription on `target` (@username): Active now, one new post every
        `progress_seconds` of simulated time, each charged as `max` items of the service."""
        from bot.simulator.ordertypes import expiry_day, panel_today, whole

        expiry = expiry_day(params.get("expiry"))
        now = self.clock.now()
        order = SimOrder(
            id=self._next_order_id,
            key=account.key,
            service_id=service.id,
            link=target,
            quantity=0,
            charge=Decimal(0),
            created_at=now,
            start_count=0,
            params=params,
            status="Active",
            subscription=True,
            posts_limit=whole(params.get("posts")),
            old_posts=whole(params.get("old_posts")) or 0,
            expires_at=now + (expiry - panel_today()).days * 86400 if expiry is not None else None,
            per_post=whole(params.get("max")) or 0,
        )
        self._next_order_id += 1
        self.orders[order.id] = order
        self._live_orders.add(order.id)
        self._refresh_subscription(order, now)
        return order

    def _refresh_subscription(self, order: SimOrder, now: float) -> None:
        if order.forced or order.is_final:
            return
        new_posts = int((now - order.created_at) // self.progress_seconds) if self.progress_seconds > 0 else 0
        if order.posts_limit is not None:
            new_posts = min(new_posts, order.posts_limit)
        order.status = "Active"
        self._serve_posts(order, order.old_posts + new_posts)  # Paused if the balance runs out
        if order.posts_limit is not None and order.posts >= order.old_posts + order.posts_limit:
            order.status = "Completed"
        elif order.expires_at is not None and now >= order.expires_at:
            order.status = "Expired"

    def _serve_posts(self, order: SimOrder, posts: int) -> None:
        """Charge the posts served since the last look (as far as the balance goes)."""
        service = self.services[order.service_id]
        account = self.accounts[order.key]
        while order.posts < posts:
            cost = money(service.rate * order.per_post / 1000)
            if cost > account.balance:
                order.status = "Paused"  # panels pause a subscription the balance cannot pay
                return
            account.balance -= cost
            order.charge += cost
            order.posts += 1

    def order(self, order_id: int) -> SimOrder:
        self.tick()
        return self.orders[order_id]

    def set_order_outcome(self, order_id: int, status: str = "Completed", remains: int | None = None) -> None:
        """Decide how the order ends once its simulated time is up."""
        order = self.orders[order_id]
        order.outcome = _canonical(status, FINAL_ORDER_STATES)
        order.outcome_remains = remains
        self.tick()

    def set_order_status(
        self, order_id: int, status: str, remains: int | None = None, start_count: int | None = None
    ) -> None:
        """Force a state now (time stops moving this order). Final states settle refunds."""
        order = self.orders[order_id]
        state = _canonical(status, SUBSCRIPTION_STATES if order.subscription else ORDER_STATES)
        order.forced = True
        order.status = state
        order.remains = remains if remains is not None else self._default_remains(order, state, self.clock.now())
        if start_count is not None:
            order.start_count = start_count
        if order.is_final:
            self._settle(order)

    def complete_order(self, order_id: int, status: str = "Completed", remains: int | None = None) -> None:
        self.set_order_status(order_id, _canonical(status, FINAL_ORDER_STATES), remains)

    def _delivered_fraction(self, order: SimOrder, now: float) -> float:
        elapsed = now - order.created_at - self.pending_seconds
        if self.progress_seconds <= 0:
            return 1.0
        return min(1.0, max(0.0, elapsed / self.progress_seconds))

    def _default_remains(self, order: SimOrder, state: str, now: float) -> int:
        if state == "Completed":
            return 0
        if state == "Canceled":
            return order.quantity
        if state == "Partial":
            return order.quantity // 2 if order.outcome_remains is None else order.outcome_remains
        if state in ("In progress", "Processing"):
            return order.quantity - int(order.quantity * self._delivered_fraction(order, now))
        return order.quantity

    def _refresh_order(self, order: SimOrder, now: float) -> None:
        if order.subscription:
            self._refresh_subscription(order, now)
        elif not order.forced:
            elapsed = now - order.created_at
            if elapsed < self.pending_seconds:
                order.status, order.remains = "Pending", order.quantity
            elif elapsed < self.pending_seconds + self.progress_seconds:
                order.status = "In progress"
                order.remains = self._default_remains(order, "In progress", now)
            else:
                order.status = order.outcome
                order.remains = (
                    order.outcome_remains
                    if order.outcome_remains is not None
                    else self._default_remains(order, order.outcome, now)
                )
        if order.is_final:
            self._settle(order)

    def _settle(self, order: SimOrder) -> None:
        """Pay back what was not delivered, once."""
        if order.settled:
            return
        order.settled = True
        self._live_orders.discard(order.id)
        if order.subscription:
            return  # charged per post served: nothing to pay back
        if order.status == "Canceled":
            refund = order.charge
        elif order.status == "Partial" and order.quantity > 0 and order.remains > 0:
            undelivered = min(order.remains, order.quantity)
            refund = money(order.charge * undelivered / order.quantity, ROUND_DOWN)
        else:
            return
        order.charge -= refund
        self.accounts[order.key].balance += refund

    # --- refills ----------------------------------------------------------------------------------

    def create_refill(self, account: SimAccount, order_ids: list[int]) -> SimRefill:
        refill = SimRefill(
            id=self._next_refill_id, key=account.key, order_ids=order_ids, created_at=self.clock.now()
        )
        self._next_refill_id += 1
        self.refills[refill.id] = refill
        return refill

    def set_refill_outcome(self, refill_id: int, status: str = "Completed") -> None:
        self.refills[refill_id].outcome = _canonical(status, FINAL_REFILL_STATES)
        self.tick()

    def set_refill_status(self, refill_id: int, status: str) -> None:
        refill = self.refills[refill_id]
        refill.status = _canonical(status, REFILL_STATES)
        refill.forced = True

    def _refill_state_at(self, refill: SimRefill, now: float) -> str:
        elapsed = now - refill.created_at
        if elapsed < self.refill_pending_seconds:
            return "Pending"
        if elapsed < self.refill_pending_seconds + self.refill_progress_seconds:
            return "In progress"
        return refill.outcome
