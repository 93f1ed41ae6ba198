"""Operators' broadcasts: one message to every user who has not blocked the bot and has not
turned announcements off, at a pace within Telegram's limits, resumed after a restart.

Pace: at most RATE (25) messages a second, below the 30 a second Telegram allows a bot
overall, so users' own answers still find room; every send also goes through the bot's rate
limiter (bot/rate_limit.py), which waits out a 429 for its chat. A 429 that still reaches the
runner (the limiter gave up) holds the whole broadcast for `retry_after` and the same user is
tried again: a 429 means the message was not sent. A lost answer (time-out, dropped
connection) holds it for a growing pause, so that an outage costs a few users, not thousands.

Never twice: a recipient is claimed in storage before the send and settled right after it
(bot/storage/operations.py). A stop waits for the messages in flight and settles them; a
recipient still claimed after a crash becomes "unknown" at the next start and is not resent.
Everyone else still pending is sent to after the restart.

Progress: `on_progress(broadcast, counts)` every `progress_every` seconds and
`on_finished(broadcast, counts)` at the end, for the handlers to show in the operator's chat
(the broadcast row keeps that chat and message, so a restarted bot goes on editing it).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut

from bot.storage.operations import Broadcast, BroadcastCounts, RecipientState

log = logging.getLogger(__name__)

RATE = 25.0  # messages a second (Telegram: about 30 a second for a bot, overall)
CONCURRENCY = 8  # sends in flight; the pace, not this, bounds the rate
PAGE = 500  # pending recipients read at a time
PROGRESS_EVERY = 10.0  # seconds between two progress reports (each may edit a message)
STOP_WAIT = 10.0  # seconds a stop waits for the messages in flight
_LOST_PAUSE = (1.0, 60.0)  # pause after a lost answer: first, and at most (doubling)

Report = Callable[[Broadcast, BroadcastCounts], Awaitable[None]]


class BroadcastRunner:
    """Runs at most one broadcast at a time (storage enforces it too)."""

    def __init__(self, db: Any, bot: Any, *, rate: float = RATE, concurrency: int = CONCURRENCY,
                 progress_every: float = PROGRESS_EVERY, on_progress: Report | None = None,
                 on_finished: Report | None = None, on_settled: Callable[[str], None] | None = None) -> None:
        self._db = db
        self._bot = bot
        self.rate = rate
        self.concurrency = concurrency
        self.progress_every = progress_every
        self.on_progress = on_progress
        self.on_finished = on_finished
        self.on_settled = on_settled  # metrics: each recipient's outcome
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._next_at = 0.0
        self._held_until = 0.0
        self._lost_pause = _LOST_PAUSE[0]

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def resume(self) -> Broadcast | None:
        """At start: go on with the broadcast a stop interrupted, if any."""
        broadcast = await self._db.running_broadcast()
        if broadcast is None:
            return None
        lost = await self._db.interrupted_recipients_unknown(broadcast.id)
        if lost:
            log.warning("broadcast %s: %d messages were in flight when the bot stopped; not sent again",
                        broadcast.id, lost)
        log.info("broadcast %s: resuming", broadcast.id)
        self._start(broadcast)
        return broadcast

    async def begin(self, *, created_by: int, chat_id: int, text: str,
                    entities: list[dict[str, Any]] | None = None) -> tuple[Broadcast, int]:
        """Create a broadcast and start sending it; returns it and its number of recipients.
        `entities`: the Bot API MessageEntity dicts of `text` (formatting as the operator typed
        it). Raises BroadcastRunning while another one runs."""
        broadcast, recipients = await self._db.create_broadcast(
            created_by=created_by, chat_id=chat_id, text=text, entities=entities
        )
        log.info("broadcast %s: started by %s for %d users", broadcast.id, created_by, recipients)
        self._start(broadcast)
        return broadcast, recipients

    async def cancel(self) -> Broadcast | None:
        """Stop the running broadcast for good (the messages in flight are settled first)."""
        broadcast = await self._db.running_broadcast()
        if broadcast is None:
            return None
        await self.stop()
        await self._db.finish_broadcast(broadcast.id, "cancelled")
        finished = await self._db.get_broadcast(broadcast.id)
        await self._report(self.on_finished, finished)
        log.info("broadcast %s: cancelled", broadcast.id)
        return finished

    async def stop(self) -> None:
        """The bot is stopping: claim no one else, let the messages in flight finish."""
        task, self._task = self._task, None
        if task is None:
            return
        self._stopping = True
        try:
            await asyncio.wait_for(asyncio.shield(task), STOP_WAIT)
        except TimeoutError:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        finally:
            self._stopping = False

    async def wait(self) -> None:
        """Until the running broadcast (if any) has finished or stopped."""
        if self._task is not None:
            await asyncio.shield(self._task)

    def hold(self, seconds: float) -> None:
        """Send nothing more for `seconds` (Telegram asked to wait)."""
        loop = asyncio.get_running_loop()
        self._held_until = max(self._held_until, loop.time() + seconds)

    # --- the run ---------------------------------------------------------------------------------

    def _start(self, broadcast: Broadcast) -> None:
        if self.running:
            raise RuntimeError("a broadcast is already running in this process")
        self._stopping = False
        self._task = asyncio.create_task(self._run(broadcast), name=f"broadcast-{broadcast.id}")

    async def _run(self, broadcast: Broadcast) -> None:
        loop = asyncio.get_running_loop()
        slots = asyncio.Semaphore(self.concurrency)
        sending: set[asyncio.Task[None]] = set()
        reported_at = loop.time()
        after = 0
        try:
            while not self._stopping:
                page = await self._db.pending_recipients(broadcast.id, after=after, limit=PAGE)
                if not page:
                    break
                for tg_id in page:
                    after = tg_id
                    await self._pace()
                    await slots.acquire()
                    if self._stopping:
                        slots.release()
                        break
                    if not await self._db.claim_recipient(broadcast.id, tg_id):
                        slots.release()  # skipped (blocked or announcements off meanwhile)
                        continue
                    task = asyncio.create_task(self._send(broadcast, tg_id))
                    sending.add(task)
                    task.add_done_callback(sending.discard)
                    task.add_done_callback(lambda _: slots.release())
                    if loop.time() - reported_at >= self.progress_every:
                        reported_at = loop.time()
                        await self._report(self.on_progress, broadcast)
            if sending:
                await asyncio.gather(*sending)
        except asyncio.CancelledError:
            # Cut short (a stop that waited too long): the sends still claimed stay "sending"
            # and become "unknown" at the next start, never resent.
            for task in sending:
                task.cancel()
            raise
        except Exception:
            log.exception("broadcast %s: stopped by an error; it resumes at the next start", broadcast.id)
            return
        if self._stopping:
            log.info("broadcast %s: paused by the stop; it resumes at the next start", broadcast.id)
            return
        if await self._db.finish_broadcast(broadcast.id, "done"):
            finished = await self._db.get_broadcast(broadcast.id)
            counts = await self._db.broadcast_counts(broadcast.id)
            log.info("broadcast %s: done: %d delivered, %d blocked, %d failed, %d skipped", broadcast.id,
                     counts.delivered, counts.blocked, counts.not_delivered, counts.skipped)
            await self._report(self.on_finished, finished, counts)

    async def _pace(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            now = loop.time()
            start = max(self._next_at, self._held_until, now)
            if start <= now:
                break
            await asyncio.sleep(start - now)
        self._next_at = max(self._next_at, now) + 1 / self.rate

    async def _send(self, broadcast: Broadcast, tg_id: int) -> None:
        outcome = await self._deliver(broadcast, tg_id)
        # Shielded: a stop cancelling this task must not lose what Telegram answered.
        await asyncio.shield(self._db.settle_recipient(broadcast.id, tg_id, outcome))
        if self.on_settled is not None and outcome is not RecipientState.PENDING:
            self.on_settled(outcome.value)

    async def _deliver(self, broadcast: Broadcast, tg_id: int) -> RecipientState:
        while True:
            try:
                # parse_mode=None: the text comes with its entities, not as HTML (the default).
                await self._bot.send_message(tg_id, broadcast.text, entities=broadcast.entities, parse_mode=None)
            except RetryAfter as exc:
                # Not sent: wait as asked, then the same user again (after the restart if the
                # bot is stopping: the claim is given back).
                if self._stopping:
                    return RecipientState.PENDING
                wait = exc.retry_after.total_seconds() if isinstance(exc.retry_after, timedelta) else exc.retry_after
                log.warning("broadcast %s: Telegram asks to wait %s s", broadcast.id, wait)
                self.hold(float(wait) + 0.1)
                await self._pace()
                continue
            except Forbidden:
                return RecipientState.BLOCKED
            except BadRequest as exc:
                log.info("broadcast %s: Telegram refused the message to %s: %s", broadcast.id, tg_id, exc.message)
                return RecipientState.FAILED
            except (TimedOut, NetworkError) as exc:
                # Perhaps sent: never resent. Slow down: Telegram or the network may be down.
                log.warning("broadcast %s: no answer for user %s (%s); holding %.0f s",
                            broadcast.id, tg_id, type(exc).__name__, self._lost_pause)
                self.hold(self._lost_pause)
                self._lost_pause = min(self._lost_pause * 2, _LOST_PAUSE[1])
                return RecipientState.UNKNOWN
            except TelegramError as exc:
                log.warning("broadcast %s: message to %s failed: %s", broadcast.id, tg_id, exc.message)
                return RecipientState.FAILED
            self._lost_pause = _LOST_PAUSE[0]
            return RecipientState.DELIVERED

    async def _report(self, hook: Report | None, broadcast: Broadcast | None,
                      counts: BroadcastCounts | None = None) -> None:
        if hook is None or broadcast is None:
            return
        try:
            if counts is None:
                counts = await self._db.broadcast_counts(broadcast.id)
            await hook(broadcast, counts)
        except Exception:  # a report that failed must not stop the broadcast
            log.warning("broadcast %s: progress report failed", broadcast.id, exc_info=True)
