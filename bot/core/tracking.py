"""Checking orders and asking for refills and cancels: shared by the handlers and the tracker.

`refill` and `cancel` are sent at most once per live request (see storage/claims.py): each is
claimed before it leaves, the panel's answer settles it, and an answer that never came leaves
it UNKNOWN, so it is never resent blindly. Orders the bot knows cannot be refilled or cancelled
are refused before anything is claimed or sent.

When may it be asked again? A refill: once the previous one was refused (the panel said no, or
the request never left) or its refill reached a final status (asked of the panel, a read, when
the user tries again). A cancel: only after a definite refusal.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from bot.core.ports import OrderStore, PanelApi, RequestStore
from bot.panel import (
    ItemError,
    OrderStatus,
    OutcomeUnknown,
    PanelError,
    PanelUnavailable,
    RateLimited,
    RefillStatus,
    UnrecognisedError,
)
from bot.storage import Account, Order, OrderStatusUpdate
from bot.storage.models import OrderRequest, RequestClaim, RequestKind, RequestSettlement, RequestState

log = logging.getLogger(__name__)


def status_update(tg_id: int, order: Order, status: OrderStatus, *, shown_to_user: bool = False) -> OrderStatusUpdate:
    """What to store about one of the user's orders after the panel answered `status`.

    `shown_to_user`: the user is looking at this status right now (a refresh they asked
    for), so the tracker must not notify them about it again.
    """
    return OrderStatusUpdate(
        order_pk=order.id,
        tg_id=tg_id,
        status=status.status.value,
        charge=status.charge,
        start_count=status.start_count,
        remains=status.remains,
        final=status.is_final,
        checked_at=time.time(),
        told=shown_to_user,
    )


async def store_status(db: OrderStore, tg_id: int, order: Order, status: OrderStatus, *, shown_to_user: bool = False) -> bool:
    """Record what the panel said about one of the user's stored orders; True if it changed."""
    update = status_update(tg_id, order, status, shown_to_user=shown_to_user)
    return order.id in await db.update_order_statuses([update])


async def refresh_order(db: OrderStore, api: PanelApi, tg_id: int, order: Order) -> OrderStatus:
    """One order's status asked now (its card's Refresh), stored as shown to the user."""
    status = await api.status(order.panel_order_id)
    await store_status(db, tg_id, order, status, shown_to_user=True)
    return status


async def check_statuses(db: OrderStore, api: PanelApi, tg_id: int, account_id: int, ids: Sequence[int]
                         ) -> tuple[dict[int, OrderStatus | ItemError], dict[int, Order]]:
    """Order ids the user typed (/status): the panel's answers, batched, and the orders the bot
    tracks among them, whose statuses are stored as shown to the user."""
    answers = await api.statuses(ids)
    tracked = await db.tracked_orders(tg_id, account_id, ids)
    await db.update_order_statuses([
        status_update(tg_id, order, answer, shown_to_user=True)
        for order_id, order in tracked.items()
        if isinstance(answer := answers.get(order_id), OrderStatus)
    ])
    return answers, tracked


async def refresh_orders(db: OrderStore, api: PanelApi, tg_id: int, orders: Sequence[Order]) -> dict[int, OrderStatus | ItemError]:
    """One batched status call (per 100) for `orders`, stored in one transaction; returns the
    panel's answers."""
    answers = await api.statuses([o.panel_order_id for o in orders])
    updates = [
        status_update(tg_id, order, answer, shown_to_user=True)
        for order in orders
        if isinstance(answer := answers.get(order.panel_order_id), OrderStatus)
    ]
    await db.update_order_statuses(updates)
    return answers


class RequestOutcome(StrEnum):
    """What became of one order's refill or cancel request."""

    SENT = "sent"  # the panel accepted it now (`refill_id` for a refill)
    REFUSED = "refused"  # the panel said no (`error`; None: it answered without confirming)
    UNKNOWN = "unknown"  # sent, but no definite answer came: it is not sent again
    INELIGIBLE = "ineligible"  # not sent: `reason` says why the order cannot be refilled/cancelled
    ALREADY = "already"  # an earlier request was accepted (`refill_id` for a refill)
    PENDING = "pending"  # an earlier request is being sent, or its outcome is unknown


class Ineligible(StrEnum):
    NOT_FINAL = "not_final"  # refill: the order is still running
    CANCELED = "canceled"  # refill: nothing was delivered to refill
    NO_REFILL = "no_refill"  # the order's service has no refill
    FINAL = "final"  # cancel: the order has finished
    NO_CANCEL = "no_cancel"  # the order's service cannot be cancelled


@dataclass
class RequestResult:
    order_id: int  # the panel's order id
    outcome: RequestOutcome
    refill_id: int | None = None
    error: PanelError | None = None
    reason: Ineligible | None = None
    status: str | None = None  # the order's stored status, with INELIGIBLE
    blocked_by: OrderRequest | None = None  # with PENDING: the earlier request in the way


# A request still SUBMITTING this long after its claim was left by a process that died while
# sending it (every panel call ends within its deadline, far sooner).
STUCK_SECONDS = 10 * 60


def releasable(request: OrderRequest | None, now: float) -> bool:
    """Whether the user may release `request` after checking the panel's website: its outcome
    is unknown, or it has been stuck "being sent" far longer than any request takes."""
    if request is None:
        return False
    if request.state is RequestState.UNKNOWN:
        return True
    return request.state is RequestState.SUBMITTING and request.updated_at < now - STUCK_SECONDS


async def release_request(db: RequestStore, tg_id: int, request_id: int, now: float) -> OrderRequest | None:
    """Release a request of unknown outcome the user has checked was not acted on (see
    bot.storage.claims): the next refill or cancel of its order is claimed and sent as usual.
    None when it cannot be released (already settled, someone else's, or still being sent)."""
    return await db.release_request(tg_id, request_id, now - STUCK_SECONDS)


# Transport failures raised before the request reached the panel (the client passes on only
# the exception's class name, see PanelAccountApi._transport_error).
_NEVER_SENT = frozenset({
    "ClientConnectorError", "ClientConnectorDNSError", "ClientConnectorSSLError",
    "ClientConnectorCertificateError", "ClientProxyConnectionError", "ConnectionTimeoutError",
})  # fmt: skip


def refused_for_sure(error: PanelError) -> bool:
    """True when the panel cannot have acted on a refill/cancel: it said no, or the request never
    reached it. False when it may have (timeout after sending, 5xx, an unreadable answer or one
    that did not mention the order)."""
    if isinstance(error, OutcomeUnknown):
        return False
    if isinstance(error, RateLimited):
        return True
    if isinstance(error, PanelUnavailable):
        if error.http_status is None:
            return error.reason in _NEVER_SENT
        return 400 <= error.http_status < 500  # a 4xx page: the panel did not process it
    return not (type(error) is UnrecognisedError and error.panel_text is None)


def _has_service(order: Order) -> bool:
    # Orders tracked from the website only know what `status` tells: not their service's flags.
    return order.service_id is not None


def refill_refusal(order: Order) -> Ineligible | None:
    """Why a stored order cannot be refilled now, or None to let the panel decide."""
    if _has_service(order) and not order.refill_allowed:
        return Ineligible.NO_REFILL
    if (order.status or "").lower() == "canceled":
        return Ineligible.CANCELED
    if not order.final:
        return Ineligible.NOT_FINAL
    return None


def cancel_refusal(order: Order) -> Ineligible | None:
    """Why a stored order cannot be cancelled, or None to let the panel decide."""
    if order.final:
        return Ineligible.FINAL
    if _has_service(order) and not order.cancel_allowed:
        return Ineligible.NO_CANCEL
    return None


def _blocked(order_id: int, request: OrderRequest) -> RequestResult:
    if request.state is RequestState.ACCEPTED:
        return RequestResult(order_id, RequestOutcome.ALREADY, refill_id=request.refill_id)
    return RequestResult(order_id, RequestOutcome.PENDING, blocked_by=request)


def _failed(order_id: int, request: OrderRequest, error: PanelError) -> tuple[RequestResult, RequestSettlement]:
    """A claimed request the panel did not accept: refused (may be asked again) or unknown."""
    if refused_for_sure(error):
        settlement = RequestSettlement(request.id, RequestState.REFUSED, error_code=error.code)
        return RequestResult(order_id, RequestOutcome.REFUSED, error=error), settlement
    return RequestResult(order_id, RequestOutcome.UNKNOWN, error=error), RequestSettlement(request.id, RequestState.UNKNOWN)


async def _send(
    db: RequestStore, tg_id: int, owned: Mapping[int, OrderRequest], call: Callable[[], Awaitable[dict[int, Any]]]
) -> dict[int, Any]:
    """The panel's answer per claimed order; a failure of the whole call answers for each."""
    try:
        return await call()
    except PanelError as exc:
        return {order_id: ItemError(exc) for order_id in owned}
    except BaseException:
        # A bug or a cancelled task after the claim: whether the request left cannot be known,
        # so the claims must not be freed as if it had been refused.
        unknown = [RequestSettlement(r.id, RequestState.UNKNOWN) for r in owned.values()]
        await asyncio.shield(db.settle_requests(tg_id, unknown))
        raise


async def _refresh_running(db: RequestStore, api: PanelApi, tg_id: int, account_id: int, tracked: dict[int, Order]) -> None:
    """Stored orders that are still running may have finished since the tracker last looked:
    ask the panel (a read) before refusing them a refill. On failure, the stored status stands."""
    running = [o for o in tracked.values() if not o.final and refill_refusal(o) is Ineligible.NOT_FINAL]
    if not running:
        return
    try:
        answers = await api.statuses([o.panel_order_id for o in running])
    except PanelError as exc:
        log.info("status before refill failed: %s", exc.code)
        return
    await db.update_order_statuses([
        status_update(tg_id, order, answer)
        for order in running
        if isinstance(answer := answers.get(order.panel_order_id), OrderStatus)
    ])  # fmt: skip
    tracked.update(await db.tracked_orders(tg_id, account_id, [o.panel_order_id for o in running]))


async def _claim_refills(db: RequestStore, api: PanelApi, tg_id: int, account_id: int, ids: list[int]) -> dict[int, RequestClaim]:
    """Claim refills of `ids`. An order blocked by an accepted refill the bot has not seen finish
    is checked with the panel (a read): if that refill is final, the order is claimed anew."""
    claims = await db.claim_requests(tg_id, account_id, RequestKind.REFILL, ids)
    waiting = {
        c.request.refill_id for c in claims.values()
        if not c.claimed and c.request.state is RequestState.ACCEPTED and c.request.refill_id is not None
    }  # fmt: skip
    if not waiting:
        return claims
    try:
        statuses = await api.refill_statuses(sorted(waiting))
    except PanelError as exc:
        log.info("refill status before a new refill failed: %s", exc.code)
        return claims
    finished = {i for i, s in statuses.items() if isinstance(s, RefillStatus) and s.is_final}
    if finished:
        await db.finish_refills(tg_id, account_id, finished)
        again = [i for i, c in claims.items() if not c.claimed and c.request.refill_id in finished]
        claims.update(await db.claim_requests(tg_id, account_id, RequestKind.REFILL, again))
    return claims


async def request_refills(db: RequestStore, api: PanelApi, tg_id: int, account: Account, ids: Iterable[int]) -> list[RequestResult]:
    """Ask for refills of `ids` (one result each, in order), each claimed before it is sent, and
    store each refill given for a tracked order."""
    ids = list(dict.fromkeys(ids))
    results: dict[int, RequestResult] = {}
    tracked = await db.tracked_orders(tg_id, account.id, ids)
    await _refresh_running(db, api, tg_id, account.id, tracked)
    for order_id, order in tracked.items():
        if (reason := refill_refusal(order)) is not None:
            results[order_id] = RequestResult(order_id, RequestOutcome.INELIGIBLE, reason=reason, status=order.status)
    claims = await _claim_refills(db, api, tg_id, account.id, [i for i in ids if i not in results])
    owned = {i: c.request for i, c in claims.items() if c.claimed}
    results.update({i: _blocked(i, c.request) for i, c in claims.items() if not c.claimed})
    if owned:
        answers = await _send(db, tg_id, owned, lambda: api.refills(list(owned)))
        settlements = []
        for order_id, request in owned.items():
            answer = answers.get(order_id, ItemError(UnrecognisedError(None)))
            if isinstance(answer, ItemError):
                result, settlement = _failed(order_id, request, answer.error)
            else:
                result = RequestResult(order_id, RequestOutcome.SENT, refill_id=int(answer))
                settlement = RequestSettlement(request.id, RequestState.ACCEPTED, refill_id=int(answer))
            results[order_id] = result
            settlements.append(settlement)
        await db.settle_requests(tg_id, settlements)
        for order_id in owned:
            refill_id = results[order_id].refill_id
            if results[order_id].outcome is RequestOutcome.SENT and refill_id is not None and order_id in tracked:
                await db.record_refill(tg_id, account.id, tracked[order_id].id, refill_id)
    return [results[i] for i in ids]


def _cancel_answer(order_id: int, request: OrderRequest, answer: bool | ItemError) -> tuple[RequestResult, RequestSettlement]:
    if isinstance(answer, ItemError):
        return _failed(order_id, request, answer.error)
    if answer:
        return RequestResult(order_id, RequestOutcome.SENT), RequestSettlement(request.id, RequestState.ACCEPTED)
    # The panel answered, and did not cancel it.
    refused = RequestSettlement(request.id, RequestState.REFUSED, error_code="not_cancelled")
    return RequestResult(order_id, RequestOutcome.REFUSED), refused


async def request_cancels(db: RequestStore, api: PanelApi, tg_id: int, account_id: int, ids: Iterable[int]) -> list[RequestResult]:
    """Ask the panel to cancel `ids` of the account (one result each, in order), in one request
    per 100 for those that may be cancelled, each claimed before it is sent.

    Stored orders that have finished, or whose service cannot be cancelled, are refused without
    asking; orders the bot does not track (made on the panel's website) are the panel's to decide.
    """
    ids = list(dict.fromkeys(ids))
    results: dict[int, RequestResult] = {}
    for order_id, order in (await db.tracked_orders(tg_id, account_id, ids)).items():
        if (reason := cancel_refusal(order)) is not None:
            results[order_id] = RequestResult(order_id, RequestOutcome.INELIGIBLE, reason=reason, status=order.status)
    claims = await db.claim_requests(tg_id, account_id, RequestKind.CANCEL, [i for i in ids if i not in results])
    owned = {i: c.request for i, c in claims.items() if c.claimed}
    results.update({i: _blocked(i, c.request) for i, c in claims.items() if not c.claimed})
    if owned:
        answers = await _send(db, tg_id, owned, lambda: api.cancel(list(owned)))
        settlements = []
        for order_id, request in owned.items():
            results[order_id], settlement = _cancel_answer(
                order_id, request, answers.get(order_id, ItemError(UnrecognisedError(None)))
            )
            settlements.append(settlement)
        await db.settle_requests(tg_id, settlements)
    return [results[i] for i in ids]


async def request_cancel(db: RequestStore, api: PanelApi, tg_id: int, order: Order) -> RequestResult:
    """Ask the panel to cancel one stored order, claimed before it is sent."""
    if (reason := cancel_refusal(order)) is not None:
        return RequestResult(order.panel_order_id, RequestOutcome.INELIGIBLE, reason=reason, status=order.status)
    return (await request_cancels(db, api, tg_id, order.account_id, [order.panel_order_id]))[0]
