"""Pytest fixtures for the panel client and the panel simulator (register via `pytest_plugins`).

- `simulator`: a started `PanelSimulator` on 127.0.0.1 (free port) with key `TEST_KEY`
  holding 1,000,000 VND. Its clock is frozen (speed 0): orders move only when a test calls
  `simulator.advance(seconds)`, so results never depend on how fast the machine is.
- `panel_client`: a `PanelClient` with short timeouts (total 2 s) and a tiny backoff (0.01 s).
- `panel_api`: `panel_client.account(simulator.url, TEST_KEY)`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal

import pytest_asyncio

from bot.panel import PanelAccountApi, PanelClient
from bot.simulator import PanelSimulator

TEST_KEY = "test-key-alpha"
TEST_BALANCE = Decimal(1_000_000)


def make_test_client(**overrides: float) -> PanelClient:
    """A client tuned for tests: fast failure, fast retries."""
    settings: dict[str, float] = {"connect_timeout": 1.0, "total_timeout": 2.0, "read_retries": 3, "backoff_base": 0.01}
    settings.update(overrides)
    return PanelClient(**settings)  # type: ignore[arg-type]


@pytest_asyncio.fixture
async def simulator() -> AsyncIterator[PanelSimulator]:
    sim = PanelSimulator(speed=0.0, seed=1234, slow_seconds=0.5)
    sim.add_key(TEST_KEY, TEST_BALANCE, "VND")
    await sim.start(host="127.0.0.1", port=0)
    try:
        yield sim
    finally:
        await sim.stop()


@pytest_asyncio.fixture
async def panel_client() -> AsyncIterator[PanelClient]:
    client = make_test_client()
    try:
        yield client
    finally:
        await client.close()


@pytest_asyncio.fixture
async def panel_api(simulator: PanelSimulator, panel_client: PanelClient) -> PanelAccountApi:
    return panel_client.account(simulator.url, TEST_KEY)
