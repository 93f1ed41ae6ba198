"""Transport failures, retries of read actions, and the never-retried writes."""

from __future__ import annotations

import socket
from decimal import Decimal

import pytest

from bot.panel import (
    InvalidKey,
    ItemError,
    OrderStatus,
    OutcomeUnknown,
    PanelAccountApi,
    PanelClient,
    PanelUnavailable,
    RateLimited,
    UnknownOrder,
)
from bot.simulator import PanelSimulator


KEY = "test-key-alpha"
LINK = "https://facebook.com/post/42"


# --- read actions are retried ---------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["html_500", "html_503_cloudflare", "empty_body", "drop", "http_429"])
async def test_read_retries_then_succeeds(simulator: PanelSimulator, panel_api: PanelAccountApi, kind: str) -> None:
    simulator.retry_after = 0
    simulator.fail_next(2, kind, action="balance")  # type: ignore[arg-type]
    assert (await panel_api.balance()).amount == Decimal(1_000_000)
    assert simulator.requests["balance"] == 3


async def test_read_gives_up_after_read_retries(simulator: PanelSimulator, panel_api: PanelAccountApi) -> None:
    simulator.fail_next(10, "html_503_cloudflare", action="services")
    with pytest.raises(PanelUnavailable) as caught:
        await panel_api.services()
    assert caught.value.http_status == 503
    assert simulator.requests["services"] == 4  # 1 + read_retries (3)


async def test_read_timeout_ends_the_call_at_its_deadline(simulator: PanelSimulator, panel_client: PanelClient) -> None:
    # total_timeout bounds the whole call: a timed-out attempt used the user's wait up, so it
    # is not retried (it used to be, each attempt with a fresh time-out: 4 x the wait).
    simulator.slow_seconds = 0.3
    simulator.fail_next(1, "slow", action="status")
    order_id = await panel_client.account(simulator.url, KEY).add(1, LINK, 1000)
    async with PanelClient(total_timeout=0.1, backoff_base=0.01) as quick:
        with pytest.raises(PanelUnavailable) as caught:
            await quick.account(simulator.url, KEY).status(order_id)
    assert caught.value.reason == "timeout" and simulator.requests["status"] == 1


async def test_rate_limit_with_long_retry_after_is_reported_at_once(
    simulator: PanelSimulator, panel_api: PanelAccountApi
) -> None:
    simulator.respond_next({"error": "Too many requests"}, 429, headers={"Retry-After": "120"}, action="balance")
    with pytest.raises(RateLimited) as caught:
        await panel_api.balance()
    assert (caught.value.retry_after, caught.value.http_status) == (120.0, 429)
    assert simulator.requests["balance"] == 1


async def test_retry_after_as_http_date(simulator: PanelSimulator, panel_api: PanelAccountApi) -> None:
    simulator.respond_next("slow down", 429, headers={"Retry-After": "Wed, 21 Oct 2099 07:28:00 GMT"})
    with pytest.raises(RateLimited) as caught:
        await panel_api.balance()
    assert caught.value.retry_after is not None and caught.value.retry_after > 3600


async def test_json_5xx_error_is_unavailable(simulator: PanelSimulator, panel_api: PanelAccountApi) -> None:
    simulator.respond_next({"error": "Server error"}, 502, action="balance", n=10)
    with pytest.raises(PanelUnavailable) as caught:
        await panel_api.balance()
    assert (caught.value.http_status, caught.value.panel_text) == (502, "Server error")


async def test_unexpected_json_is_not_retried(simulator: PanelSimulator, panel_api: PanelAccountApi) -> None:
    simulator.respond_next({"data": "maintenance"}, action="balance")
    with pytest.raises(PanelUnavailable) as caught:
        await panel_api.balance()
    assert caught.value.http_status == 200 and simulator.requests["balance"] == 1


async def test_unreachable_panel(panel_client: PanelClient) -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    api = panel_client.account(f"http://127.0.0.1:{port}/api/v2", KEY)
    with pytest.raises(PanelUnavailable) as read:
        await api.balance()
    # Refused before anything was sent: the order surely does not exist.
    with pytest.raises(PanelUnavailable) as add:
        await api.add(1, LINK, 1000)
    assert read.value.http_status is None and not isinstance(add.value, OutcomeUnknown)


async def test_one_failed_chunk_keeps_the_others(simulator: PanelSimulator, panel_api: PanelAccountApi) -> None:
    order_id = await panel_api.add(1, LINK, 1000)
    simulator.fail_next(4, "html_500", action="status")  # the first chunk fails every attempt
    result = await panel_api.statuses([*range(1, 101), order_id])
    assert simulator.status_batches == [1]  # only the successful second chunk reached the books
    assert isinstance(result[1], ItemError) and isinstance(result[1].error, PanelUnavailable)
    assert isinstance(result[order_id], OrderStatus)


async def test_all_chunks_failing_raises(simulator: PanelSimulator, panel_api: PanelAccountApi) -> None:
    simulator.fail_next(100, "html_500", action="status")
    with pytest.raises(PanelUnavailable):
        await panel_api.statuses([1, 2, 3])


# --- add is sent exactly once ---------------------------------------------------------------------


async def test_timed_out_add_is_sent_once_and_outcome_unknown(simulator: PanelSimulator) -> None:
    simulator.slow_seconds = 0.5
    simulator.fail_next(1, "slow", action="add")
    async with PanelClient(total_timeout=0.15, backoff_base=0.01) as client:
        with pytest.raises(OutcomeUnknown) as caught:
            await client.account(simulator.url, KEY).add(1, LINK, 1000)
    assert caught.value.reason == "timeout"
    assert simulator.requests["add"] == 1
    (order,) = simulator.orders.values()  # the panel did place it
    assert (order.link, order.quantity) == (LINK, 1000)


@pytest.mark.parametrize(("kind", "status"), [("drop", None), ("html_500", 500), ("empty_body", 200)])
async def test_add_without_usable_answer_is_outcome_unknown(
    simulator: PanelSimulator, panel_api: PanelAccountApi, kind: str, status: int | None
) -> None:
    simulator.fail_next(1, kind, action="add")  # type: ignore[arg-type]
    with pytest.raises(OutcomeUnknown) as caught:
        await panel_api.add(1, LINK, 1000)
    assert caught.value.http_status == status
    assert simulator.requests["add"] == 1


async def test_add_blocked_by_cloudflare_403_is_unavailable(
    simulator: PanelSimulator, panel_api: PanelAccountApi
) -> None:
    simulator.respond_next("<html><body>Access denied | Cloudflare</body></html>", 403, action="add")
    with pytest.raises(PanelUnavailable) as caught:
        await panel_api.add(1, LINK, 1000)
    assert caught.value.http_status == 403 and not isinstance(caught.value, OutcomeUnknown)
    assert simulator.requests["add"] == 1


async def test_add_rate_limited(simulator: PanelSimulator, panel_api: PanelAccountApi) -> None:
    simulator.fail_next(1, "http_429", action="add")
    with pytest.raises(RateLimited) as caught:
        await panel_api.add(1, LINK, 1000)
    assert caught.value.retry_after == 1.0 and simulator.requests["add"] == 1
    assert simulator.orders == {}


async def test_add_answer_without_order_id(simulator: PanelSimulator, panel_api: PanelAccountApi) -> None:
    simulator.respond_next({"status": "success"}, action="add")
    with pytest.raises(OutcomeUnknown):
        await panel_api.add(1, LINK, 1000)


# --- refill and cancel are sent once too ----------------------------------------------------------


async def test_refill_transport_failure(simulator: PanelSimulator, panel_api: PanelAccountApi) -> None:
    order_id = await panel_api.add(1, LINK, 1000)
    simulator.complete_order(order_id)
    simulator.fail_next(1, "drop", action="refill")
    with pytest.raises(PanelUnavailable):
        await panel_api.refill(order_id)
    assert simulator.requests["refill"] == 1


async def test_cancel_server_error(simulator: PanelSimulator, panel_api: PanelAccountApi) -> None:
    simulator.fail_next(1, "html_500", action="cancel")
    with pytest.raises(PanelUnavailable) as caught:
        await panel_api.cancel([1, 2])
    assert caught.value.http_status == 500 and simulator.requests["cancel"] == 1


async def test_redirects_are_not_followed(simulator: PanelSimulator, panel_api: PanelAccountApi) -> None:
    # A 307 would make the client resend the form (and the key) to another address.
    simulator.respond_next("", 307, headers={"Location": "http://127.0.0.1:9/steal"}, action="balance", n=10)
    with pytest.raises(PanelUnavailable) as caught:
        await panel_api.balance()
    assert caught.value.http_status == 307


async def test_status_single_in_batch_shape(simulator: PanelSimulator, panel_api: PanelAccountApi) -> None:
    simulator.respond_next({"5": {"error": "Incorrect order ID"}}, action="status")
    with pytest.raises(UnknownOrder):
        await panel_api.status(5)
    simulator.respond_next({"6": {"charge": "1", "start_count": "0", "status": "Pending", "remains": "5"}})
    assert (await panel_api.status(6)).remains == 5


async def test_invalid_key_over_403_html_is_unavailable_not_invalid(
    simulator: PanelSimulator, panel_api: PanelAccountApi
) -> None:
    # Without a JSON error we cannot know the key is bad: it is the panel (or its CDN) refusing.
    simulator.respond_next("<html>403 Forbidden</html>", 403, n=10)
    with pytest.raises(PanelUnavailable):
        await panel_api.balance()
    simulator.clear_failures()
    simulator.respond_next({"error": "Invalid API key"}, 403)
    with pytest.raises(InvalidKey):
        await panel_api.balance()
