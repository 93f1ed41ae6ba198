"""The low-balance watch: a periodic round over the accounts that have a threshold.

Each round asks each such account's panel for its balance once (one `balance` request per
account), stores it, and lets `bot.core.panels.check_low_balance` decide whether to tell the
owner: once when the balance falls below the threshold, again only after it has recovered.

Politeness as in the tracker: at most PANEL_MAX_CONCURRENCY requests in flight to one panel,
requests with one key spaced, every request within PANEL_TIMEOUT_SECONDS, and a client of its
own without retries (the next round is the retry). A failing panel costs its own accounts a
round; the others go on.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from bot.core.panels import LowBalanceStep, check_low_balance
from bot.jobs.gate import KeySpacing, PanelGate
from bot.panel import Balance, PanelClient, PanelError

log = logging.getLogger(__name__)

PAGE = 200  # accounts read from storage (and asked about) at a time

# notify(account, balance, threshold) -> True when done with (told, or nobody to tell), False
# when telling failed for a passing reason and the next round should try again.
LowBalanceNotify = Callable[[Any, Balance, Decimal], Awaitable[bool]]


@dataclass
class WatchStats:
    accounts: int = 0  # accounts with a threshold that were asked
    requests: int = 0
    failed: int = 0  # the panel did not answer usably
    told: int = 0
    seconds: float = 0.0


class LowBalanceWatch:
    def __init__(self, db: Any, client_factory: Callable[[], PanelClient], *, concurrency: int,
                 min_interval: float, timeout: float, notify: LowBalanceNotify) -> None:
        self._db = db
        self._client_factory = client_factory
        self._concurrency = max(1, concurrency)
        self._spacing = KeySpacing(min_interval)
        self._timeout = timeout
        self.notify = notify
        self._lock = asyncio.Lock()

    async def run(self) -> WatchStats | None:
        """One round; None if one is running already."""
        if self._lock.locked():
            return None
        async with self._lock:
            loop = asyncio.get_running_loop()
            started = loop.time()
            stats = WatchStats()
            client = self._client_factory()
            gates: dict[str, PanelGate] = {}
            try:
                after = 0
                while rows := await self._db.low_balance_accounts(after_id=after, limit=PAGE):
                    await asyncio.gather(*(self._check(client, gates, account, known, stats) for account, known in rows))
                    after = rows[-1][0].id
            finally:
                await client.close()
            self._spacing.forget_idle()
            stats.seconds = loop.time() - started
            log.info("low-balance round: %d accounts, %d requests, %d failed, %d told; %.2f s",
                     stats.accounts, stats.requests, stats.failed, stats.told, stats.seconds)
            return stats

    async def _check(self, client: PanelClient, gates: dict[str, PanelGate], account: Any, known: Any,
                     stats: WatchStats) -> None:
        stats.accounts += 1
        gate = gates.setdefault(account.panel_url, PanelGate(self._concurrency))
        try:
            await asyncio.sleep(self._spacing.reserve(account.id))
            async with gate.slot():
                await self._spacing.start(account.id)
                stats.requests += 1
                async with asyncio.timeout(self._timeout):
                    balance = await client.account(account.panel_url, account.api_key).balance()
        except (PanelError, TimeoutError) as error:
            stats.failed += 1
            log.info("low-balance: account %s: %s", account.id, getattr(error, "code", "timeout"))
            return
        try:
            fresh = await self._db.record_balance(account.tg_id, account.id, balance.amount, balance.currency)
            if fresh is None:
                return  # removed meanwhile
            tell = functools.partial(self.notify, account, balance, known.threshold)
            if await check_low_balance(self._db, known, balance.amount, tell) is LowBalanceStep.TOLD:
                stats.told += 1
        except Exception:
            # A bug or a storage error: this account waits for the next round; the others go on.
            log.exception("low-balance: checking account %s failed", account.id)
