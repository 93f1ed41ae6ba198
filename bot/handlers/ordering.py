"""The order conversation: service -> link -> quantity (or comments) -> confirmation.

Its steps, the states of the "order" conversation (bot.handlers.flows):
    LINK          the next text is the link to the post or profile
    QUANTITY      the next text (or a quick button) is the quantity
    COMMENTS      the next text holds the comments, one per line: their count is the quantity
    CONFIRM       the card is shown (bot.handlers.confirm); text typed instead leaves the step
    UNCERTAIN_ID  the panel's id of an order whose outcome is unknown (bot.handlers.uncertain)

The order being prepared is the draft in user_data (DRAFT): the conversation says where the
user is, the draft what they chose. Every button of the draft's messages carries its token, so
a button of an older draft is told apart from the current one's.
"""

from __future__ import annotations

from telegram import Update

from bot import presentation as views
from bot.callback_data import OrderAgain, OrderService, Quantity
from bot.context import BotContext
from bot.core.history import running_duplicate
from bot.core.ids import parse_id
from bot.core.ordering import (
    Draft,
    OrderKind,
    QuantityProblem,
    check_quantity,
    clean_link,
    comment_lines,
    order_kind,
    parse_quantity,
)
from bot.handlers import keyboards
from bot.handlers.catalogue import load_catalogue, search, show_categories
from bot.handlers.common import DRAFT, END, answer, panel_errors, show, stale_button
from bot.handlers.session import needs_account
from bot.panel import PanelError, Service
from bot.presentation.history import duplicate_warning

LINK, QUANTITY, COMMENTS, CONFIRM, UNCERTAIN_ID = "link", "quantity", "comments", "confirm", "uncertain_id"

_QUANTITY_PROBLEMS = {
    QuantityProblem.BELOW_MIN: "order.quantity_below_min",
    QuantityProblem.ABOVE_MAX: "order.quantity_above_max",
    QuantityProblem.NOT_STEP: "order.quantity_not_step",
}


def current_draft(context: BotContext) -> Draft | None:
    data = context.user_data.get(DRAFT)
    return Draft.from_dict(data) if data else None


def keep_draft(context: BotContext, draft: Draft) -> None:
    context.user_data[DRAFT] = draft.as_dict()


async def service_of(update: Update, context: BotContext, service_id: int) -> Service | None:
    return (await load_catalogue(update, context)).service(service_id)


async def start_order(update: Update, context: BotContext, service_id: int) -> object:
    """A new draft for `service_id`; the next text is its link."""
    session = context.session
    tx = session.tx
    service = await service_of(update, context, service_id)
    if service is None:
        if update.callback_query:
            return await stale_button(update, context)
        await update.effective_chat.send_message(tx("catalogue.no_such_service", id=service_id), reply_markup=views.menu_keyboard(tx))
        return END
    await answer(update, context)
    if order_kind(service) is OrderKind.UNSUPPORTED:
        await show(update, tx("order.unsupported", type=service.type, panel=context.deps.settings.panel_site), views.menu_keyboard(tx))
        return END
    draft = Draft(service_id=service.id, service_name=service.name, service_type=service.type, account_id=session.account.id)
    keep_draft(context, draft)
    await update.effective_chat.send_message(
        views.link_prompt(tx, service.id, service.name, service.category), reply_markup=keyboards.abort_order(tx, draft.token)
    )
    return LINK


@needs_account
@panel_errors
async def order_command(update: Update, context: BotContext) -> object:
    """`/order 123` starts ordering service 123; `/order words` searches; `/order` alone opens
    the catalogue."""
    service_id = parse_id(context.args[0]) if context.args else None
    if service_id is not None:
        return await start_order(update, context, service_id)
    if context.args:
        await search(update, context, " ".join(context.args))  # /order tiktok views
    else:
        await show_categories(update, context)
    return END


@needs_account
@panel_errors
async def order_button(update: Update, context: BotContext, pressed: OrderService) -> object:
    return await start_order(update, context, pressed.service)


@needs_account
@panel_errors
async def order_again(update: Update, context: BotContext, pressed: OrderAgain) -> object:
    order = await context.deps.db.get_order_by_pk(context.session.tg_id, pressed.order)
    if order is None or not order.service_id:
        return await stale_button(update, context)
    return await start_order(update, context, order.service_id)


async def _draft_gone(update: Update, context: BotContext) -> object:
    """A step whose draft is gone, or behind it (no link at the quantity: a crash between the
    writes of the two, see bot.handlers.conversation): the text is read as if no step were
    pending."""
    await search(update, context, update.effective_message.text or "")
    return END


@needs_account
@panel_errors
async def receive_link(update: Update, context: BotContext) -> object:
    tx = context.session.tx
    draft = current_draft(context)
    if draft is None:
        return await _draft_gone(update, context)
    link = clean_link(update.effective_message.text or "")
    if link is None:
        await update.effective_chat.send_message(tx("order.bad_link"), reply_markup=keyboards.abort_order(tx, draft.token))
        return None
    draft.link = link
    service = await service_of(update, context, draft.service_id)
    if service is None:
        return await catalogue_changed(update, context)
    kind = order_kind(service)
    if kind is OrderKind.PACKAGE:
        draft.quantity = None
        return await show_confirmation(update, context, draft, service)
    keep_draft(context, draft)
    if kind is OrderKind.COMMENTS:
        await update.effective_chat.send_message(
            tx("order.ask_comments", min=tx.number(service.min), max=tx.number(service.max)),
            reply_markup=keyboards.abort_order(tx, draft.token),
        )
        return COMMENTS
    text, keyboard = views.quantity_prompt(tx, service, draft.token)
    await update.effective_chat.send_message(text, reply_markup=keyboard)
    return QUANTITY


async def catalogue_changed(update: Update, context: BotContext) -> object:
    """The draft's service left the catalogue: the order is over."""
    tx = context.session.tx
    context.user_data.pop(DRAFT, None)
    await answer(update, context)
    await update.effective_chat.send_message(tx("order.service_gone"), reply_markup=views.menu_keyboard(tx))
    return END


@needs_account
@panel_errors
async def receive_quantity(update: Update, context: BotContext) -> object:
    draft = current_draft(context)
    if draft is None or draft.link is None:
        return await _draft_gone(update, context)
    return await _accept_quantity(update, context, draft, parse_quantity(update.effective_message.text or ""))


@needs_account
@panel_errors
async def quantity_button(update: Update, context: BotContext, pressed: Quantity) -> object:
    """A quick quantity button (the service's min or max), of the current draft only."""
    draft = current_draft(context)
    if draft is None or draft.token != pressed.token or draft.link is None:
        return await stale_button(update, context)
    return await _accept_quantity(update, context, draft, pressed.quantity)


async def _accept_quantity(update: Update, context: BotContext, draft: Draft, quantity: int | None) -> object:
    tx = context.session.tx
    service = await service_of(update, context, draft.service_id)
    if service is None:
        return await catalogue_changed(update, context)
    await answer(update, context)
    limits = {"min": tx.number(service.min), "max": tx.number(service.max), "step": tx.number(service.step or 1)}
    problem = "order.quantity_not_number" if quantity is None else _QUANTITY_PROBLEMS.get(check_quantity(service, quantity))
    if problem is not None:
        keyboard = views.quantity_prompt(tx, service, draft.token)[1]
        await update.effective_chat.send_message(tx(problem, **limits), reply_markup=keyboard)
        return None
    draft.quantity = quantity
    return await show_confirmation(update, context, draft, service)


@needs_account
@panel_errors
async def receive_comments(update: Update, context: BotContext) -> object:
    tx = context.session.tx
    draft = current_draft(context)
    if draft is None or draft.link is None:
        return await _draft_gone(update, context)
    service = await service_of(update, context, draft.service_id)
    if service is None:
        return await catalogue_changed(update, context)
    lines = comment_lines(update.effective_message.text or "")
    problem = check_quantity(service, len(lines)) if lines else QuantityProblem.BELOW_MIN
    if problem in (QuantityProblem.BELOW_MIN, QuantityProblem.ABOVE_MAX):
        await update.effective_chat.send_message(
            tx("order.comments_count", count=tx.number(len(lines)), min=tx.number(service.min), max=tx.number(service.max)),
            reply_markup=keyboards.abort_order(tx, draft.token),
        )
        return None
    draft.comments = "\n".join(lines)
    draft.quantity = len(lines)
    return await show_confirmation(update, context, draft, service)


async def show_confirmation(update: Update, context: BotContext, draft: Draft, service: Service) -> str:
    """The confirmation card, with a new token: the card's buttons act on this draft only."""
    session = context.session
    tx = session.tx
    draft.renew_token()
    balance = None
    currency = session.account.currency
    try:
        result = await session.api().balance()
        balance, currency = result.amount, result.currency or currency
    except PanelError:
        pass  # the card is still useful without the balance; the panel checks funds at `add`
    # Kept with the order: should its outcome be unknown, the user compares it with the balance then.
    draft.balance, draft.balance_currency = balance, currency
    keep_draft(context, draft)
    comments = draft.quantity if order_kind(service) is OrderKind.COMMENTS else None
    warning = None
    if draft.link:
        running = await running_duplicate(context.deps.db, session.tg_id, session.account.id, draft.link, service.id)
        warning = duplicate_warning(tx, running) if running is not None else None
    text, keyboard = views.confirmation_card(tx, service, draft.link or "", draft.quantity, comments, balance, currency,
                                             draft.token, warning)
    await update.effective_chat.send_message(text, reply_markup=keyboard)
    return CONFIRM
