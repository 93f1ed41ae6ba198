"""Helpers for the several-panels tests (this module holds no tests itself).

- `FakeResolver`: DNS answers a test decides (and changes: rebinding), for host names that
  must not depend on the machine's resolver. Names it does not know fail like NXDOMAIN.
- `second_simulator`: a fixture with a second panel simulator on another loopback port, key
  `KEY_B` holding 250 USD (the first, `simulator`, holds 1,000,000 VND for `TEST_KEY`).
"""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from decimal import Decimal

import pytest_asyncio
from aiohttp.abc import AbstractResolver, ResolveResult

from bot.simulator import PanelSimulator

KEY_B = "test-key-bravo-0001"
BALANCE_B = Decimal(250)
PUBLIC_IP = "93.184.216.34"  # a global unicast address (never connected to by these tests)


class FakeResolver(AbstractResolver):
    def __init__(self, answers: dict[str, list[str]] | None = None) -> None:
        self.answers: dict[str, list[str]] = dict(answers or {})
        self.asked: list[str] = []

    async def resolve(self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET) -> list[ResolveResult]:
        self.asked.append(host)
        if host not in self.answers:
            raise OSError(f"{host}: no such name")
        return [
            ResolveResult(hostname=host, host=address, port=port,
                          family=socket.AF_INET6 if ":" in address else socket.AF_INET, proto=0, flags=0)
            for address in self.answers[host]
        ]

    async def close(self) -> None:
        pass


async def start_simulator(key: str, balance: Decimal, currency: str) -> PanelSimulator:
    sim = PanelSimulator(speed=0.0, seed=4321, slow_seconds=0.5)
    sim.add_key(key, balance, currency)
    await sim.start(host="127.0.0.1", port=0)
    return sim


@pytest_asyncio.fixture
async def second_simulator() -> AsyncIterator[PanelSimulator]:
    sim = await start_simulator(KEY_B, BALANCE_B, "USD")
    try:
        yield sim
    finally:
        await sim.stop()
