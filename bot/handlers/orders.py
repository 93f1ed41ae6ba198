"""Orders: an order's card, its refill and cancel buttons, following typed ids (the list: bot.handlers.history)."""

from __future__ import annotations

import time
from typing import cast

from telegram import InlineKeyboardMarkup, Update

from bot import presentation as views
from bot.callback_data import (
    CancelOrder,
    CancelOrderSure,
    OrderCard,
    Refill,
    RequestAgain,
    Track,
)
from bot.context import BotContext
from bot.core.ordering import order_details
from bot.core.tracking import (
    cancel_refusal,
    refresh_order,
    refresh_orders,
    releasable,
    release_request,
    request_cancel,
)
from bot.handlers import keyboards
from bot.handlers.common import (
    TRACK_OFFERS,
    answer,
    panel_errors,
    recall,
    show,
    stale_button,
    user_data,
)
from bot.handlers.history import cancel_ids_now
from bot.handlers.ids import panel_reason, refill_ids
from bot.handlers.panels import order_panel
from bot.handlers.session import needs_account
from bot.i18n import Html
from bot.storage import NewOrder, Order
from bot.storage.models import RequestKind


async def _order(context: BotContext, order_pk: int) -> Order | None:
    return await context.deps.db.get_order_by_pk(context.session.tg_id, order_pk)


@needs_account
@panel_errors
async def order_card(update: Update, context: BotContext, pressed: OrderCard) -> object:
    session = context.session
    tx = session.tx
    order = await _order(context, pressed.order)
    if order is None:
        return await stale_button(update, context)
    await answer(update, context, tx("orders.refreshing") if pressed.refresh else None)
    note = None
    if pressed.refresh:
        await refresh_order(context.deps.db, session.api(), session.tg_id, order)
        refreshed = await _order(context, order.id)
        if refreshed is None:  # gone meanwhile (its data deleted from another chat)
            return await stale_button(update, context)
        order = refreshed
        note = tx("order.checked_at", time=tx.datetime(time.time()))
    await show(update, *await card_of(context, order, note))
    return None


async def card_of(context: BotContext, order: Order, note: Html | None = None) -> tuple[Html, InlineKeyboardMarkup]:
    """The order's card: with its panel's name (for users of several panels) and the answers
    of its order type (runs, comments, a subscription's posts...) when the bot placed it."""
    intent = await context.deps.db.placed_intent(context.session.tg_id, order.account_id, order.panel_order_id)
    details = order_details(intent.request) if intent is not None else []
    return views.order_card(context.session.tx, order, note, await order_panel(context, order), details)


@needs_account
@panel_errors
async def refill_button(update: Update, context: BotContext, pressed: Refill) -> object:
    order = await _order(context, pressed.order)
    if order is None:
        return await stale_button(update, context)
    await answer(update, context)
    await refill_ids(update, context, [order.panel_order_id])
    return None


@needs_account
async def cancel_order(update: Update, context: BotContext, pressed: CancelOrder) -> object:
    """The first tap asks once more, unless the order cannot be cancelled (an old card's
    button): then it is told why at once."""
    order = await _order(context, pressed.order)
    if order is None:
        return await stale_button(update, context)
    if cancel_refusal(order) is not None:
        return await _cancel(update, context, order)
    tx = context.session.tx
    await answer(update, context)
    keyboard = keyboards.two_taps(tx, "button.cancel_yes", CancelOrderSure(order.id), OrderCard(order.id))
    await show(update, tx("cancel_order.ask", id=order.panel_order_id), keyboard)
    return None


@needs_account
async def cancel_order_sure(update: Update, context: BotContext, pressed: CancelOrderSure) -> object:
    order = await _order(context, pressed.order)
    if order is None:
        return await stale_button(update, context)
    return await _cancel(update, context, order)


@panel_errors
async def _cancel(update: Update, context: BotContext, order: Order) -> None:
    # Claimed before it is sent: a second tap or an old "Yes" finds the first request.
    session = context.session
    tx = session.tx
    await answer(update, context)
    result = await request_cancel(context.deps.db, session.api(), session.tg_id, order)
    note = views.cancel_note(tx, result, panel_reason(context, result))
    text, keyboard = await card_of(context, order, note)
    again = views.send_again_rows(tx, [result], time.time())
    await show(update, text, InlineKeyboardMarkup([*again, *keyboard.inline_keyboard]))


@needs_account
@panel_errors
async def request_again(update: Update, context: BotContext, pressed: RequestAgain) -> object:
    """A refill or cancel whose outcome is unknown, sent again once the user has checked the
    panel's website (first tap: what to check; second: release it, then the usual request,
    claimed as ever). See bot.storage.claims."""
    session = context.session
    tx = session.tx
    db = context.deps.db
    request = await db.get_request(session.tg_id, pressed.request)
    if request is None or not releasable(request, time.time()):
        # Settled meanwhile (the panel answered a later check, or another tap sent it again).
        await answer(update, context, tx("send_again.settled"), alert=True)
        return None
    if request.account_id != session.active_account().id:
        await answer(update, context, tx("send_again.other_panel"), alert=True)
        return None
    if not pressed.sure:
        await answer(update, context)
        await show(update, *views.send_again_question(tx, request))
        return None
    if await release_request(db, session.tg_id, request.id, time.time()) is None:
        await answer(update, context, tx("send_again.settled"), alert=True)
        return None
    await answer(update, context)
    if request.kind is RequestKind.REFILL:
        await refill_ids(update, context, [request.panel_order_id])
        return None
    await cancel_ids_now(update, context, [request.panel_order_id])  # the active account's: checked above
    return None


@needs_account
@panel_errors
async def track(update: Update, context: BotContext, pressed: Track) -> object:
    """Follow the orders a /status report found untracked (made on the panel's website)."""
    session = context.session
    tx = session.tx
    ids = cast("list[int] | None", recall(context, TRACK_OFFERS, pressed.nonce))  # kept by bot.handlers.ids
    if not ids:
        return await stale_button(update, context)
    await answer(update, context)
    # Only what the panel's status tells is known about them.
    db = context.deps.db
    account = session.active_account()
    await db.track_orders(session.tg_id, [
        NewOrder(account_id=account.id, panel_order_id=order_id, currency=account.currency) for order_id in ids
    ])
    user_data(context)[TRACK_OFFERS].pop(pressed.nonce, None)  # followed: the button is done
    await show(update, tx("status.tracking", count=tx.number(len(ids))), views.menu_keyboard(tx))
    # Their statuses were just on screen: store them as told, so the tracker's first round
    # does not announce them again.
    orders = [o for o in [await db.get_order(session.tg_id, i, account_id=account.id) for i in ids] if o]
    await refresh_orders(db, session.api(), session.tg_id, orders)
    return None
