"""Order intents: place each order exactly once although the panel has no idempotency key.

The confirm button carries a token. `begin_intent` claims it atomically before the `add`
request is sent; a second click (or a concurrent handler) sees the existing intent instead of
ordering again. Only a definite failure (FAILED) frees the token for another attempt; a
SUBMITTING or UNKNOWN intent means the order may exist on the panel and must not be resent.

An UNKNOWN intent stays with its user (listed with its request snapshot) until the user
settles it: "it was placed" with the panel's order id (PLACED, plus its order row), or "it
was not placed" (FAILED with `SETTLED_NOT_PLACED`, a token that is never claimed again: an
order placed after that is a new intent with a new token).
"""

from __future__ import annotations

import sqlite3
from typing import Any

from . import codec
from .base import StoreBase, money_to_text, require_account
from .connection import Session
from .errors import NotFoundError
from .models import Intent, IntentClaim, IntentState, NewOrder, Order
from .orders import insert_order, select_order

# error_code of an UNKNOWN intent the user said the panel did not place.
SETTLED_NOT_PLACED = "settled_not_placed"

_COLUMNS = "token, tg_id, account_id, state, panel_order_id, request, error_code, created_at, updated_at"


def _intent(row: sqlite3.Row) -> Intent:
    return Intent(
        token=row["token"],
        tg_id=row["tg_id"],
        account_id=row["account_id"],
        state=IntentState(row["state"]),
        panel_order_id=row["panel_order_id"],
        request=codec.loads(row["request"]),
        error_code=row["error_code"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


async def _select(session: Session, tg_id: int, token: str) -> Intent | None:
    row = await session.one(f"SELECT {_COLUMNS} FROM intents WHERE tg_id = ? AND token = ?", (tg_id, token))
    return None if row is None else _intent(row)


async def claim_intent(
    session: Session, tg_id: int, account_id: int, token: str, request: dict[str, Any], now: float
) -> IntentClaim:
    """`IntentsMixin.begin_intent` inside the caller's transaction (which has checked the account),
    for a claim that must go together with other rows (a mass order's line, storage/mass.py)."""
    existing = await _select(session, tg_id, token)
    request_json = codec.dumps(request)
    if existing is None:
        await session.execute(
            """INSERT INTO intents (tg_id, token, account_id, state, request, created_at, updated_at)
               VALUES (?, ?, ?, ?, ?, ?, ?)""",
            (tg_id, token, account_id, IntentState.SUBMITTING.value, request_json, now, now),
        )
    elif existing.state is IntentState.FAILED and existing.error_code != SETTLED_NOT_PLACED:
        await session.execute(
            """UPDATE intents SET state = ?, account_id = ?, request = ?, error_code = NULL, updated_at = ?
               WHERE tg_id = ? AND token = ?""",
            (IntentState.SUBMITTING.value, account_id, request_json, now, tg_id, token),
        )
    else:
        return IntentClaim(claimed=False, intent=existing)
    intent = await _select(session, tg_id, token)
    assert intent is not None
    return IntentClaim(claimed=True, intent=intent)


class IntentsMixin(StoreBase):
    async def begin_intent(self, tg_id: int, account_id: int, token: str, request: dict[str, Any]) -> IntentClaim:
        """Claim `token` for one attempt to place an order.

        claimed=True: the caller must send the order and then report intent_placed / intent_failed /
        intent_unknown. claimed=False: the token is taken; `intent` tells its state and order id.
        A FAILED intent is claimed again (with this request), unless the user settled it as not
        placed. Raises NotFoundError if the account is not this user's.
        """
        async with self._conn.transaction() as session:
            await require_account(session, tg_id, account_id)
            return await claim_intent(session, tg_id, account_id, token, request, self._clock())

    async def intent_placed(self, tg_id: int, token: str, panel_order_id: int, order: NewOrder) -> Order:
        """In one transaction: the intent becomes PLACED with the panel's order id, and the order is
        stored (so a crash cannot leave one without the other). Raises NotFoundError for an unknown
        token and ValueError if `order` does not describe that panel order on the intent's account."""
        if int(order.panel_order_id) != int(panel_order_id):
            raise ValueError("order.panel_order_id differs from panel_order_id")
        now = self._clock()
        async with self._conn.transaction() as session:
            intent = await _select(session, tg_id, token)
            if intent is None:
                raise NotFoundError("order intent not found for this user")
            if intent.account_id != order.account_id:
                raise ValueError("order.account_id differs from the intent's account")
            await session.execute(
                """UPDATE intents SET state = ?, panel_order_id = ?, error_code = NULL, updated_at = ?
                   WHERE tg_id = ? AND token = ?""",
                (IntentState.PLACED.value, int(panel_order_id), now, tg_id, token),
            )
            await insert_order(session, tg_id, order, now)
            stored = await select_order(session, tg_id, order.account_id, int(panel_order_id))
        assert stored is not None
        return stored

    async def intent_failed(self, tg_id: int, token: str, error_code: str) -> bool:
        """The panel definitely refused the order: the token may be claimed again.
        Never overrides PLACED. Returns True if the intent changed."""
        return await self._settle(tg_id, token, IntentState.FAILED, error_code)

    async def intent_unknown(self, tg_id: int, token: str, reason: str | None = None) -> bool:
        """No definite answer (timeout, connection lost): the order may exist, so the token stays
        taken. Only a SUBMITTING intent becomes UNKNOWN; `reason` (what went wrong, e.g.
        "timeout") is kept in error_code. Returns True if the intent changed."""
        return await self._settle(tg_id, token, IntentState.UNKNOWN, reason)

    async def _settle(self, tg_id: int, token: str, state: IntentState, error_code: str | None) -> bool:
        # A FAILED verdict may also settle an UNKNOWN intent (e.g. after checking the panel).
        allowed_from = [IntentState.SUBMITTING.value]
        if state is IntentState.FAILED:
            allowed_from.append(IntentState.UNKNOWN.value)
        marks = ", ".join("?" * len(allowed_from))
        async with self._conn.transaction() as session:
            changed = await session.execute(
                f"""UPDATE intents SET state = ?, error_code = ?, updated_at = ?
                    WHERE tg_id = ? AND token = ? AND state IN ({marks})""",
                (state.value, error_code, self._clock(), tg_id, token, *allowed_from),
            )
        return changed > 0

    async def get_intent(self, tg_id: int, token: str) -> Intent | None:
        async with self._conn.reading() as session:
            return await _select(session, tg_id, token)

    async def placed_intent(self, tg_id: int, account_id: int, panel_order_id: int) -> Intent | None:
        """The intent that placed panel order `panel_order_id` on `account_id` (its request holds the
        form's answers: Order again reuses them); None for an order made elsewhere."""
        async with self._conn.reading() as session:
            row = await session.one(
                f"SELECT {_COLUMNS} FROM intents WHERE tg_id = ? AND account_id = ? AND panel_order_id = ? AND state = ?"
                " ORDER BY updated_at DESC LIMIT 1",
                (tg_id, account_id, panel_order_id, IntentState.PLACED.value),
            )
        return None if row is None else _intent(row)

    async def recover_interrupted_intents(self, updated_before: float, reason: str = "stopped") -> list[Intent]:
        """At start-up: intents left SUBMITTING by a process that died mid-request become UNKNOWN
        (the order may or may not exist on the panel), with `reason` as error_code. Returns them,
        so that their users can be told."""
        async with self._conn.transaction() as session:
            rows = await session.all(
                f"SELECT {_COLUMNS} FROM intents WHERE state = ? AND updated_at < ?",
                (IntentState.SUBMITTING.value, updated_before),
            )
            if not rows:
                return []
            now = self._clock()
            await session.executemany(
                "UPDATE intents SET state = ?, error_code = ?, updated_at = ? WHERE tg_id = ? AND token = ? AND state = ?",
                [(IntentState.UNKNOWN.value, reason, now, row["tg_id"], row["token"], IntentState.SUBMITTING.value)
                 for row in rows],
            )
            recovered: list[Intent] = []
            for row in rows:
                intent = await _select(session, row["tg_id"], row["token"])
                assert intent is not None  # updated just above, in this transaction
                recovered.append(intent)
            return recovered

    async def unknown_intents(self, tg_id: int, account_id: int | None = None, limit: int = 20) -> list[Intent]:
        """The user's orders whose outcome is unknown (on `account_id` only, if given), newest first."""
        where = "tg_id = ? AND state = ?"
        params: tuple[object, ...] = (tg_id, IntentState.UNKNOWN.value)
        if account_id is not None:
            where += " AND account_id = ?"
            params += (account_id,)
        async with self._conn.reading() as session:
            rows = await session.all(
                f"SELECT {_COLUMNS} FROM intents WHERE {where} ORDER BY created_at DESC, token LIMIT ?", (*params, limit)
            )
        return [_intent(row) for row in rows]

    async def settle_intent_not_placed(self, tg_id: int, token: str) -> bool:
        """The user says the panel did not place this UNKNOWN intent: it becomes FAILED with
        SETTLED_NOT_PLACED, and its token is never claimed again. True if it changed."""
        async with self._conn.transaction() as session:
            changed = await session.execute(
                """UPDATE intents SET state = ?, error_code = ?, updated_at = ?
                   WHERE tg_id = ? AND token = ? AND state = ?""",
                (IntentState.FAILED.value, SETTLED_NOT_PLACED, self._clock(), tg_id, token, IntentState.UNKNOWN.value),
            )
        return changed > 0

    async def settle_intent_placed(self, tg_id: int, token: str, order: NewOrder) -> Order | None:
        """The user showed that the panel placed this UNKNOWN intent as `order.panel_order_id`:
        in one transaction the intent becomes PLACED and the order is stored. An order already
        followed under that id (e.g. from /status) keeps its row and gains the details it lacked.

        None if the intent is no longer UNKNOWN (settled meanwhile). Raises NotFoundError for an
        unknown token, ValueError if `order` is not on the intent's account.
        """
        now = self._clock()
        async with self._conn.transaction() as session:
            intent = await _select(session, tg_id, token)
            if intent is None:
                raise NotFoundError("order intent not found for this user")
            if intent.account_id != order.account_id:
                raise ValueError("order.account_id differs from the intent's account")
            if intent.state is not IntentState.UNKNOWN:
                return None
            panel_order_id = int(order.panel_order_id)
            await session.execute(
                """UPDATE intents SET state = ?, panel_order_id = ?, updated_at = ?
                   WHERE tg_id = ? AND token = ?""",
                (IntentState.PLACED.value, panel_order_id, now, tg_id, token),
            )
            if not await insert_order(session, tg_id, order, now):
                await session.execute(_FILL_DETAILS, (*_details(order), tg_id, order.account_id, panel_order_id))
            stored = await select_order(session, tg_id, order.account_id, panel_order_id)
        assert stored is not None
        return stored


# An order followed from the website knows only what `status` tells: add what the intent knew.
# Its search text is computed again from the new details before the next search (history.py).
_FILL_DETAILS = """
    UPDATE orders SET service_id = COALESCE(service_id, ?), service_name = COALESCE(service_name, ?),
                      service_type = COALESCE(service_type, ?), link = COALESCE(link, ?),
                      quantity = COALESCE(quantity, ?), expected_charge = COALESCE(expected_charge, ?),
                      currency = COALESCE(currency, ?), refill_allowed = MAX(refill_allowed, ?),
                      cancel_allowed = MAX(cancel_allowed, ?), search_text = NULL
    WHERE tg_id = ? AND account_id = ? AND panel_order_id = ?"""


def _details(order: NewOrder) -> tuple[object, ...]:
    return (
        order.service_id, order.service_name, order.service_type, order.link, order.quantity,
        money_to_text(order.expected_charge), order.currency, int(order.refill_allowed), int(order.cancel_allowed),
    )  # fmt: skip
