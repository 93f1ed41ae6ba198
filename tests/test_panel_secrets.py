"""The API key never shows up in logs, error messages, reprs or tracebacks."""

from __future__ import annotations

import logging
import traceback
from decimal import Decimal

import pytest

from bot.panel import PanelClient, PanelError
from bot.simulator import PanelSimulator


SECRET = "sk-live-7f3a9c2e51d84b06"
LINK = "https://facebook.com/post/secret-test"


async def test_key_appears_nowhere(simulator: PanelSimulator, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)  # every logger, aiohttp's included
    simulator.add_key(SECRET, Decimal(100))
    simulator.retry_after = 0
    simulator.slow_seconds = 0.3
    errors: list[BaseException] = []

    async def attempt(call: object) -> None:
        try:
            await call  # type: ignore[misc]
        except PanelError as exc:
            errors.append(exc)

    async with PanelClient(total_timeout=0.15, backoff_base=0.01) as client:
        api = client.account(simulator.url, SECRET)
        assert SECRET not in repr(api) and "key=***" in repr(api)
        await api.services()
        order_id = await api.add(1, LINK, 1000)
        await api.status(order_id)
        await api.statuses([order_id, 3, 4])
        await api.balance()
        await api.cancel([order_id])
        simulator.complete_order(order_id)
        refill_id = await api.refill(order_id)
        await api.refill_status(refill_id)
        await api.refill_statuses([refill_id, 9])
        await api.refills([order_id])
        # Every failure path, including a panel that echoes the key in its error text.
        simulator.respond_next({"error": f"Invalid API key: {SECRET}"}, action="balance")
        await attempt(api.balance())
        simulator.respond_next({"error": f"API key {SECRET} is over its limit"}, 429)
        await attempt(api.add(2, LINK, 100))
        simulator.respond_next({"error": f"Unknown failure for {SECRET}"}, 500, n=4)
        await attempt(api.services())
        for kind in ("html_500", "html_503_cloudflare", "http_429", "empty_body", "drop"):
            simulator.fail_next(10, kind)  # type: ignore[arg-type]
            await attempt(api.balance())
            await attempt(api.add(1, f"{LINK}/{kind}", 1000))
            await attempt(api.refill(order_id))
            await attempt(api.cancel([order_id]))
            simulator.clear_failures()
        simulator.fail_next(1, "slow", action="add")
        await attempt(api.add(1, f"{LINK}/slow", 1000))
        await attempt(api.status(123456))
        simulator.reject_key(SECRET)
        await attempt(api.balance())
        await attempt(api.add(1, LINK, 1000))

    assert len(errors) >= 20
    assert {type(e).__name__ for e in errors} >= {
        "InvalidKey", "RateLimited", "PanelUnavailable", "OutcomeUnknown", "UnknownOrder",
    }  # fmt: skip
    for error in errors:
        shown = [str(error), repr(error), "".join(traceback.format_exception(error)), str(vars(error))]
        assert not [text for text in shown if SECRET in text], type(error).__name__
    assert any("***" in (e.panel_text or "") for e in errors)  # the echoed key was masked

    assert any(r.name == "bot.panel" for r in caplog.records)
    for record in caplog.records:
        logged = [record.getMessage(), str(record.args), record.exc_text or "", str(record.__dict__)]
        assert not [text for text in logged if SECRET in text], record.getMessage()
    assert SECRET not in caplog.text
