"""Outgoing rate limiting: Telegram's flood limits, fairly, without slowing down answers.

Telegram's limits (about 30 messages a second overall, one a second per chat, short bursts
allowed) are about messages sent. python-telegram-bot's AIORateLimiter counts every request
that names a chat in one first-come-first-served bucket, and after any 429 it holds every
request to every chat until `retry_after` has passed. Either way one busy chat slows down
everyone: a user flooding the bot fills the bucket ahead of other users' answers, and the
429 their chat earns stops everybody's edits and callback answers too. So, for private chats:

- Only new messages take from the overall bucket. Edits, deletions and chat actions answer
  what a user just did and skip it; answerCallbackQuery is no message at all.
- When messages have to wait for the bucket, the chat that has had the fewest messages
  lately goes first: a flooding chat gets what the others leave.
- A 429 for a chat holds that chat only, for `retry_after`, and from then on its messages
  are spaced at one a second until it has had none for 30 s. Callback answers are held by
  nothing but a 429 of their own.

Groups and channels keep python-telegram-bot's handling (their 20 a minute, a 429 holds all
of them), still through the fair overall bucket.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from aiolimiter import AsyncLimiter
from telegram.error import RetryAfter
from telegram.ext import AIORateLimiter

# Requests that answer what a user just did, rather than send something new.
REPLIES = frozenset({"editMessageText", "editMessageReplyMarkup", "deleteMessage", "sendChatAction"})
ANSWER = "answerCallbackQuery"
_RECENT_SECONDS = 10.0  # half-life of a chat's count of recent messages
_PER_CHAT_RATE = 1.0  # messages a second to a chat that earned a 429 ...
_SPACED_FOR = 30.0  # ... until it has had no message for this long
_FORGET_ABOVE = 1024  # chats remembered before idle ones are forgotten


class FairBucket:
    """`max_rate` messages per `time_period` overall, like aiolimiter's AsyncLimiter (a leaky
    bucket: up to `max_rate` at once, then spaced), but messages that must wait are released
    fewest-recent-messages-first by chat instead of first come, first served."""

    def __init__(self, max_rate: float, time_period: float = 1.0) -> None:
        self.max_rate = max_rate
        self._leak_per_second = max_rate / time_period
        self._level = 0.0
        self._leaked_at = 0.0
        self._waiting: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()
        self._timer: asyncio.TimerHandle | None = None
        self._recent: dict[object, tuple[float, float]] = {}  # chat -> (count, when)
        self._forget_above = _FORGET_ABOVE

    def recent(self, chat: object, now: float) -> float:
        """The chat's messages lately, each counting half as much every _RECENT_SECONDS."""
        count, when = self._recent.get(chat, (0.0, now))
        return count * 0.5 ** ((now - when) / _RECENT_SECONDS)

    async def acquire(self, chat: object = None) -> None:
        loop = asyncio.get_running_loop()
        self._leak(loop.time())
        if not self._waiting and self._level + 1 <= self.max_rate:
            self._level += 1
        else:
            granted = loop.create_future()
            heapq.heappush(self._waiting, (self.recent(chat, loop.time()), next(self._order), granted))
            self._schedule(loop)
            await granted
        now = loop.time()
        self._recent[chat] = (self.recent(chat, now) + 1, now)
        if len(self._recent) > self._forget_above:
            # Chats quiet for about a minute count for nothing: forget them. The threshold
            # doubles with what is kept, so that a busy minute costs no scan per message.
            self._recent = {key: value for key, value in self._recent.items() if self.recent(key, now) >= 0.01}
            self._forget_above = max(_FORGET_ABOVE, 2 * len(self._recent))

    async def __aenter__(self) -> None:  # python-telegram-bot's own path (groups, channels)
        await self.acquire()

    async def __aexit__(self, *exc: object) -> None:
        return None

    def _leak(self, now: float) -> None:
        self._level = max(0.0, self._level - (now - self._leaked_at) * self._leak_per_second)
        self._leaked_at = now

    def _schedule(self, loop: asyncio.AbstractEventLoop) -> None:
        if self._timer is None:
            wait = (self._level + 1 - self.max_rate) / self._leak_per_second
            self._timer = loop.call_later(max(0.0, wait), self._release)

    def _release(self) -> None:
        self._timer = None
        loop = asyncio.get_running_loop()
        self._leak(loop.time())
        while self._waiting and self._level + 1 <= self.max_rate:
            granted = heapq.heappop(self._waiting)[2]
            if not granted.done():  # its sender gave up (cancelled) meanwhile
                self._level += 1
                granted.set_result(None)
        if self._waiting:
            self._schedule(loop)


class FloodLimiter(AIORateLimiter):
    def __init__(self, overall_max_rate: float = 30, overall_time_period: float = 1, *, max_retries: int = 0,
                 **options: Any) -> None:
        super().__init__(overall_max_rate=overall_max_rate, overall_time_period=overall_time_period,
                         max_retries=max_retries, **options)
        self.retries = max_retries
        self._overall = FairBucket(overall_max_rate, overall_time_period) if overall_max_rate else None
        # python-telegram-bot's own path (groups, channels) takes from the same fair bucket. PTB
        # annotates it as aiolimiter's AsyncLimiter but only enters it (`async with`), as FairBucket is.
        self._base_limiter = self._overall  # type: ignore[assignment]
        self._held_until: dict[int, float] = {}  # chat -> when its 429 has been waited out
        self._spaced: dict[int, tuple[AsyncLimiter, float]] = {}  # chat that earned a 429 -> (spacing, last used)
        # Observers told the method of every 429 Telegram answered (metrics; broadcasts slow down).
        self.on_retry_after: list[Callable[[str], None]] = []

    async def process_request(self, callback, args, kwargs, endpoint: str, data: dict[str, Any], rate_limit_args):
        if self.on_retry_after:
            callback = self._observed(callback, endpoint)
        chat_id = data.get("chat_id")
        # The private chat spaced per chat here, or None (a group, a channel, a callback answer).
        private: int | None = chat_id if isinstance(chat_id, int) and chat_id > 0 else None
        if private is None and endpoint != ANSWER:
            return await super().process_request(callback, args, kwargs, endpoint, data, rate_limit_args)
        retries = rate_limit_args or self.retries
        attempt = 0
        while True:
            if private is not None:
                await self._take_turn(private, new_message=endpoint not in REPLIES)
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                if attempt == retries:
                    raise
                attempt += 1
                wait = _seconds(exc.retry_after) + 0.1
                if private is None:
                    await asyncio.sleep(wait)  # a callback answer: nothing else waits for it
                    continue
                now = asyncio.get_running_loop().time()
                self._held_until[private] = max(self._held_until.get(private, 0.0), now + wait)
                self._space(private, now)

    def _observed(self, callback, endpoint: str):
        async def call(*args: Any, **kwargs: Any) -> Any:
            try:
                return await callback(*args, **kwargs)
            except RetryAfter:
                for observer in self.on_retry_after:
                    observer(endpoint)
                raise
        return call

    async def _take_turn(self, chat_id: int, *, new_message: bool) -> None:
        loop = asyncio.get_running_loop()
        while (until := self._held_until.get(chat_id)) is not None:
            if loop.time() >= until:
                del self._held_until[chat_id]
                break
            await asyncio.sleep(until - loop.time())
        if not new_message:
            return
        spaced = self._spaced.get(chat_id)
        if spaced is not None:
            limiter, used = spaced
            if loop.time() - used > _SPACED_FOR:
                del self._spaced[chat_id]  # quiet long enough: back to bursts
            else:
                await limiter.acquire()
                self._spaced[chat_id] = (limiter, loop.time())
        if self._overall is not None:
            await self._overall.acquire(chat_id)

    def _space(self, chat_id: int, now: float) -> None:
        if len(self._spaced) > _FORGET_ABOVE:
            self._spaced = {chat: entry for chat, entry in self._spaced.items() if now - entry[1] <= _SPACED_FOR}
        limiter = self._spaced.get(chat_id, (AsyncLimiter(_PER_CHAT_RATE, 1 / _PER_CHAT_RATE), now))[0]
        self._spaced[chat_id] = (limiter, now)


def _seconds(retry_after: int | timedelta) -> float:
    return retry_after.total_seconds() if isinstance(retry_after, timedelta) else float(retry_after)
