"""Orders: the list, an order's card, /status, refills and cancels."""

from __future__ import annotations

import time

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.context import BotContext
from bot.core.ids import split_ids
from bot.core.tracking import (
    RequestOutcome,
    RequestResult,
    cancel_refusal,
    refresh_orders,
    request_cancel,
    request_refills,
    status_update,
    store_status,
)
from bot.core.uncertain import UncertainOrder
from bot.presentation import callbacks as cb
from bot import presentation as views
from bot.handlers.account import require_account
from bot.handlers.common import (
    STEP,
    TRACK_OFFERS,
    Session,
    answer,
    chat_action,
    panel_error_text,
    panel_errors,
    recall,
    remember,
    show,
)
from bot.handlers.start import stale_button
from bot.presentation import Html, Texts
from bot.panel import ItemError, OrderStatus

MAX_IDS = 1000  # one /status message; 10 panel requests at most



def _tx(context: BotContext, session: Session) -> Texts:
    return Texts(context.deps.i18n, session.lang)


@panel_errors
async def orders_list(update: Update, context: BotContext) -> None:
    """`/orders` and its pages; `ol:<page>:r` refreshes the visible page with one batched call."""
    session = await require_account(update, context)
    if session is None:
        return
    tx = _tx(context, session)
    context.user_data.pop(STEP, None)
    parts = cb.args(update.callback_query.data) if update.callback_query else []
    page = cb.int_arg(update.callback_query.data) or 0 if update.callback_query else 0
    refresh = len(parts) > 1 and parts[1] == "r"
    await answer(update, tx("orders.refreshing") if refresh else None)
    db = context.deps.db
    total = await db.count_orders(session.tg_id, account_id=session.account.id)
    pages = max(1, -(-total // views.ORDERS_PER_PAGE))
    page = max(0, min(page, pages - 1))
    orders = await db.list_orders(session.tg_id, account_id=session.account.id, offset=page * views.ORDERS_PER_PAGE, limit=views.ORDERS_PER_PAGE)
    if refresh and orders:
        await refresh_orders(db, session.api(context), session.tg_id, orders)
        orders = await db.list_orders(session.tg_id, account_id=session.account.id, offset=page * views.ORDERS_PER_PAGE, limit=views.ORDERS_PER_PAGE)
    await show(update, *views.orders_page(tx, orders, page, total, await _uncertain(context, session, page)))


async def _uncertain(context: BotContext, session: Session, page: int) -> list[UncertainOrder]:
    """Orders whose outcome is unknown, for the top of the first page: they stay with the user
    until settled (bot.core.uncertain)."""
    if page:
        return []
    intents = await context.deps.db.unknown_intents(session.tg_id, session.account.id, limit=views.UNCERTAIN_LISTED)
    return [UncertainOrder.from_intent(intent) for intent in intents]


@panel_errors
async def order_card(update: Update, context: BotContext) -> None:
    session = await require_account(update, context)
    if session is None:
        return
    tx = _tx(context, session)
    parts = cb.args(update.callback_query.data)
    order_pk = cb.int_arg(update.callback_query.data)
    order = await context.deps.db.get_order_by_pk(session.tg_id, order_pk) if order_pk else None
    if order is None:
        await stale_button(update, context)
        return
    refresh = len(parts) > 1 and parts[1] == "r"
    await answer(update, tx("orders.refreshing") if refresh else None)
    note = None
    if refresh:
        status = await session.api(context).status(order.panel_order_id)
        await store_status(context.deps.db, session.tg_id, order, status, shown_to_user=True)
        order = await context.deps.db.get_order_by_pk(session.tg_id, order.id)
        note = tx("order.checked_at", time=time.strftime("%H:%M:%S"))
    await show(update, *views.order_card(tx, order, note))


def _status_line(tx: Texts, order_id: int, answer_: OrderStatus | ItemError | None, session: Session, context: BotContext) -> Html:
    if isinstance(answer_, OrderStatus):
        return tx(
            "status.line",
            id=order_id,
            status=views.status_name(tx, answer_.status.value),
            remains=tx.number(answer_.remains),
            charge=tx.money(answer_.charge, answer_.currency or session.account.currency),
        )
    if isinstance(answer_, ItemError):
        return tx("status.line_error", id=order_id, reason=panel_error_text(session, context, answer_.error))
    return tx("status.line_missing", id=order_id)


async def _ask_ids_again(update: Update, context: BotContext, tx: Texts, step: str, not_ids: list[str]) -> None:
    """No id in what was typed: say which words are no ids (if any), and ask again."""
    context.user_data[STEP] = step
    lines = views.not_ids_lines(tx, not_ids)
    ask = tx("refill.ask_ids" if step == "refill_ids" else "status.ask_ids")
    text = Html("\n".join([*lines, "", ask])) if lines else ask
    await update.effective_chat.send_message(text, reply_markup=views.menu_keyboard(tx))


async def check_status_ids(update: Update, context: BotContext, session: Session, text: str) -> None:
    tx = _tx(context, session)
    typed = split_ids(text, MAX_IDS)
    ids = typed.ids
    if not ids:
        await _ask_ids_again(update, context, tx, "status_ids", typed.invalid)
        return
    context.user_data.pop(STEP, None)
    await chat_action(update)
    db = context.deps.db
    answers = await session.api(context).statuses(ids)
    tracked = await db.tracked_orders(session.tg_id, session.account.id, ids)
    await db.update_order_statuses([
        status_update(session.tg_id, order, answer_, shown_to_user=True)
        for order_id, order in tracked.items()
        if isinstance(answer_ := answers.get(order_id), OrderStatus)
    ])
    lines = [tx("status.title", count=tx.number(len(ids))), *views.not_ids_lines(tx, typed.invalid)]
    lines += [_status_line(tx, i, answers.get(i), session, context) for i in ids]
    untracked = [i for i in ids if i not in tracked and isinstance(answers.get(i), OrderStatus) and not answers[i].is_final]
    rows = []
    if untracked:
        nonce = remember(context, TRACK_OFFERS, untracked[:MAX_IDS])
        lines += ["", tx("status.offer_track", count=tx.number(len(untracked)))]
        rows.append([InlineKeyboardButton(tx.plain("button.track"), callback_data=cb.data(cb.TRACK, nonce))])
    rows.append(views.back_to_menu(tx))
    await _send_report(update, lines, InlineKeyboardMarkup(rows))


async def _send_report(update: Update, lines: list[str], keyboard: InlineKeyboardMarkup) -> None:
    """A report of many lines as few messages as fit; the keyboard goes on the last one."""
    chunks = _chunks(lines)
    for index, chunk in enumerate(chunks):
        last = index == len(chunks) - 1
        await update.effective_chat.send_message(Html(chunk), reply_markup=keyboard if last else None)


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


@panel_errors
async def status_command(update: Update, context: BotContext) -> None:
    session = await require_account(update, context)
    if session is None:
        return
    await check_status_ids(update, context, session, " ".join(context.args or []))


async def ask_ids(update: Update, context: BotContext) -> None:
    """Menu buttons "Check status" / "Refill": the next message holds the ids."""
    session = await require_account(update, context)
    if session is None:
        return
    tx = _tx(context, session)
    await answer(update)
    is_refill = update.callback_query.data == cb.REFILL_ASK
    context.user_data[STEP] = "refill_ids" if is_refill else "status_ids"
    await show(update, tx("refill.ask_ids" if is_refill else "status.ask_ids"), views.menu_keyboard(tx))


@panel_errors
async def track(update: Update, context: BotContext) -> None:
    session = await require_account(update, context)
    if session is None:
        return
    tx = _tx(context, session)
    nonce = (cb.args(update.callback_query.data) or [""])[0]
    ids = recall(context, TRACK_OFFERS, nonce)
    if not ids:
        await stale_button(update, context)
        return
    await answer(update)
    from bot.storage import NewOrder

    # Orders made on the website: only what the panel's status tells is known about them.
    db = context.deps.db
    await db.track_orders(session.tg_id, [
        NewOrder(account_id=session.account.id, panel_order_id=order_id, currency=session.account.currency)
        for order_id in ids
    ])
    context.user_data[TRACK_OFFERS].pop(nonce, None)  # followed: the button is done
    await show(update, tx("status.tracking", count=tx.number(len(ids))), views.menu_keyboard(tx))
    # Their statuses were just on screen: store them as told, so the tracker's first round
    # does not announce them again.
    orders = [o for o in [await db.get_order(session.tg_id, i, account_id=session.account.id) for i in ids] if o]
    await refresh_orders(db, session.api(context), session.tg_id, orders)


def _panel_reason(session: Session, context: BotContext, result: RequestResult) -> Html | None:
    return panel_error_text(session, context, result.error) if result.error is not None else None


async def refill_ids(update: Update, context: BotContext, session: Session, ids: list[int],
                     not_ids: list[str] | None = None) -> None:
    """Refill `ids` (each claimed before it is sent: see core/tracking.py); `not_ids` are words
    the user typed that are no order ids, each answered too."""
    tx = _tx(context, session)
    if not ids:
        await _ask_ids_again(update, context, tx, "refill_ids", not_ids or [])
        return
    context.user_data.pop(STEP, None)
    results = await request_refills(context.deps.db, session.api(context), session.tg_id, session.account, ids)
    lines = [tx("refill.title"), *views.not_ids_lines(tx, not_ids or [])]
    lines += [views.refill_result_line(tx, r, _panel_reason(session, context, r)) for r in results]
    if any(r.outcome is RequestOutcome.SENT for r in results):
        context.deps.on_refill_requested(context)
    await _send_report(update, lines, views.menu_keyboard(tx))


async def refill_text(update: Update, context: BotContext, session: Session, text: str) -> None:
    """`/refill 1 2` or the message after the menu's Refill button."""
    typed = split_ids(text, MAX_IDS)
    await refill_ids(update, context, session, typed.ids, typed.invalid)


@panel_errors
async def refill_command(update: Update, context: BotContext) -> None:
    session = await require_account(update, context)
    if session is None:
        return
    await refill_text(update, context, session, " ".join(context.args or []))


@panel_errors
async def refill_button(update: Update, context: BotContext) -> None:
    session = await require_account(update, context)
    if session is None:
        return
    order_pk = cb.int_arg(update.callback_query.data)
    order = await context.deps.db.get_order_by_pk(session.tg_id, order_pk) if order_pk is not None else None
    if order is None:
        await stale_button(update, context)
        return
    await answer(update)
    await refill_ids(update, context, session, [order.panel_order_id])


@panel_errors
async def cancel_order(update: Update, context: BotContext) -> None:
    """Cancel asks once more (unless the order cannot be cancelled); `cy:` is the confirmed tap."""
    session = await require_account(update, context)
    if session is None:
        return
    tx = _tx(context, session)
    order_pk = cb.int_arg(update.callback_query.data)
    order = await context.deps.db.get_order_by_pk(session.tg_id, order_pk) if order_pk is not None else None
    if order is None:
        await stale_button(update, context)
        return
    await answer(update)
    # An order that cannot be cancelled (e.g. an old card's button) is told why at once.
    if update.callback_query.data.startswith(cb.CANCEL_ORDER + ":") and cancel_refusal(order) is None:
        keyboard = InlineKeyboardMarkup([
            [InlineKeyboardButton(tx.plain("button.cancel_yes"), callback_data=cb.data(cb.CANCEL_ORDER_YES, order.id))],
            [InlineKeyboardButton(tx.plain("button.back"), callback_data=cb.data(cb.ORDER, order.id))],
        ])
        await show(update, tx("cancel_order.ask", id=order.panel_order_id), keyboard)
        return
    # Claimed before it is sent: a second tap or an old "Yes" finds the first request.
    result = await request_cancel(context.deps.db, session.api(context), session.tg_id, order)
    note = views.cancel_note(tx, result, _panel_reason(session, context, result))
    await show(update, *views.order_card(tx, order, note))
