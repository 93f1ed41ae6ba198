"""Mass orders: a batch of order lines, checked (preview), then placed one by one in the background.

Exactly once, line by line: a line leaves 'pending' only in the transaction that claims its own
order intent (token `m<batch>-<line>`, see intents.py), so two runners, a double tap or a
restart can never both send it. The line's outcome is then stored on the intent first (as for a
single order: a placed order gets its `orders` row, an unknown one stays UNKNOWN and is listed
with the user's uncertain orders) and copied to the line; a crash between the two is repaired by
`sync_mass_lines`, which copies the intent's verdict to lines left 'sending'.

User-facing methods take the user's Telegram id and touch only that user's batches; the few
without it (`running_mass_batches`, `unreported_mass_batches`, `sync_mass_lines`) are for the
background runner (bot/jobs/mass.py).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

from . import codec
from .base import StoreBase, money_to_text, require_account, text_to_money
from .connection import Session
from .intents import claim_intent
from .models import Intent, IntentState

# Finished batches kept per user (each with its lines): enough for "retry" on the latest ones.
KEEP_FINISHED_BATCHES = 20


class BatchState(StrEnum):
    PREVIEW = "preview"  # checked, waiting for Confirm
    RUNNING = "running"  # confirmed: lines are being placed
    STOPPED = "stopped"  # stopped by the user (or a key/balance/panel problem): the rest is not sent
    DONE = "done"  # every line has its outcome


class LineState(StrEnum):
    PENDING = "pending"  # not sent
    SENDING = "sending"  # claimed with its intent; the `add` may be in flight
    PLACED = "placed"
    REFUSED = "refused"  # the panel definitely said no
    UNKNOWN = "unknown"  # no definite answer: never resent, listed as an uncertain order
    STOPPED = "stopped"  # never sent: the batch was stopped first


def mass_token(batch_id: int, line_no: int) -> str:
    """The order-intent token of a batch's line (never a single order's: those are 12 random chars)."""
    return f"m{batch_id}-{line_no}"


@dataclass(frozen=True, slots=True)
class MassBatch:
    id: int
    tg_id: int
    account_id: int
    state: BatchState
    stop_reason: str | None  # "user", or the panel error that stopped it (invalid_key, not_enough_funds...)
    retry_of: int | None  # the batch whose lines this one sends again
    card_message_id: int | None  # the message in the user's chat that shows its progress
    currency: str | None
    total_charge: Decimal | None  # of all its lines, as previewed
    lines: int
    placed: int
    refused: int
    unknown: int
    stopped: int
    created_at: float
    updated_at: float
    finished_at: float | None  # set once its final report was claimed (see close_mass_batch)

    @property
    def left(self) -> int:
        """Lines without an outcome yet (pending or being sent)."""
        return self.lines - self.placed - self.refused - self.unknown - self.stopped


@dataclass(frozen=True, slots=True)
class NewMassLine:
    line_no: int
    service_id: int
    link: str
    quantity: int | None  # None: a Package
    charge: Decimal | None
    request: dict[str, Any]  # the intent's snapshot (bot.core.ordering.order_snapshot); its token is set here


@dataclass(frozen=True, slots=True)
class MassLine:
    batch_id: int
    line_no: int
    tg_id: int
    service_id: int
    link: str
    quantity: int | None
    charge: Decimal | None
    request: dict[str, Any]
    state: LineState
    panel_order_id: int | None
    error_code: str | None  # a refused line's panel error code, an unknown line's reason
    error_text: str | None  # the panel's own words for a refusal, if any
    updated_at: float

    @property
    def token(self) -> str:
        return mass_token(self.batch_id, self.line_no)


@dataclass(frozen=True, slots=True)
class MassClaim:
    """A line this caller now owns: it must send `line.request` and then settle the line."""

    line: MassLine
    intent: Intent


_BATCH_COLUMNS = (
    "id, tg_id, account_id, state, stop_reason, retry_of, card_message_id, currency, total_charge, lines, placed, "
    "refused, unknown, stopped, created_at, updated_at, finished_at"
)
_LINE_COLUMNS = (
    "batch_id, line_no, tg_id, service_id, link, quantity, charge, request, state, panel_order_id, error_code, "
    "error_text, updated_at"
)
_COUNTER = {LineState.PLACED: "placed", LineState.REFUSED: "refused", LineState.UNKNOWN: "unknown"}
# A line's outcome from its intent's (for lines left 'sending' by a crash).
_FROM_INTENT = {IntentState.PLACED: LineState.PLACED, IntentState.FAILED: LineState.REFUSED,
                IntentState.UNKNOWN: LineState.UNKNOWN}  # fmt: skip


def _batch(row: sqlite3.Row) -> MassBatch:
    return MassBatch(
        id=row["id"],
        tg_id=row["tg_id"],
        account_id=row["account_id"],
        state=BatchState(row["state"]),
        stop_reason=row["stop_reason"],
        retry_of=row["retry_of"],
        card_message_id=row["card_message_id"],
        currency=row["currency"],
        total_charge=text_to_money(row["total_charge"]),
        lines=row["lines"],
        placed=row["placed"],
        refused=row["refused"],
        unknown=row["unknown"],
        stopped=row["stopped"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        finished_at=row["finished_at"],
    )


def _line(row: sqlite3.Row) -> MassLine:
    return MassLine(
        batch_id=row["batch_id"],
        line_no=row["line_no"],
        tg_id=row["tg_id"],
        service_id=row["service_id"],
        link=row["link"],
        quantity=row["quantity"],
        charge=text_to_money(row["charge"]),
        request=codec.loads(row["request"]),
        state=LineState(row["state"]),
        panel_order_id=row["panel_order_id"],
        error_code=row["error_code"],
        error_text=row["error_text"],
        updated_at=row["updated_at"],
    )


async def _select_batch(session: Session, tg_id: int, batch_id: int) -> MassBatch | None:
    row = await session.one(f"SELECT {_BATCH_COLUMNS} FROM mass_batches WHERE id = ? AND tg_id = ?", (batch_id, tg_id))
    return None if row is None else _batch(row)


async def _select_line(session: Session, tg_id: int, batch_id: int, line_no: int) -> MassLine | None:
    row = await session.one(
        f"SELECT {_LINE_COLUMNS} FROM mass_lines WHERE batch_id = ? AND line_no = ? AND tg_id = ?",
        (batch_id, line_no, tg_id),
    )
    return None if row is None else _line(row)


async def _settle(session: Session, tg_id: int, batch_id: int, line_no: int, state: LineState, now: float,
                  panel_order_id: int | None = None, error_code: str | None = None,
                  error_text: str | None = None) -> bool:
    """A 'sending' line gets its outcome (and its batch's counter), or goes back to 'pending'."""
    changed = await session.execute(
        """UPDATE mass_lines SET state = ?, panel_order_id = ?, error_code = ?, error_text = ?, updated_at = ?
           WHERE batch_id = ? AND line_no = ? AND tg_id = ? AND state = ?""",
        (state.value, panel_order_id, error_code, error_text, now, batch_id, line_no, tg_id, LineState.SENDING.value),
    )
    if changed and state in _COUNTER:
        column = _COUNTER[state]
        await session.execute(
            f"UPDATE mass_batches SET {column} = {column} + 1, updated_at = ? WHERE id = ? AND tg_id = ?",
            (now, batch_id, tg_id),
        )
    return changed > 0


class MassMixin(StoreBase):
    # --- the user's batches ------------------------------------------------------------------------

    async def create_mass_batch(
        self, tg_id: int, account_id: int, lines: Sequence[NewMassLine], *, currency: str | None,
        total_charge: Decimal | None, retry_of: int | None = None,
    ) -> MassBatch:
        """A new batch in 'preview' with these (valid) lines, all pending.

        The user's other previews are dropped (only the newest card can be confirmed: an older
        one is out of date), and so are their oldest finished batches beyond KEEP_FINISHED_BATCHES.
        Raises NotFoundError if the account is not this user's, ValueError for no lines or
        repeated line numbers.
        """
        if not lines:
            raise ValueError("a batch needs at least one line")
        if len({line.line_no for line in lines}) != len(lines):
            raise ValueError("line numbers repeat")
        now = self._clock()
        async with self._conn.transaction() as session:
            await require_account(session, tg_id, account_id)
            await session.execute("DELETE FROM mass_batches WHERE tg_id = ? AND state = ?",
                                  (tg_id, BatchState.PREVIEW.value))
            await session.execute(
                """DELETE FROM mass_batches WHERE tg_id = :tg AND finished_at IS NOT NULL AND id NOT IN (
                       SELECT id FROM mass_batches WHERE tg_id = :tg AND finished_at IS NOT NULL
                       ORDER BY id DESC LIMIT :keep)""",
                {"tg": tg_id, "keep": KEEP_FINISHED_BATCHES - 1},
            )
            await session.execute(
                """INSERT INTO mass_batches (tg_id, account_id, state, retry_of, currency, total_charge, lines,
                                             created_at, updated_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                (tg_id, account_id, BatchState.PREVIEW.value, retry_of, currency, money_to_text(total_charge),
                 len(lines), now, now),
            )
            batch_id = int(await session.scalar("SELECT last_insert_rowid()"))
            await session.executemany(
                f"INSERT INTO mass_lines ({_LINE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, NULL, ?)",
                [(batch_id, line.line_no, tg_id, line.service_id, line.link, line.quantity,
                  money_to_text(line.charge), codec.dumps({**line.request, "token": mass_token(batch_id, line.line_no)}),
                  LineState.PENDING.value, now) for line in lines],
            )
            batch = await _select_batch(session, tg_id, batch_id)
        assert batch is not None
        return batch

    async def get_mass_batch(self, tg_id: int, batch_id: int) -> MassBatch | None:
        async with self._conn.reading() as session:
            return await _select_batch(session, tg_id, batch_id)

    async def mass_batches(self, tg_id: int, limit: int = 10) -> list[MassBatch]:
        """The user's batches, newest first."""
        async with self._conn.reading() as session:
            rows = await session.all(
                f"SELECT {_BATCH_COLUMNS} FROM mass_batches WHERE tg_id = ? ORDER BY id DESC LIMIT ?", (tg_id, limit)
            )
        return [_batch(row) for row in rows]

    async def mass_lines(self, tg_id: int, batch_id: int, states: Iterable[LineState] | None = None) -> list[MassLine]:
        """The batch's lines (in these states only, if given), by line number."""
        where, params = "batch_id = ? AND tg_id = ?", list[object]([batch_id, tg_id])
        if states is not None:
            wanted = [LineState(state).value for state in states]
            if not wanted:
                return []
            where += f" AND state IN ({', '.join('?' * len(wanted))})"
            params += wanted
        async with self._conn.reading() as session:
            rows = await session.all(f"SELECT {_LINE_COLUMNS} FROM mass_lines WHERE {where} ORDER BY line_no", params)
        return [_line(row) for row in rows]

    async def start_mass_batch(self, tg_id: int, batch_id: int) -> tuple[bool, MassBatch | None]:
        """Confirm: 'preview' becomes 'running'. (True, batch) for the call that started it; a second
        tap or an old card gets (False, the batch as it is now), or (False, None) if it is gone."""
        async with self._conn.transaction() as session:
            changed = await session.execute(
                "UPDATE mass_batches SET state = ?, updated_at = ? WHERE id = ? AND tg_id = ? AND state = ?",
                (BatchState.RUNNING.value, self._clock(), batch_id, tg_id, BatchState.PREVIEW.value),
            )
            batch = await _select_batch(session, tg_id, batch_id)
        return changed > 0, batch

    async def set_mass_card(self, tg_id: int, batch_id: int, message_id: int | None) -> bool:
        """Remember which message in the user's chat shows the batch (its progress card)."""
        async with self._conn.transaction() as session:
            changed = await session.execute(
                "UPDATE mass_batches SET card_message_id = ? WHERE id = ? AND tg_id = ?", (message_id, batch_id, tg_id)
            )
        return changed > 0

    async def stop_mass_batch(self, tg_id: int, batch_id: int, reason: str = "user") -> bool:
        """A running batch stops: its pending lines become 'stopped' and are never sent. A line being
        sent right now still gets its outcome. True if this call stopped it."""
        now = self._clock()
        async with self._conn.transaction() as session:
            changed = await session.execute(
                """UPDATE mass_batches SET state = ?, stop_reason = ?, updated_at = ?
                   WHERE id = ? AND tg_id = ? AND state = ?""",
                (BatchState.STOPPED.value, reason, now, batch_id, tg_id, BatchState.RUNNING.value),
            )
            if not changed:
                return False
            stopped = await session.execute(
                "UPDATE mass_lines SET state = ?, updated_at = ? WHERE batch_id = ? AND tg_id = ? AND state = ?",
                (LineState.STOPPED.value, now, batch_id, tg_id, LineState.PENDING.value),
            )
            await session.execute("UPDATE mass_batches SET stopped = stopped + ? WHERE id = ?", (stopped, batch_id))
        return True

    async def discard_mass_preview(self, tg_id: int, batch_id: int) -> bool:
        """Cancel on a preview card: the batch is forgotten (nothing was sent)."""
        async with self._conn.transaction() as session:
            removed = await session.execute(
                "DELETE FROM mass_batches WHERE id = ? AND tg_id = ? AND state = ?",
                (batch_id, tg_id, BatchState.PREVIEW.value),
            )
        return removed > 0

    # --- placing lines (the runner) -------------------------------------------------------------------

    async def next_mass_line(self, tg_id: int, batch_id: int) -> MassLine | None:
        """The batch's first pending line, or None."""
        async with self._conn.reading() as session:
            row = await session.one(
                f"""SELECT {_LINE_COLUMNS} FROM mass_lines WHERE batch_id = ? AND tg_id = ? AND state = ?
                    ORDER BY line_no LIMIT 1""",
                (batch_id, tg_id, LineState.PENDING.value),
            )
        return None if row is None else _line(row)

    async def claim_mass_line(self, tg_id: int, batch_id: int, line_no: int) -> MassClaim | None:
        """In one transaction: a pending line of a running batch becomes 'sending' and its order
        intent is claimed. None if the line is not pending, the batch is not running, or (which
        only an old build could leave) the line's intent exists and may be placed: the line then
        takes that intent's outcome instead."""
        now = self._clock()
        async with self._conn.transaction() as session:
            row = await session.one(
                f"""SELECT b.account_id, {', '.join('l.' + c.strip() for c in _LINE_COLUMNS.split(','))}
                    FROM mass_lines l JOIN mass_batches b ON b.id = l.batch_id AND b.tg_id = l.tg_id
                    WHERE l.batch_id = ? AND l.line_no = ? AND l.tg_id = ? AND l.state = ? AND b.state = ?""",
                (batch_id, line_no, tg_id, LineState.PENDING.value, BatchState.RUNNING.value),
            )
            if row is None:
                return None
            line = _line(row)
            await session.execute(
                "UPDATE mass_lines SET state = ?, updated_at = ? WHERE batch_id = ? AND line_no = ? AND tg_id = ?",
                (LineState.SENDING.value, now, batch_id, line_no, tg_id),
            )
            claim = await claim_intent(session, tg_id, row["account_id"], line.token, line.request, now)
            if not claim.claimed:
                intent = claim.intent
                await _settle_from_intent(session, tg_id, batch_id, line_no, intent.state, intent.panel_order_id,
                                          intent.error_code, now)
                return None
            sending = await _select_line(session, tg_id, batch_id, line_no)
        assert sending is not None
        return MassClaim(line=sending, intent=claim.intent)

    async def settle_mass_line(self, tg_id: int, batch_id: int, line_no: int, state: LineState, *,
                               panel_order_id: int | None = None, error_code: str | None = None,
                               error_text: str | None = None) -> bool:
        """A 'sending' line's outcome (PLACED, REFUSED, UNKNOWN), stored after its intent's; or
        PENDING to send it again later (the panel definitely did not take it: rate limited or
        unreachable). True if the line changed."""
        if state not in (LineState.PLACED, LineState.REFUSED, LineState.UNKNOWN, LineState.PENDING):
            raise ValueError(f"a sent line cannot become {state}")
        async with self._conn.transaction() as session:
            return await _settle(session, tg_id, batch_id, line_no, state, self._clock(),
                                 panel_order_id, error_code, error_text)

    async def finish_mass_batch(self, tg_id: int, batch_id: int) -> MassBatch | None:
        """A running batch with no pending or sending line is done; the batch for the one call that
        made it so (that caller reports it), else None."""
        now = self._clock()
        async with self._conn.transaction() as session:
            changed = await session.execute(
                """UPDATE mass_batches SET state = ?, updated_at = ?, finished_at = ?
                   WHERE id = ? AND tg_id = ? AND state = ? AND NOT EXISTS (
                       SELECT 1 FROM mass_lines WHERE batch_id = ? AND state IN (?, ?))""",
                (BatchState.DONE.value, now, now, batch_id, tg_id, BatchState.RUNNING.value, batch_id,
                 LineState.PENDING.value, LineState.SENDING.value),
            )
            return await _select_batch(session, tg_id, batch_id) if changed else None

    async def close_mass_batch(self, tg_id: int, batch_id: int) -> MassBatch | None:
        """A stopped batch whose last sent line has its outcome is closed; the batch for the one call
        that closed it (that caller reports it), else None."""
        now = self._clock()
        async with self._conn.transaction() as session:
            changed = await session.execute(
                """UPDATE mass_batches SET finished_at = ?, updated_at = ?
                   WHERE id = ? AND tg_id = ? AND state = ? AND finished_at IS NULL AND NOT EXISTS (
                       SELECT 1 FROM mass_lines WHERE batch_id = ? AND state = ?)""",
                (now, now, batch_id, tg_id, BatchState.STOPPED.value, batch_id, LineState.SENDING.value),
            )
            return await _select_batch(session, tg_id, batch_id) if changed else None

    async def running_mass_batches(self) -> list[MassBatch]:
        """For the runner: every running batch, oldest first."""
        async with self._conn.reading() as session:
            rows = await session.all(
                f"SELECT {_BATCH_COLUMNS} FROM mass_batches WHERE state = ? ORDER BY id", (BatchState.RUNNING.value,)
            )
        return [_batch(row) for row in rows]

    async def next_running_mass_batch(self, account_id: int, after_id: int = 0) -> MassBatch | None:
        """For the runner: the account's oldest running batch (after batch `after_id`)."""
        async with self._conn.reading() as session:
            row = await session.one(
                f"""SELECT {_BATCH_COLUMNS} FROM mass_batches WHERE account_id = ? AND state = ? AND id > ?
                    ORDER BY id LIMIT 1""",
                (account_id, BatchState.RUNNING.value, after_id),
            )
        return None if row is None else _batch(row)

    async def unreported_mass_batches(self) -> list[MassBatch]:
        """For the runner: stopped batches whose final report was not claimed yet."""
        async with self._conn.reading() as session:
            rows = await session.all(
                f"SELECT {_BATCH_COLUMNS} FROM mass_batches WHERE state = ? AND finished_at IS NULL ORDER BY id",
                (BatchState.STOPPED.value,),
            )
        return [_batch(row) for row in rows]

    async def sync_mass_lines(self) -> int:
        """For the runner, at start-up: lines left 'sending' take the verdict of their intent once it
        has one (after `recover_interrupted_intents`, a line cut off mid-request is UNKNOWN).
        A line whose intent is still SUBMITTING is being sent by someone: left alone. Returns how many."""
        now = self._clock()
        synced = 0
        async with self._conn.transaction() as session:
            rows = await session.all(
                """SELECT l.batch_id, l.line_no, l.tg_id, i.state, i.panel_order_id, i.error_code
                   FROM mass_lines l JOIN intents i
                     ON i.tg_id = l.tg_id AND i.token = 'm' || l.batch_id || '-' || l.line_no
                   WHERE l.state = ? AND i.state != ?""",
                (LineState.SENDING.value, IntentState.SUBMITTING.value),
            )
            for row in rows:
                synced += await _settle_from_intent(session, row["tg_id"], row["batch_id"], row["line_no"],
                                                    IntentState(row["state"]), row["panel_order_id"],
                                                    row["error_code"], now)
        return synced


async def _settle_from_intent(session: Session, tg_id: int, batch_id: int, line_no: int, intent_state: IntentState,
                              panel_order_id: int | None, error_code: str | None, now: float) -> bool:
    state = _FROM_INTENT.get(intent_state)
    if state is None:  # still SUBMITTING: someone is sending it
        return False
    if state is LineState.PLACED:
        return await _settle(session, tg_id, batch_id, line_no, state, now, panel_order_id=panel_order_id)
    return await _settle(session, tg_id, batch_id, line_no, state, now, error_code=error_code)
