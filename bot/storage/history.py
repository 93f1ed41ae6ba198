"""A user's order history: filtered and searched pages, the running order for a link, spending
per day in the user's time zone, and every order for an export.

Search is accent-insensitive like the catalogue's: each order keeps its service name and link
folded in `orders.search_text` (written with the order). Rows without it (left by older
builds, or whose details were filled in later) get it before a search reads them, so every
writer stays simple and no search misses a row.
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
from bisect import bisect_right
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from datetime import time as day_start
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from bot.folding import fold

from .base import StoreBase, text_to_money
from .models import IntentState, Order, OrderPage, ServiceSpend, Spending, StatusGroup
from .orders import _COLUMNS, _O_COLUMNS, order_from_row, search_text

MAX_TERMS = 10  # words of one search; more narrow nothing a person would type
MAX_PAGE = 100
SPENDING_DAYS_MAX = 366
_BACKFILL_CHUNK = 500
# Spending reads this many orders at a time; above _BIG_SPENDING they are summed in a worker thread.
_SPENDING_PAGE = 2000
_BIG_SPENDING = 500
_SCHEME = re.compile(r"^(?:https?://)?(?:www\.|m\.)?", re.IGNORECASE)

# The condition of each status group; the indexes of migration 7 serve them.
_GROUP_WHERE = {
    StatusGroup.ALL: "1",
    StatusGroup.ACTIVE: "final = 0",
    StatusGroup.COMPLETED: "status = 'completed'",
    StatusGroup.PARTIAL: "status = 'partial'",
    StatusGroup.CANCELED: "status = 'canceled'",
    StatusGroup.UNKNOWN: "0",  # intents, not orders (see StatusGroup)
}


@dataclass(frozen=True, slots=True)
class SearchTerm:
    text: str | None  # folded, found anywhere in the service name or link; None: an id only
    order_id: int | None  # the panel's order id this word may be


def search_terms(words: str) -> list[SearchTerm]:
    """The words of a search: `#123` is an order id; `123` an order id or part of a link or
    name; a link is matched without its scheme, `www.` and query (people paste it either way);
    anything else is folded text. At most MAX_TERMS, duplicates once."""
    terms: list[SearchTerm] = []
    for word in words.split()[: MAX_TERMS * 2]:
        order_id = _order_id(word.lstrip("#"))
        if word.startswith("#") and order_id is not None:
            term = SearchTerm(None, order_id)
        else:
            text = fold(word)
            if "/" in text or "." in text:
                text = _SCHEME.sub("", text).split("?")[0].split("#")[0].rstrip("/") or text
            term = SearchTerm(text, order_id)
        if term not in terms:
            terms.append(term)
    return terms[:MAX_TERMS]


def _order_id(text: str) -> int | None:
    # ASCII digits within SQLite's range (bot.core.ids.parse_id, which storage cannot import).
    if not text or not text.isascii() or not text.isdigit() or len(text) > 18:
        return None
    value = int(text)
    return value if value > 0 else None


def _where(
    tg_id: int, group: StatusGroup, account_id: int | None, terms: Sequence[SearchTerm]
) -> tuple[str, list[object]]:
    clauses = ["tg_id = ?", _GROUP_WHERE[StatusGroup(group)]]
    params: list[object] = [tg_id]
    if account_id is not None:
        clauses.append("account_id = ?")
        params.append(account_id)
    for term in terms:
        either = []
        if term.text is not None:
            either.append("instr(search_text, ?) > 0")
            params.append(term.text)
        if term.order_id is not None:
            either.append("panel_order_id = ?")
            params.append(term.order_id)
        clauses.append("(" + " OR ".join(either) + ")")
    return " AND ".join(clauses), params


def _unknown_where(tg_id: int, account_id: int | None) -> tuple[str, list[object]]:
    """The user's intents whose outcome is unknown (intents.py), on `account_id` only if given."""
    where, params = "tg_id = ? AND state = ?", [tg_id, IntentState.UNKNOWN.value]
    if account_id is not None:
        where += " AND account_id = ?"
        params.append(account_id)
    return where, params


class HistoryMixin(StoreBase):
    async def order_page(
        self,
        tg_id: int,
        *,
        group: StatusGroup = StatusGroup.ALL,
        account_id: int | None = None,
        words: str = "",
        offset: int = 0,
        limit: int = 10,
    ) -> OrderPage:
        """The user's orders in `group` (on `account_id` only, if given) matching every word of
        `words` (see search_terms), newest first, and how many match in all."""
        if not 0 < limit <= MAX_PAGE:
            raise ValueError(f"limit must be 1..{MAX_PAGE}")
        terms = search_terms(words)
        if terms:
            await self._fold_missing(tg_id)
        where, params = _where(tg_id, group, account_id, terms)
        async with self._conn.reading() as session:
            total = int(await session.scalar(f"SELECT COUNT(*) FROM orders WHERE {where}", params))
            rows = await session.all(
                f"SELECT {_COLUMNS} FROM orders WHERE {where} ORDER BY id DESC LIMIT ? OFFSET ?",
                (*params, limit, max(0, offset)),
            )
        return OrderPage([order_from_row(row) for row in rows], total)

    async def order_counts(self, tg_id: int, *, account_id: int | None = None, words: str = "") -> dict[StatusGroup, int]:
        """How many of the user's orders each status group holds (for the filter buttons);
        UNKNOWN counts intents whose outcome is unknown, which `words` do not narrow."""
        terms = search_terms(words)
        if terms:
            await self._fold_missing(tg_id)
        where, params = _where(tg_id, StatusGroup.ALL, account_id, terms)
        unknown_where, unknown_params = _unknown_where(tg_id, account_id)
        async with self._conn.reading() as session:
            row = await session.one(
                f"""SELECT COUNT(*) AS total, COALESCE(SUM(final = 0), 0) AS active,
                           COALESCE(SUM(status = 'completed'), 0) AS completed,
                           COALESCE(SUM(status = 'partial'), 0) AS partial,
                           COALESCE(SUM(status = 'canceled'), 0) AS canceled
                    FROM orders WHERE {where}""",
                params,
            )
            unknown = int(await session.scalar(f"SELECT COUNT(*) FROM intents WHERE {unknown_where}", unknown_params))
        assert row is not None
        return {
            StatusGroup.ALL: int(row["total"]),
            StatusGroup.ACTIVE: int(row["active"]),
            StatusGroup.COMPLETED: int(row["completed"]),
            StatusGroup.PARTIAL: int(row["partial"]),
            StatusGroup.CANCELED: int(row["canceled"]),
            StatusGroup.UNKNOWN: unknown,
        }

    async def _fold_missing(self, tg_id: int) -> None:
        """Give the user's orders that lack it their search text (see the module docstring)."""
        while True:
            async with self._conn.reading() as session:
                rows = await session.all(
                    "SELECT id, service_name, link FROM orders WHERE tg_id = ? AND search_text IS NULL LIMIT ?",
                    (tg_id, _BACKFILL_CHUNK),
                )
            if not rows:
                return
            async with self._conn.transaction() as session:
                # `search_text IS NULL` again: details filled in meanwhile are folded next round.
                await session.executemany(
                    "UPDATE orders SET search_text = ? WHERE id = ? AND search_text IS NULL",
                    [(search_text(row["service_name"], row["link"]), row["id"]) for row in rows],
                )
            if len(rows) < _BACKFILL_CHUNK:
                return

    async def running_order_for_link(self, tg_id: int, account_id: int, link: str, service_id: int) -> Order | None:
        """The user's newest order on that account for the same service and link that is not
        final yet (to warn before a second one is confirmed). A trailing `/` is ignored."""
        bare = link.strip().rstrip("/")
        async with self._conn.reading() as session:
            # `+`: account, service and the order are not for an index, so that SQLite seeks the
            # link in orders_running_link instead of walking every running order of the user.
            row = await session.one(
                f"""SELECT {_COLUMNS} FROM orders
                    WHERE tg_id = ? AND link IN (?, ?) AND final = 0 AND +account_id = ? AND +service_id = ?
                    ORDER BY +id DESC LIMIT 1""",
                (tg_id, bare, bare + "/", account_id, service_id),
            )
        return None if row is None else order_from_row(row)

    async def history_panels(self, tg_id: int) -> list[tuple[int, str, str | None]]:
        """(account id, panel URL, label) of the user's panels whose orders the history shows:
        every live one, and removed ones that still have orders. No key is decrypted."""
        async with self._conn.reading() as session:
            rows = await session.all(
                """SELECT id, panel_url, label FROM accounts a
                   WHERE tg_id = ? AND (removed_at IS NULL OR EXISTS (SELECT 1 FROM orders o WHERE o.account_id = a.id))
                   ORDER BY id""",
                (tg_id,),
            )
        return [(row["id"], row["panel_url"], row["label"]) for row in rows]

    async def refill_candidates(self, tg_id: int, account_id: int, limit: int = 500) -> tuple[list[int], int]:
        """The panel ids of the user's orders on that account that ended Completed or Partial with
        a service that offers refill, newest first (at most `limit`), and how many there are."""
        where = "tg_id = ? AND account_id = ? AND status IN ('completed', 'partial') AND refill_allowed = 1"
        async with self._conn.reading() as session:
            total = int(await session.scalar(f"SELECT COUNT(*) FROM orders WHERE {where}", (tg_id, account_id)))
            rows = await session.all(
                f"SELECT panel_order_id FROM orders WHERE {where} ORDER BY id DESC LIMIT ?", (tg_id, account_id, limit)
            )
        return [row["panel_order_id"] for row in rows], total

    async def spending(
        self, tg_id: int, zone: str, *, days: int = 30, account_id: int | None = None, now: float | None = None
    ) -> Spending:
        """The user's spending on each of the last `days` days (today included) in the time zone
        `zone`, per currency, and per service (see `Spending` for what an order counts)."""
        if not 0 < days <= SPENDING_DAYS_MAX:
            raise ValueError(f"days must be 1..{SPENDING_DAYS_MAX}")
        tz = ZoneInfo(zone)
        today = datetime.fromtimestamp(self._clock() if now is None else now, tz).date()
        dates = tuple(today - timedelta(days=back) for back in range(days - 1, -1, -1))
        # Each day's first moment in the zone (23 or 25 hours apart across a DST change).
        starts = [datetime.combine(d, day_start.min, tzinfo=tz).timestamp() for d in (*dates, today + timedelta(days=1))]
        where = "o.tg_id = :tg_id AND o.created_at >= :after_at AND o.created_at < :end"
        params: dict[str, object] = {"tg_id": tg_id, "end": starts[-1], "after_at": starts[0], "after_id": -1}
        if account_id is not None:
            where += " AND o.account_id = :account_id"
            params["account_id"] = account_id
        # A page at a time in (created_at, id) order, so the lock is never held for long however
        # many orders the month holds.
        select = f"""SELECT o.id, o.created_at, o.status, o.charge, o.expected_charge,
                            COALESCE(o.currency, a.currency) AS currency, o.service_id, o.service_name, o.link
                     FROM orders o JOIN accounts a ON a.id = o.account_id
                     WHERE {where} AND (o.created_at > :after_at OR o.id > :after_id)
                     ORDER BY o.created_at, o.id LIMIT {_SPENDING_PAGE}"""
        total = _SpendingSum(dates, starts)
        while True:
            async with self._conn.reading() as session:
                rows = await session.all(select, params)
            if len(rows) > _BIG_SPENDING:
                await asyncio.to_thread(total.add, rows)
            else:
                total.add(rows)
            if len(rows) < _SPENDING_PAGE:
                return total.result(zone)
            params.update(after_at=rows[-1]["created_at"], after_id=rows[-1]["id"])

    async def iter_user_orders(self, tg_id: int, page_size: int = 500) -> AsyncIterator[list[Order]]:
        """Every order of the user, oldest first, a page at a time (for an export): the lock
        is not held between pages, and memory holds one page."""
        if page_size < 1:
            raise ValueError("page_size must be at least 1")
        after = 0
        while True:
            async with self._conn.reading() as session:
                rows = await session.all(
                    f"SELECT {_O_COLUMNS} FROM orders o WHERE o.tg_id = ? AND o.id > ? ORDER BY o.id LIMIT ?",
                    (tg_id, after, page_size),
                )
            if not rows:
                return
            yield [order_from_row(row) for row in rows]
            if len(rows) < page_size:
                return
            after = rows[-1]["id"]


def spent(status: str | None, charge: Decimal | None, expected: Decimal | None) -> Decimal:
    """What one order cost: the panel's charge once it reported one (a Partial or Canceled
    order's refund is already taken off it), else the expected charge; a Canceled order the
    panel reported no charge for was refunded."""
    if charge is not None:
        return charge
    if (status or "").lower() == "canceled":
        return Decimal(0)
    return expected if expected is not None else Decimal(0)


class _SpendingSum:
    """Sums orders into days (by `starts`, each day's first moment), currencies and services."""

    def __init__(self, dates: tuple[date, ...], starts: list[float]) -> None:
        self._dates = dates
        self._starts = starts
        self._daily: dict[str | None, list[Decimal]] = {}
        self._counts: dict[str | None, int] = {}
        self._services: dict[tuple[int | None, str | None, str | None], list[Any]] = {}

    def add(self, rows: Sequence[sqlite3.Row]) -> None:
        for row in rows:
            day = bisect_right(self._starts, row["created_at"]) - 1
            if not 0 <= day < len(self._dates):
                continue
            amount = spent(row["status"], text_to_money(row["charge"]), text_to_money(row["expected_charge"]))
            currency = row["currency"]
            self._daily.setdefault(currency, [Decimal(0)] * len(self._dates))[day] += amount
            self._counts[currency] = self._counts.get(currency, 0) + 1
            key = (row["service_id"], row["service_name"], currency)
            entry = self._services.setdefault(key, [Decimal(0), 0, row["link"]])
            entry[0] += amount
            entry[1] += 1

    def result(self, zone: str) -> Spending:
        services = sorted(
            (ServiceSpend(sid, name, cur, amount, n, link) for (sid, name, cur), (amount, n, link) in self._services.items()),
            key=lambda s: (-s.amount, -s.orders, s.service_id or 0),
        )
        daily = {currency: tuple(amounts) for currency, amounts in self._daily.items()}
        return Spending(zone, self._dates, daily, dict(self._counts), tuple(services))


__all__ = ["HistoryMixin", "SearchTerm", "search_terms", "spent"]
