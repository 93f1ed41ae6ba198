"""GET /healthz: is the bot able to do its work? 200 with details, or 503 saying what fails.

Unhealthy when the database cannot be written (a committed write is tried on every probe:
a full disk or a read-only mount shows up here first), or when the tracker has not finished a
cycle for five intervals (counted from the start while there has been none yet): a stuck
tracker means users stop hearing about their orders while the bot still answers chats.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from dataclasses import dataclass
from importlib import metadata
from typing import Any

log = logging.getLogger(__name__)

STALE_AFTER_INTERVALS = 5


def version() -> str:
    try:
        return metadata.version("smm-panel-bot")
    except metadata.PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown"


@dataclass
class HealthReport:
    healthy: bool
    body: dict[str, Any]

    @property
    def status_code(self) -> int:
        return 200 if self.healthy else 503


def assess(*, now: float, started_at: float, interval: float, last_cycle: Any, database_writable: bool,
           database_error: str | None = None) -> HealthReport:
    """The report, from the facts (a pure function: the tests give it any clock)."""
    problems = []
    if not database_writable:
        problems.append(f"the database cannot be written ({database_error or 'error'})")
    limit = STALE_AFTER_INTERVALS * interval
    since = last_cycle.finished_at if last_cycle is not None else started_at
    if now - since > limit:
        what = "its last one" if last_cycle is not None else "the start"
        problems.append(f"the tracker has not finished a cycle in {now - since:.0f} s since {what} "
                        f"(limit {limit:.0f} s: {STALE_AFTER_INTERVALS} intervals)")
    tracker: dict[str, Any] = {"interval_seconds": interval, "last_cycle": None}
    if last_cycle is not None:
        tracker["last_cycle"] = {
            "finished_at": round(last_cycle.finished_at, 3),
            "ago_seconds": round(now - last_cycle.finished_at, 3),
            "seconds": round(last_cycle.seconds, 3),
            "requests": last_cycle.requests,
            "orders_checked": last_cycle.orders_checked,
            "refills_checked": last_cycle.refills_checked,
            "notifications": last_cycle.messages,
        }
    body = {
        "status": "ok" if not problems else "failing",
        "problems": problems,
        "version": version(),
        "uptime_seconds": round(now - started_at, 3),
        "tracker": tracker,
        "database": {"writable": database_writable},
    }
    return HealthReport(not problems, body)


class HealthCheck:
    """Probes the database and reads the tracker; one probe at a time however many ask."""

    def __init__(self, db: Any, tracker: Any, interval: float) -> None:
        self._db = db
        self._tracker = tracker
        self._interval = interval
        self.started_at = time.time()
        self._probe: asyncio.Future[str | None] | None = None

    async def report(self) -> HealthReport:
        error = await self._probe_once()
        return assess(
            now=time.time(), started_at=self.started_at, interval=self._interval,
            last_cycle=getattr(self._tracker, "last_stats", None),
            database_writable=error is None, database_error=error,
        )

    async def _probe_once(self) -> str | None:
        if self._probe is None:
            self._probe = asyncio.ensure_future(self._write())
            self._probe.add_done_callback(self._forget)
        return await asyncio.shield(self._probe)

    def _forget(self, _: asyncio.Future) -> None:
        self._probe = None

    async def _write(self) -> str | None:
        """None if a committed write worked, else why not (no path, no secret: sqlite's words)."""
        try:
            await self._db.probe_write()
        except (sqlite3.Error, OSError, ValueError) as exc:  # ValueError: the connection is closed
            log.warning("health: the database cannot be written: %s", exc)
            return str(exc) or type(exc).__name__
        return None
