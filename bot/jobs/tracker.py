"""The background tracker: batched status and refill checks, then telling users what changed.

One cycle (never two at once):
1. Walk the open orders page by page (storage lists them by account), cut each account's ids
   into chunks of at most 100 and ask the account's panel with one `status` request per
   chunk; store every answer. Requests per cycle = sum over accounts of ceil(open / 100).
2. The same for open refills with `refill_status`.
3. Tell users (`Notifier`) about every order or refill whose stored status differs from the
   one they were last told about. A change is marked as told only once Telegram accepted the
   message, so a failed send, a crash or a restart between 2 and 3 is caught up by a later
   cycle: nothing is lost, and only a message accepted just before a crash can come twice.

Politeness: requests to one panel go through its `PanelGate` (bounded concurrency), and
requests with one key start PANEL_MIN_INTERVAL_SECONDS apart (`KeySpacing`: panels limit
requests per key).
An account whose requests fail backs off exponentially (`Backoff`) while the others go on;
after PANEL_DOWN_AFTER "unavailable" answers in a row from one panel, its remaining chunks
wait for the next cycle instead of queueing up behind time-outs. The tracker uses a panel
client of its own without retries inside a cycle: the next cycle is the retry, so a
struggling panel is not asked four times over, and each cycle's request count stays exact.

An account whose key the panel rejects is paused (storage then leaves its orders out) and its
owner is told once; saving a new key un-pauses it and tracking picks up where it stopped.

Ids the panel says it does not know ("Incorrect order ID": removed on the panel, or typed for
another key) stay open and keep being asked inside their chunk, which costs no extra request;
they are logged once per process, not every cycle. Storage has no "gone" state to retire them.
"""

from __future__ import annotations

import asyncio
import enum
import logging
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.jobs.gate import Backoff, KeySpacing, PanelGate
from bot.jobs.kinds import ORDERS, REFILLS, CycleStats, Kind
from bot.panel import MAX_IDS_PER_REQUEST, InvalidKey, ItemError, PanelClient, PanelError, PanelUnavailable

log = logging.getLogger(__name__)

BATCH = MAX_IDS_PER_REQUEST  # the panel's limit of ids per request
PANEL_DOWN_AFTER = 3  # "unavailable" answers in a row after which a panel waits for the next cycle
QUEUED_CHUNKS_PER_SLOT = 4  # chunks prepared ahead of the panels, per concurrent request
# Rows held in chunks that wait for their key's spacing. They are not counted as prepared
# chunks, so that one account with thousands of open orders (one request per 0.5 s) does
# not hold up everyone else's requests; this bounds their memory instead (~1 KB a row).
MAX_SPACED_ROWS = 20_000
MAX_REMEMBERED_UNKNOWN_IDS = 100_000  # bounds the memory of "already logged" unknown ids


class _NotAsked(enum.Enum):
    """A chunk whose request was not made (its account or panel failed meanwhile)."""

    NOT_ASKED = "not asked"


_NOT_ASKED = _NotAsked.NOT_ASKED


@dataclass
class _Chunk:
    account_id: int
    rows: dict[int, Any] = field(default_factory=dict)  # panel id -> stored Order / Refill


@dataclass
class _Cycle:
    """What one cycle learns as it goes."""

    client: PanelClient
    stats: CycleStats = field(default_factory=CycleStats)
    accounts: dict[int, Any] = field(default_factory=dict)  # id -> Account (None: gone)
    failed: dict[int, str] = field(default_factory=dict)  # account id -> why
    succeeded: set[int] = field(default_factory=set)
    paused: set[int] = field(default_factory=set)
    unavailable_in_a_row: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def panel_down(self, url: str) -> bool:
        return self.unavailable_in_a_row[url] >= PANEL_DOWN_AFTER


KeyRejected = Callable[[Any], Awaitable[bool]]
Notify = Callable[[CycleStats], Awaitable[None]]


class Tracker:
    """Polls the panels for open orders and refills, then calls `notify(stats)`.

    `client_factory` makes the panel client a cycle uses (closed when the cycle ends).
    `on_key_rejected(account)` tells an owner that their key was refused; it returns False
    when telling failed for a passing reason, and the next cycle then tries again.
    """

    def __init__(
        self,
        db: Any,
        client_factory: Callable[[], PanelClient],
        *,
        concurrency: int,
        min_interval: float,
        backoff_base: float,
        notify: Notify | None = None,
        on_key_rejected: KeyRejected | None = None,
    ) -> None:
        self._db = db
        self._client_factory = client_factory
        self._concurrency = max(1, concurrency)
        self._gates: dict[str, PanelGate] = {}
        self._spacing = KeySpacing(min_interval)
        self.backoff = Backoff(backoff_base)
        self.notify = notify
        self.on_key_rejected = on_key_rejected
        self._lock = asyncio.Lock()
        self._again = False
        self._unknown_logged: set[tuple[str, int, int]] = set()
        # For operators (bot/ops): the last finished cycle, observers of each one, and an
        # observer given to each cycle's panel client (install_tracker's factory passes it on).
        self.last_stats: CycleStats | None = None
        self.on_cycle: list[Callable[[CycleStats], None]] = []
        self.panel_observer: Callable[[str, str], None] | None = None

    def _gate(self, url: str) -> PanelGate:
        gate = self._gates.get(url)
        if gate is None:
            gate = self._gates[url] = PanelGate(self._concurrency)
        return gate

    @property
    def running(self) -> bool:
        return self._lock.locked()

    @property
    def spacing(self) -> KeySpacing:
        """The spacing per key, for other jobs that ask the panels with the same keys (mass orders)."""
        return self._spacing

    async def cycle(self) -> CycleStats | None:
        """Run one cycle; never two at once. Asked for while one runs (an order was placed
        meanwhile, which the running walk may have passed), it returns None at once and
        another cycle follows the running one."""
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
        cycle = _Cycle(self._client_factory())
        try:
            await self._poll(ORDERS, cycle)
            await self._poll(REFILLS, cycle)
        finally:
            await cycle.client.close()
        self._settle_backoff(cycle)
        self._spacing.forget_idle()
        stats = cycle.stats
        if self.notify is not None:
            await self.notify(stats)
        stats.seconds = time.monotonic() - started
        stats.finished_at = time.time()
        self.last_stats = stats
        for observer in self.on_cycle:
            observer(stats)
        log.info(
            "tracker cycle: %d orders and %d refills checked with %d requests; %d changes stored, "
            "%d told in %d messages; %d accounts failing, %d paused, %d rows skipped; %.2f s",
            stats.orders_checked, stats.refills_checked, stats.requests, stats.changes, stats.told,
            stats.messages, stats.accounts_failed, stats.accounts_paused, stats.skipped, stats.seconds,
        )
        return stats

    # --- polling ---------------------------------------------------------------------------------

    def _may_ask(self, account_id: int, cycle: _Cycle) -> bool:
        return account_id not in cycle.failed and account_id not in cycle.paused and self.backoff.ready(account_id)

    async def _poll(self, kind: Kind, cycle: _Cycle) -> None:
        """Stream rows into per-account chunks of at most 100 ids; check chunks concurrently."""
        tasks: set[asyncio.Task[None]] = set()
        spaced: dict[asyncio.Task[None], int] = {}  # tasks waiting for their key's spacing -> rows
        chunk: _Chunk | None = None

        def launch(ready: _Chunk) -> None:
            delay = self._spacing.reserve(ready.account_id)
            task = asyncio.create_task(self._check_chunk(kind, ready, cycle, delay))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
            if delay > 0:
                spaced[task] = len(ready.rows)
                task.add_done_callback(spaced.pop)

        def too_many_ahead() -> bool:
            ready_soon = len(tasks) - len(spaced)
            return ready_soon >= self._concurrency * QUEUED_CHUNKS_PER_SLOT or sum(spaced.values()) > MAX_SPACED_ROWS

        try:
            async for page in kind.pages(self._db):
                for row in page:
                    if chunk is not None and (chunk.account_id != row.account_id or len(chunk.rows) >= BATCH):
                        launch(chunk)
                        chunk = None
                    if not self._may_ask(row.account_id, cycle):
                        cycle.stats.skipped += 1
                        continue
                    if chunk is None:
                        chunk = _Chunk(row.account_id)
                    chunk.rows[kind.panel_id(row)] = row
                # Do not prepare thousands of chunks ahead of the panels.
                while too_many_ahead():
                    await asyncio.wait(set(tasks), return_when=asyncio.FIRST_COMPLETED)
            if chunk is not None:
                launch(chunk)
            if tasks:
                await asyncio.gather(*tasks)
        finally:
            for task in tasks:
                task.cancel()

    async def _account(self, account_id: int, cycle: _Cycle) -> Any:
        if account_id not in cycle.accounts:
            cycle.accounts[account_id] = await self._db.get_account_for_tracking(account_id)
        return cycle.accounts[account_id]

    async def _check_chunk(self, kind: Kind, chunk: _Chunk, cycle: _Cycle, delay: float) -> None:
        """`delay`: seconds to wait first, for the spacing of the account's key."""
        try:
            account = await self._account(chunk.account_id, cycle)
            if account is None or account.paused:
                return
            if delay > 0:
                await asyncio.sleep(delay)
            answers = await self._ask(kind, account, chunk, cycle)
            if answers is _NOT_ASKED:
                cycle.stats.skipped += len(chunk.rows)
                return
            if answers is None:
                return
            kind.count(cycle.stats, len(chunk.rows))
            updates = []
            for panel_id, row in chunk.rows.items():
                answer = answers.get(panel_id)
                if isinstance(answer, ItemError):
                    self._log_item_error(kind, chunk.account_id, panel_id, answer)
                elif (update := kind.update(row, answer)) is not None:
                    updates.append(update)
            if updates:  # one transaction for the chunk: every commit is an fsync
                # Not `stats.changes += await ...`: that reads the count before the await, and
                # chunks checked meanwhile would be lost from it.
                changed = await kind.store(self._db, updates)
                cycle.stats.changes += changed
        except Exception:
            # A bug or a storage error: this account waits (backs off); the others go on.
            log.exception("tracker: checking %ss of account %s failed", kind.name, chunk.account_id)
            cycle.failed.setdefault(chunk.account_id, "error")

    async def _ask(
        self, kind: Kind, account: Any, chunk: _Chunk, cycle: _Cycle
    ) -> Mapping[int, object] | _NotAsked | None:
        """One request for the chunk's ids: the answers, None if it failed, or _NOT_ASKED."""
        url = account.panel_url
        rejected = False
        async with self._gate(url).slot():
            # Checked again after waiting for the slot: the account or its panel may have
            # failed meanwhile.
            if account.id in cycle.failed or account.id in cycle.paused or cycle.panel_down(url):
                return _NOT_ASKED
            await self._spacing.start(account.id)
            cycle.stats.requests += 1
            try:
                answers = await kind.ask(cycle.client.account(url, account.api_key), list(chunk.rows))
            except InvalidKey:
                rejected = True
            except PanelError as error:
                cycle.failed.setdefault(account.id, _describe(error))
                if isinstance(error, PanelUnavailable):
                    cycle.unavailable_in_a_row[url] += 1
                return None
        if rejected:
            await self._pause(account, cycle)
            return None
        cycle.unavailable_in_a_row[url] = 0
        cycle.succeeded.add(account.id)
        return answers

    async def _pause(self, account: Any, cycle: _Cycle) -> None:
        if account.id in cycle.paused:
            return
        cycle.paused.add(account.id)
        if not await self._db.set_account_paused(account.id, True):
            return  # already paused: its owner has been told
        cycle.stats.accounts_paused += 1
        log.info("account %s paused: the panel rejects its key", account.id)
        if self.on_key_rejected is not None and not await self.on_key_rejected(account):
            # Not told (Telegram failed for a passing reason): un-pause, so that the next cycle
            # meets the rejected key again and tells the owner then.
            await self._db.set_account_paused(account.id, False)

    def _settle_backoff(self, cycle: _Cycle) -> None:
        for account_id, why in cycle.failed.items():
            delay = self.backoff.failed(account_id)
            log.warning("tracker: account %s failed (%s); next try in %.0f s at the earliest", account_id, why, delay)
        for account_id in cycle.succeeded - cycle.failed.keys():
            self.backoff.succeeded(account_id)
        cycle.stats.accounts_failed = len(cycle.failed)
        for url, in_a_row in cycle.unavailable_in_a_row.items():
            if in_a_row >= PANEL_DOWN_AFTER:
                log.warning("tracker: panel %s is unavailable; the rest of its accounts wait for the next cycle", url)

    def _log_item_error(self, kind: Kind, account_id: int, panel_id: int, answer: ItemError) -> None:
        key = (kind.name, account_id, panel_id)
        if key in self._unknown_logged:
            return
        if len(self._unknown_logged) < MAX_REMEMBERED_UNKNOWN_IDS:
            self._unknown_logged.add(key)
        log.info("tracker: %s %s of account %s: the panel answers %s; still followed",
                 kind.name, panel_id, account_id, answer.code)


def _describe(error: PanelError) -> str:
    """For logs: the error's code and HTTP status, never request data."""
    status = getattr(error, "http_status", None)
    return error.code if status is None else f"{error.code}, HTTP {status}"
