"""Refill and cancel requests, each claimed before it is sent, like an order intent (intents.py).

`refill` and `cancel` have no idempotency key either: a second tap, an old button or a
concurrent handler must find the request already made instead of sending it again. So a
request is claimed atomically before it leaves, and at most one request per panel order and
kind is *live* (the unique index `order_requests_live` enforces it, whatever inserts):

- SUBMITTING: being sent now (or left by a process that died mid-request: it stays live,
  because the panel may have acted on it);
- UNKNOWN: sent without a definite answer; never resent blindly;
- ACCEPTED cancel: the panel took it, asking again cannot help;
- ACCEPTED refill, until `finished` (its refill reached Completed, Rejected or Error).

REFUSED (the panel definitely said no, or the request never left) and finished refills are not
live. Hence: a new refill of an order is allowed once the previous one was refused or finished;
a new cancel only after a definite refusal, or once the user, having checked on the panel's
website, releases an UNKNOWN (or long-stuck SUBMITTING) request themselves (`release_request`:
their decision, never the bot's).

Requests are keyed by the panel's order id, not `orders.id`: orders made on the panel's
website, which the bot does not track, are claimed too.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence

from .base import StoreBase, chunks, require_account
from .connection import Session
from .models import OrderRequest, RequestClaim, RequestKind, RequestSettlement, RequestState

_COLUMNS = (
    "id, tg_id, account_id, kind, panel_order_id, state, refill_id, finished, error_code, created_at, updated_at"
)
# Keep in step with the WHERE of the order_requests_live index (migrations.py, version 4).
_LIVE = "(state IN ('submitting', 'unknown') OR (state = 'accepted' AND finished = 0))"


def _request(row: sqlite3.Row) -> OrderRequest:
    return OrderRequest(
        id=row["id"],
        tg_id=row["tg_id"],
        account_id=row["account_id"],
        kind=RequestKind(row["kind"]),
        panel_order_id=row["panel_order_id"],
        state=RequestState(row["state"]),
        refill_id=row["refill_id"],
        finished=bool(row["finished"]),
        error_code=row["error_code"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


async def _live(
    session: Session, tg_id: int, account_id: int, kind: RequestKind, ids: Sequence[int]
) -> dict[int, OrderRequest]:
    found: dict[int, OrderRequest] = {}
    for part in chunks(ids):
        marks = ", ".join("?" * len(part))
        rows = await session.all(
            f"""SELECT {_COLUMNS} FROM order_requests
                WHERE tg_id = ? AND account_id = ? AND kind = ? AND panel_order_id IN ({marks}) AND {_LIVE}""",
            (tg_id, account_id, kind.value, *part),
        )
        found.update((row["panel_order_id"], _request(row)) for row in rows)
    return found


class ClaimsMixin(StoreBase):
    async def claim_requests(
        self, tg_id: int, account_id: int, kind: RequestKind, panel_order_ids: Iterable[int]
    ) -> dict[int, RequestClaim]:
        """Claim a `kind` request for each of these panel orders, in one transaction.

        Per id (duplicates once): claimed=True, a new SUBMITTING request the caller must send and
        then settle (settle_requests); claimed=False, the live request that blocks it. Raises
        NotFoundError if the account is not this user's.
        """
        kind = RequestKind(kind)
        wanted = list(dict.fromkeys(int(i) for i in panel_order_ids))
        if not wanted:
            return {}
        now = self._clock()
        async with self._conn.transaction() as session:
            await require_account(session, tg_id, account_id)
            live = await _live(session, tg_id, account_id, kind, wanted)
            free = [i for i in wanted if i not in live]
            new: dict[int, OrderRequest] = {}
            if free:
                await session.executemany(
                    """INSERT INTO order_requests
                           (tg_id, account_id, kind, panel_order_id, state, created_at, updated_at)
                       VALUES (?, ?, ?, ?, ?, ?, ?)""",
                    [(tg_id, account_id, kind.value, i, RequestState.SUBMITTING.value, now, now) for i in free],
                )
                new = await _live(session, tg_id, account_id, kind, free)
        return {i: RequestClaim(False, live[i]) if i in live else RequestClaim(True, new[i]) for i in wanted}

    async def claim_request(self, tg_id: int, account_id: int, kind: RequestKind, panel_order_id: int) -> RequestClaim:
        """One order's `claim_requests`."""
        return (await self.claim_requests(tg_id, account_id, kind, [panel_order_id]))[int(panel_order_id)]

    async def settle_requests(self, tg_id: int, settlements: Sequence[RequestSettlement]) -> int:
        """Record how claimed requests ended, in one transaction; returns how many changed.

        Only a SUBMITTING request is settled, except that REFUSED may also settle an UNKNOWN one
        (once the panel is known to have refused it). Requests of other users are untouched.
        """
        params = []
        for s in settlements:
            state = RequestState(s.state)
            if state is RequestState.SUBMITTING:
                raise ValueError("a request is settled as accepted, refused or unknown")
            params.append((state.value, s.refill_id, s.error_code, self._clock(), s.request_id, tg_id, state.value))
        if not params:
            return 0
        async with self._conn.transaction() as session:
            return await session.executemany(
                """UPDATE order_requests SET state = ?, refill_id = COALESCE(?, refill_id), error_code = ?,
                       updated_at = ?
                   WHERE id = ? AND tg_id = ? AND (state = 'submitting' OR (state = 'unknown' AND ? = 'refused'))""",
                params,
            )

    async def get_request(self, tg_id: int, request_id: int) -> OrderRequest | None:
        async with self._conn.reading() as session:
            row = await session.one(f"SELECT {_COLUMNS} FROM order_requests WHERE id = ? AND tg_id = ?", (request_id, tg_id))
        return _request(row) if row is not None else None

    async def release_request(self, tg_id: int, request_id: int, stuck_before: float) -> OrderRequest | None:
        """The user checked on the panel's website that this request was not acted on: it stops
        blocking its order (REFUSED, error "released"). Only an UNKNOWN request, or a SUBMITTING
        one last touched before `stuck_before` (left by a process that died mid-request), of this
        user. Returns the request as it was, or None when nothing was released."""
        async with self._conn.transaction() as session:
            row = await session.one(
                f"""SELECT {_COLUMNS} FROM order_requests
                    WHERE id = ? AND tg_id = ? AND (state = 'unknown' OR (state = 'submitting' AND updated_at < ?))""",
                (request_id, tg_id, stuck_before),
            )
            if row is None:
                return None
            await session.execute(
                "UPDATE order_requests SET state = 'refused', error_code = 'released', updated_at = ? WHERE id = ?",
                (self._clock(), request_id),
            )
        return _request(row)

    async def finish_refills(self, tg_id: int, account_id: int, refill_ids: Iterable[int]) -> int:
        """These refills of the user's account reached a final status: the orders they cover may be
        refilled again. Returns how many accepted requests this releases."""
        wanted = sorted({int(i) for i in refill_ids})
        changed = 0
        async with self._conn.transaction() as session:
            for part in chunks(wanted):
                marks = ", ".join("?" * len(part))
                changed += await session.execute(
                    f"""UPDATE order_requests SET finished = 1, updated_at = ?
                        WHERE tg_id = ? AND account_id = ? AND kind = 'refill' AND state = 'accepted'
                          AND finished = 0 AND refill_id IN ({marks})""",
                    (self._clock(), tg_id, account_id, *part),
                )
        return changed
