"""Classification of panel error texts into the error hierarchy."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import bot.panel
from bot.i18n import Translations
from bot.panel import (
    AnswerTooLarge,
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
    UnreadableAnswer,
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
        BadRequest, OutcomeUnknown, UnreadableAnswer, AnswerTooLarge,
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


def test_new_codes_are_explained_to_users_in_both_languages() -> None:
    i18n = Translations.load()
    for cls in (UnreadableAnswer, AnswerTooLarge):
        for lang in ("en", "vi"):
            assert f"error.panel.{cls.code}" in i18n.keys(lang), (cls.code, lang)
    assert (UnreadableAnswer.code, AnswerTooLarge.code) == ("unreadable_answer", "answer_too_large")
    # Both are kinds of "the panel did not answer usably": the tracker and batches treat them so.
    assert issubclass(UnreadableAnswer, PanelUnavailable) and issubclass(AnswerTooLarge, PanelUnavailable)


@pytest.mark.parametrize("text", ["", "   ", "\n"])
def test_a_blank_error_text_is_unreadable_not_an_empty_quotation(text: str) -> None:
    error = classify_error_text(text)
    assert isinstance(error, UnreadableAnswer) and error.panel_text is None


def test_an_absurd_number_in_an_error_text_never_raises() -> None:
    # int() refuses more than 4,300 digits; classify_error_text must never raise.
    error = classify_error_text("Quantity less than minimal " + "9" * 5000)
    assert isinstance(error, QuantityOutOfRange) and error.bound is None


def test_the_raw_value_stays_out_of_messages() -> None:
    error = UnreadableAnswer(200, reason="charge", raw="'NaN'")
    assert "NaN" not in str(error) and "NaN" not in repr(error) and "charge" in str(error)
    too_large = AnswerTooLarge(200, limit=1024)
    assert "over 1,024 bytes" in str(too_large) and too_large.panel_text is None
