"""Why an order's outcome is unknown, and reading what its intent kept (old intents included)."""

import asyncio
from decimal import Decimal

import pytest

from bot.core.ordering import OrderKind, unknown_reason
from bot.core.uncertain import UncertainOrder, draft_again, reason_kind
from bot import presentation as views
from bot.presentation import Texts
from bot.i18n import Translations
from bot.panel import OutcomeUnknown
from bot.storage import Intent, IntentState


@pytest.mark.parametrize("error, reason", [
    (OutcomeUnknown(None, reason="timeout"), "timeout"),
    (OutcomeUnknown(None, reason="ServerDisconnectedError"), "connection"),
    (OutcomeUnknown(502, reason="no JSON answer"), "http_502"),
    (OutcomeUnknown(500, reason="server error"), "http_500"),
    (OutcomeUnknown(200, reason="unexpected answer"), "unreadable"),
    (asyncio.CancelledError(), "stopped"),
    (RuntimeError("a bug"), "internal"),
])
def test_the_reason_an_answer_was_lost(error, reason):
    assert unknown_reason(error) == reason


@pytest.mark.parametrize("stored, kind", [
    ("http_503", ("server_error", 503)), ("timeout", ("timeout", None)), (None, ("unknown", None)),
    ("http_", ("unknown", None)), ("something new", ("unknown", None)),
])
def test_stored_reasons_are_read_back_tolerantly(stored, kind):
    assert reason_kind(stored) == kind


def intent(request: dict, state: IntentState = IntentState.UNKNOWN, error_code: str | None = None) -> Intent:
    return Intent(token="tok", tg_id=1, account_id=7, state=state, panel_order_id=None, request=request,
                  error_code=error_code, created_at=1_700_000_000.0, updated_at=1_700_000_000.0)


def test_an_intent_stored_before_snapshots_held_the_charge_still_shows_what_it_has():
    # What builds before this one stored: the draft alone.
    old = {"service_id": 1, "service_name": "Facebook views", "service_type": "Default", "account_id": 7,
           "link": "https://facebook.com/p/1", "quantity": 1000, "comments": None, "token": "tok"}
    item = UncertainOrder.from_intent(intent(old))
    assert (item.kind, item.charge, item.balance_before, item.quantity) == (OrderKind.DEFAULT, None, None, 1000)
    tx = Texts(Translations.load(), "en")
    text, _ = views.uncertain_card(tx, item, "https://panel.example")
    assert "Quantity: 1,000" in text and "the panel's answer was lost" in text and "Balance" not in text
    lines, rows = views.uncertain_list(tx, [item])
    assert "1,000 · —" in lines[1] and rows[0][0].callback_data == "uo:tok"


def test_ordering_again_is_a_new_draft_with_a_new_token():
    snapshot = {"service_id": 205, "service_name": "Comments", "service_type": "Custom Comments", "account_id": 7,
                "link": "https://tiktok.com/@a/video/1", "quantity": 2, "comments": "nice\ngreat", "token": "tok",
                "kind": "comments", "charge": Decimal(3), "currency": "VND"}
    draft = draft_again(UncertainOrder.from_intent(intent(snapshot, IntentState.FAILED, "settled_not_placed")), 7)
    assert (draft.service_id, draft.link, draft.quantity, draft.comments) == (205, snapshot["link"], 2, "nice\ngreat")
    assert draft.token != "tok"
    assert draft_again(UncertainOrder.from_intent(intent({"service_name": "x"})), 7) is None
