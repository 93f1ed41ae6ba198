"""The order flow: service -> link -> quantity (or comments) -> confirmation -> placed once."""

from __future__ import annotations

import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.context import BotContext
from bot.core.ids import parse_id
from bot.core.ordering import (
    Draft,
    Outcome,
    OrderKind,
    QuantityProblem,
    check_quantity,
    clean_link,
    comment_lines,
    order_kind,
    parse_quantity,
    place_order,
)
from bot.core.uncertain import UncertainOrder, draft_again
from bot.presentation import callbacks as cb
from bot import presentation as views
from bot.handlers import uncertain
from bot.handlers.account import require_account
from bot.handlers.catalogue import categories, load_catalogue, search
from bot.handlers.common import DRAFT, STEP, Session, answer, get_session, panel_error_text, panel_errors, show
from bot.handlers.start import stale_button
from bot.presentation import Texts
from bot.panel import PanelError, Service

log = logging.getLogger(__name__)

# The "type the order id" step of an order whose outcome is unknown (routed by text.py).
receive_uncertain_id = uncertain.receive_order_id


def _abort_keyboard(tx: Texts, token: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(tx.plain("button.abort"), callback_data=cb.data(cb.ABORT, token))]])


async def _service(update: Update, context: BotContext, session: Session, service_id: int) -> Service | None:
    catalogue = await load_catalogue(update, context, session)
    return catalogue.service(service_id)


async def start_order(update: Update, context: BotContext, session: Session, service_id: int) -> None:
    tx = Texts(context.deps.i18n, session.lang)
    service = await _service(update, context, session, service_id)
    if service is None:
        if update.callback_query:
            await stale_button(update, context)
        else:
            await update.effective_chat.send_message(tx("catalogue.no_such_service", id=service_id), reply_markup=views.menu_keyboard(tx))
        return
    await answer(update)
    if order_kind(service) is OrderKind.UNSUPPORTED:
        await show(update, tx("order.unsupported", type=service.type, panel=context.deps.settings.panel_site), views.menu_keyboard(tx))
        return
    draft = Draft(service_id=service.id, service_name=service.name, service_type=service.type, account_id=session.account.id)
    context.user_data[DRAFT] = draft.as_dict()
    context.user_data[STEP] = "link"
    await update.effective_chat.send_message(
        views.link_prompt(tx, service.id, service.name, service.category), reply_markup=_abort_keyboard(tx, draft.token)
    )



@panel_errors
async def order_command(update: Update, context: BotContext) -> None:
    """`/order 123` starts ordering service 123; `/order` alone opens the catalogue."""
    session = await require_account(update, context)
    if session is None:
        return
    context.user_data.pop(STEP, None)
    service_id = parse_id(context.args[0]) if context.args else None
    if service_id is not None:
        await start_order(update, context, session, service_id)
    elif context.args:
        await search(update, context, session, " ".join(context.args))  # /order tiktok views
    else:
        await categories(update, context)


@panel_errors
async def order_button(update: Update, context: BotContext) -> None:
    session = await require_account(update, context)
    if session is None:
        return
    service_id = cb.int_arg(update.callback_query.data)
    if service_id is None:
        await stale_button(update, context)
        return
    await start_order(update, context, session, service_id)


@panel_errors
async def order_again(update: Update, context: BotContext) -> None:
    session = await require_account(update, context)
    if session is None:
        return
    order_pk = cb.int_arg(update.callback_query.data)
    order = await context.deps.db.get_order_by_pk(session.tg_id, order_pk) if order_pk is not None else None
    if order is None or not order.service_id:
        await stale_button(update, context)
        return
    await start_order(update, context, session, order.service_id)


@panel_errors
async def uncertain_again(update: Update, context: BotContext) -> None:
    """`ua:<token>`: an order the user settled as not placed, on a new confirmation card (a new
    token: the settled intent is never claimed again)."""
    session = await require_account(update, context)
    if session is None:
        return
    tx = Texts(context.deps.i18n, session.lang)
    token = (cb.args(update.callback_query.data) or [""])[0]
    intent = await context.deps.db.get_intent(session.tg_id, token) if token else None
    item = UncertainOrder.from_intent(intent) if intent is not None else None
    if item is None or not item.settled_not_placed:
        await uncertain.settled_elsewhere(update, context, tx, intent)
        return
    if item.account_id != session.account.id:
        await answer(update, tx("uncertain.other_account"), alert=True)
        return
    draft = draft_again(item, session.account.id)
    service = await _service(update, context, session, draft.service_id) if draft is not None else None
    if service is None:
        await answer(update)
        await _catalogue_changed(update, context, tx)
        return
    kind = order_kind(service)
    if kind is OrderKind.UNSUPPORTED or (kind is not OrderKind.PACKAGE and (
            draft.quantity is None or check_quantity(service, draft.quantity) is not None)):
        await start_order(update, context, session, service.id)  # the service changed: ask afresh
        return
    await answer(update)
    await show_confirmation(update, context, session, draft, service)


def _draft(context: BotContext) -> Draft | None:
    data = context.user_data.get(DRAFT)
    return Draft.from_dict(data) if data else None


async def receive_link(update: Update, context: BotContext, session: Session) -> None:
    tx = Texts(context.deps.i18n, session.lang)
    draft = _draft(context)
    if draft is None:
        context.user_data.pop(STEP, None)
        return
    link = clean_link(update.effective_message.text or "")
    if link is None:
        await update.effective_chat.send_message(tx("order.bad_link"), reply_markup=_abort_keyboard(tx, draft.token))
        return
    draft.link = link
    service = await _service(update, context, session, draft.service_id)
    if service is None:
        await _catalogue_changed(update, context, tx)
        return
    context.user_data[DRAFT] = draft.as_dict()
    kind = order_kind(service)
    if kind is OrderKind.PACKAGE:
        draft.quantity = None
        context.user_data[DRAFT] = draft.as_dict()
        await show_confirmation(update, context, session, draft, service)
    elif kind is OrderKind.COMMENTS:
        context.user_data[STEP] = "comments"
        await update.effective_chat.send_message(
            tx("order.ask_comments", min=tx.number(service.min), max=tx.number(service.max)), reply_markup=_abort_keyboard(tx, draft.token)
        )
    else:
        context.user_data[STEP] = "quantity"
        text, keyboard = views.quantity_prompt(tx, service, draft.token)
        await update.effective_chat.send_message(text, reply_markup=keyboard)


def _quantity_keyboard(tx: Texts, service: Service, token: str) -> InlineKeyboardMarkup:
    return views.quantity_prompt(tx, service, token)[1]


async def _catalogue_changed(update: Update, context: BotContext, tx: Texts) -> None:
    context.user_data.pop(STEP, None)
    context.user_data.pop(DRAFT, None)
    await update.effective_chat.send_message(tx("order.service_gone"), reply_markup=views.menu_keyboard(tx))


async def _accept_quantity(update: Update, context: BotContext, session: Session, quantity: int | None,
                           token: str | None = None) -> None:
    tx = Texts(context.deps.i18n, session.lang)
    draft = _draft(context)
    if draft is None or context.user_data.get(STEP) != "quantity" or (token is not None and token != draft.token):
        if update.callback_query:  # a quick button of another (older) order
            await stale_button(update, context)
        else:
            context.user_data.pop(STEP, None)
        return
    service = await _service(update, context, session, draft.service_id)
    if service is None:
        await _catalogue_changed(update, context, tx)
        return
    await answer(update)
    limits = {"min": tx.number(service.min), "max": tx.number(service.max), "step": tx.number(service.step or 1)}
    if quantity is None:
        await update.effective_chat.send_message(tx("order.quantity_not_number", **limits),
                                                 reply_markup=_quantity_keyboard(tx, service, draft.token))
        return
    problem = check_quantity(service, quantity)
    if problem is not None:
        key = {
            QuantityProblem.BELOW_MIN: "order.quantity_below_min",
            QuantityProblem.ABOVE_MAX: "order.quantity_above_max",
            QuantityProblem.NOT_STEP: "order.quantity_not_step",
        }[problem]
        await update.effective_chat.send_message(tx(key, **limits), reply_markup=_quantity_keyboard(tx, service, draft.token))
        return
    draft.quantity = quantity
    context.user_data[DRAFT] = draft.as_dict()
    await show_confirmation(update, context, session, draft, service)


async def receive_quantity(update: Update, context: BotContext, session: Session) -> None:
    await _accept_quantity(update, context, session, parse_quantity(update.effective_message.text or ""))


@panel_errors
async def quantity_button(update: Update, context: BotContext) -> None:
    session = await require_account(update, context)
    if session is None:
        return
    token = (cb.args(update.callback_query.data) or [""])[0]
    await _accept_quantity(update, context, session, cb.int_arg(update.callback_query.data, 1), token)


async def receive_comments(update: Update, context: BotContext, session: Session) -> None:
    tx = Texts(context.deps.i18n, session.lang)
    draft = _draft(context)
    if draft is None:
        context.user_data.pop(STEP, None)
        return
    service = await _service(update, context, session, draft.service_id)
    if service is None:
        await _catalogue_changed(update, context, tx)
        return
    lines = comment_lines(update.effective_message.text or "")
    problem = check_quantity(service, len(lines)) if lines else QuantityProblem.BELOW_MIN
    if problem in (QuantityProblem.BELOW_MIN, QuantityProblem.ABOVE_MAX):
        await update.effective_chat.send_message(
            tx("order.comments_count", count=tx.number(len(lines)), min=tx.number(service.min), max=tx.number(service.max)),
            reply_markup=_abort_keyboard(tx, draft.token),
        )
        return
    draft.comments = "\n".join(lines)
    draft.quantity = len(lines)
    context.user_data[DRAFT] = draft.as_dict()
    await show_confirmation(update, context, session, draft, service)


async def show_confirmation(update: Update, context: BotContext, session: Session, draft: Draft, service: Service) -> None:
    tx = Texts(context.deps.i18n, session.lang)
    draft.renew_token()
    context.user_data[DRAFT] = draft.as_dict()
    context.user_data[STEP] = "confirm"
    balance = None
    currency = session.account.currency
    try:
        result = await session.api(context).balance()
        balance, currency = result.amount, result.currency or currency
    except PanelError:
        pass  # the card is still useful without the balance; the panel checks funds at `add`
    # Kept with the order: should its outcome be unknown, the user compares it with the balance then.
    draft.balance, draft.balance_currency = balance, currency
    context.user_data[DRAFT] = draft.as_dict()
    comments = draft.quantity if order_kind(service) is OrderKind.COMMENTS else None
    text, keyboard = views.confirmation_card(tx, service, draft.link or "", draft.quantity, comments, balance, currency, draft.token)
    await update.effective_chat.send_message(text, reply_markup=keyboard)


@panel_errors
async def confirm(update: Update, context: BotContext) -> None:
    session = await require_account(update, context)
    if session is None:
        return
    tx = Texts(context.deps.i18n, session.lang)
    draft = await _card_draft(update, context, session)
    if draft is None:
        return
    service = await _service(update, context, session, draft.service_id)
    if service is None:
        await answer(update)
        await _catalogue_changed(update, context, tx)
        return
    result = await place_order(context.deps.db, session.api(context), session.tg_id, draft, service,
                               session.account.currency, before_sending=lambda: answer(update, tx("confirm.placing")))
    if result.outcome is Outcome.PLACED:
        context.user_data.pop(DRAFT, None)
        context.user_data.pop(STEP, None)
        context.deps.on_order_placed(context, result.order)
        if result.order is None:  # placed, but our own record of it failed: the number matters most
            await show(update, tx("order.placed_unrecorded", id=result.panel_order_id), views.menu_keyboard(tx))
        else:
            text, keyboard = views.order_card(tx, result.order, tx("order.placed", id=result.panel_order_id))
            await show(update, text, keyboard)
    elif result.outcome is Outcome.FAILED and result.owned:
        note = panel_error_text(session, context, result.error)
        text, keyboard = views.confirmation_card(tx, service, draft.link or "", draft.quantity,
                                                 draft.quantity if draft.comments else None, None, session.account.currency, draft.token)
        await show(update, views.Html(text + "\n\n" + tx("order.failed", reason=note)), keyboard)
    elif result.owned:  # our own `add` got no definite answer
        context.user_data.pop(DRAFT, None)
        context.user_data.pop(STEP, None)
        intent = await context.deps.db.get_intent(session.tg_id, draft.token)
        if intent is None:  # cannot happen: the claim stored it
            await show(update, tx("order.unknown"), views.menu_keyboard(tx))
        else:  # the card keeps what was ordered, says what happened and how to settle it
            await show(update, *uncertain.card(context, tx, intent, lead=tx("order.unknown")))
    else:
        await _report(update, context, session, result.outcome, result.panel_order_id)


async def _report(update: Update, context: BotContext, session: Session, outcome: Outcome, order_id: int | None) -> None:
    """A tap that did not place the order (a double tap, an old card): say what became of it.

    The answer is an alert on the tap itself; the card it was tapped on is left as it is,
    since it may already show the placed order.
    """
    tx = Texts(context.deps.i18n, session.lang)
    if outcome is Outcome.ALREADY_PLACED:
        await answer(update, tx("order.already_placed", id=order_id), alert=True)
    elif outcome is Outcome.UNKNOWN:
        context.user_data.pop(DRAFT, None)
        context.user_data.pop(STEP, None)
        await answer(update, tx("order.unknown"), alert=True)
    elif outcome is Outcome.FAILED:
        await answer(update, tx("order.not_placed"), alert=True)
    else:
        await answer(update, tx("order.in_flight"), alert=True)


async def _card_draft(update: Update, context: BotContext, session: Session) -> Draft | None:
    """The draft a confirmation card's button belongs to, if it is the current one.

    A button of any other card (an older draft, a placed order) is answered here with what
    became of that card's order, and None is returned.
    """
    token = (cb.args(update.callback_query.data) or [""])[0]
    draft = _draft(context)
    if draft is None or draft.token != token:
        await _old_card(update, context, session, token)
        return None
    return draft


async def _old_card(update: Update, context: BotContext, session: Session, token: str) -> None:
    """A tap on a confirmation card that is not the current draft's."""
    from bot.storage import IntentState

    intent = await context.deps.db.get_intent(session.tg_id, token) if token else None
    outcome = {
        IntentState.PLACED: Outcome.ALREADY_PLACED,
        IntentState.UNKNOWN: Outcome.UNKNOWN,
        IntentState.SUBMITTING: Outcome.IN_FLIGHT,
    }.get(intent.state) if intent is not None else None
    if outcome is None:  # never confirmed, or failed and since replaced by a newer card
        await stale_button(update, context)
        return
    await _report(update, context, session, outcome, intent.panel_order_id)


async def edit(update: Update, context: BotContext) -> None:
    session = await require_account(update, context)
    if session is None:
        return
    tx = Texts(context.deps.i18n, session.lang)
    draft = await _card_draft(update, context, session)
    if draft is None:
        return
    await answer(update)
    draft.link = draft.quantity = draft.comments = None
    draft.renew_token()
    context.user_data[DRAFT] = draft.as_dict()
    context.user_data[STEP] = "link"
    await show(update, tx("order.editing"), None)
    await update.effective_chat.send_message(
        views.link_prompt(tx, draft.service_id, draft.service_name), reply_markup=_abort_keyboard(tx, draft.token)
    )


async def abort(update: Update, context: BotContext) -> None:
    session = await get_session(update, context)
    tx = Texts(context.deps.i18n, session.lang)
    draft = await _card_draft(update, context, session)
    if draft is None:
        return
    await answer(update)
    context.user_data.pop(DRAFT, None)
    context.user_data.pop(STEP, None)
    await show(update, *views.main_menu(tx, tx("order.aborted")))
