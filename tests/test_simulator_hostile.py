"""The simulator's hostile answers, over raw HTTP: what each sends, and that it is switchable
per action and per key like the other faults."""

from __future__ import annotations

import asyncio
import json
import math
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import aiohttp
import pytest
import pytest_asyncio

from bot.simulator import PanelSimulator

KEY = "test-key-alpha"


@pytest_asyncio.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as session:
        yield session


async def raw(http: aiohttp.ClientSession, sim: PanelSimulator, key: str = KEY, **form: Any) -> tuple[int, bytes, dict]:
    async with http.post(sim.url, data={"key": key, **{k: str(v) for k, v in form.items()}}) as response:
        return response.status, await response.read(), dict(response.headers)


async def test_huge_body_is_the_real_answer_padded_without_a_length(
    simulator: PanelSimulator, http: aiohttp.ClientSession
) -> None:
    simulator.huge_body_bytes = 300_000
    simulator.fail_next(1, "huge_body", action="add")
    status, body, headers = await raw(http, simulator, action="add", service=1, link="https://fb.com/p/1", quantity=1000)
    assert status == 200 and "Content-Length" not in headers  # chunked: only counting can refuse it
    assert len(body) > 300_000 and json.loads(body) == {"order": 10001}
    assert 10001 in simulator.orders  # the action was performed


async def test_huge_catalogue(simulator: PanelSimulator, http: aiohttp.ClientSession) -> None:
    simulator.huge_services = 2500
    simulator.fail_next(1, "huge_catalogue")
    _, balance, _ = await raw(http, simulator, action="balance")  # other actions answer as usual
    assert json.loads(balance)["balance"] == "1000000"
    status, body, _ = await raw(http, simulator, action="services")
    services = json.loads(body)
    assert status == 200 and len(services) == 2500 and len(body) < 2500 * 80
    assert services[0] == {"service": 1, "name": "S1", "rate": "1", "min": "1", "max": "9"}
    assert services[-1]["service"] == 2500
    _, body, _ = await raw(http, simulator, action="services")  # once only
    assert len(json.loads(body)) == len(simulator.catalogue)


async def test_trickle_sends_one_byte_at_a_time(simulator: PanelSimulator, http: aiohttp.ClientSession) -> None:
    simulator.trickle_seconds = 0.2
    simulator.fail_next(1, "trickle", action="balance")
    loop = asyncio.get_running_loop()
    async with http.post(simulator.url, data={"key": KEY, "action": "balance"}) as response:
        began = loop.time()
        first = await response.content.read(1)
        second = await response.content.read(1)
        assert (first, second) == (b"{", b'"') and loop.time() - began >= 0.15


async def test_a_trickle_ends_when_the_simulator_stops(simulator: PanelSimulator, http: aiohttp.ClientSession) -> None:
    simulator.trickle_seconds = 30
    simulator.fail_next(1, "trickle")
    request = asyncio.create_task(raw(http, simulator, action="balance"))
    while not simulator.requests["balance"]:  # the trickle has begun (a fixed sleep may be too short)
        await asyncio.sleep(0.005)
    await asyncio.wait_for(simulator.stop(), 3)  # did not wait 30 s a byte
    _, body, _ = await asyncio.wait_for(request, 3)
    assert body == b"{"  # cut short


@pytest.mark.parametrize(
    ("kind", "check"),
    [
        ("nan_values", lambda answer: math.isnan(answer["charge"]) and answer["remains"] == "NaN"),
        ("negative_values", lambda answer: answer["charge"] == "-2.5" and answer["remains"] == "-99999999999999999999"),
        ("wrong_types", lambda answer: answer["status"] == 5 and answer["charge"] == {"amount": "2.5"}),
    ],
)
async def test_distorted_values(simulator: PanelSimulator, http: aiohttp.ClientSession, kind: str, check: Any) -> None:
    simulator.add_key("test-key-beta", Decimal(10))
    _, body, _ = await raw(http, simulator, action="add", service=1, link="https://fb.com/p/2", quantity=1000)
    order_id = json.loads(body)["order"]
    simulator.fail_next(1, kind, action="status", key=KEY)  # type: ignore[arg-type]
    _, body, _ = await raw(http, simulator, key="test-key-beta", action="status", order=order_id)
    assert json.loads(body) == {"error": "Incorrect order ID"}  # another key: untouched
    _, body, _ = await raw(http, simulator, action="status", order=order_id)
    answer = json.loads(body)
    assert check(answer) and answer["start_count"] != simulator.orders[order_id].start_count


async def test_respond_next_per_key(simulator: PanelSimulator, http: aiohttp.ClientSession) -> None:
    simulator.add_key("test-key-beta", Decimal(10))
    simulator.respond_next({"balance": "NaN"}, key="test-key-beta", n=5)
    _, body, _ = await raw(http, simulator, action="balance")
    assert json.loads(body)["balance"] == "1000000"
    _, body, _ = await raw(http, simulator, key="test-key-beta", action="balance")
    assert json.loads(body) == {"balance": "NaN"}
