"""Orders whose outcome is unknown: the panel may have placed them, and only the user can tell.

When an `add` gets no definite answer, its intent stays UNKNOWN and is never resent (see
`bot.core.ordering`). It is not forgotten either: it is listed with the user's orders, from the
snapshot the intent keeps, until the user settles it. Evidence is shown as evidence (the
balance before and now); whether the order exists is only checked for an id the user gives.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from bot.core.ordering import (
    REASON_CONNECTION,
    REASON_INTERNAL,
    REASON_SERVER_ERROR,
    REASON_STOPPED,
    REASON_TIMEOUT,
    REASON_UNREADABLE,
    Draft,
    OrderKind,
    order_of_snapshot,
)
from bot.core.ports import IntentStore, PanelApi
from bot.core.tracking import store_status
from bot.panel import OrderStatus
from bot.storage import Intent, IntentState, Order
from bot.storage.intents import SETTLED_NOT_PLACED


def _money(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


@dataclass(frozen=True)
class UncertainOrder:
    """An order intent as the user sees it. Read tolerantly: intents written before the
    snapshot held charge and balance (or by another build) still show what they have."""

    token: str
    account_id: int
    state: IntentState
    panel_order_id: int | None
    reason: str | None  # see bot.core.ordering.unknown_reason
    created_at: float
    service_id: int | None
    service_name: str
    link: str
    kind: OrderKind
    quantity: int | None
    charge: Decimal | None
    currency: str | None
    balance_before: Decimal | None
    balance_currency: str | None
    snapshot: dict[str, Any]

    @classmethod
    def from_intent(cls, intent: Intent) -> UncertainOrder:
        snap = intent.request if isinstance(intent.request, dict) else {}
        try:
            kind = OrderKind(snap.get("kind") or OrderKind.DEFAULT.value)
        except ValueError:
            kind = OrderKind.DEFAULT
        service_id = snap.get("service_id")
        return cls(
            token=intent.token,
            account_id=intent.account_id,
            state=intent.state,
            panel_order_id=intent.panel_order_id,
            reason=intent.error_code,
            created_at=intent.created_at,
            service_id=service_id if isinstance(service_id, int) else None,
            service_name=str(snap.get("service_name") or ""),
            link=str(snap.get("link") or ""),
            kind=kind,
            quantity=_count(snap.get("quantity")),
            charge=_money(snap.get("charge")),
            currency=_text(snap.get("currency")),
            balance_before=_money(snap.get("balance")),
            balance_currency=_text(snap.get("balance_currency")),
            snapshot=snap,
        )

    @property
    def settled_not_placed(self) -> bool:
        return self.state is IntentState.FAILED and self.reason == SETTLED_NOT_PLACED


_REASONS = {REASON_TIMEOUT, REASON_CONNECTION, REASON_UNREADABLE, REASON_STOPPED, REASON_INTERNAL}


def reason_kind(reason: str | None) -> tuple[str, int | None]:
    """A stored reason code as (kind, HTTP status): kind is one of the REASON_* codes,
    "server_error" (with its status) or "unknown" (intents stored without a reason)."""
    if reason and reason.startswith(REASON_SERVER_ERROR) and reason[len(REASON_SERVER_ERROR):].isdigit():
        return "server_error", int(reason[len(REASON_SERVER_ERROR):])
    return (reason if reason in _REASONS else "unknown"), None


def draft_again(item: UncertainOrder, account_id: int) -> Draft | None:
    """A new draft (with a new token) of the same service, link and quantity or comments, for
    an order the user settled as not placed; None if the snapshot lacks what is needed."""
    snap = item.snapshot
    if item.service_id is None or not item.link:
        return None
    return Draft(
        service_id=item.service_id,
        service_name=item.service_name,
        service_type=str(snap.get("service_type") or ""),
        account_id=account_id,
        link=item.link,
        quantity=item.quantity,
        comments=_text(snap.get("comments")),
        values=dict(snap["values"]) if isinstance(snap.get("values"), dict) else {},
    )


async def settle_placed(
    db: IntentStore, api: PanelApi, tg_id: int, intent: Intent, panel_order_id: int
) -> tuple[Order | None, OrderStatus]:
    """The user says the panel placed `intent` as `panel_order_id`: one `status` call checks that
    the panel knows that order for this key (UnknownOrder and other panel errors propagate, and
    nothing is stored), then the order is stored with the intent's details and that status.

    The order is None if the intent was settled meanwhile (another tap or message)."""
    status = await api.status(panel_order_id)
    snapshot = {**intent.request, "account_id": intent.account_id}
    order = await db.settle_intent_placed(tg_id, intent.token, order_of_snapshot(snapshot, panel_order_id))
    if order is not None:
        await store_status(db, tg_id, order, status, shown_to_user=True)
        order = await db.get_order_by_pk(tg_id, order.id)
    return order, status
