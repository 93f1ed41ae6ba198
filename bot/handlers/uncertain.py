"""Orders whose outcome is unknown: their card, settling them, and telling users after a restart.

Every button here carries the intent's token, and the intent's state decides what a tap does:
an old card or a second tap on a settled order is told what became of it, never acted on
twice. "It was placed" enters the order conversation's UNCERTAIN_ID step (the next text is the
order's id on the panel); "Place it again" its confirmation, on a new card.
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.error import Forbidden
from telegram.ext import Application

from bot import presentation as views
from bot.callback_data import (
    UncertainAgain,
    UncertainCard,
    UncertainNotPlaced,
    UncertainPlaced,
)
from bot.context import BotContext
from bot.core.forms import form_for
from bot.core.ids import parse_id
from bot.core.panels import read_balance
from bot.core.uncertain import UncertainOrder, draft_again, settle_placed
from bot.handlers import keyboards
from bot.handlers.common import DRAFT, END, answer, chat_of, message_of, panel_errors, show, stale_button, user_data
from bot.handlers.order_draft import UNCERTAIN_ID
from bot.handlers.ordering import catalogue_changed, service_of, show_confirmation, start_order
from bot.handlers.orders import card_of
from bot.handlers.session import needs_account
from bot.panel import PanelAccountApi, PanelError, UnknownOrder
from bot.presentation import Html, Texts
from bot.storage import Account, Intent, IntentState

log = logging.getLogger(__name__)

TOKEN = "uncertain_token"  # user_data: the intent the UNCERTAIN_ID step's id is for


def card(context: BotContext, intent: Intent, **kwargs: Any) -> tuple[Html, InlineKeyboardMarkup]:
    """The card of an order whose outcome is unknown (kwargs: see views.uncertain_card)."""
    return views.uncertain_card(context.session.tx, UncertainOrder.from_intent(intent), context.deps.settings.panel_site, **kwargs)


async def _intent(context: BotContext, token: str) -> Intent | None:
    return await context.deps.db.get_intent(context.session.tg_id, token)


def forget_draft(context: BotContext, token: str) -> None:
    """The confirmation card of this intent is done with: its Confirm must not claim it again."""
    draft = user_data(context).get(DRAFT)
    if isinstance(draft, dict) and draft.get("token") == token:
        user_data(context).pop(DRAFT, None)
    if user_data(context).get(TOKEN) == token:
        user_data(context).pop(TOKEN, None)


async def settled_elsewhere(update: Update, context: BotContext, intent: Intent | None) -> object:
    """A tap on a card whose order is no longer unknown: say what it became."""
    tx = context.session.tx
    if intent is not None and intent.state is IntentState.PLACED:
        await answer(update, context, tx("order.already_placed", id=intent.panel_order_id), alert=True)
    elif intent is not None and UncertainOrder.from_intent(intent).settled_not_placed:
        await answer(update, context, tx("uncertain.already_not_placed"), alert=True)
    elif intent is not None and intent.state is IntentState.SUBMITTING:
        await answer(update, context, tx("order.in_flight"), alert=True)
    else:
        return await stale_button(update, context)
    return None


async def _account_api(context: BotContext, account_id: int) -> tuple[Account, PanelAccountApi] | None:
    """The account the order was sent with, and the panel as seen with its key (the user may have
    changed keys); None when that account was removed."""
    session = context.session
    if session.account is not None and session.account.id == account_id:
        return session.account, session.api()
    account = await context.deps.db.get_account(session.tg_id, account_id)
    return None if account is None else (account, context.deps.panel.account(account.panel_url, account.api_key))


@needs_account
@panel_errors
async def open_card(update: Update, context: BotContext, pressed: UncertainCard) -> object:
    """The card, with the balance now (one call) next to the one seen before Confirm. Also the
    "Back" under the question for the order's id (which leaves that step)."""
    tx = context.session.tx
    intent = await _intent(context, pressed.token)
    if intent is None:
        return await stale_button(update, context)
    item = UncertainOrder.from_intent(intent)
    if item.settled_not_placed:
        await answer(update, context)
        await show(update, *views.uncertain_not_placed_card(tx, item))
        return None
    if intent.state is not IntentState.UNKNOWN:
        return await settled_elsewhere(update, context, intent)
    await answer(update, context, tx("orders.refreshing"))
    balance, failed = None, False
    found = await _account_api(context, intent.account_id)
    try:
        if found is not None:  # read through core, which also remembers it
            result = await read_balance(context.deps.db, found[1], found[0])
            balance = (result.amount, result.currency)
    except PanelError as error:
        log.info("balance for an unknown order of user %s: %s", context.session.tg_id, error.code)
        failed = True
    await show(update, *card(context, intent, balance_now=balance, balance_failed=failed))
    return None


@needs_account
async def placed(update: Update, context: BotContext, pressed: UncertainPlaced) -> object:
    """"It was placed": the next message is its id on the panel (UNCERTAIN_ID)."""
    intent = await _intent(context, pressed.token)
    if intent is None or intent.state is not IntentState.UNKNOWN:
        return await settled_elsewhere(update, context, intent)
    tx = context.session.tx
    await answer(update, context)
    user_data(context)[TOKEN] = intent.token
    await chat_of(update).send_message(tx("uncertain.ask_id"), reply_markup=keyboards.back_to_uncertain_card(tx, intent.token))
    return UNCERTAIN_ID


@needs_account
@panel_errors
async def receive_order_id(update: Update, context: BotContext) -> object:
    """The id the user found on the panel's website: one `status` call, then the order is stored
    and followed like any other. A wrong id stores nothing and is asked again."""
    session = context.session
    tx = session.tx
    db = context.deps.db
    chat = chat_of(update)
    token = user_data(context).get(TOKEN)
    intent = await _intent(context, token) if isinstance(token, str) else None
    if intent is None or intent.state is not IntentState.UNKNOWN:
        return await _no_longer_unknown(update, context, intent)
    back = keyboards.back_to_uncertain_card(tx, intent.token)
    order_id = parse_id(message_of(update).text or "")
    if order_id is None:
        await chat.send_message(tx("uncertain.bad_id"), reply_markup=back)
        return None
    known = await db.get_order(session.tg_id, order_id, account_id=intent.account_id)
    if known is not None and known.service_id is not None:  # another order the bot placed or settled
        await chat.send_message(tx("uncertain.id_taken", id=order_id), reply_markup=back)
        return None
    found = await _account_api(context, intent.account_id)
    if found is None:  # the account was removed (and its intents with it) meanwhile
        return await _no_longer_unknown(update, context, None)
    _, api = found
    await chat.send_chat_action("typing")
    try:
        order, _ = await settle_placed(db, api, session.tg_id, intent, order_id)
    except UnknownOrder:
        await chat.send_message(tx("uncertain.wrong_id", id=order_id), reply_markup=back)
        return None
    if order is None:  # settled some other way meanwhile
        return await _no_longer_unknown(update, context, await _intent(context, intent.token))
    forget_draft(context, intent.token)
    context.deps.track_soon()
    reply, keyboard = await card_of(context, order, tx("uncertain.recorded", id=order.panel_order_id))
    await chat.send_message(reply, reply_markup=keyboard)
    return END


async def _no_longer_unknown(update: Update, context: BotContext, intent: Intent | None) -> object:
    """An id typed for an order settled meanwhile (or gone): say what it became, leave the step."""
    tx = context.session.tx
    user_data(context).pop(TOKEN, None)
    if intent is None:
        reply, keyboard = views.main_menu(tx, tx("stale.menu"))
    elif intent.state is IntentState.PLACED:
        reply, keyboard = tx("order.already_placed", id=intent.panel_order_id), views.menu_keyboard(tx)
    else:
        reply, keyboard = tx("uncertain.already_not_placed"), views.menu_keyboard(tx)
    await chat_of(update).send_message(reply, reply_markup=keyboard)
    return END


@needs_account
async def not_placed(update: Update, context: BotContext, pressed: UncertainNotPlaced) -> object:
    """"It was not placed": settled so; only now may it be ordered again."""
    db = context.deps.db
    intent = await _intent(context, pressed.token)
    if intent is not None and intent.state is IntentState.UNKNOWN:
        await db.settle_intent_not_placed(context.session.tg_id, intent.token)
        intent = await _intent(context, intent.token)
    if intent is None or not UncertainOrder.from_intent(intent).settled_not_placed:
        return await settled_elsewhere(update, context, intent)
    forget_draft(context, intent.token)
    await answer(update, context)
    await show(update, *views.uncertain_not_placed_card(context.session.tx, UncertainOrder.from_intent(intent)))
    return None


@needs_account
@panel_errors
async def again(update: Update, context: BotContext, pressed: UncertainAgain) -> object:
    """An order the user settled as not placed, on a new confirmation card (a new token: the
    settled intent is never claimed again)."""
    session = context.session
    intent = await _intent(context, pressed.token)
    item = UncertainOrder.from_intent(intent) if intent is not None else None
    if item is None or not item.settled_not_placed:
        return await settled_elsewhere(update, context, intent)
    if item.account_id != session.active_account().id:
        await answer(update, context, session.tx("uncertain.other_account"), alert=True)
        return None
    draft = draft_again(item, session.active_account().id)
    service = await service_of(update, context, draft.service_id) if draft is not None else None
    if draft is None or service is None:
        return await catalogue_changed(update, context)
    form = form_for(service)
    if form is None or form.check(service, draft.form_values()) is not None:
        return await start_order(update, context, service.id)  # the service changed: ask afresh
    await answer(update, context)
    return await show_confirmation(update, context, draft, service)


async def tell_interrupted(application: Application, intents: list[Intent]) -> None:
    """After a start-up that found orders cut off mid-sending: tell each user, with the card."""
    deps = application.bot_data["deps"]
    for intent in intents:
        try:
            user = await deps.db.get_user(intent.tg_id)
            if user is None or user.blocked:
                continue
            tx = Texts.for_user(deps.i18n, user)
            item = UncertainOrder.from_intent(intent)
            text, keyboard = views.uncertain_card(tx, item, deps.settings.panel_site, lead=tx("uncertain.after_restart"))
            await application.bot.send_message(intent.tg_id, text, reply_markup=keyboard)
        except Forbidden:
            await deps.db.set_blocked(intent.tg_id, True)
        except Exception:  # one user's failure must not keep the others uninformed
            # Still listed in their /orders: nothing is lost if this message is.
            log.exception("could not tell user %s about an interrupted order", intent.tg_id)
