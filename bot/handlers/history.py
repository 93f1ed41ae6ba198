"""/orders with filters, search and pages; "Refill all eligible"; /cancelorder <ids>;
/spending (a chart and its text); /export (a CSV document).

A filter rides in its buttons (bot.callback_data.History, OrderFilter.pack); search words too
long for a button are kept in user_data under a nonce the button carries, so its pages search
for every word the user typed (a forgotten nonce searches for the cut words: more, not wrong).
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from dataclasses import replace

from telegram import InlineKeyboardButton, InputFile, Update

from bot import presentation as views
from bot.callback_data import (
    NO_WORDS,
    History,
    HistoryExport,
    HistoryRefillAll,
    HistorySpending,
    Orders,
)
from bot.context import BotContext
from bot.core.history import (
    CANCEL_MAX_IDS,
    OrderFilter,
    cancel_by_ids,
    history_page,
    panel_names,
    refill_all_eligible,
    spending_report,
)
from bot.core.ids import split_ids
from bot.core.tracking import RequestOutcome, refresh_orders
from bot.handlers.common import (
    END,
    answer,
    chat_action,
    panel_errors,
    recall,
    remember,
    show,
    stale_button,
    typed_text,
)
from bot.handlers.ids import panel_reason, send_report, with_send_again
from bot.handlers.session import needs_account
from bot.i18n import Html
from bot.presentation.buttons import button
from bot.presentation.chart import spending_chart
from bot.presentation.export import filename, write_orders_csv
from bot.presentation.history import cancel_report, history_view, refill_all_report
from bot.presentation.spending import spending_caption, spending_text

HISTORY_WORDS = "history_words"  # user_data: nonce -> a search's full words
CANCEL = "cancel_ids"  # the ids conversation's step: the next text holds ids to cancel
_EXPORT_IN_MEMORY = 1 << 20  # bytes of CSV kept in memory before the file spills to disk


@needs_account
@panel_errors
async def orders_command(update: Update, context: BotContext) -> None:
    """`/orders`, or `/orders <words or link>`: a search."""
    words = " ".join(context.args or [])
    await _show(update, context, OrderFilter.search(words) if words.strip() else OrderFilter(), 0)


@needs_account
@panel_errors
async def orders_button(update: Update, context: BotContext, pressed: Orders) -> None:
    """The menu's Orders (and older messages' pages): every order, no filter."""
    await _show(update, context, OrderFilter(), pressed.page, refresh=pressed.refresh)


@needs_account
@panel_errors
async def history(update: Update, context: BotContext, pressed: History) -> object:
    flt = OrderFilter.unpack(pressed.filter)
    if flt is None:
        return await stale_button(update, context)
    full = recall(context, HISTORY_WORDS, pressed.words) if pressed.words != NO_WORDS else None
    if isinstance(full, str) and full.startswith(flt.words):
        flt = replace(flt, words=full)
    await _show(update, context, flt, pressed.page, refresh=pressed.refresh)
    return None


async def _show(update: Update, context: BotContext, flt: OrderFilter, page: int, *, refresh: bool = False) -> None:
    session = context.session
    tx = session.tx
    db = context.deps.db
    await answer(update, context, tx("orders.refreshing") if refresh else None)
    assert session.account is not None  # every caller is behind @needs_account
    found = await history_page(db, session.tg_id, flt, page)
    ours = [o for o in found.orders if o.account_id == session.account.id]  # the active key sees these
    if refresh and ours:
        await refresh_orders(db, session.api(), session.tg_id, ours)
        found = await history_page(db, session.tg_id, flt, found.page)
    packed = flt.pack()
    unpacked = OrderFilter.unpack(packed)
    assert unpacked is not None  # what `pack` wrote unpacks
    cut = unpacked.words != flt.words
    nonce = remember(context, HISTORY_WORDS, flt.words) if cut else NO_WORDS

    def make(other: OrderFilter, page_: int, refresh_: bool = False) -> History:
        return History(other.pack(), page_, nonce if cut and other.words == flt.words else NO_WORDS, refresh_)

    extra: list[list[InlineKeyboardButton]] = [
        [button(tx.plain("button.refresh"), make(flt, found.page, True)),
         button(tx.plain("history.refill_all"), HistoryRefillAll())],
        [button(tx.plain("history.spending"), HistorySpending()), button(tx.plain("history.export"), HistoryExport())],
    ]
    await show(update, *history_view(tx, found, make, await panel_names(db, session.tg_id), extra))


@needs_account
@panel_errors
async def refill_all(update: Update, context: BotContext, _: HistoryRefillAll) -> None:
    """Every completed order of the active panel whose service offers refill, each asked once."""
    session = context.session
    tx = session.tx
    chat = update.effective_chat
    assert session.account is not None and chat is not None  # @needs_account; a button in the chat
    await answer(update, context)
    await chat_action(update)
    report = await refill_all_eligible(context.deps.db, session.api(), session.tg_id, session.account)
    if any(r.outcome is RequestOutcome.SENT for r in report.results):
        context.deps.track_soon()
    text = refill_all_report(tx, report, lambda r: panel_reason(context, r))
    await chat.send_message(text, reply_markup=views.menu_keyboard(tx))


# --- /cancelorder ---------------------------------------------------------------------------


@needs_account
@panel_errors
async def cancel_ids(update: Update, context: BotContext) -> object:
    """`/cancelorder 1 2`, or the ids answering "which orders?"."""
    return await cancel_typed(update, context, typed_text(update, context))


async def cancel_typed(update: Update, context: BotContext, text: str) -> object:
    """`/cancelorder 1 2`, or the message after the prompt: one panel request for the ids
    whose orders may be cancelled, a line per id."""
    session = context.session
    tx = session.tx
    chat = update.effective_chat
    # Behind @needs_account; a command or text message in the private chat.
    assert session.account is not None and chat is not None
    typed = split_ids(text)
    not_ids = views.not_ids_lines(tx, typed.invalid)
    if not typed.ids:
        ask = tx("cancel_ids.ask", max=tx.number(CANCEL_MAX_IDS))
        await chat.send_message(Html("\n".join([*not_ids, "", ask])) if not_ids else ask,
                                reply_markup=views.menu_keyboard(tx))
        return CANCEL
    if len(typed.ids) > CANCEL_MAX_IDS:
        await chat.send_message(
            tx("cancel_ids.too_many", max=tx.number(CANCEL_MAX_IDS), count=tx.number(len(typed.ids))),
            reply_markup=views.menu_keyboard(tx))
        return END
    await chat_action(update)
    await cancel_ids_now(update, context, typed.ids, not_ids)
    return END


async def cancel_ids_now(update: Update, context: BotContext, ids: list[int], not_ids: list[Html] | None = None) -> None:
    """Cancel `ids` of the active account (one panel request, each claimed: core.history) and
    report a line per id; `not_ids`: lines for words that were no ids. See ids.refill_ids."""
    session = context.session
    tx = session.tx
    results = await cancel_by_ids(context.deps.db, session.api(), session.tg_id, session.active_account(), ids)
    if any(r.outcome is RequestOutcome.SENT for r in results):
        context.deps.track_soon()
    report = cancel_report(tx, results, lambda r: panel_reason(context, r), not_ids or [])
    await send_report(update, [report], with_send_again(tx, results))


# --- /spending and /export ------------------------------------------------------------------


async def spending(update: Update, context: BotContext, _: HistorySpending | None = None) -> None:
    """The last 30 days in the user's time zone: a chart, then the services and platforms."""
    session = context.session
    tx = session.tx
    await answer(update, context)
    now = time.time()
    report = await spending_report(context.deps.db, session.tg_id, tx.zone, now=now)
    chat = update.effective_chat
    assert chat is not None  # /spending or its button, in the private chat
    if not report.empty:
        await chat_action(update, "upload_photo")
        png = await spending_chart(tx, report, now)
        await chat.send_photo(InputFile(png, filename="spending.png"), caption=spending_caption(tx, report))
    await chat.send_message(spending_text(tx, report, now), reply_markup=views.menu_keyboard(tx))


async def export(update: Update, context: BotContext, _: HistoryExport | None = None) -> None:
    """Every order of the user, all panels, as a CSV document."""
    session = context.session
    tx = session.tx
    db = context.deps.db
    chat = update.effective_chat
    assert chat is not None  # /export or its button, in the private chat
    await answer(update, context)
    now = time.time()
    with tempfile.SpooledTemporaryFile(max_size=_EXPORT_IN_MEMORY) as out:
        count = await write_orders_csv(out, tx, db.iter_user_orders(session.tg_id), await panel_names(db, session.tg_id))
        if not count:
            await chat.send_message(tx("export.none"), reply_markup=views.menu_keyboard(tx))
            return
        await chat_action(update, "upload_document")
        out.seek(0)
        # python-telegram-bot reads an upload whole before sending it: read it here, off the loop.
        data = await asyncio.to_thread(out.read)
        await chat.send_document(
            InputFile(data, filename=filename(tx, now)),
            caption=tx("export.caption", count=tx.number(count), zone=tx.zone),
        )
