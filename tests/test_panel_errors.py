"""Classification of panel error texts into the error hierarchy."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import bot.panel
from bot.panel import (
    BadLink,
    BadRequest,
    CancelNotAllowed,
    DuplicateActiveOrder,
    InvalidKey,
    NotEnoughFunds,
    OutcomeUnknown,
    PanelError,
    PanelUnavailable,
    QuantityOutOfRange,
    RateLimited,
    RefillNotAllowed,
    UnknownOrder,
    UnknownService,
    UnrecognisedError,
    classify_error_text,
)


def load_error_texts() -> list[tuple[str, type[PanelError]]]:
    """Every text the spec lists as seen, then close variants and raw translation keys."""
    path = Path(__file__).parent / "data" / "panel" / "error_texts.json"
    return [(item["text"], getattr(bot.panel, item["error"])) for item in json.loads(path.read_text("utf-8"))["texts"]]


SEEN_TEXTS = load_error_texts()


@pytest.mark.parametrize(("text", "cls"), SEEN_TEXTS)
def test_text_maps_to_error_class(text: str, cls: type[PanelError]) -> None:
    error = classify_error_text(text)
    assert type(error) is cls
    assert error.panel_text == text
    assert text in str(error)


@pytest.mark.parametrize(
    ("text", "kind", "bound"),
    [
        ("Quantity less than minimal 200", "min", 200),
        ("Quantity more than maximum 1000", "max", 1000),
        ("quantity LESS than minimal 1,000", "min", 1000),
        ("Minimum quantity is 50", "min", 50),
        ("Quantity must be at least 10 (you sent 5)", "min", 10),
        ("Maximum quantity for this service is 5.000.", "max", 5000),
        ("neworder.error.min_quantity", "min", None),
        ("neworder.error.max_quantity", "max", None),
        ("Quantity must be a multiple of 100", None, None),
    ],
)
def test_quantity_bounds(text: str, kind: str | None, bound: int | None) -> None:
    error = classify_error_text(text)
    assert isinstance(error, QuantityOutOfRange)
    assert (error.kind, error.bound) == (kind, bound)


def test_codes_are_stable_and_distinct() -> None:
    classes = [
        InvalidKey, NotEnoughFunds, QuantityOutOfRange, BadLink, UnknownService, DuplicateActiveOrder,
        RefillNotAllowed, CancelNotAllowed, UnknownOrder, RateLimited, PanelUnavailable, UnrecognisedError,
        BadRequest, OutcomeUnknown,
    ]  # fmt: skip
    codes = [cls.code for cls in classes]
    assert len(set(codes)) == len(codes)
    assert InvalidKey.code == "invalid_key" and OutcomeUnknown.code == "outcome_unknown"
    assert all(issubclass(cls, PanelError) for cls in classes)


def test_unrecognised_error_keeps_text_for_the_user() -> None:
    error = classify_error_text("  Dịch vụ đang bảo trì  ")
    assert isinstance(error, UnrecognisedError)
    assert error.panel_text == "Dịch vụ đang bảo trì"


def test_messages_of_transport_errors() -> None:
    assert "HTTP 503" in str(PanelUnavailable(503))
    limited = RateLimited(30.0)
    assert (limited.retry_after, limited.http_status, limited.code) == (30.0, 429, "rate_limited")
    assert isinstance(limited, PanelUnavailable)
    unknown = OutcomeUnknown(None, reason="timeout")
    assert "timeout" in str(unknown) and unknown.panel_text is None
