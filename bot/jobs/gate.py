"""Politeness towards panels: bounded concurrency, spacing, and back-off for failing accounts."""

from __future__ import annotations

import asyncio
import random
import time
from contextlib import asynccontextmanager
from collections.abc import AsyncIterator


class PanelGate:
    """At most `concurrency` requests in flight to one panel, starting `min_interval` apart."""

    def __init__(self, concurrency: int, min_interval: float) -> None:
        self._semaphore = asyncio.Semaphore(concurrency)
        self._min_interval = min_interval
        self._spacing = asyncio.Lock()
        self._last_start = 0.0

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        async with self._semaphore:
            async with self._spacing:
                wait = self._last_start + self._min_interval - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                self._last_start = time.monotonic()
            yield


class Backoff:
    """Exponential back-off per key (an account): a failing panel is skipped for a while
    without slowing down the others, and retried later."""

    def __init__(self, base: float, cap: float = 3600.0) -> None:
        self._base = base
        self._cap = cap
        self._state: dict[int, tuple[int, float]] = {}  # key -> (failures, retry at)

    def ready(self, key: int, now: float | None = None) -> bool:
        state = self._state.get(key)
        return state is None or (now or time.monotonic()) >= state[1]

    def failed(self, key: int) -> float:
        failures = self._state.get(key, (0, 0.0))[0] + 1
        # The first failure only waits for the next cycle; then 2, 4, 8... cycles, with jitter.
        delay = 0.0 if failures == 1 else min(self._cap, self._base * 2 ** (failures - 1)) * random.uniform(0.8, 1.0)
        self._state[key] = (failures, time.monotonic() + delay)
        return delay

    def succeeded(self, key: int) -> None:
        self._state.pop(key, None)
