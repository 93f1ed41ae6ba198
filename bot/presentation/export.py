"""/export: all of a user's orders as a CSV file for a spreadsheet.

UTF-8 with a byte order mark: without it Excel reads the file in the machine's code page and
Vietnamese turns into mojibake. Headers and statuses are in the user's language, dates in the
user's time zone; numbers are written plainly (`1234.5`, no grouping) so that every
spreadsheet reads them as numbers.

Written page by page (Database.iter_user_orders) into a file the handler gives (a
SpooledTemporaryFile keeps small exports in memory and large ones on disk), so a user with
100,000 orders costs one page of memory. Each page is written from a worker thread.
"""

from __future__ import annotations

import asyncio
import csv
import io
import re
from collections.abc import AsyncIterable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import IO

from bot.i18n import zone
from bot.presentation.orders import status_name
from bot.presentation.texts import Texts
from bot.storage import Order

BOM = "\ufeff"
COLUMNS = ("id", "date", "panel", "service_id", "service", "link", "quantity", "charge", "currency", "status",
           "start_count", "remains")  # fmt: skip
# A cell starting with one of these is a formula to Excel and LibreOffice: a service name or a
# link from a panel must never run as one (CSV injection). Such text gets a leading apostrophe.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_EMOJI_PREFIX = re.compile(r"^\W+")


def header(tx: Texts) -> list[str]:
    return [tx.plain(f"export.column.{name}").format(zone=tx.zone) for name in COLUMNS]


def _text(value: str | None) -> str:
    value = value or ""
    return "'" + value if value.startswith(_FORMULA_START) else value


def _number(value: int | Decimal | None) -> str:
    if value is None:
        return ""
    return format(value, "f") if isinstance(value, Decimal) else str(value)


def row(tx: Texts, order: Order, panel: str, tz) -> list[str]:
    charge = order.charge if order.charge is not None else order.expected_charge
    return [
        str(order.panel_order_id),
        datetime.fromtimestamp(order.created_at, tz).strftime("%Y-%m-%d %H:%M:%S"),
        _text(panel),
        _number(order.service_id),
        _text(order.service_name),
        _text(order.link),
        _number(order.quantity),
        _number(charge),
        _text(order.currency),
        _text(_EMOJI_PREFIX.sub("", status_name(tx, order.status))),
        _number(order.start_count),
        _number(order.remains),
    ]


def _csv(rows: Sequence[Sequence[str]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode("utf-8")


async def write_orders_csv(out: IO[bytes], tx: Texts, pages: AsyncIterable[Sequence[Order]], panels: Mapping[int, str]) -> int:
    """Write the CSV of every order in `pages` to `out`; returns how many orders it holds.

    `panels`: a name for each of the user's accounts (panel URL or label), by account id."""
    tz = zone(tx.zone)
    await asyncio.to_thread(out.write, BOM.encode("utf-8") + _csv([header(tx)]))
    count = 0
    async for page in pages:
        data = _csv([row(tx, order, panels.get(order.account_id, ""), tz) for order in page])
        await asyncio.to_thread(out.write, data)
        count += len(page)
    return count


def filename(tx: Texts, now: float) -> str:
    """`orders-2024-12-31.csv`, dated in the user's time zone."""
    return f"orders-{datetime.fromtimestamp(now, zone(tx.zone)):%Y-%m-%d}.csv"
