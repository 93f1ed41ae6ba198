"""/status and /refill with order ids, typed after the command or asked for (the ids conversation).

Steps: STATUS (the next text holds ids to check) and REFILL (ids to refill). A message with no
id in it is answered word by word and asked again; any id ends the step.
"""

from __future__ import annotations

import time

from telegram import InlineKeyboardMarkup, Update

from bot import presentation as views
from bot.callback_data import RefillAsk, StatusAsk
from bot.context import BotContext
from bot.core.ids import split_ids
from bot.core.tracking import (
    RequestOutcome,
    RequestResult,
    check_statuses,
    request_refills,
)
from bot.handlers import keyboards
from bot.handlers.common import (
    END,
    TRACK_OFFERS,
    answer,
    chat_action,
    chat_of,
    panel_error_text,
    panel_errors,
    remember,
    show,
    typed_text,
)
from bot.handlers.session import needs_account
from bot.panel import ItemError, OrderStatus, UnknownOrder
from bot.presentation import Html

STATUS = "status_ids"
REFILL = "refill_ids"
MAX_IDS = 1000  # one /status message; 10 panel requests at most
_ASK = {STATUS: "status.ask_ids", REFILL: "refill.ask_ids"}


@needs_account
async def ask_status(update: Update, context: BotContext, _: StatusAsk) -> str:
    """The menu's "Check status": the next message holds the ids."""
    return await _ask(update, context, STATUS)


@needs_account
async def ask_refill(update: Update, context: BotContext, _: RefillAsk) -> str:
    return await _ask(update, context, REFILL)


async def _ask(update: Update, context: BotContext, step: str) -> str:
    tx = context.session.tx
    await answer(update, context)
    await show(update, tx(_ASK[step]), views.menu_keyboard(tx))
    return step


@needs_account
@panel_errors
async def status(update: Update, context: BotContext) -> object:
    """`/status 1 2`, or the ids answering "which orders?"."""
    return await check_status(update, context, typed_text(update, context))


@needs_account
@panel_errors
async def refill(update: Update, context: BotContext) -> object:
    """`/refill 1 2`, or the ids answering "which orders?"."""
    return await refill_typed(update, context, typed_text(update, context))


async def _ask_again(update: Update, context: BotContext, step: str, not_ids: list[str]) -> str:
    """No id in what was typed: say which words are no ids (if any), and ask again."""
    tx = context.session.tx
    lines = views.not_ids_lines(tx, not_ids)
    ask = tx(_ASK[step])
    text = Html("\n".join([*lines, "", ask])) if lines else ask
    await chat_of(update).send_message(text, reply_markup=views.menu_keyboard(tx))
    return step


async def check_status(update: Update, context: BotContext, text: str) -> object:
    session = context.session
    tx = session.tx
    typed = split_ids(text, MAX_IDS)
    ids = typed.ids
    if not ids:
        return await _ask_again(update, context, STATUS, typed.invalid)
    await chat_action(update)
    answers, tracked = await check_statuses(context.deps.db, session.api(), session.tg_id, session.active_account().id, ids)
    title = tx("status.title_one") if len(ids) == 1 else tx("status.title", count=tx.number(len(ids)))
    lines: list[str] = [title, *views.not_ids_lines(tx, typed.invalid)]
    # Ids the panel does not know are summed up in one line (a pasted list may hold dozens).
    unknown = [i for i in ids if isinstance(error := answers.get(i), ItemError) and error.code == UnknownOrder.code]
    if len(unknown) < 2:
        unknown = []
    summed = set(unknown)
    lines += [_status_line(context, i, answers.get(i)) for i in ids if i not in summed]
    if unknown:
        lines.append(views.unknown_ids_line(tx, unknown))
    untracked = [i for i in ids if i not in tracked and isinstance(status := answers.get(i), OrderStatus) and not status.is_final]
    nonce = None
    if untracked:
        nonce = remember(context, TRACK_OFFERS, untracked[:MAX_IDS])
        lines += ["", tx("status.offer_track", count=tx.number(len(untracked)))]
    await send_report(update, lines, keyboards.status_report(tx, nonce))
    return END


def _status_line(context: BotContext, order_id: int, answer_: OrderStatus | ItemError | None) -> Html:
    session = context.session
    tx = session.tx
    if isinstance(answer_, OrderStatus):
        return tx(
            "status.line",
            id=order_id,
            status=views.status_name(tx, answer_.status.value),
            remains=tx.number(answer_.remains),
            charge=tx.money(answer_.charge, answer_.currency or session.active_account().currency),
        )
    if isinstance(answer_, ItemError):
        return tx("status.line_error", id=order_id, reason=panel_error_text(context, answer_.error))
    return tx("status.line_missing", id=order_id)


async def refill_typed(update: Update, context: BotContext, text: str) -> object:
    """`/refill 1 2` or the message after the menu's Refill button."""
    typed = split_ids(text, MAX_IDS)
    if not typed.ids:
        return await _ask_again(update, context, REFILL, typed.invalid)
    await refill_ids(update, context, typed.ids, typed.invalid)
    return END


async def refill_ids(update: Update, context: BotContext, ids: list[int], not_ids: list[str] | None = None) -> None:
    """Refill `ids` (each claimed before it is sent: see core/tracking.py); `not_ids` are words
    the user typed that are no order ids, each answered too."""
    session = context.session
    tx = session.tx
    results = await request_refills(context.deps.db, session.api(), session.tg_id, session.active_account(), ids)
    lines: list[str] = [tx("refill.title"), *views.not_ids_lines(tx, not_ids or [])]
    lines += [views.refill_result_line(tx, r, panel_reason(context, r)) for r in results]
    if any(r.outcome is RequestOutcome.SENT for r in results):
        context.deps.track_soon()
    await send_report(update, lines, with_send_again(tx, results))


def with_send_again(tx: views.Texts, results: list[RequestResult]) -> InlineKeyboardMarkup:
    """The menu button, after a "send again" button for each order held back by a request of
    unknown outcome (see bot.core.tracking.release_request)."""
    return InlineKeyboardMarkup([*views.send_again_rows(tx, results, time.time()), views.back_to_menu(tx)])


def panel_reason(context: BotContext, result: RequestResult) -> Html | None:
    return panel_error_text(context, result.error) if result.error is not None else None


async def send_report(update: Update, lines: list[str], keyboard: InlineKeyboardMarkup) -> None:
    """A report of many lines as few messages as fit; the keyboard goes on the last one."""
    chunks = _chunks(lines)
    for index, chunk in enumerate(chunks):
        last = index == len(chunks) - 1
        await chat_of(update).send_message(Html(chunk), reply_markup=keyboard if last else None)


def _chunks(lines: list[str], limit: int = 3800) -> list[str]:
    """Split a long report into messages under Telegram's 4096-character limit, on line breaks."""
    chunks, current = [], ""
    for line in lines:
        if current and len(current) + len(line) + 1 > limit:
            chunks.append(current)
            current = ""
        current = f"{current}\n{line}" if current else line
    chunks.append(current)
    return chunks

