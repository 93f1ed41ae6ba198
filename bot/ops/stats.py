"""What /stats shows an operator: users, activity, keys, orders, the tracker and the queues."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.jobs.kinds import CycleStats
from bot.storage import BroadcastCounts, OperationsCounts


@dataclass(frozen=True)
class QueueSizes:
    updates_waiting: int  # received, not yet taken by the update processor
    users_in_progress: int  # users with an update being handled or waiting for their turn
    broadcast_pending: int  # recipients of the running broadcast still to send to
    jobs: int  # scheduled background jobs (the tracker, its early checks, flushes)


@dataclass(frozen=True)
class OperatorStats:
    counts: OperationsCounts
    last_cycle: CycleStats | None
    tracker_running: bool
    queues: QueueSizes
    broadcast: BroadcastCounts | None  # the running broadcast's counts, if one runs
    maintenance: bool


async def gather_stats(application: Any) -> OperatorStats:
    """Everything /stats shows, read now (users seen lately are written first, so "active in
    24 h" counts the admin asking too)."""
    ops = application.bot_data["ops"]
    db = application.bot_data["deps"].db
    tracker = application.bot_data.get("tracker")
    await ops.activity.flush()
    counts = await db.operations_counts()
    running = await db.running_broadcast()
    broadcast = await db.broadcast_counts(running.id) if running is not None else None
    processor = application.update_processor
    queues = QueueSizes(
        updates_waiting=application.update_queue.qsize(),
        users_in_progress=getattr(processor, "users_in_progress", 0),
        broadcast_pending=broadcast.pending if broadcast is not None else 0,
        jobs=len(application.job_queue.jobs()) if application.job_queue is not None else 0,
    )
    return OperatorStats(
        counts=counts,
        last_cycle=getattr(tracker, "last_stats", None),
        tracker_running=bool(getattr(tracker, "running", False)),
        queues=queues,
        broadcast=broadcast,
        maintenance=ops.maintenance.on,
    )
