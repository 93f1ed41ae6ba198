"""/orders with filters and search, cancel by ids, "refill all", the duplicate-link warning.

Texts and keyboards only. The keyboards take a `make(filter, page)` that builds a button's
data, so the handlers decide the callback format (a bot.callback_data kind; OrderFilter.pack
makes the filter's text).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence

from telegram import InlineKeyboardButton as Button
from telegram import InlineKeyboardMarkup as Keyboard

from bot import callback_data as cb
from bot.core.history import HistoryPage, OrderFilter, RefillAll
from bot.core.tracking import RequestOutcome, RequestResult
from bot.i18n import Html
from bot.presentation.actions import CANCEL_LINE_KEYS, cancel_text, refill_result_line
from bot.presentation.buttons import button, pager
from bot.presentation.orders import order_status_name
from bot.presentation.texts import Texts, shorten
from bot.presentation.uncertain import uncertain_list
from bot.storage import Order, StatusGroup

MESSAGE_MAX = 3800  # below Telegram's 4096, for the markup of the entities
NAME_IN_LINE = 40
LINK_IN_LINE = 40
WORDS_SHOWN = 60
RESULT_LINES_MAX = 40  # per report; the rest are counted in the summary
GROUP_ORDER = (StatusGroup.ALL, StatusGroup.ACTIVE, StatusGroup.COMPLETED, StatusGroup.PARTIAL,
               StatusGroup.CANCELED, StatusGroup.UNKNOWN)  # fmt: skip
_SCHEME = re.compile(r"^https?://(www\.)?", re.IGNORECASE)

MakeData = Callable[[OrderFilter, int], cb.Button]


def group_name(tx: Texts, group: StatusGroup) -> str:
    return tx.plain(f"history.group.{StatusGroup(group).value}")


def short_link(link: str | None, limit: int = LINK_IN_LINE) -> str:
    """A link for a one-line preview: without `https://www.`, cut to `limit` characters."""
    if not link:
        return "—"
    return shorten(_SCHEME.sub("", link.strip()), limit)


def history_line(tx: Texts, order: Order) -> Html:
    """One order of the list: id, status, date; service, quantity and link (shortened)."""
    values = {
        "id": order.panel_order_id,
        "status": order_status_name(tx, order),
        "time": tx.datetime(order.created_at),
        "name": shorten(order.service_name or "—", NAME_IN_LINE),
        "link": short_link(order.link),
    }
    if order.quantity:
        return tx("history.line", quantity=tx.number(order.quantity), **values)
    return tx("history.line_no_quantity", **values)


def history_text(tx: Texts, page: HistoryPage, panels: Mapping[int, str] | None = None) -> Html:
    """The text of one page of /orders under its filter (see bot.core.history.history_page).

    `panels`: the user's panels by account id, named when the filter shows one of several."""
    flt = page.filter
    lines: list[str] = []
    if flt.words:
        lines.append(tx("history.search_title", words=shorten(flt.words, WORDS_SHOWN)))
    if flt.account_id is not None and panels and len(panels) > 1:
        lines.append(tx("history.panel", panel=panels.get(flt.account_id, "—")))
    if flt.group is StatusGroup.UNKNOWN:
        uncertain_lines, _ = uncertain_list(tx, page.uncertain)
        lines += uncertain_lines or [tx("history.none")]
        return _fit(lines)
    uncertain_lines, _ = uncertain_list(tx, page.uncertain)
    lines += uncertain_lines
    if not page.orders:
        if not uncertain_lines:
            lines.append(tx("history.none") if (flt.words or flt.group is not StatusGroup.ALL) else tx("orders.none"))
        return _fit(lines)
    lines.append(tx("history.title", group=group_name(tx, flt.group), total=tx.number(page.total)))
    lines += ["", *("\n".join([history_line(tx, order), ""]) for order in page.orders)]
    return _fit(lines)


def _fit(lines: Sequence[str]) -> Html:
    text = "\n".join(lines).rstrip()
    if len(text) > MESSAGE_MAX:  # cannot happen with the limits above; a guard, not a layout
        text = text[: MESSAGE_MAX - 1].rsplit("\n", 1)[0]
    return Html(text)


def filter_rows(tx: Texts, page: HistoryPage, make: MakeData, panels: Mapping[int, str] | None = None) -> list[list[Button]]:
    """Buttons for each status group (with its count, the current one ticked), then one per
    panel when the user has several, then the pages. Groups with nothing in them are left out."""
    flt = page.filter
    counts = page.counts
    groups = [g for g in GROUP_ORDER if g is StatusGroup.ALL or g is flt.group or counts.get(g, 1) > 0]

    def label(group: StatusGroup) -> str:
        name = group_name(tx, group)
        if group in counts:
            name = f"{name} ({tx.number(counts[group])})"
        return ("✅ " if group is flt.group else "") + name

    buttons = [button(label(g), make(flt.with_group(g), 0)) for g in groups]
    rows = [buttons[i : i + 3] for i in range(0, len(buttons), 3)]
    if panels and len(panels) > 1:
        choices: list[tuple[int | None, str]] = [(None, tx.plain("history.all_panels")), *panels.items()]
        panel_buttons = [button(("✅ " if account_id == flt.account_id else "") + name, make(flt.with_account(account_id), 0))
                         for account_id, name in choices]
        rows += [panel_buttons[i : i + 2] for i in range(0, len(panel_buttons), 2)]
    if flt.words:
        rows.append([button(tx.plain("history.clear_search"), make(flt.without_words(), 0))])
    nav = pager(tx, page.page, page.pages, lambda p: make(flt, p))
    if nav:
        rows.append(nav)
    return rows


def history_view(tx: Texts, page: HistoryPage, make: MakeData, panels: Mapping[int, str] | None = None,
                 extra_rows: Sequence[Sequence[Button]] = ()) -> tuple[Html, Keyboard]:
    """The whole /orders message: text, a button per order (and per order of unknown outcome),
    the filters and pages, `extra_rows` (e.g. Refill all, Export), and Menu."""
    _, rows = uncertain_list(tx, page.uncertain)
    rows += [[button(f"#{o.panel_order_id} · {order_status_name(tx, o)}", cb.OrderCard(o.id))] for o in page.orders]
    rows += filter_rows(tx, page, make, panels)
    rows += [list(row) for row in extra_rows]
    rows.append([button(tx.plain("button.menu"), cb.MainMenu())])
    return history_text(tx, page, panels), Keyboard(rows)


def duplicate_warning(tx: Texts, order: Order) -> Html:
    """Shown on the confirmation card when the same service already runs for the same link."""
    return tx("history.duplicate", id=order.panel_order_id, status=order_status_name(tx, order))


def cancel_result_line(tx: Texts, result: RequestResult, panel_reason: Html | None = None) -> Html:
    """One id's line of a /cancelorder report; `panel_reason` explains `result.error`."""
    return cancel_text(tx, CANCEL_LINE_KEYS, result, panel_reason)


def _summary(tx: Texts, results: Sequence[RequestResult]) -> Html:
    def count(*outcomes: RequestOutcome) -> str:
        return tx.number(sum(1 for r in results if r.outcome in outcomes))

    return tx("results.summary", sent=count(RequestOutcome.SENT), already=count(RequestOutcome.ALREADY, RequestOutcome.PENDING),
              ineligible=count(RequestOutcome.INELIGIBLE), failed=count(RequestOutcome.REFUSED, RequestOutcome.UNKNOWN))


def _report(title: Html, summary: Html, lines: Sequence[Html], tx: Texts, footer: Sequence[Html] = ()) -> Html:
    """Title, summary, as many lines as fit (at most RESULT_LINES_MAX), then the footer."""
    shown: list[str] = []
    size = len(title) + len(summary) + sum(len(f) + 1 for f in footer) + 100
    for line in lines[:RESULT_LINES_MAX]:
        if size + len(line) + 1 > MESSAGE_MAX:
            break
        shown.append(line)
        size += len(line) + 1
    parts = [title, summary, "", *shown]
    if len(shown) < len(lines):
        parts.append(tx("results.more", count=tx.number(len(lines) - len(shown))))
    if footer:
        parts += ["", *footer]
    return Html("\n".join(parts))


def cancel_report(tx: Texts, results: Sequence[RequestResult], reasons: Callable[[RequestResult], Html | None] | None = None,
                  not_ids: Sequence[Html] = ()) -> Html:
    """The answer to /cancelorder: a summary and a line per id. `reasons` explains a panel's
    refusal (the handlers know how to word panel errors); `not_ids`: words that were no ids."""
    explain = reasons or (lambda _: None)
    lines = [cancel_result_line(tx, r, explain(r) if r.error is not None else None) for r in results]
    return _report(tx("cancel_ids.title", count=tx.number(len(results))), _summary(tx, results), lines, tx, not_ids)


def refill_all_report(tx: Texts, report: RefillAll, reasons: Callable[[RequestResult], Html | None] | None = None) -> Html:
    """The answer to "Refill all eligible": a summary and a line per order."""
    if not report.results:
        return tx("refill_all.none")
    explain = reasons or (lambda _: None)
    # What was sent first: the user looks for those; "already requested" lines are the noise.
    ordered = sorted(report.results, key=lambda r: r.outcome is not RequestOutcome.SENT)
    lines = [refill_result_line(tx, r, explain(r) if r.error is not None else None) for r in ordered]
    footer = [tx("refill_all.left_out", count=tx.number(report.left_out))] if report.left_out else []
    return _report(tx("refill_all.title", count=tx.number(len(report.results))), _summary(tx, report.results), lines, tx, footer)
