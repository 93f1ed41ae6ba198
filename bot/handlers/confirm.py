"""The confirmation card's Confirm (placed exactly once) and Cancel (also under each question);
its Edit is bot.handlers.order_edit's.

They are entry points of the order conversation as well as its CONFIRM step's: a card stays
usable while it is the draft's current one, even after the user looked elsewhere meanwhile.
A tap on any other card (an older draft, a placed order) is told what became of that card's
order, never acted on.
"""

from __future__ import annotations

from telegram import Update

from bot import presentation as views
from bot.callback_data import AbortOrder, Confirm
from bot.context import BotContext
from bot.core.forms import form_for
from bot.core.ordering import Draft, Outcome, place_order
from bot.core.panels import read_balance
from bot.handlers import uncertain
from bot.handlers.common import (
    DRAFT,
    END,
    answer,
    panel_error_text,
    panel_errors,
    show,
    user_data,
)
from bot.handlers.order_draft import CONFIRM, current_draft
from bot.handlers.order_prompts import old_step, tell_dropped
from bot.handlers.ordering import catalogue_changed, confirmation, service_of
from bot.handlers.orders import card_of
from bot.handlers.session import needs_account
from bot.panel import NotEnoughFunds, PanelError, Service
from bot.presentation.ordering import refusal_note, top_up_url, with_top_up
from bot.storage import IntentState

_OUTCOME_OF_INTENT = {
    IntentState.PLACED: Outcome.ALREADY_PLACED,
    IntentState.UNKNOWN: Outcome.UNKNOWN,
    IntentState.SUBMITTING: Outcome.IN_FLIGHT,
}


@needs_account
@panel_errors
async def confirm(update: Update, context: BotContext, pressed: Confirm) -> object:
    session = context.session
    tx = session.tx
    draft = _card_draft(context, pressed.token)
    if draft is None:
        return await old_card(update, context, pressed.token)
    service = await service_of(update, context, draft.service_id)
    if service is None:
        return await catalogue_changed(update, context)
    result = await place_order(context.deps.db, session.api(), session.tg_id, draft, service, session.active_account().currency,
                               before_sending=lambda: answer(update, context, tx("confirm.placing")))
    if result.outcome is Outcome.PLACED:
        user_data(context).pop(DRAFT, None)
        context.deps.track_soon()
        if result.order is None:  # placed, but our own record of it failed: the number matters most
            await show(update, tx("order.placed_unrecorded", id=result.panel_order_id), views.menu_keyboard(tx))
        else:
            await show(update, *await card_of(context, result.order, tx("order.placed", id=result.panel_order_id)))
        return END
    if result.outcome is Outcome.FAILED and result.owned:  # the panel refused it: the same card, to retry
        assert result.error is not None  # an order this call owned fails with the panel's error (core.ordering)
        return await _refused(update, context, draft, service, result.error)
    if result.outcome is Outcome.INVALID:  # nothing was sent: say why, and offer to edit it
        await answer(update, context)
        await show(update, *views.invalid_order(tx, result.problem, draft.token))
        return CONFIRM
    if result.owned:  # our own `add` got no definite answer
        user_data(context).pop(DRAFT, None)
        intent = await context.deps.db.get_intent(session.tg_id, draft.token)
        if intent is None:  # cannot happen: the claim stored it
            await show(update, tx("order.unknown"), views.menu_keyboard(tx))
        else:  # the card keeps what was ordered, says what happened and how to settle it
            await show(update, *uncertain.card(context, intent, lead=tx("order.unknown")))
        return END
    if result.outcome is Outcome.UNKNOWN:  # claimed before (e.g. by a tap cut off by a restart)
        user_data(context).pop(DRAFT, None)
        await _report(update, context, result.outcome, result.panel_order_id)
        return END
    return await _report(update, context, result.outcome, result.panel_order_id)


async def _refused(update: Update, context: BotContext, draft: Draft, service: Service, error: PanelError) -> object:
    """The panel definitely refused the order: the same card, to retry, saying why and what can
    fix it; for missing funds, the balance now and what is missing, and a link to the panel's
    add-funds page."""
    session = context.session
    tx = session.tx
    account = session.active_account()
    balance, currency, url = None, account.currency, None
    if isinstance(error, NotEnoughFunds):
        try:
            now = await read_balance(context.deps.db, session.api(), account)
            balance, currency = now.amount, now.currency or currency
        except PanelError:  # the balance the card showed, then
            balance, currency = draft.balance, draft.balance_currency or currency
        url = top_up_url(account.panel_url)
    values, form = draft.form_values(), form_for(service)
    charge = form.charge(service, values) if form is not None else None
    note = refusal_note(tx, error, service, values, balance, charge, currency) \
        or tx("order.failed", reason=panel_error_text(context, error))
    # The balance is in the note (with what is missing), not on the card a second time.
    text, keyboard = confirmation(tx, service, draft, None, currency, note)
    await show(update, text, with_top_up(tx, keyboard, url) if url else keyboard)
    return CONFIRM


async def _report(update: Update, context: BotContext, outcome: Outcome, order_id: int | None) -> object:
    """A tap that did not place the order (a double tap, an old card): say what became of it.

    The answer is an alert on the tap itself; the card it was tapped on is left as it is,
    since it may already show the placed order. The user stays at their step.
    """
    tx = context.session.tx
    if outcome is Outcome.ALREADY_PLACED:
        await answer(update, context, tx("order.already_placed", id=order_id), alert=True)
    elif outcome is Outcome.UNKNOWN:
        await answer(update, context, tx("order.unknown"), alert=True)
    elif outcome is Outcome.FAILED:
        await answer(update, context, tx("order.not_placed"), alert=True)
    else:
        await answer(update, context, tx("order.in_flight"), alert=True)
    return None


async def old_card(update: Update, context: BotContext, token: str) -> object:
    """A tap on a confirmation card that is not the current draft's."""
    intent = await context.deps.db.get_intent(context.session.tg_id, token)
    outcome = _OUTCOME_OF_INTENT.get(intent.state) if intent is not None else None
    if intent is None or outcome is None:  # never confirmed, or failed and since replaced by a newer card
        if await tell_dropped(update, context, token):
            return None  # the order in progress, if any, stays at its step
        return await old_step(update, context)
    return await _report(update, context, outcome, intent.panel_order_id)


def _card_draft(context: BotContext, token: str) -> Draft | None:
    """The current draft, if `token` (a button's) is its own."""
    draft = current_draft(context)
    return draft if draft is not None and draft.token == token else None


async def abort(update: Update, context: BotContext, pressed: AbortOrder) -> object:
    """Cancel on the card, or under a question of the form: nothing was sent."""
    tx = context.session.tx
    draft = _card_draft(context, pressed.token)
    if draft is None:
        return await old_card(update, context, pressed.token)
    await answer(update, context)
    user_data(context).pop(DRAFT, None)
    await show(update, *views.main_menu(tx, tx("order.aborted")))
    return END
