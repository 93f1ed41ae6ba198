"""The simulator speaks the seed's exact answer shapes over raw HTTP, and keeps honest books."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import pytest_asyncio

from bot.simulator import ERRORS, SEED_SERVICES, PanelSimulator, big_catalogue, default_catalogue


KEY = "test-key-alpha"
DATA = Path(__file__).parent / "data" / "panel"


@pytest_asyncio.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=2)) as session:
        yield session


async def call(http: aiohttp.ClientSession, sim: PanelSimulator, **form: Any) -> Any:
    async with http.post(sim.url, data={"key": KEY, **{k: str(v) for k, v in form.items()}}) as response:
        assert response.status == 200 and response.content_type == "application/json"
        return json.loads(await response.read())


async def test_seed_services_exactly(simulator: PanelSimulator, http: aiohttp.ClientSession) -> None:
    services = await call(http, simulator, action="services")
    assert services[:2] == json.loads((DATA / "services_seed.json").read_text("utf-8")) == SEED_SERVICES
    names = [s["name"] for s in services]
    assert "Facebook Likes <b>VIP</b> & Co_fast" in names
    assert any("ệ" in name or "ố" in name for name in names)  # Vietnamese diacritics survive as UTF-8


async def test_seed_shapes(simulator: PanelSimulator, http: aiohttp.ClientSession) -> None:
    assert await call(http, simulator, action="balance") == {"balance": "1000000", "currency": "VND"}
    added = await call(http, simulator, action="add", service=1, link="https://fb.com/p/1", quantity=200)
    assert set(added) == {"order"} and isinstance(added["order"], int)
    order_id = added["order"]
    status = await call(http, simulator, action="status", order=order_id)
    assert status == {"charge": "0.5", "start_count": "0", "status": "Pending", "remains": "200"}
    batch = await call(http, simulator, action="status", orders=f"{order_id},456")
    assert batch == {str(order_id): status, "456": {"error": "Incorrect order ID"}}
    simulator.complete_order(order_id)
    assert await call(http, simulator, action="refill", order=order_id) == {"refill": "1"}
    assert await call(http, simulator, action="refill", orders=f"{order_id},5") == {"refill": "2"}
    assert await call(http, simulator, action="refill_status", refill=1) == {"status": "Pending"}
    assert await call(http, simulator, action="refill_status", refills="1,2,3") == [
        {"refill": 1, "status": "Pending"},
        {"refill": 2, "status": "Pending"},
        {"refill": 3, "status": {"error": "Incorrect refill ID"}},
    ]
    assert await call(http, simulator, action="balance") == {"balance": "999999.5", "currency": "VND"}


async def test_numbers_as_json_and_list_batches(simulator: PanelSimulator, http: aiohttp.ClientSession) -> None:
    simulator.numbers_as_json = True
    simulator.batch_as_list = True
    services = await call(http, simulator, action="services")
    assert (services[0]["rate"], services[0]["min"], services[0]["max"]) == (2.5, 200, 10000)
    order_id = (await call(http, simulator, action="add", service=1, link="https://fb.com/p/1", quantity=200))["order"]
    assert await call(http, simulator, action="status", orders=f"{order_id},7") == [
        {"order": order_id, "charge": 0.5, "start_count": 0, "status": "Pending", "remains": 200},
        {"order": 7, "error": "Incorrect order ID"},
    ]
    assert (await call(http, simulator, action="balance"))["balance"] == 999999.5


async def test_get_query_is_accepted(simulator: PanelSimulator, http: aiohttp.ClientSession) -> None:
    async with http.get(simulator.url, params={"key": KEY, "action": "balance"}) as response:
        assert await response.json() == {"balance": "1000000", "currency": "VND"}


@pytest.mark.parametrize(
    ("form", "text"),
    [
        ({"action": "explode"}, ERRORS["request"]),
        ({}, ERRORS["request"]),
        ({"action": "status"}, ERRORS["request"]),
        ({"action": "status", "orders": ",".join(map(str, range(1, 102)))}, ERRORS["request"]),
        ({"action": "add", "service": 1, "link": "https://fb.com/p/1"}, "Quantity less than minimal 200"),
        ({"action": "add", "service": 1, "link": "https://fb.com/p/1", "quantity": "many"}, ERRORS["request"]),
        ({"action": "add", "service": "x", "link": "https://fb.com/p/1", "quantity": 200}, ERRORS["service"]),
        ({"action": "add", "service": 1, "quantity": 200}, ERRORS["link"]),
        ({"action": "status", "order": "abc"}, ERRORS["order"]),
        ({"action": "refill", "order": 5}, ERRORS["order"]),
        ({"action": "refill_status", "refill": 5}, ERRORS["refill_id"]),
    ],
)
async def test_refusals(
    simulator: PanelSimulator, http: aiohttp.ClientSession, form: dict[str, Any], text: str
) -> None:
    assert await call(http, simulator, **form) == {"error": text}


async def test_wrong_key(simulator: PanelSimulator, http: aiohttp.ClientSession) -> None:
    async with http.post(simulator.url, data={"key": "nope", "action": "balance"}) as response:
        assert await response.json() == {"error": "Invalid API key"}


ORDER_TYPES = (
    "Default", "Package", "Custom Comments", "Custom Comments Package", "Mentions Custom List",
    "Mentions with Hashtags", "Mentions Hashtag", "Mentions User Followers", "Mentions Media Likers",
    "Comment Likes", "Comment Replies", "Poll", "SEO", "Invites from Groups", "Subscriptions",
)  # fmt: skip


def test_default_catalogue_spread() -> None:
    catalogue = default_catalogue()
    assert 25 <= len(catalogue) <= 60
    assert len({entry["service"] for entry in catalogue}) == len(catalogue)
    types = {entry["type"].casefold() for entry in catalogue}
    assert {t.casefold() for t in ORDER_TYPES} <= types  # every type of the spec
    categories = " ".join(entry["category"] for entry in catalogue)
    for platform in ("Facebook", "TikTok", "Instagram", "YouTube", "Telegram", "Shopee"):
        assert platform in categories
    assert any(entry.get("step") == "100" for entry in catalogue)
    assert any(entry.get("desc") for entry in catalogue) and any(entry.get("description") for entry in catalogue)


def test_big_catalogue_is_reproducible() -> None:
    first, again = big_catalogue(1000, seed=7), big_catalogue(1000, seed=7)
    assert first == again and len(first) == 1000
    assert len({entry["category"] for entry in first}) == 20
    assert len({entry["service"] for entry in first}) == 1000


async def test_lifecycle_and_refunds_without_http() -> None:
    sim = PanelSimulator(speed=0, pending_seconds=5, progress_seconds=60)
    key = sim.add_key("k-1", Decimal(100))
    sim.add_key("k-2", Decimal(100))
    account = sim.account_for(key)
    assert account is not None
    order = sim.create_order(account, sim.services[1], "https://fb.com/p/1", 1000, Decimal("2.5"), {})
    assert sim.balance_of(key) == Decimal("97.5")
    sim.advance(4.9)
    assert sim.order(order.id).status == "Pending"
    sim.advance(0.2)
    assert sim.order(order.id).status == "In progress"
    sim.set_order_outcome(order.id, "Canceled")
    sim.advance(60)
    assert (sim.order(order.id).status, sim.order(order.id).remains) == ("Canceled", 1000)
    assert sim.balance_of(key) == Decimal(100) and sim.balance_of("k-2") == Decimal(100)
    sim.advance(3600)
    assert sim.balance_of(key) == Decimal(100)  # refunded once only


async def test_speed_moves_time_by_itself() -> None:
    sim = PanelSimulator(speed=1000)  # 1 ms real = 1 simulated second
    start = sim.now()
    sim.speed = 0
    frozen = sim.now()
    assert frozen >= start and sim.now() == frozen


def test_fail_next_validates_kind() -> None:
    with pytest.raises(ValueError):
        PanelSimulator().fail_next(1, "explode")  # type: ignore[arg-type]


def test_forced_states_are_validated() -> None:
    sim = PanelSimulator(speed=0)
    account = sim.account_for(sim.add_key("k", Decimal(10)))
    assert account is not None
    order = sim.create_order(account, sim.services[1], "https://fb.com/p/1", 200, Decimal("0.5"), {})
    with pytest.raises(ValueError):
        sim.set_order_outcome(order.id, "In progress")
    sim.set_order_status(order.id, "cancelled")
    assert sim.orders[order.id].status == "Canceled" and sim.balance_of("k") == Decimal(10)
