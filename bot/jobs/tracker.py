"""The background tracker: batch status and refill checks, then tell users what changed.

One cycle:
1. Read open orders page by page (ordered by account), collect each account's ids into
   chunks of 100 and ask its panel with one `status` request per chunk; store the answers.
   So the requests per cycle are exactly the sum over accounts of ceil(open / 100).
2. The same for open refills with `refill_status`.
3. Tell users: every order or refill whose stored status differs from the one the user was
   last told about gets a message (one per user per cycle), and is marked as told only once
   Telegram accepted it. A crash between 2 and 3 therefore re-sends at most that message and
   never loses one.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from bot.core.tracking import store_status
from bot.jobs.gate import Backoff, PanelGate
from bot.panel import InvalidKey, ItemError, OrderStatus, PanelError, RefillStatus

log = logging.getLogger(__name__)

BATCH = 100  # the panel's limit of ids per request
PAGE = 1000  # rows read from storage at a time


@dataclass
class CycleStats:
    orders_checked: int = 0
    refills_checked: int = 0
    requests: int = 0
    changes: int = 0
    messages: int = 0
    accounts_failed: int = 0
    seconds: float = 0.0


@dataclass
class _Batch:
    account_id: int
    ids: list[int] = field(default_factory=list)
    rows: dict[int, object] = field(default_factory=dict)  # panel id -> Order / Refill


class Tracker:
    """Polls the panels for open orders and refills. `notify` is called after each poll."""

    def __init__(self, db, panel, *, concurrency: int, min_interval: float, backoff_base: float,
                 notifier: "Callable[[CycleStats], Awaitable[None]] | None" = None,
                 on_key_rejected: "Callable[[object], Awaitable[None]] | None" = None) -> None:
        self._db = db
        self._panel = panel
        self._concurrency = concurrency
        self._min_interval = min_interval
        self._gates: dict[str, PanelGate] = {}
        self.backoff = Backoff(backoff_base)
        self._lock = asyncio.Lock()
        self._again = False
        self.notifier = notifier
        self.on_key_rejected = on_key_rejected

    def _gate(self, url: str) -> PanelGate:
        gate = self._gates.get(url)
        if gate is None:
            gate = self._gates[url] = PanelGate(self._concurrency, self._min_interval)
        return gate

    async def cycle(self) -> CycleStats | None:
        """One cycle; never two at once. A cycle asked for while one runs runs right after it
        (an order placed meanwhile may have been missed by the running one)."""
        if self._lock.locked():
            self._again = True
            return None
        async with self._lock:
            stats = await self._cycle_once()
            while self._again:
                self._again = False
                stats = await self._cycle_once()
            return stats

    async def _cycle_once(self) -> CycleStats:
        started = time.monotonic()
        stats = CycleStats()
        failed: set[int] = set()
        await self._poll(self._db.iter_open_orders(page_size=PAGE), self._check_orders, stats, failed)
        await self._poll(self._db.iter_open_refills(page_size=PAGE), self._check_refills, stats, failed)
        stats.accounts_failed = len(failed)
        if self.notifier is not None:
            await self.notifier(stats)
        stats.seconds = time.monotonic() - started
        log.info(
            "tracker cycle: %d orders and %d refills checked with %d requests, %d changes, %d messages, "
            "%d accounts failing, %.2f s",
            stats.orders_checked, stats.refills_checked, stats.requests, stats.changes, stats.messages,
            stats.accounts_failed, stats.seconds,
        )
        return stats

    async def _poll(self, pages, check, stats: CycleStats, failed: set[int]) -> None:
        """Stream rows into per-account chunks of 100 and check each full chunk concurrently."""
        tasks: set[asyncio.Task] = set()
        current: _Batch | None = None

        def flush(batch: _Batch | None) -> None:
            if batch is not None and batch.ids:
                task = asyncio.create_task(self._run_batch(batch, check, stats, failed))
                tasks.add(task)
                task.add_done_callback(tasks.discard)

        async for page in pages:
            for row in page:
                if not self.backoff.ready(row.account_id) or row.account_id in failed:
                    continue
                if current is None or current.account_id != row.account_id or len(current.ids) >= BATCH:
                    flush(current)
                    current = _Batch(row.account_id)
                panel_id = row.panel_order_id if check == self._check_orders else row.refill_id
                current.ids.append(panel_id)
                current.rows[panel_id] = row
            # Do not let thousands of chunks pile up in memory ahead of the panels.
            while len(tasks) > self._concurrency * 4:
                await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        flush(current)
        if tasks:
            await asyncio.gather(*tasks)

    async def _run_batch(self, batch: _Batch, check, stats: CycleStats, failed: set[int]) -> None:
        if batch.account_id in failed:
            return
        account = await self._db.get_account_for_tracking(batch.account_id)
        if account is None or account.paused:
            return
        api = self._panel.account(account.panel_url, account.api_key)
        try:
            async with self._gate(account.panel_url).slot():
                stats.requests += 1
                await check(api, account, batch, stats)
        except InvalidKey:
            failed.add(account.id)
            if await self._db.set_account_paused(account.id, True):
                log.info("account %s paused: the panel rejects its key", account.id)
                if self.on_key_rejected is not None:
                    await self.on_key_rejected(account)
        except PanelError as error:
            failed.add(account.id)
            delay = self.backoff.failed(account.id)
            log.warning("account %s: panel failed (%s); retrying in %.0f s at the latest next cycle",
                        account.id, type(error).__name__, delay)
        else:
            self.backoff.succeeded(account.id)

    async def _check_orders(self, api, account, batch: _Batch, stats: CycleStats) -> None:
        answers = await api.statuses(batch.ids)
        stats.orders_checked += len(batch.ids)
        for panel_id, order in batch.rows.items():
            answer = answers.get(panel_id)
            if isinstance(answer, OrderStatus) and await store_status(self._db, order.tg_id, order, answer):
                stats.changes += 1
            elif isinstance(answer, ItemError):
                log.info("order %s of account %s: %s", panel_id, account.id, answer.error.code)

    async def _check_refills(self, api, account, batch: _Batch, stats: CycleStats) -> None:
        answers = await api.refill_statuses(batch.ids)
        stats.refills_checked += len(batch.ids)
        for panel_id, refill in batch.rows.items():
            answer = answers.get(panel_id)
            if isinstance(answer, RefillStatus):
                if await self._db.update_refill_status(refill.id, answer.state.value, answer.is_final, time.time()):
                    stats.changes += 1
