"""What operators need from storage: counts for /stats, when users were last seen, the
announcements setting, the maintenance flag, a write probe for /healthz, and broadcasts.

A broadcast's recipients are fixed when it is created (users who have not blocked the bot and
have not turned announcements off) and each is a row that goes pending -> sending -> settled.
'sending' is written before the message leaves and the outcome right after it, so a restart
resumes with the pending rows and never sends to anyone twice: a row still 'sending' after a
stop (the bot died while that message was in flight) becomes 'unknown' and is not resent.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from .base import StoreBase
from .errors import StorageError

MAINTENANCE_META_KEY = "maintenance"
_PROBE_META_KEY = "health_probe"
DAY = 24 * 3600.0


class RecipientState(StrEnum):
    PENDING = "pending"
    SENDING = "sending"  # claimed: its message may be in flight
    DELIVERED = "delivered"
    BLOCKED = "blocked"  # Telegram refused: the user blocked the bot (or is gone)
    FAILED = "failed"  # Telegram refused the message for another reason
    SKIPPED = "skipped"  # blocked the bot or turned announcements off after the broadcast began
    UNKNOWN = "unknown"  # the answer was lost (time-out, stop mid-send): never resent


SETTLED = frozenset(RecipientState) - {RecipientState.PENDING, RecipientState.SENDING}


class BroadcastRunning(StorageError):
    """Another broadcast is still running: one at a time."""


@dataclass(frozen=True, slots=True)
class Broadcast:
    id: int
    created_by: int
    chat_id: int
    message_id: int | None
    text: str
    entities: list[dict[str, Any]] | None
    state: str  # running, done, cancelled
    created_at: float
    finished_at: float | None


@dataclass(frozen=True, slots=True)
class BroadcastCounts:
    pending: int = 0
    sending: int = 0
    delivered: int = 0
    blocked: int = 0
    failed: int = 0
    skipped: int = 0
    unknown: int = 0

    @property
    def total(self) -> int:
        return self.pending + self.sending + self.delivered + self.blocked + self.failed + self.skipped + self.unknown

    @property
    def done(self) -> int:
        return self.total - self.pending - self.sending

    @property
    def not_delivered(self) -> int:
        """Failed for any reason but a block: refused, or its answer lost."""
        return self.failed + self.unknown


@dataclass(frozen=True, slots=True)
class OperationsCounts:
    users: int
    blocked_users: int
    active_day: int
    active_week: int
    accounts: int
    paused_accounts: int
    orders_by_status: dict[str, int] = field(default_factory=dict)  # "" for not yet checked
    open_orders: int = 0
    open_refills: int = 0
    unknown_intents: int = 0


@dataclass(frozen=True, slots=True)
class MaintenanceState:
    on: bool
    since: float | None = None
    by: int | None = None


def _broadcast(row: sqlite3.Row) -> Broadcast:
    return Broadcast(
        id=row["id"], created_by=row["created_by"], chat_id=row["chat_id"], message_id=row["message_id"],
        text=row["text"], entities=json.loads(row["entities"]) if row["entities"] else None,
        state=row["state"], created_at=row["created_at"], finished_at=row["finished_at"],
    )


_BROADCAST_COLUMNS = "id, created_by, chat_id, message_id, text, entities, state, created_at, finished_at"


class OperationsMixin(StoreBase):
    # --- meta: maintenance, write probe ----------------------------------------------------------

    async def _set_meta(self, key: str, value: str) -> None:
        async with self._conn.transaction() as session:
            await session.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    async def maintenance(self) -> MaintenanceState:
        async with self._conn.reading() as session:
            raw = await session.scalar("SELECT value FROM meta WHERE key = ?", (MAINTENANCE_META_KEY,))
        if raw is None:
            return MaintenanceState(False)
        data = json.loads(raw)
        return MaintenanceState(bool(data.get("on")), data.get("since"), data.get("by"))

    async def set_maintenance(self, on: bool, by: int | None) -> MaintenanceState:
        state = MaintenanceState(on, self._clock(), by)
        await self._set_meta(MAINTENANCE_META_KEY, json.dumps({"on": on, "since": state.since, "by": by}))
        return state

    async def probe_write(self) -> None:
        """One small committed write (for /healthz); raises sqlite3.Error or OSError if the
        database cannot be written (disk full, read-only, locked by another process)."""
        await self._set_meta(_PROBE_META_KEY, repr(self._clock()))

    # --- users: last seen, announcements ---------------------------------------------------------

    async def record_last_seen(self, seen: Mapping[int, float]) -> None:
        """Many users' last activity in one transaction (never moved backwards)."""
        if not seen:
            return
        async with self._conn.transaction() as session:
            await session.executemany(
                "UPDATE users SET last_seen = ?1 WHERE tg_id = ?2 AND (last_seen IS NULL OR last_seen < ?1)",
                [(when, tg_id) for tg_id, when in seen.items()],
            )

    async def get_announcements(self, tg_id: int) -> bool | None:
        """Whether the user receives operators' broadcasts (None: no such user)."""
        async with self._conn.reading() as session:
            value = await session.scalar("SELECT announcements FROM users WHERE tg_id = ?", (tg_id,))
        return None if value is None else bool(value)

    async def set_announcements(self, tg_id: int, on: bool) -> bool:
        """Returns False if the user does not exist."""
        async with self._conn.transaction() as session:
            return await session.execute(
                "UPDATE users SET announcements = ? WHERE tg_id = ?", (int(on), tg_id)
            ) > 0

    # --- /stats ----------------------------------------------------------------------------------

    async def operations_counts(self) -> OperationsCounts:
        now = self._clock()
        async with self._conn.reading() as session:
            users = await session.one(
                """SELECT count(*) AS users, coalesce(sum(blocked), 0) AS blocked,
                          count(CASE WHEN last_seen >= ?1 THEN 1 END) AS day,
                          count(CASE WHEN last_seen >= ?2 THEN 1 END) AS week
                   FROM users""",
                (now - DAY, now - 7 * DAY),
            )
            accounts = await session.one(
                "SELECT count(*) AS accounts, coalesce(sum(paused), 0) AS paused FROM accounts"
            )
            by_status = await session.all(
                "SELECT coalesce(status, '') AS status, count(*) AS n FROM orders GROUP BY 1 ORDER BY 2 DESC"
            )
            open_orders = await session.scalar("SELECT count(*) FROM orders WHERE final = 0")
            open_refills = await session.scalar("SELECT count(*) FROM refills WHERE final = 0")
            unknown = await session.scalar("SELECT count(*) FROM intents WHERE state = 'unknown'")
        assert users is not None and accounts is not None  # an aggregate without GROUP BY is one row
        return OperationsCounts(
            users=users["users"], blocked_users=users["blocked"], active_day=users["day"],
            active_week=users["week"], accounts=accounts["accounts"], paused_accounts=accounts["paused"],
            orders_by_status={row["status"]: row["n"] for row in by_status},
            open_orders=open_orders, open_refills=open_refills, unknown_intents=unknown,
        )

    # --- broadcasts ------------------------------------------------------------------------------

    async def create_broadcast(
        self, *, created_by: int, chat_id: int, text: str, entities: list[dict[str, Any]] | None = None
    ) -> tuple[Broadcast, int]:
        """A running broadcast with its recipients fixed now; returns it and how many they are.
        Raises BroadcastRunning while another one runs."""
        now = self._clock()
        try:
            async with self._conn.transaction() as session:
                await session.execute(
                    "INSERT INTO broadcasts (created_by, chat_id, text, entities, created_at) VALUES (?, ?, ?, ?, ?)",
                    (created_by, chat_id, text, json.dumps(entities) if entities else None, now),
                )
                broadcast_id = await session.scalar("SELECT last_insert_rowid()")
                recipients = await session.execute(
                    """INSERT INTO broadcast_recipients (broadcast_id, tg_id)
                       SELECT ?, tg_id FROM users WHERE blocked = 0 AND announcements = 1""",
                    (broadcast_id,),
                )
                row = await session.one(f"SELECT {_BROADCAST_COLUMNS} FROM broadcasts WHERE id = ?", (broadcast_id,))
                assert row is not None  # inserted just above, in this transaction
        except sqlite3.IntegrityError:
            raise BroadcastRunning("another broadcast is still running") from None
        return _broadcast(row), recipients

    async def get_broadcast(self, broadcast_id: int) -> Broadcast | None:
        async with self._conn.reading() as session:
            row = await session.one(f"SELECT {_BROADCAST_COLUMNS} FROM broadcasts WHERE id = ?", (broadcast_id,))
        return None if row is None else _broadcast(row)

    async def running_broadcast(self) -> Broadcast | None:
        async with self._conn.reading() as session:
            row = await session.one(f"SELECT {_BROADCAST_COLUMNS} FROM broadcasts WHERE state = 'running'")
        return None if row is None else _broadcast(row)

    async def set_broadcast_message(self, broadcast_id: int, message_id: int) -> None:
        """The message that shows the broadcast's progress (edited as it goes, after a restart too)."""
        async with self._conn.transaction() as session:
            await session.execute("UPDATE broadcasts SET message_id = ? WHERE id = ?", (message_id, broadcast_id))

    async def finish_broadcast(self, broadcast_id: int, state: str = "done") -> bool:
        """Mark it done (or cancelled); its pending recipients are left out. False if it had
        already finished."""
        if state not in ("done", "cancelled"):
            raise ValueError(f"a broadcast finishes as done or cancelled, not {state!r}")
        async with self._conn.transaction() as session:
            return await session.execute(
                "UPDATE broadcasts SET state = ?, finished_at = ? WHERE id = ? AND state = 'running'",
                (state, self._clock(), broadcast_id),
            ) > 0

    async def broadcast_counts(self, broadcast_id: int) -> BroadcastCounts:
        async with self._conn.reading() as session:
            rows = await session.all(
                "SELECT state, count(*) AS n FROM broadcast_recipients WHERE broadcast_id = ? GROUP BY state",
                (broadcast_id,),
            )
        return BroadcastCounts(**{row["state"]: row["n"] for row in rows})

    async def pending_recipients(self, broadcast_id: int, *, after: int = 0, limit: int = 500) -> list[int]:
        """Pending recipients' ids in id order, after `after` (keyset pages)."""
        async with self._conn.reading() as session:
            rows = await session.all(
                """SELECT tg_id FROM broadcast_recipients
                   WHERE broadcast_id = ? AND state = 'pending' AND tg_id > ? ORDER BY tg_id LIMIT ?""",
                (broadcast_id, after, limit),
            )
        return [row["tg_id"] for row in rows]

    async def claim_recipient(self, broadcast_id: int, tg_id: int) -> bool:
        """Claim a pending recipient before sending (True: send now). One who has blocked the
        bot or turned announcements off since the broadcast began is skipped instead."""
        async with self._conn.transaction() as session:
            changed = await session.execute(
                """UPDATE broadcast_recipients
                   SET state = CASE WHEN EXISTS (
                           SELECT 1 FROM users u
                           WHERE u.tg_id = broadcast_recipients.tg_id AND u.blocked = 0 AND u.announcements = 1)
                       THEN 'sending' ELSE 'skipped' END,
                       updated_at = ?
                   WHERE broadcast_id = ? AND tg_id = ? AND state = 'pending'""",
                (self._clock(), broadcast_id, tg_id),
            )
            if not changed:
                return False
            state: str | None = await session.scalar(
                "SELECT state FROM broadcast_recipients WHERE broadcast_id = ? AND tg_id = ?", (broadcast_id, tg_id)
            )
        return state == RecipientState.SENDING

    async def settle_recipient(self, broadcast_id: int, tg_id: int, state: RecipientState) -> None:
        """What became of a claimed recipient's message; PENDING gives back a claim whose message
        was certainly not sent (Telegram said to wait and the bot is stopping)."""
        if state not in SETTLED and state is not RecipientState.PENDING:
            raise ValueError(f"{state!r} is not an outcome")
        async with self._conn.transaction() as session:
            await session.execute(
                """UPDATE broadcast_recipients SET state = ?, updated_at = ?
                   WHERE broadcast_id = ? AND tg_id = ? AND state = 'sending'""",
                (state.value, self._clock(), broadcast_id, tg_id),
            )
            if state is RecipientState.BLOCKED:
                await session.execute("UPDATE users SET blocked = 1 WHERE tg_id = ?", (tg_id,))
        if state is RecipientState.BLOCKED:
            self._sessions.forget(tg_id)

    async def interrupted_recipients_unknown(self, broadcast_id: int) -> int:
        """At resume: recipients left 'sending' by a stop mid-send become 'unknown' (their message
        may have gone out), so that they are never sent to again. Returns how many."""
        async with self._conn.transaction() as session:
            return await session.execute(
                """UPDATE broadcast_recipients SET state = 'unknown', updated_at = ?
                   WHERE broadcast_id = ? AND state = 'sending'""",
                (self._clock(), broadcast_id),
            )
