"""Orders whose outcome is unknown: their card, settling them, and telling users after a restart.

Every button here carries the intent's token, and the intent's state decides what a tap does:
an old card or a second tap on a settled order is told what became of it, never acted on
twice. Ordering it again (once settled as not placed) lives in `ordering.uncertain_again`.
"""

from __future__ import annotations

import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import Forbidden
from telegram.ext import Application

from bot.context import BotContext
from bot.core.ids import parse_id
from bot.core.uncertain import UncertainOrder, settle_placed
from bot.presentation import callbacks as cb
from bot import presentation as views
from bot.handlers.account import require_account
from bot.handlers.common import DRAFT, STEP, Session, answer, panel_errors, show
from bot.handlers.start import stale_button
from bot.presentation import Html, Texts
from bot.panel import PanelError, UnknownOrder
from bot.storage import Intent, IntentState

log = logging.getLogger(__name__)

STEP_ORDER_ID = "uncertain_id"  # the next text is the panel's id of an order whose outcome is unknown
TOKEN = "uncertain_token"  # user_data: the intent that id is for


def _tx(context: BotContext, session: Session) -> Texts:
    return Texts(context.deps.i18n, session.lang)


def card(context: BotContext, tx: Texts, intent: Intent, **kwargs) -> tuple[Html, InlineKeyboardMarkup]:
    """The card of an order whose outcome is unknown (kwargs: see views.uncertain_card)."""
    return views.uncertain_card(tx, UncertainOrder.from_intent(intent), context.deps.settings.panel_site, **kwargs)


async def _tapped_intent(update: Update, context: BotContext, session: Session) -> Intent | None:
    token = (cb.args(update.callback_query.data) or [""])[0]
    return await context.deps.db.get_intent(session.tg_id, token) if token else None


def forget_draft(context: BotContext, token: str) -> None:
    """The confirmation card of this intent is done with: its Confirm must not claim it again."""
    draft = context.user_data.get(DRAFT)
    if isinstance(draft, dict) and draft.get("token") == token:
        context.user_data.pop(DRAFT, None)
        context.user_data.pop(STEP, None)
    if context.user_data.get(TOKEN) == token:
        context.user_data.pop(TOKEN, None)
        if context.user_data.get(STEP) == STEP_ORDER_ID:
            context.user_data.pop(STEP, None)


async def settled_elsewhere(update: Update, context: BotContext, tx: Texts, intent: Intent | None) -> None:
    """A tap on a card whose order is no longer unknown: say what it became."""
    if intent is not None and intent.state is IntentState.PLACED:
        await answer(update, tx("order.already_placed", id=intent.panel_order_id), alert=True)
    elif intent is not None and UncertainOrder.from_intent(intent).settled_not_placed:
        await answer(update, tx("uncertain.already_not_placed"), alert=True)
    elif intent is not None and intent.state is IntentState.SUBMITTING:
        await answer(update, tx("order.in_flight"), alert=True)
    else:
        await stale_button(update, context)


async def _api(context: BotContext, session: Session, account_id: int):
    """The panel as seen with the key the order was sent with (the user may have changed keys)."""
    if session.account is not None and session.account.id == account_id:
        return session.api(context)
    account = await context.deps.db.get_account(session.tg_id, account_id)
    return None if account is None else context.deps.panel.account(account.panel_url, account.api_key)


@panel_errors
async def open_card(update: Update, context: BotContext) -> None:
    """`uo:<token>`: the card, with the balance now (one call) next to the one seen before Confirm."""
    session = await require_account(update, context)
    if session is None:
        return
    tx = _tx(context, session)
    intent = await _tapped_intent(update, context, session)
    if intent is None:
        await stale_button(update, context)
        return
    item = UncertainOrder.from_intent(intent)
    if item.settled_not_placed:
        await answer(update)
        await show(update, *views.uncertain_not_placed_card(tx, item))
        return
    if intent.state is not IntentState.UNKNOWN:
        await settled_elsewhere(update, context, tx, intent)
        return
    await answer(update, tx("orders.refreshing"))
    if context.user_data.get(STEP) == STEP_ORDER_ID:  # "Back" from typing the id
        context.user_data.pop(STEP, None)
    balance, failed = None, False
    api = await _api(context, session, intent.account_id)
    try:
        if api is not None:
            result = await api.balance()
            balance = (result.amount, result.currency)
    except PanelError as error:
        log.info("balance for an unknown order of user %s: %s", session.tg_id, error.code)
        failed = True
    await show(update, *card(context, tx, intent, balance_now=balance, balance_failed=failed))


def _back_to_card(tx: Texts, token: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(tx.plain("button.back"), callback_data=cb.data(cb.UNCERTAIN, token))]])


@panel_errors
async def placed_button(update: Update, context: BotContext) -> None:
    """`up:<token>`: "it was placed": the next message is its id on the panel."""
    session = await require_account(update, context)
    if session is None:
        return
    tx = _tx(context, session)
    intent = await _tapped_intent(update, context, session)
    if intent is None or intent.state is not IntentState.UNKNOWN:
        await settled_elsewhere(update, context, tx, intent)
        return
    await answer(update)
    context.user_data[STEP] = STEP_ORDER_ID
    context.user_data[TOKEN] = intent.token
    await update.effective_chat.send_message(tx("uncertain.ask_id"), reply_markup=_back_to_card(tx, intent.token))


async def receive_order_id(update: Update, context: BotContext, session: Session, text: str) -> None:
    """The id the user found on the panel's website: one `status` call, then the order is stored
    and followed like any other. A wrong id stores nothing and is asked again."""
    tx = _tx(context, session)
    db = context.deps.db
    chat = update.effective_chat
    token = context.user_data.get(TOKEN)
    intent = await db.get_intent(session.tg_id, token) if isinstance(token, str) else None
    if intent is None or intent.state is not IntentState.UNKNOWN:
        await _no_longer_unknown(update, context, tx, intent)
        return
    order_id = parse_id(text)
    if order_id is None:
        await chat.send_message(tx("uncertain.bad_id"), reply_markup=_back_to_card(tx, intent.token))
        return
    known = await db.get_order(session.tg_id, order_id, account_id=intent.account_id)
    if known is not None and known.service_id is not None:  # another order the bot placed or settled
        await chat.send_message(tx("uncertain.id_taken", id=order_id), reply_markup=_back_to_card(tx, intent.token))
        return
    api = await _api(context, session, intent.account_id)
    if api is None:  # the account was removed (and its intents with it) meanwhile
        await _no_longer_unknown(update, context, tx, None)
        return
    await chat.send_chat_action("typing")
    try:
        order, _ = await settle_placed(db, api, session.tg_id, intent, order_id)
    except UnknownOrder:
        await chat.send_message(tx("uncertain.wrong_id", id=order_id), reply_markup=_back_to_card(tx, intent.token))
        return
    if order is None:  # settled some other way meanwhile
        await _no_longer_unknown(update, context, tx, await db.get_intent(session.tg_id, intent.token))
        return
    forget_draft(context, intent.token)
    context.deps.on_order_placed(context, order)
    reply, keyboard = views.order_card(tx, order, tx("uncertain.recorded", id=order.panel_order_id))
    await chat.send_message(reply, reply_markup=keyboard)


async def _no_longer_unknown(update: Update, context: BotContext, tx: Texts, intent: Intent | None) -> None:
    """An id typed for an order settled meanwhile (or gone): say what it became, leave the step."""
    context.user_data.pop(STEP, None)
    context.user_data.pop(TOKEN, None)
    if intent is None:
        reply, keyboard = views.main_menu(tx, tx("stale.menu"))
    elif intent.state is IntentState.PLACED:
        reply, keyboard = tx("order.already_placed", id=intent.panel_order_id), views.menu_keyboard(tx)
    else:
        reply, keyboard = tx("uncertain.already_not_placed"), views.menu_keyboard(tx)
    await update.effective_chat.send_message(reply, reply_markup=keyboard)


@panel_errors
async def not_placed_button(update: Update, context: BotContext) -> None:
    """`un:<token>`: "it was not placed": settled so; only now may it be ordered again."""
    session = await require_account(update, context)
    if session is None:
        return
    tx = _tx(context, session)
    db = context.deps.db
    intent = await _tapped_intent(update, context, session)
    if intent is not None and intent.state is IntentState.UNKNOWN:
        await db.settle_intent_not_placed(session.tg_id, intent.token)
        intent = await db.get_intent(session.tg_id, intent.token)
    if intent is None or not UncertainOrder.from_intent(intent).settled_not_placed:
        await settled_elsewhere(update, context, tx, intent)
        return
    forget_draft(context, intent.token)
    await answer(update)
    await show(update, *views.uncertain_not_placed_card(tx, UncertainOrder.from_intent(intent)))


async def tell_interrupted(application: Application, intents: list[Intent]) -> None:
    """After a start-up that found orders cut off mid-sending: tell each user, with the card."""
    deps = application.bot_data["deps"]
    for intent in intents:
        try:
            user = await deps.db.get_user(intent.tg_id)
            if user is None or user.blocked:
                continue
            tx = Texts(deps.i18n, user.language)
            item = UncertainOrder.from_intent(intent)
            text, keyboard = views.uncertain_card(tx, item, deps.settings.panel_site, lead=tx("uncertain.after_restart"))
            await application.bot.send_message(intent.tg_id, text, reply_markup=keyboard)
        except Forbidden:
            await deps.db.set_blocked(intent.tg_id, True)
        except Exception:  # one user's failure must not keep the others uninformed
            # Still listed in their /orders: nothing is lost if this message is.
            log.exception("could not tell user %s about an interrupted order", intent.tg_id)
