"""Politeness towards panels: bounded concurrency, spacing, and back-off for failing accounts."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import AsyncIterator, Callable, Hashable
from contextlib import asynccontextmanager


class PanelGate:
    """At most `concurrency` requests in flight to one panel at once."""

    def __init__(self, concurrency: int) -> None:
        self._semaphore = asyncio.Semaphore(max(1, concurrency))

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        async with self._semaphore:
            yield


class KeySpacing:
    """Requests made with one API key start at least `min_interval` apart.

    Panels publish their rate limits per key (about 60-120 requests a minute, see the spec), so
    the spacing is per account (one key on one panel): one user with thousands of open orders
    is spaced, while the other users of the same panel are not held up behind them. The panel
    as a whole is protected by its `PanelGate`.

    Two steps: `reserve` books a start time when a request is prepared (so the tracker knows
    which requests will wait, and they wait without holding a panel slot), and `start`, once
    the request has its slot, waits whatever is still missing since the key's last real start
    (a slot can come late, and the next request's booking then comes too soon after it).
    """

    def __init__(self, min_interval: float, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._min_interval = min_interval
        self._clock = clock
        self._booked: dict[Hashable, float] = {}  # key -> the next free start time
        self._started: dict[Hashable, float] = {}  # key -> the last real start

    def reserve(self, key: Hashable) -> float:
        """Book the next start for a request with this key; returns the seconds to wait first."""
        if self._min_interval <= 0:
            return 0.0
        now = self._clock()
        start = max(now, self._booked.get(key, now))
        self._booked[key] = start + self._min_interval
        return start - now

    async def start(self, key: Hashable) -> None:
        """Called with the panel slot held, right before the request is sent."""
        if self._min_interval <= 0:
            return
        now = self._clock()
        last = self._started.get(key)
        at = now if last is None else max(now, last + self._min_interval)
        # Claimed before sleeping: a request of this key starting meanwhile goes after this one.
        self._started[key] = at
        if at > now:
            await asyncio.sleep(at - now)

    def forget_idle(self) -> None:
        """Drop keys whose spacing has run out (called between cycles: bounds the memory)."""
        now = self._clock()
        self._booked = {key: at for key, at in self._booked.items() if at > now}
        self._started = {key: at for key, at in self._started.items() if at + self._min_interval > now}


class Backoff:
    """Exponential back-off per key (an account id): a failing account is skipped for a while
    without slowing down the others, then tried again.

    The first failure only waits for the next cycle (most failures are blips); after that
    2, 4, 8... times `base` (the track interval), capped, with a little jitter so that
    accounts that failed together do not all come back in the same cycle. Skipping an account
    loses nothing: the panel keeps each order's latest status, and the next successful check
    stores and tells whatever changed meanwhile.

    `clock` (monotonic seconds) is public so that tests can move time instead of sleeping.
    """

    def __init__(self, base: float, cap: float = 3600.0, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.base = base
        self.cap = cap
        self.clock = clock
        self._state: dict[int, tuple[int, float]] = {}  # key -> (consecutive failures, retry at)

    def ready(self, key: int) -> bool:
        state = self._state.get(key)
        return state is None or self.clock() >= state[1]

    def failures(self, key: int) -> int:
        return self._state.get(key, (0, 0.0))[0]

    def failed(self, key: int) -> float:
        """Record one more failure; returns the seconds until the key may be tried again."""
        failures = self.failures(key) + 1
        delay = 0.0
        if failures > 1:
            delay = min(self.cap, self.base * 2 ** (failures - 1)) * random.uniform(0.8, 1.0)
        self._state[key] = (failures, self.clock() + delay)
        return delay

    def succeeded(self, key: int) -> None:
        self._state.pop(key, None)
