"""Updates of different users run concurrently; one user's updates run one at a time.

Without this, a quantity typed right after a link can be handled while the link is still
being checked, or a Cancel tapped during Confirm can race the order being placed: both
read and write the same `user_data`. With it, every handler sees the user's state as the
previous update left it, and a slow panel call for one user holds up nobody else.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor


class PerUserUpdateProcessor(BaseUpdateProcessor):
    def __init__(self, max_concurrent_updates: int = 256) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[int, asyncio.Lock] = {}
        self._waiting: dict[int, int] = {}
        # Observers told when an update's handling has ended (whatever its outcome): the test
        # harness waits on this event instead of a quiet period; operators could count with it.
        self.on_done: list[Callable[[object], None]] = []

    async def process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        try:
            await super().process_update(update, coroutine)
        finally:
            for observer in self.on_done:
                observer(update)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        user = update.effective_user if isinstance(update, Update) else None
        if user is None:
            await coroutine
            return
        key = user.id
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._waiting[key] = self._waiting.get(key, 0) + 1
        try:
            async with lock:
                await coroutine
        finally:
            # Forget the lock once nobody holds or waits for it, so memory stays flat.
            self._waiting[key] -= 1
            if not self._waiting[key]:
                del self._waiting[key]
                del self._locks[key]

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass
