"""The mass-order runner: confirmed batches placed in the background, politely, exactly once.

One worker per panel account takes that account's running batches oldest first, one line at a
time: it waits for the key's turn (the `KeySpacing` the tracker uses, so that the two together
stay within the panel's rate per key, and a `PanelGate` per panel), claims the line together
with its order intent (storage/mass.py), sends its `add` and stores the outcome
(`bot.core.mass.place_line`). Whatever runs twice (a double-tapped Confirm, a second runner on
the same database, a restart), a line is claimed once, so it is sent once.

- Stop: the batch's pending lines become 'stopped' in storage and are never sent; the line
  being sent at that moment still gets its outcome.
- The panel refusing the key or the balance running out stops the batch the same way (every
  further line would be refused too); "rate limited" or "unreachable" (the order was definitely
  not taken) sends the same line again after a pause, and stops the batch after
  TRANSIENT_LIMIT of them in a row.
- Restart: `close()` (called as the bot stops) lets the line in flight finish and sends no
  more. At the next start, lines left 'sending' by a kill take their intent's verdict (the
  start-up recovery has made an intent cut off mid-request UNKNOWN: never resent), stopped
  batches not yet reported are reported, and running batches carry on.
- Progress: `on_progress(batch)` at most every `progress_every` seconds per batch (a chat card
  edited within Telegram's limits), never awaited by the worker; `on_finished(report)` once per
  batch, after its last progress.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from telegram.ext import Application, ContextTypes

from bot.context import Deps
from bot.core.mass import LineOutcome, LineResult, MassReport, batch_report, place_line
from bot.jobs.gate import KeySpacing, PanelGate
from bot.panel import PanelClient
from bot.storage.mass import BatchState, MassBatch

log = logging.getLogger(__name__)

RUNNER_KEY = "mass_runner"  # application.bot_data
PROGRESS_EVERY = 2.0  # seconds between two progress callbacks of one batch
TRANSIENT_LIMIT = 5  # "rate limited"/"unreachable" answers in a row after which the batch stops
MAX_PAUSE = 60.0  # the longest wait before sending a line the panel did not take
STOPPING_CODES = frozenset({"invalid_key", "not_enough_funds"})  # refusals every further line would get

Progress = Callable[[MassBatch], Awaitable[object]]
Finished = Callable[[MassReport], Awaitable[object]]


@dataclass
class _Worker:
    task: asyncio.Task[None] | None = None
    again: bool = False  # a batch was confirmed meanwhile: look for running batches once more


@dataclass
class _Progress:
    last: float = float("-inf")
    task: asyncio.Task[Any] | None = None


@dataclass
class _Run:
    """What a worker keeps about the batch it is placing."""

    batch: MassBatch
    transient: int = 0
    aside: bool = False  # another runner sends its last line: that runner finishes it
    progress: _Progress = field(default_factory=_Progress)


class MassRunner:
    def __init__(
        self,
        db: Any,
        panel: PanelClient,
        spacing: KeySpacing,
        *,
        concurrency: int = 4,
        progress_every: float = PROGRESS_EVERY,
        on_progress: Progress | None = None,
        on_finished: Finished | None = None,
        on_placed: Callable[[Any], object] | None = None,
        max_pause: float = MAX_PAUSE,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._db = db
        self._panel = panel
        self._spacing = spacing
        self._concurrency = max(1, concurrency)
        self._gates: dict[str, PanelGate] = {}
        self.progress_every = progress_every
        self.on_progress = on_progress
        self.on_finished = on_finished
        self.on_placed = on_placed
        self._max_pause = max_pause
        self._clock = clock
        self._workers: dict[int, _Worker] = {}  # account id -> its worker
        self._progress: dict[int, _Progress] = {}  # batch id -> its progress callbacks
        self._closing = asyncio.Event()

    # --- what handlers call ---------------------------------------------------------------------------

    async def confirm(self, tg_id: int, batch_id: int) -> tuple[bool, MassBatch | None]:
        """Confirm a previewed batch: (True, batch) if this call started it; a double tap or an
        old card gets (False, the batch as it is now, or None if it is gone or was replaced)."""
        started, batch = await self._db.start_mass_batch(tg_id, batch_id)
        if batch is not None and batch.state is BatchState.RUNNING:
            self._wake(batch.account_id)
        return started, batch

    async def stop(self, tg_id: int, batch_id: int) -> MassBatch | None:
        """Stop a running batch: lines not sent yet never will be. Returns the batch as it is now
        (None if it is not the user's); its final report follows through `on_finished`."""
        if await self._db.stop_mass_batch(tg_id, batch_id, "user"):
            await self._close_stopped(tg_id, batch_id)
        return await self._db.get_mass_batch(tg_id, batch_id)

    # --- start and stop -----------------------------------------------------------------------------

    async def start(self) -> None:
        """At start-up: settle lines left 'sending', report stopped batches not yet reported, and
        resume the running ones."""
        synced = await self._db.sync_mass_lines()
        if synced:
            log.info("mass orders: %d lines cut off by a stop took their order's outcome", synced)
        for batch in await self._db.unreported_mass_batches():
            await self._close_stopped(batch.tg_id, batch.id)
        running = await self._db.running_mass_batches()
        for account_id in {batch.account_id for batch in running}:
            self._wake(account_id)
        if running:
            log.info("mass orders: %d running batches resumed", len(running))

    async def close(self, timeout: float = 35.0) -> None:
        """Send no more lines; let the ones in flight finish (up to `timeout` s: a panel's answer
        has a deadline), then cancel whatever is left (a line cut off then is unknown)."""
        self._closing.set()
        tasks = [w.task for w in self._workers.values() if w.task is not None]
        tasks += [p.task for p in self._progress.values() if p.task is not None]
        if not tasks:
            return
        _, pending = await asyncio.wait(tasks, timeout=timeout)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)

    @property
    def busy(self) -> bool:
        return any(w.task is not None and not w.task.done() for w in self._workers.values())

    # --- workers ------------------------------------------------------------------------------------

    def _wake(self, account_id: int) -> None:
        if self._closing.is_set():
            return
        worker = self._workers.get(account_id)
        if worker is not None and worker.task is not None and not worker.task.done():
            worker.again = True
            return
        worker = self._workers[account_id] = _Worker()
        worker.task = asyncio.create_task(self._work(account_id, worker), name=f"mass-account-{account_id}")

    async def _work(self, account_id: int, worker: _Worker) -> None:
        after = 0  # batches up to this id are set aside (another runner finishes them)
        try:
            while not self._closing.is_set():
                batch = await self._db.next_running_mass_batch(account_id, after)
                if batch is None:
                    if not worker.again:
                        return
                    worker.again, after = False, 0
                    continue
                run = _Run(batch, progress=self._progress.setdefault(batch.id, _Progress()))
                await self._run(run)
                if run.aside:
                    after = batch.id
        except Exception:
            log.exception("mass orders: the worker of account %s failed; its batches resume at the next start",
                          account_id)
        finally:
            if self._workers.get(account_id) is worker:
                del self._workers[account_id]

    async def _run(self, run: _Run) -> None:
        """Place the batch's lines until none is left, it is stopped, or the runner closes."""
        tg_id, batch_id = run.batch.tg_id, run.batch.id
        while not self._closing.is_set():
            account = await self._db.get_account(tg_id, run.batch.account_id)
            if account is None:
                return  # removed with its batches
            if account.paused:  # the tracker found the key rejected
                await self._stop(run, "invalid_key")
                await self._end(run)
                return
            line = await self._db.next_mass_line(tg_id, batch_id)
            if line is None:
                await self._end(run)
                return
            delay = self._spacing.reserve(account.id)
            if delay > 0 and await self._pause(delay):
                return
            api = self._panel.account(account.panel_url, account.api_key)
            async with self._gate(account.panel_url).slot():
                claim = await self._db.claim_mass_line(tg_id, batch_id, line.line_no)
                if claim is not None:
                    # Stamped after the claim (a durable write), right before the request leaves.
                    await self._spacing.start(account.id)
                result = None if claim is None else await place_line(self._db, api, claim)
            if result is None:  # another runner took the line, or the batch was stopped meanwhile
                current = await self._db.get_mass_batch(tg_id, batch_id)
                if current is None or current.state is not BatchState.RUNNING:
                    await self._end(run)
                    return
                continue
            await self._after(run, result)

    async def _after(self, run: _Run, result: LineResult) -> None:
        if result.outcome is LineOutcome.AGAIN:
            run.transient += 1
            if run.transient >= TRANSIENT_LIMIT:
                await self._stop(run, result.code or "panel_unavailable")
            else:
                await self._pause(min(self._max_pause, result.retry_after or 2.0 ** run.transient))
            return
        run.transient = 0
        if result.outcome is LineOutcome.PLACED and self.on_placed is not None:
            try:
                self.on_placed(result.order)
            except Exception:
                log.exception("mass orders: on_placed failed")
        elif result.outcome is LineOutcome.REFUSED and result.code in STOPPING_CODES:
            await self._stop(run, result.code)
            return
        self._maybe_progress(run)

    async def _stop(self, run: _Run, reason: str) -> None:
        batch = run.batch
        if await self._db.stop_mass_batch(batch.tg_id, batch.id, reason):
            log.info("mass orders: batch %s stopped: %s", batch.id, reason)

    async def _end(self, run: _Run) -> None:
        """No pending line: the batch is done (or stopped); whoever ends it reports it."""
        tg_id, batch_id = run.batch.tg_id, run.batch.id
        done = await self._db.finish_mass_batch(tg_id, batch_id)
        if done is not None:
            await self._report(tg_id, batch_id)
            return
        current = await self._db.get_mass_batch(tg_id, batch_id)
        if current is None:
            return
        if current.state is BatchState.STOPPED:
            await self._close_stopped(tg_id, batch_id)
        elif current.state is BatchState.RUNNING:
            run.aside = True  # a line is still being sent by another runner, which finishes it

    async def _close_stopped(self, tg_id: int, batch_id: int) -> None:
        if await self._db.close_mass_batch(tg_id, batch_id) is not None:
            await self._report(tg_id, batch_id)

    async def _pause(self, seconds: float) -> bool:
        """Wait, waking early when the runner closes; True if it did."""
        try:
            await asyncio.wait_for(self._closing.wait(), seconds)
        except TimeoutError:
            return False
        return True

    def _gate(self, url: str) -> PanelGate:
        gate = self._gates.get(url)
        if gate is None:
            gate = self._gates[url] = PanelGate(self._concurrency)
        return gate

    # --- progress and report ----------------------------------------------------------------------

    def _maybe_progress(self, run: _Run) -> None:
        progress = run.progress
        now = self._clock()
        if self.on_progress is None or now - progress.last < self.progress_every:
            return
        if progress.task is not None and not progress.task.done():
            return  # the previous card edit is still on its way
        progress.last = now
        progress.task = asyncio.create_task(self._send_progress(run.batch.tg_id, run.batch.id))

    async def _send_progress(self, tg_id: int, batch_id: int) -> None:
        try:
            batch = await self._db.get_mass_batch(tg_id, batch_id)
            if batch is not None and self.on_progress is not None:
                await self.on_progress(batch)
        except Exception:
            log.exception("mass orders: progress of batch %s not shown", batch_id)

    async def _report(self, tg_id: int, batch_id: int) -> None:
        progress = self._progress.pop(batch_id, None)
        if progress is not None and progress.task is not None:
            await asyncio.gather(progress.task, return_exceptions=True)  # the report comes after it
        report = await batch_report(self._db, tg_id, batch_id)
        if report is None:
            return
        log.info("mass orders: batch %s %s: %d placed, %d refused, %d unknown, %d not sent", batch_id,
                 report.batch.state, len(report.placed), len(report.refused), len(report.unknown),
                 len(report.stopped))
        if self.on_finished is not None:
            try:
                await self.on_finished(report)
            except Exception:
                log.exception("mass orders: the report of batch %s was not delivered", batch_id)


def install_mass_runner(application: Application, deps: Deps, *, on_progress: Progress | None = None,
                        on_finished: Finished | None = None) -> MassRunner:
    """Create the runner (at `application.bot_data[RUNNER_KEY]`) and resume running batches once
    the application has started. Call after `install_tracker`: the runner shares its spacing."""
    settings = deps.settings
    tracker = application.bot_data.get("tracker")
    spacing = tracker.spacing if tracker is not None else KeySpacing(settings.panel_min_interval_seconds)
    runner = MassRunner(
        deps.db,
        deps.panel,
        spacing,
        concurrency=settings.panel_max_concurrency,
        on_progress=on_progress,
        on_finished=on_finished,
        # Read when called: the tracker's early check after an order is placed.
        on_placed=lambda order: deps.on_order_placed(None, order),
    )
    application.bot_data[RUNNER_KEY] = runner

    async def resume(_: ContextTypes.DEFAULT_TYPE) -> None:
        try:
            await runner.start()
        except Exception:
            log.exception("mass orders: resuming batches failed")

    assert application.job_queue is not None  # python-telegram-bot[job-queue] is a dependency
    application.job_queue.run_once(resume, 0, name="mass-resume")
    return runner


def mass_runner(application: Application) -> MassRunner:
    return application.bot_data[RUNNER_KEY]


async def stop_mass_runner(application: Application) -> None:
    """As the bot stops: no more lines are sent; a line in flight gets its answer first."""
    runner = application.bot_data.get(RUNNER_KEY)
    if runner is not None:
        await runner.close(timeout=runner_close_timeout(application))


def runner_close_timeout(application: Application) -> float:
    deps = application.bot_data.get("deps")
    return (deps.settings.panel_timeout_seconds if deps is not None else 30.0) + 5.0
