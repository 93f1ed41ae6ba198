"""A hostile or broken panel over loopback: answers too large, too slow, or impossible.

The client must refuse what would exhaust the bot (memory, time) and never pass on a value
no panel can mean, while everything a real panel answers still reads as before.
"""

from __future__ import annotations

import asyncio
import logging
from decimal import Decimal

import pytest

from bot.panel import (
    AnswerTooLarge,
    ItemError,
    OrderStatus,
    OutcomeUnknown,
    PanelAccountApi,
    PanelClient,
    PanelUnavailable,
    UnreadableAnswer,
)
from bot.simulator import PanelSimulator
from tests.panel_fixtures import make_test_client

KEY = "test-key-alpha"
LINK = "https://facebook.com/post/77"


async def place(api: PanelAccountApi) -> int:
    return await api.add(1, LINK, 1000)


# --- size -----------------------------------------------------------------------------------------


async def test_a_huge_answer_is_refused_without_retrying(simulator: PanelSimulator, panel_api: PanelAccountApi) -> None:
    simulator.huge_body_bytes = 3 * 1024 * 1024  # the client's default limit for balance: 1 MB
    simulator.fail_next(5, "huge_body", action="balance")
    with pytest.raises(AnswerTooLarge) as caught:
        await panel_api.balance()
    assert (caught.value.code, caught.value.limit, caught.value.unit) == ("answer_too_large", 1024 * 1024, "bytes")
    assert simulator.requests["balance"] == 1  # the same answer would come again


async def test_a_declared_length_over_the_limit_is_refused(simulator: PanelSimulator) -> None:
    simulator.respond_next({"balance": "1", "pad": "x" * 5000}, action="balance")  # sent with Content-Length
    async with make_test_client(max_answer_bytes=4096) as client:
        with pytest.raises(AnswerTooLarge):
            await client.account(simulator.url, KEY).balance()


async def test_a_huge_declared_length_is_refused_before_the_body_comes() -> None:
    # A server announcing 100 MB and then sending nothing: refused on the header at once,
    # not waited for until the deadline.
    async def announce(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000000\r\n\r\n{")
        await writer.drain()
        await reader.read()  # until the client hangs up
        writer.close()

    server = await asyncio.start_server(announce, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        async with make_test_client(total_timeout=3.0) as client:
            began = asyncio.get_running_loop().time()
            with pytest.raises(AnswerTooLarge):
                await client.account(f"http://127.0.0.1:{port}/api/v2", KEY).balance()
            assert asyncio.get_running_loop().time() - began < 1.5
    finally:
        server.close()
        await server.wait_closed()


async def test_the_catalogue_has_its_own_larger_limit(simulator: PanelSimulator) -> None:
    # The default catalogue is about 8 KB: over a 4 KB answer limit, within the catalogue's.
    async with make_test_client(max_answer_bytes=4096, max_catalogue_bytes=64 * 1024) as client:
        api = client.account(simulator.url, KEY)
        assert len(await api.services()) == len(simulator.catalogue)
        assert (await api.balance()).amount == Decimal(1_000_000)
    async with make_test_client(max_catalogue_bytes=4096) as client:
        with pytest.raises(AnswerTooLarge):
            await client.account(simulator.url, KEY).services()


async def test_a_catalogue_with_too_many_services_is_refused(simulator: PanelSimulator) -> None:
    simulator.huge_services = 2000  # about 140 KB: within the size limit, over the count
    simulator.fail_next(1, "huge_catalogue")
    async with make_test_client(max_services=1000) as client:
        with pytest.raises(AnswerTooLarge) as caught:
            await client.account(simulator.url, KEY).services()
    assert (caught.value.limit, caught.value.unit) == (1000, "services")
    assert simulator.requests["services"] == 1


async def test_a_catalogue_at_the_limit_is_read(simulator: PanelSimulator) -> None:
    simulator.huge_services = 1000
    simulator.fail_next(1, "huge_catalogue")
    async with make_test_client(max_services=1000) as client:
        services = await client.account(simulator.url, KEY).services()
    assert [s.id for s in services] == list(range(1, 1001))


async def test_a_catalogue_keyed_by_id_is_counted_too(simulator: PanelSimulator) -> None:
    entry = {"name": "x", "rate": "1", "min": "1", "max": "9"}
    simulator.respond_next({"services": [{**entry, "service": i} for i in range(1, 12)]}, action="services")
    async with make_test_client(max_services=10) as client:
        with pytest.raises(AnswerTooLarge):
            await client.account(simulator.url, KEY).services()


async def test_an_oversized_add_answer_is_outcome_unknown_and_never_resent(
    simulator: PanelSimulator, panel_api: PanelAccountApi
) -> None:
    simulator.huge_body_bytes = 2 * 1024 * 1024
    simulator.fail_next(1, "huge_body", action="add")
    with pytest.raises(OutcomeUnknown) as caught:
        await place(panel_api)
    assert caught.value.reason == "answer too large"
    assert simulator.requests["add"] == 1
    (order,) = simulator.orders.values()  # the panel did place it: the user must check, not retry
    assert order.link == LINK


# --- time -----------------------------------------------------------------------------------------


async def test_a_trickling_answer_is_cut_at_the_deadline(simulator: PanelSimulator) -> None:
    simulator.trickle_seconds = 0.05  # the ~40-byte answer would take 2 s
    simulator.fail_next(10, "trickle", action="balance")
    loop = asyncio.get_running_loop()
    async with make_test_client(total_timeout=0.5, read_retries=3) as client:
        began = loop.time()
        with pytest.raises(PanelUnavailable) as caught:
            await client.account(simulator.url, KEY).balance()
        waited = loop.time() - began
    assert caught.value.reason == "timeout"
    # Once, not once per attempt: the deadline is the whole call's (it was 4.5 x before).
    assert 0.45 <= waited < 0.9 and simulator.requests["balance"] == 1


async def test_retries_and_backoff_stay_within_the_deadline(simulator: PanelSimulator) -> None:
    simulator.fail_next(10, "html_500", action="balance")
    loop = asyncio.get_running_loop()
    async with PanelClient(total_timeout=0.6, read_retries=5, backoff_base=0.25) as client:
        began = loop.time()
        with pytest.raises(PanelUnavailable) as caught:
            await client.account(simulator.url, KEY).balance()
        waited = loop.time() - began
    assert caught.value.http_status == 500
    assert waited < 0.6 + 0.2  # back-off 0.25, 0.5, 1 s... would have taken far longer
    assert simulator.requests["balance"] < 6


async def test_one_deadline_covers_every_chunk_of_a_batch(
    simulator: PanelSimulator, panel_api: PanelAccountApi
) -> None:
    order_id = await place(panel_api)
    simulator.trickle_seconds = 0.1
    simulator.fail_next(10, "trickle", action="status")
    loop = asyncio.get_running_loop()
    async with make_test_client(total_timeout=0.5) as client:
        began = loop.time()
        with pytest.raises(PanelUnavailable):  # every chunk failed
            await client.account(simulator.url, KEY).statuses([*range(1, 201), order_id])
        waited = loop.time() - began
    assert waited < 0.5 + 0.3 and simulator.requests["status"] == 1  # 3 chunks, one wait


# --- impossible values ----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["nan_values", "negative_values", "wrong_types"])
async def test_an_impossible_balance_is_unreadable(
    simulator: PanelSimulator, panel_api: PanelAccountApi, kind: str
) -> None:
    simulator.fail_next(1, kind, action="balance")  # type: ignore[arg-type]
    with pytest.raises(UnreadableAnswer) as caught:
        await panel_api.balance()
    assert caught.value.code == "unreadable_answer" and caught.value.reason == "balance"
    assert simulator.requests["balance"] == 1  # not retried


@pytest.mark.parametrize(
    ("kind", "reason"), [("nan_values", "charge"), ("negative_values", "charge"), ("wrong_types", "status")]
)
async def test_an_impossible_order_in_a_batch_is_its_own_error(
    simulator: PanelSimulator, panel_api: PanelAccountApi, kind: str, reason: str
) -> None:
    order_id = await place(panel_api)
    simulator.fail_next(1, kind, action="status")  # type: ignore[arg-type]
    result = await panel_api.statuses([order_id, 424242])
    unreadable = result[order_id]
    assert isinstance(unreadable, ItemError)  # not an OrderStatus with made-up numbers
    assert isinstance(unreadable.error, UnreadableAnswer) and unreadable.error.reason == reason
    assert result[424242].code == "unknown_order"  # the rest of the batch still reads


@pytest.mark.parametrize("remains", ["-99999999999999999999", "1e999999999", "NaN", {"n": 1}, True])
async def test_absurd_remains_are_unreadable_but_over_delivery_is_not(
    simulator: PanelSimulator, panel_api: PanelAccountApi, remains: object
) -> None:
    answer = {"charge": "2.5", "start_count": "100", "status": "Completed"}
    simulator.respond_next({**answer, "remains": remains}, action="status")
    with pytest.raises(UnreadableAnswer) as caught:
        await panel_api.status(10001)
    assert caught.value.reason == "remains"
    simulator.respond_next({**answer, "remains": "-2"}, action="status")  # over-delivery (the spec)
    assert (await panel_api.status(10001)).remains == -2


async def test_an_impossible_order_id_after_add_is_outcome_unknown(
    simulator: PanelSimulator, panel_api: PanelAccountApi
) -> None:
    simulator.fail_next(1, "nan_values", action="add")
    with pytest.raises(OutcomeUnknown):
        await place(panel_api)
    assert simulator.requests["add"] == 1 and len(simulator.orders) == 1


async def test_unreadable_catalogue_entries_are_skipped_and_counted(
    simulator: PanelSimulator, panel_api: PanelAccountApi, caplog: pytest.LogCaptureFixture
) -> None:
    good = {"service": 1, "name": "Views", "rate": "2.5", "min": "10", "max": "100"}
    simulator.respond_next([good, {**good, "service": 2, "rate": "NaN"}, {**good, "service": 3, "name": {"x": 1}},
                            {**good, "service": 4, "min": "-5"}], action="services")
    with caplog.at_level(logging.INFO, logger="bot.panel"):
        services = await panel_api.services()
    assert [s.id for s in services] == [1]
    assert "3 unreadable entries skipped" in caplog.text and "'NaN'" in caplog.text
    simulator.fail_next(1, "nan_values", action="services")  # every rate NaN: nothing to show
    with pytest.raises(UnreadableAnswer):
        await panel_api.services()


async def test_an_error_without_words(simulator: PanelSimulator, panel_api: PanelAccountApi) -> None:
    simulator.respond_next({"error": True}, action="balance")
    with pytest.raises(UnreadableAnswer):
        await panel_api.balance()
    simulator.respond_next({"error": {"code": 7}}, action="add")
    with pytest.raises(OutcomeUnknown):  # maybe refused, maybe placed: never resent
        await place(panel_api)
    # An empty error next to a good answer is no error (PHP panels): the order WAS placed.
    simulator.respond_next({"order": 555, "error": ""}, action="add")
    assert await place(panel_api) == 555


async def test_the_raw_value_is_logged_without_the_key(
    simulator: PanelSimulator, panel_api: PanelAccountApi, caplog: pytest.LogCaptureFixture
) -> None:
    simulator.respond_next({"balance": f"NaN {KEY}"}, action="balance")
    with caplog.at_level(logging.DEBUG, logger="bot.panel"), pytest.raises(UnreadableAnswer) as caught:
        await panel_api.balance()
    assert "balance: 'NaN ***'" in caplog.text and KEY not in caplog.text
    assert "NaN" not in str(caught.value) and "NaN" not in repr(caught.value)  # nothing raw for users


async def test_a_hostile_key_does_not_touch_another_key(simulator: PanelSimulator, panel_client: PanelClient) -> None:
    other = simulator.add_key("test-key-beta", 5, "VND")
    simulator.fail_next(10, "negative_values", key=KEY)
    assert (await panel_client.account(simulator.url, other).balance()).amount == Decimal(5)
    with pytest.raises(UnreadableAnswer):
        await panel_client.account(simulator.url, KEY).balance()


async def test_real_answers_still_read(simulator: PanelSimulator, panel_api: PanelAccountApi) -> None:
    order_id = await place(panel_api)
    simulator.set_order_status(order_id, "Partial", remains=0, start_count=0)
    status = await panel_api.status(order_id)
    assert isinstance(status, OrderStatus) and (status.remains, status.start_count) == (0, 0)
    simulator.set_balance(KEY, 0)
    assert (await panel_api.balance()).amount == 0
