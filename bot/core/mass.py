"""Mass orders: many orders in one go, in the panel website's format, each placed exactly once.

The user sends lines `service_id|link|quantity` (spaces around `|` allowed, one order per line,
blank lines ignored, at most MAX_LINES); a Package line may leave the quantity out or give 1.
The text may come in several messages: Telegram's apps split a long text at 4,096 characters
and the server trims the whitespace at both ends of each message, so the newline where a
message was cut is lost, and a cut may also fall in the middle of a line. `join_chunks`
therefore decides each seam from the lines on either side of it: if both are whole lines (an
id, a link, a quantity) the seam was between lines and becomes a newline; if they are not, but
glued together they make a whole line, the seam was inside that line and they are joined as
they are; otherwise it is a newline, and whatever is wrong is reported on its own line.

`build_preview` checks every line against the catalogue (what the single-order flow checks:
`clean_link`, `check_quantity`) and says for each bad line why, by a `Problem` code with its
values (locale key `mass.problem.<code>`). `save_preview` stores the valid lines as a batch
waiting for Confirm (storage/mass.py); the runner (bot/jobs/mass.py) then places them with
`place_line`, one at a time per key. Each line is its own order intent (token m<batch>-<line>),
claimed before its `add` together with the line, so nothing can send a line twice; a line
whose `add` got no answer is UNKNOWN like a single order's and is listed in /orders.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any, Protocol

from bot.core.catalogue import Catalogue
from bot.core.ids import parse_id
from bot.core.ordering import (
    Draft,
    OrderKind,
    QuantityProblem,
    charge_for,
    check_quantity,
    clean_link,
    order_kind,
    order_of_snapshot,
    order_snapshot,
    parse_quantity,
    unknown_reason,
)
from bot.core.ports import IntentStore, PanelApi
from bot.panel import OutcomeUnknown, PanelError, PanelUnavailable, RateLimited
from bot.storage import Order
from bot.storage.mass import LineState, MassBatch, MassClaim, MassLine, NewMassLine

log = logging.getLogger(__name__)

MAX_LINES = 1000  # lines per batch, as on the panels' websites
# What may be collected before "Check": MAX_LINES lines of a long link each, with room to spare.
MAX_TEXT_CHARS = MAX_LINES * 600
EXCERPT_CHARS = 60  # of a bad line, shown next to its reason so that the user finds it
PANEL_TEXT_CHARS = 200  # of a panel's refusal, kept with the line


# --- collecting the text --------------------------------------------------------------------------


def _whole_line(line: str) -> bool:
    """Does `line` look like a complete order line (not a piece of one)?"""
    fields = [part.strip() for part in line.split("|")]
    if len(fields) not in (2, 3) or parse_id(fields[0]) is None or clean_link(fields[1]) is None:
        return False
    return len(fields) == 2 or parse_quantity(fields[2]) is not None


def join_chunks(chunks: Sequence[str]) -> str:
    """The text of several messages as one, each seam decided as the module says."""
    text = ""
    for chunk in chunks:
        last = text.rpartition("\n")[2]
        first = chunk.partition("\n")[0]
        inside_a_line = (last.strip() and first.strip() and not (_whole_line(last) and _whole_line(first))
                         and _whole_line(last + first))
        text = text + chunk if inside_a_line or not text else f"{text}\n{chunk}"
    return text


@dataclass
class Collected:
    """The messages of one list, kept (in the user's data) until the user taps "Check"."""

    chunks: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return join_chunks(self.chunks)

    @property
    def line_count(self) -> int:
        return sum(1 for line in self.text.splitlines() if line.strip())

    def add(self, chunk: str) -> bool:
        """Add one message; False (and nothing added) if the list would be too long."""
        if sum(map(len, self.chunks)) + len(chunk) > MAX_TEXT_CHARS:
            return False
        self.chunks.append(chunk)
        if self.line_count > MAX_LINES:
            self.chunks.pop()
            return False
        return True

    def as_dict(self) -> dict[str, Any]:
        return {"chunks": list(self.chunks)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Collected:
        chunks = data.get("chunks") if isinstance(data, dict) else None
        return cls([c for c in chunks if isinstance(c, str)] if isinstance(chunks, list) else [])


# --- checking the lines ---------------------------------------------------------------------------


class Problem(StrEnum):
    """Why a line cannot be ordered (locale key `mass.problem.<value>`, with `LineProblem.values`)."""

    FORMAT = "format"  # not service_id|link|quantity
    UNKNOWN_SERVICE = "unknown_service"  # id
    UNSUPPORTED_TYPE = "unsupported_type"  # id, type: order this one on its own
    BAD_LINK = "bad_link"
    BAD_QUANTITY = "bad_quantity"  # not a number
    QUANTITY_MISSING = "quantity_missing"  # min, max
    BELOW_MIN = "below_min"  # min
    ABOVE_MAX = "above_max"  # max
    NOT_STEP = "not_step"  # step
    PACKAGE_QUANTITY = "package_quantity"  # a package is ordered once: no quantity, or 1
    DUPLICATE = "duplicate"  # first: the line it repeats


_QUANTITY_PROBLEMS = {
    QuantityProblem.BELOW_MIN: Problem.BELOW_MIN,
    QuantityProblem.ABOVE_MAX: Problem.ABOVE_MAX,
    QuantityProblem.NOT_STEP: Problem.NOT_STEP,
}


@dataclass(frozen=True)
class RawLine:
    """One non-blank line as typed: `line_no` counts every line of the text (blank ones too)."""

    line_no: int
    text: str
    fields: tuple[str, ...]


@dataclass(frozen=True)
class LineProblem:
    line_no: int
    code: Problem
    excerpt: str  # the start of the line as typed
    values: dict[str, Any] = field(default_factory=dict)  # numbers as int, for the locale's placeholders


@dataclass(frozen=True)
class ValidLine:
    line_no: int
    service: Any  # bot.panel.Service
    link: str
    quantity: int | None  # None for a Package
    charge: Decimal


@dataclass
class Preview:
    valid: list[ValidLine]
    problems: list[LineProblem]  # by line number
    currency: str | None

    @property
    def total(self) -> Decimal:
        return sum((line.charge for line in self.valid), Decimal(0))

    @property
    def lines(self) -> int:
        return len(self.valid) + len(self.problems)

    def shortfall(self, balance: Decimal | None) -> Decimal | None:
        """How much the balance lacks for every valid line, or None if it is enough (or unknown)."""
        if balance is None or balance >= self.total:
            return None
        return self.total - balance


class TooManyLines(ValueError):
    def __init__(self, count: int) -> None:
        self.count = count
        super().__init__(f"{count} lines; a batch takes at most {MAX_LINES}")


def split_lines(text: str) -> list[RawLine]:
    """The non-blank lines of `text`, numbered as the user sees them. Raises TooManyLines."""
    lines = [RawLine(number, line.strip(), tuple(part.strip() for part in line.split("|")))
             for number, line in enumerate(text.splitlines(), 1) if line.strip()]
    if len(lines) > MAX_LINES:
        raise TooManyLines(len(lines))
    return lines


def _excerpt(text: str) -> str:
    return text if len(text) <= EXCERPT_CHARS else text[: EXCERPT_CHARS - 1] + "…"


def _check(raw: RawLine, catalogue: Catalogue) -> ValidLine | tuple[Problem, dict[str, Any]]:
    fields = raw.fields
    service_id = parse_id(fields[0]) if len(fields) in (2, 3) else None
    if service_id is None or not fields[1]:
        return Problem.FORMAT, {}
    service = catalogue.service(service_id)
    if service is None:
        return Problem.UNKNOWN_SERVICE, {"id": service_id}
    kind = order_kind(service)
    if kind not in (OrderKind.DEFAULT, OrderKind.PACKAGE):
        return Problem.UNSUPPORTED_TYPE, {"id": service_id, "type": service.type}
    link = clean_link(fields[1])
    if link is None:
        return Problem.BAD_LINK, {}
    typed = fields[2] if len(fields) == 3 and fields[2] else None
    quantity = parse_quantity(typed) if typed is not None else None
    if typed is not None and quantity is None:
        return Problem.BAD_QUANTITY, {}
    if kind is OrderKind.PACKAGE:
        if quantity not in (None, 1):
            return Problem.PACKAGE_QUANTITY, {}
        return ValidLine(raw.line_no, service, link, None, charge_for(service, None))
    if quantity is None:
        return Problem.QUANTITY_MISSING, {"min": service.min, "max": service.max}
    problem = check_quantity(service, quantity)
    if problem is not None:
        values = {QuantityProblem.BELOW_MIN: {"min": service.min}, QuantityProblem.ABOVE_MAX: {"max": service.max},
                  QuantityProblem.NOT_STEP: {"step": service.step or 1}}[problem]
        return _QUANTITY_PROBLEMS[problem], values
    return ValidLine(raw.line_no, service, link, quantity, charge_for(service, quantity))


def build_preview(lines: Iterable[RawLine], catalogue: Catalogue, currency: str | None) -> Preview:
    """Every line checked: the valid ones with their charge, the others with why."""
    valid: list[ValidLine] = []
    problems: list[LineProblem] = []
    first_seen: dict[tuple[int, str, int | None], int] = {}
    for raw in lines:
        checked = _check(raw, catalogue)
        if isinstance(checked, ValidLine):
            key = (checked.service.id, checked.link, checked.quantity)
            first = first_seen.setdefault(key, raw.line_no)
            if first == raw.line_no:
                valid.append(checked)
                continue
            checked = Problem.DUPLICATE, {"first": first}
        code, values = checked
        problems.append(LineProblem(raw.line_no, code, _excerpt(raw.text), values))
    return Preview(valid, problems, currency)


def preview_text(text: str, catalogue: Catalogue, currency: str | None) -> Preview:
    """`split_lines` then `build_preview`. Raises TooManyLines."""
    return build_preview(split_lines(text), catalogue, currency)


# --- batches ----------------------------------------------------------------------------------------


class MassStore(IntentStore, Protocol):
    """Mass batches and their lines (bot/storage/mass.py)."""

    async def create_mass_batch(self, tg_id: int, account_id: int, lines: Sequence[NewMassLine], *,
                                currency: str | None, total_charge: Decimal | None,
                                retry_of: int | None = None) -> MassBatch: ...

    async def mass_lines(self, tg_id: int, batch_id: int, states: Iterable[LineState] | None = None) -> list[MassLine]: ...

    async def get_mass_batch(self, tg_id: int, batch_id: int) -> MassBatch | None: ...

    async def settle_mass_line(self, tg_id: int, batch_id: int, line_no: int, state: LineState, *,
                               panel_order_id: int | None = None, error_code: str | None = None,
                               error_text: str | None = None) -> bool: ...


async def save_preview(db: MassStore, tg_id: int, account_id: int, preview: Preview, *,
                       balance: Decimal | None = None, balance_currency: str | None = None,
                       retry_of: int | None = None) -> MassBatch:
    """Store the preview's valid lines as a batch waiting for Confirm (the user's older previews
    are dropped). Each line keeps the snapshot a single order's intent keeps (`order_snapshot`),
    with the balance the preview card showed as evidence. Raises ValueError if none is valid."""
    new_lines = []
    for line in preview.valid:
        service = line.service
        draft = Draft(service_id=service.id, service_name=service.name, service_type=service.type,
                      account_id=account_id, link=line.link, quantity=line.quantity, token="",
                      balance=balance, balance_currency=balance_currency)
        new_lines.append(NewMassLine(line.line_no, service.id, line.link, line.quantity, line.charge,
                                     order_snapshot(draft, service, preview.currency)))
    return await db.create_mass_batch(tg_id, account_id, new_lines, currency=preview.currency,
                                      total_charge=preview.total, retry_of=retry_of)


async def retry_preview(db: MassStore, tg_id: int, batch_id: int, catalogue: Catalogue, currency: str | None, *,
                        include_stopped: bool = False) -> Preview | None:
    """"Retry refused lines": a preview of the batch's refused lines (and those never sent, with
    `include_stopped`), checked again against today's catalogue and keeping their line numbers.
    Saved with `save_preview(..., retry_of=batch_id)`, they are new lines with new intents.
    None if the batch is not the user's."""
    if await db.get_mass_batch(tg_id, batch_id) is None:
        return None
    states = [LineState.REFUSED, LineState.STOPPED] if include_stopped else [LineState.REFUSED]
    raws = []
    for line in await db.mass_lines(tg_id, batch_id, states):
        fields = (str(line.service_id), line.link) + (() if line.quantity is None else (str(line.quantity),))
        raws.append(RawLine(line.line_no, "|".join(fields), fields))
    return build_preview(raws, catalogue, currency)


# --- placing one line -------------------------------------------------------------------------------


class LineOutcome(StrEnum):
    PLACED = "placed"
    REFUSED = "refused"  # the panel said no: nothing was charged
    UNKNOWN = "unknown"  # no definite answer: never resent
    AGAIN = "again"  # the panel did not take it (rate limited, unreachable): the line is pending again


@dataclass
class LineResult:
    outcome: LineOutcome
    panel_order_id: int | None = None
    order: Order | None = None
    error: BaseException | None = None

    @property
    def code(self) -> str | None:
        return getattr(self.error, "code", None)

    @property
    def retry_after(self) -> float | None:
        return self.error.retry_after if isinstance(self.error, RateLimited) else None


async def place_line(db: MassStore, api: PanelApi, claim: MassClaim) -> LineResult:
    """Send a claimed line's `add` once and store its outcome: first on its intent (a placed order
    is stored for the tracker, an unknown one stays with the user), then on the line."""
    line = claim.line
    tg_id, token, request = line.tg_id, line.token, line.request
    package = request.get("kind") == OrderKind.PACKAGE.value

    async def settle(state: LineState, **values: Any) -> None:
        await db.settle_mass_line(tg_id, line.batch_id, line.line_no, state, **values)

    try:
        order_id = await api.add(line.service_id, line.link, None if package else line.quantity)
    except OutcomeUnknown as exc:
        reason = unknown_reason(exc)
        await db.intent_unknown(tg_id, token, reason)
        await settle(LineState.UNKNOWN, error_code=reason)
        return LineResult(LineOutcome.UNKNOWN, error=exc)
    except PanelUnavailable as exc:  # rate limited, or never reached: definitely not placed
        await db.intent_failed(tg_id, token, exc.code)
        await settle(LineState.PENDING)
        return LineResult(LineOutcome.AGAIN, error=exc)
    except PanelError as exc:
        await db.intent_failed(tg_id, token, exc.code)
        text = (exc.panel_text or "")[:PANEL_TEXT_CHARS] or None
        await settle(LineState.REFUSED, error_code=exc.code, error_text=text)
        return LineResult(LineOutcome.REFUSED, error=exc)
    except BaseException as exc:
        # A bug or a cancelled task after the claim: the request may have left, so the line is
        # unknown, never "not sent".
        reason = unknown_reason(exc)

        async def unknown() -> None:
            await db.intent_unknown(tg_id, token, reason)
            await settle(LineState.UNKNOWN, error_code=reason)

        await asyncio.shield(unknown())
        raise

    async def store() -> Order | None:
        order = None
        try:
            order = await db.intent_placed(tg_id, token, order_id, order_of_snapshot(request, order_id))
        except Exception:
            log.exception("mass order line %s was placed as %s but could not be stored", token, order_id)
        await settle(LineState.PLACED, panel_order_id=order_id)
        return order

    # The panel took the order and charged for it: storing that is not cut short by a stop.
    order = await asyncio.shield(store())
    return LineResult(LineOutcome.PLACED, panel_order_id=order_id, order=order)


# --- the final report ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class MassReport:
    """What became of a batch's lines, by line number."""

    batch: MassBatch
    placed: list[tuple[int, int]]  # (line, the panel's order id)
    refused: list[tuple[int, str, str | None]]  # (line, panel error code, the panel's words)
    unknown: list[tuple[int, str, str | None]]  # (line, intent token, reason): in /orders as uncertain
    stopped: list[int]  # lines never sent
    left: list[int]  # lines not done yet (a batch still running)


async def batch_report(db: MassStore, tg_id: int, batch_id: int) -> MassReport | None:
    """The report of one of the user's batches (at any time: a running batch's is partial)."""
    batch = await db.get_mass_batch(tg_id, batch_id)
    if batch is None:
        return None
    placed, refused, unknown, stopped, left = [], [], [], [], []
    for line in await db.mass_lines(tg_id, batch_id):
        if line.state is LineState.PLACED:
            placed.append((line.line_no, int(line.panel_order_id or 0)))
        elif line.state is LineState.REFUSED:
            refused.append((line.line_no, line.error_code or "unrecognised", line.error_text))
        elif line.state is LineState.UNKNOWN:
            unknown.append((line.line_no, line.token, line.error_code))
        elif line.state is LineState.STOPPED:
            stopped.append(line.line_no)
        else:
            left.append(line.line_no)
    return MassReport(batch, placed, refused, unknown, stopped, left)
