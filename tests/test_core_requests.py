"""Which refill/cancel failures free the order for another request, and which orders are refused
before any request (bot/core/tracking.py)."""

from dataclasses import replace
from decimal import Decimal

import pytest

from bot.core.tracking import Ineligible, cancel_refusal, refill_refusal, refused_for_sure
from bot.panel import (
    CancelNotAllowed,
    InvalidKey,
    OutcomeUnknown,
    PanelUnavailable,
    RateLimited,
    RefillNotAllowed,
    UnknownOrder,
    UnrecognisedError,
)
from bot.storage import Order


@pytest.mark.parametrize(
    "error, refused",
    [
        (RefillNotAllowed("Order not eligible for refill."), True),
        (CancelNotAllowed("Order cannot be cancelled"), True),
        (UnknownOrder("Incorrect order ID"), True),
        (InvalidKey("Invalid API key"), True),
        (UnrecognisedError("Something odd"), True),  # the panel's own words: it answered no
        (RateLimited(1.0), True),
        (PanelUnavailable(None, reason="ClientConnectorError"), True),  # never connected
        (PanelUnavailable(None, reason="ConnectionTimeoutError"), True),
        (PanelUnavailable(403, reason="no JSON answer"), True),  # a Cloudflare page: not processed
        # The request may have been acted on: never resent blindly.
        (UnrecognisedError(None), False),  # the answer did not mention the order
        (PanelUnavailable(None, reason="timeout"), False),
        (PanelUnavailable(None, reason="ServerDisconnectedError"), False),
        (PanelUnavailable(502, reason="no JSON answer"), False),
        (PanelUnavailable(200, reason="unexpected answer"), False),
        (OutcomeUnknown(None, reason="timeout"), False),
    ],
)
def test_only_definite_refusals_free_the_order(error, refused):
    assert refused_for_sure(error) is refused


BOT_ORDER = Order(
    id=1, tg_id=1, account_id=1, panel_order_id=10, service_id=5, service_name="Likes", service_type="Default",
    link="https://t.me/x", quantity=100, expected_charge=Decimal(1), currency="USD", refill_allowed=True,
    cancel_allowed=True, status="completed", charge=Decimal(1), start_count=0, remains=0, checked_at=1.0,
    told_status="completed", final=True, created_at=1.0,
)  # fmt: skip


def test_refill_refusals():
    assert refill_refusal(BOT_ORDER) is None
    assert refill_refusal(replace(BOT_ORDER, status="partial")) is None
    assert refill_refusal(replace(BOT_ORDER, status="canceled")) is Ineligible.CANCELED
    assert refill_refusal(replace(BOT_ORDER, status="in_progress", final=False)) is Ineligible.NOT_FINAL
    assert refill_refusal(replace(BOT_ORDER, refill_allowed=False)) is Ineligible.NO_REFILL
    # Followed from the website: the service's flags are unknown, the panel decides.
    assert refill_refusal(replace(BOT_ORDER, service_id=None, refill_allowed=False)) is None


def test_cancel_refusals():
    running = replace(BOT_ORDER, status="pending", final=False)
    assert cancel_refusal(running) is None
    assert cancel_refusal(BOT_ORDER) is Ineligible.FINAL
    assert cancel_refusal(replace(running, cancel_allowed=False)) is Ineligible.NO_CANCEL
    assert cancel_refusal(replace(running, service_id=None, cancel_allowed=False)) is None
