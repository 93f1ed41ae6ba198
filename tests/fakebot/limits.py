"""Time, flood limits and injected failures.

Telegram's deadlines (callback answers) and flood limits read `Clock.now()`, which a test can move
forward with `advance()` instead of sleeping. Waiting for the bot (the driver's idle window, long
polling) uses real event-loop time.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from tests.fakebot.errors import ApiError, too_many_requests


class Clock:
    """Monotonic seconds plus an offset that tests can advance."""

    def __init__(self) -> None:
        self.offset = 0.0

    def now(self) -> float:
        return time.monotonic() + self.offset

    def wall(self) -> float:
        """Unix time (for message dates), shifted by the same offset."""
        return time.time() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += seconds


class TokenBucket:
    def __init__(self, rate: float, capacity: float, now: float) -> None:
        self.rate = rate
        self.capacity = capacity
        self.tokens = capacity
        self.updated = now

    def refill(self, now: float) -> None:
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now

    def wait_needed(self) -> float:
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.rate


@dataclass
class FloodSettings:
    """Telegram's documented limits: ~30 messages/s overall, 1/s per chat, 20/min per group."""

    global_per_second: float = 30.0
    global_burst: float = 30.0
    private_per_second: float = 1.0
    private_burst: float = 3.0
    group_per_minute: float = 20.0
    group_burst: float = 20.0


class FloodLimiter:
    def __init__(self, clock: Clock, settings: FloodSettings) -> None:
        self.clock = clock
        self.settings = settings
        self._global = TokenBucket(settings.global_per_second, settings.global_burst, clock.now())
        self._chats: dict[int, TokenBucket] = {}

    def _bucket(self, chat_id: int, chat_type: str, now: float) -> TokenBucket:
        bucket = self._chats.get(chat_id)
        if bucket is None:
            s = self.settings
            if chat_type == "private":
                bucket = TokenBucket(s.private_per_second, s.private_burst, now)
            else:
                bucket = TokenBucket(s.group_per_minute / 60.0, s.group_burst, now)
            self._chats[chat_id] = bucket
        return bucket

    def take(self, chat_id: int, chat_type: str) -> None:
        """Consume one message from the budgets, or raise 429 with the wait Telegram would ask for."""
        now = self.clock.now()
        chat = self._bucket(chat_id, chat_type, now)
        for bucket in (self._global, chat):
            bucket.refill(now)
        wait = max(self._global.wait_needed(), chat.wait_needed())
        if wait > 0:
            raise too_many_requests(max(1, math.ceil(wait)))
        self._global.tokens -= 1
        chat.tokens -= 1


@dataclass
class FailureRule:
    """Answer the next `remaining` matching calls with an error instead of processing them."""

    method: str | None  # lower-case method name, None = any
    chat_id: int | None
    remaining: int
    error_code: int
    description: str | None
    retry_after: int | None

    def matches(self, method: str, chat_id: int | None) -> bool:
        if self.remaining <= 0:
            return False
        if self.method is not None and self.method != method.lower():
            return False
        return self.chat_id is None or self.chat_id == chat_id

    def error(self) -> ApiError:
        self.remaining -= 1
        if self.error_code == 429:
            retry_after = 1 if self.retry_after is None else self.retry_after
            error = too_many_requests(retry_after)
            if self.description:
                error.description = self.description
            return error
        return ApiError(self.error_code, self.description or _default_description(self.error_code))


def _default_description(code: int) -> str:
    return {
        400: "Bad Request: injected failure",
        403: "Forbidden: bot was blocked by the user",
        500: "Internal Server Error",
        502: "Bad Gateway",
    }.get(code, f"Error {code}")
