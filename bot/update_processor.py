"""Updates of different users run concurrently; one user's updates run one at a time.

Without this, a quantity typed right after a link can be handled while the link is still
being checked, or a Cancel tapped during Confirm can race the order being placed: both
read and write the same `user_data`. With it, every handler sees the user's state as the
previous update left it, and a slow panel call for one user holds up nobody else.

Fair to every user:
- An update waits for its user's turn before it takes one of the shared slots
  (`max_concurrent_updates`): a user whose updates pile up holds one slot, not hundreds,
  so everyone else's updates start at once. (python-telegram-bot's `process_update` takes
  the slot first; ours runs its own turn-taking around it.)
- Each user has at most `max_queued` updates waiting behind the one being handled. Beyond
  that a message or a tap is dropped, not queued: the user is told "one moment, send it
  again after my answer" (`tell_busy`), by message once per busy spell, and as the answer
  of every dropped tap, which also stops its spinner. Other updates (a block or unblock)
  always queue.
- A tap still waiting for its turn after `answer_taps_after` seconds is answered at once
  ("one moment"): Telegram refuses an answer after about 15 s, and a refused answer would
  fail the handler. The tap is still handled in its turn; its handler's own answer is then
  skipped (bot/handlers/common.py answers a tap once).
Each user's state is dropped once nothing of theirs is queued, so memory stays flat.
(Outgoing messages are shared fairly too: bot/rate_limit.py.)
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

log = logging.getLogger(__name__)

# Tells a user to wait (bot/handlers/busy.py): (update, skipped) where `skipped` says the
# update was dropped and must be sent again, else that it waits for its turn.
TellBusy = Callable[[Update, bool], Awaitable[None]]


@dataclass
class _UserTurns:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    queued: int = 0  # updates holding or waiting for the lock
    told: bool = False  # told "busy" by message in this busy spell


class PerUserUpdateProcessor(BaseUpdateProcessor):
    def __init__(self, max_concurrent_updates: int = 256, *, max_queued: int = 5,
                 answer_taps_after: float = 2.0, tell_busy: TellBusy | None = None) -> None:
        super().__init__(max_concurrent_updates)
        self.max_queued = max_queued
        self.answer_taps_after = answer_taps_after
        self.tell_busy = tell_busy
        self._users: dict[int, _UserTurns] = {}
        self._telling: set[asyncio.Task] = set()
        # Observers told when an update's handling has ended (whatever its outcome): the test
        # harness waits on this event instead of a quiet period; operators could count with it.
        self.on_done: list[Callable[[object], None]] = []
        # Observers told (update, seconds from its arrival to the end of its handling): metrics.
        self.on_handled: list[Callable[[object, float], None]] = []

    @property
    def users_in_progress(self) -> int:
        """Users with an update being handled or waiting (for monitoring and tests)."""
        return len(self._users)

    # python-telegram-bot marks process_update @final: subclasses are meant to override only
    # do_process_update, which runs inside the shared slot. The user's turn must be taken
    # before that slot (see the module docstring), and no other hook runs there; the base
    # class's process_update still takes the slot and runs the update (in _in_turn).
    async def process_update(self, update: object, coroutine: Awaitable[Any]) -> None:  # type: ignore[misc]
        started = time.monotonic()
        try:
            await self._in_turn(update, coroutine)
        finally:
            for observer in self.on_done:
                observer(update)
            if self.on_handled:
                elapsed = time.monotonic() - started
                for timed in self.on_handled:
                    timed(update, elapsed)

    async def _in_turn(self, update: object, coroutine: Awaitable[Any]) -> None:
        if not isinstance(update, Update) or update.effective_user is None:
            await super().process_update(update, coroutine)
            return
        user = update.effective_user
        turns = self._users.setdefault(user.id, _UserTurns())
        tap = update.callback_query is not None
        if turns.queued > self.max_queued and (tap or update.message is not None):
            # Dropped, never started: close it so Python does not warn it was never awaited.
            if asyncio.iscoroutine(coroutine):
                coroutine.close()
            if tap:
                await self._tell(update, skipped=True)  # every tap needs an answer
            elif not turns.told:
                turns.told = True
                await self._tell(update, skipped=True)
            return
        timer = None
        if tap and self.tell_busy is not None:
            timer = asyncio.get_running_loop().call_later(self.answer_taps_after, self._tell_soon, update)
        turns.queued += 1
        try:
            async with turns.lock:
                # Only now a shared slot: the base class's process_update holds it around
                # do_process_update.
                await super().process_update(update, self._started(coroutine, timer))
        finally:
            if timer is not None:
                timer.cancel()  # if the update never started (cancelled while waiting)
            turns.queued -= 1
            if not turns.queued:
                del self._users[user.id]

    @staticmethod
    async def _started(coroutine: Awaitable[Any], timer: asyncio.TimerHandle | None) -> None:
        if timer is not None:
            timer.cancel()  # the handler answers the tap itself
        await coroutine

    async def _tell(self, update: Update, skipped: bool) -> None:
        if self.tell_busy is None:
            return
        try:
            await self.tell_busy(update, skipped)
        except Exception:  # a notice that failed must not fail the update it stands for
            user = update.effective_user
            log.warning("could not tell user %s to wait", user and user.id, exc_info=True)

    def _tell_soon(self, update: Update) -> None:
        task = asyncio.get_running_loop().create_task(self._tell(update, skipped=False))
        self._telling.add(task)
        task.add_done_callback(self._telling.discard)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        await coroutine

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        if self._telling:
            await asyncio.gather(*self._telling, return_exceptions=True)
