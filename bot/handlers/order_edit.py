"""Changing an order before Confirm (issue 18), every other answer kept:

- text typed at the card: a number changes the quantity, a link the link, and for a service
  whose quantity is counted from lines (comments, usernames) the text replaces those lines (a
  number alone there is told that the quantity is the number of lines);
- the card's Edit: one button per question of the service's form; the chosen question alone is
  asked again (bot.handlers.ordering.ask_field), then the card comes back;
- Order again on an order's card: the confirmation card with that order's answers, re-checked
  against the service as the panel sells it now;
- a Telegram edit of the message that answered a question: that question answered again (then
  the card, or the question pending). Other edits at a question or the card are answered with
  "send it as a new message"; edits elsewhere are ignored, and one holding a key is deleted
  before any of this (bot.handlers.key_guard).
"""

from __future__ import annotations

import re

from telegram import Update

from bot.callback_data import EditBack, EditField, EditOrder, OrderAgain
from bot.context import BotContext
from bot.core.forms import OrderForm, Problem, form_for, render
from bot.core.forms.inputs import LinesInput, LinkInput
from bot.core.forms.reading import clean_url
from bot.core.ordering import Draft, answers_of_order
from bot.core.platforms import pasted_link
from bot.handlers.common import answer, chat_of, message_of, panel_errors, show, stale_button
from bot.handlers.confirm import old_card
from bot.handlers.long_answers import continues_answer, note_answer
from bot.handlers.order_draft import CONFIRM, current_draft, keep_draft
from bot.handlers.ordering import (
    Drafted,
    ask_field,
    ask_next,
    catalogue_changed,
    confirmation,
    draft_gone,
    drafted,
    service_of,
    show_confirmation,
    start_order,
    take,
)
from bot.handlers.session import needs_account
from bot.i18n import Html
from bot.panel import Service
from bot.presentation.ordering import edit_menu

# What reads as a number (1000, 1.000, 1,000, 1 000, 1k): tried as the quantity, refused with
# the reason if it is not one (0, below the minimum).
_NUMBER_RE = re.compile(r"(?=.*\d)[\d\s.,]+k?", re.IGNORECASE)


async def _card_state(update: Update, context: BotContext) -> Drafted | object:
    """The draft at its card, its service and form; or, when there is none, what was answered."""
    found = await drafted(update, context)
    if not isinstance(found, Drafted):
        return found
    if found.draft.editing is not None or found.form.next_ask(found.service, found.draft.form_values()) is not None:
        return await draft_gone(update, context)  # not at its card: a crash between two writes
    return found


async def _tapped(update: Update, context: BotContext, token: str) -> Drafted | object:
    """The draft a button of its card or of Edit (`token`) acts on; or, for another draft's
    button or a service gone from the catalogue, what was answered."""
    draft = current_draft(context)
    if draft is None or draft.token != token:
        return await old_card(update, context, token)
    service = await service_of(update, context, draft.service_id)
    form = form_for(service) if service is not None else None
    if service is None or form is None:
        return await catalogue_changed(update, context)
    return Drafted(draft, service, form)


def _changed_by(form: OrderForm, service: Service, draft: Draft, text: str) -> str | None:
    """The question text typed at the card answers: the quantity (a number), the link (a web
    address), or the lines the quantity is counted from (comments); None for anything else."""
    quantity = form.field("quantity")
    # A number is meant as a quantity: never a link ("3.000"), nor the comments (one line "5").
    if _NUMBER_RE.fullmatch(text.strip()):
        return quantity.name if quantity is not None and quantity.applies(service, draft.form_values()) else None
    target = form.field(form.target)
    # A bare address (shopee.vn) or one too long for the form is a link all the same, read as
    # outside an order: the form then takes it, or says why not.
    if target is not None and isinstance(target.input, LinkInput) and (clean_url(text) or pasted_link(text)):
        return target.name
    return form.quantity_from


@needs_account
@panel_errors
async def typed_at_card(update: Update, context: BotContext) -> object:
    """Text typed at the card changes the answer it reads as; anything else is told what can be
    typed there. The user stays at the card either way."""
    found = await _card_state(update, context)
    if not isinstance(found, Drafted):
        return found
    draft, service, form = found
    tx = context.session.tx
    message = message_of(update)
    text = message.text or ""
    name = _changed_by(form, service, draft, text)
    if name is not None:
        if name == form.target:
            text = pasted_link(text) or text  # shopee.vn -> https://shopee.vn, as a link pasted elsewhere
        joined = name == form.quantity_from and continues_answer(context, draft, name, message)
        if joined:  # the next part of a long list Telegram cut: added to the list, not replacing it
            field = form.field(name)
            before = draft.form_values().get(name)
            if field is not None and isinstance(field.input, LinesInput) and isinstance(before, list):
                text = field.input.as_text(before) + "\n" + text
        note_answer(context, name, message)
        changed = "order.lines_joined" if joined else "order.changed"
        return await change_answer(update, context, draft, service, form, name, text, message.message_id, changed=changed)
    has_quantity = form.field("quantity") is not None
    number = _NUMBER_RE.fullmatch(text.strip()) is not None
    lines = form.field(form.quantity_from) if form.quantity_from is not None else None
    if number and lines is not None:  # its quantity is the number of lines sent
        hint = tx("order.quantity_is_lines", label=tx.plain(lines.label))
    elif number and not has_quantity:
        hint = tx("order.no_quantity")
    else:
        hint = tx("order.card_hint" if has_quantity else "order.card_hint_no_quantity")
    await chat_of(update).send_message(hint)
    return None  # still at the card, which is still valid


async def change_answer(update: Update, context: BotContext, draft: Draft, service: Service, form: OrderForm,
                        name: str, text: str, message_id: int | None, *, changed: str = "order.changed") -> object:
    """Question `name` answered again with `text`, the rest kept: the card again, saying what
    changed (the `changed` text), or why `text` was refused (the card then is as it was)."""
    tx = context.session.tx
    field = form.field(name)
    label = tx.plain(field.label) if field is not None else name
    result = form.answer(service, draft.form_values(), name, text)
    if isinstance(result, Problem):
        note = tx("order.not_changed", label=label, reason=Html(render(result.msg, tx)))
        return await show_confirmation(update, context, draft, service, note=note)
    draft.set_values(form, service, result)
    if message_id is not None:
        draft.answered[name] = message_id
    if form.next_ask(service, draft.form_values()) is not None:  # the new answer brings in a question
        return await ask_next(update, context, draft, service, form)
    return await show_confirmation(update, context, draft, service, note=tx(changed, label=label))


# --- Edit ------------------------------------------------------------------------------------------

@needs_account
@panel_errors
async def edit(update: Update, context: BotContext, pressed: EditOrder) -> object:
    """The card's Edit: which answer to change (one button per question of the form)."""
    found = await _tapped(update, context, pressed.token)
    if not isinstance(found, Drafted):
        return found
    draft, service, form = found
    await answer(update, context)
    tx = context.session.tx
    values = draft.form_values()
    fields = [(f.name, f.label) for f in form.fields_for(service, values)]
    card = form.card(service, values, draft.balance_currency or context.session.active_account().currency)
    await show(update, *edit_menu(tx, service, card, fields, draft.token))
    return CONFIRM


@needs_account
@panel_errors
async def edit_field(update: Update, context: BotContext, pressed: EditField) -> object:
    """A question chosen under Edit: asked again alone."""
    found = await _tapped(update, context, pressed.token)
    if not isinstance(found, Drafted):
        return found
    draft, service, form = found
    await answer(update, context)
    await show(update, context.session.tx("order.editing"), None)  # the menu is done with
    return await ask_field(update, context, draft, service, form, pressed.field)


@needs_account
@panel_errors
async def edit_back(update: Update, context: BotContext, pressed: EditBack) -> object:
    """Back to the card, unchanged: in place of Edit's menu, or after a question asked again."""
    found = await _tapped(update, context, pressed.token)
    if not isinstance(found, Drafted):
        return found
    draft, service, form = found
    await answer(update, context)
    if draft.editing is None:  # Edit's menu: it becomes the card again
        tx = context.session.tx
        await show(update, *confirmation(tx, service, draft, draft.balance, draft.balance_currency))
        return CONFIRM
    draft.editing = None
    keep_draft(context, draft)
    await show(update, context.session.tx("order.edit_kept"), None)  # the question's buttons are done with
    return await ask_next(update, context, draft, service, form)


@needs_account
@panel_errors
async def receive_edit(update: Update, context: BotContext) -> object:
    """The answer to a question asked again from Edit."""
    draft = current_draft(context)
    if draft is None or draft.editing is None:
        return await draft_gone(update, context)
    service = await service_of(update, context, draft.service_id)
    if service is None:
        return await catalogue_changed(update, context)
    form = form_for(service)
    if form is None:
        return await draft_gone(update, context)
    message = message_of(update)
    note_answer(context, draft.editing, message)
    return await take(update, context, draft, service, form, draft.editing, message.text or "", message.message_id)


# --- Telegram edits ----------------------------------------------------------------------------------

@needs_account
@panel_errors
async def edited_answer(update: Update, context: BotContext) -> object:
    """A Telegram edit of the message that answered a question: that question answered again,
    the rest kept. At the card, the card again; during the questions, the pending one again."""
    message = update.edited_message
    draft = current_draft(context)
    if message is None or draft is None:
        return await edit_not_read(update, context)
    name = next((field for field, sent in draft.answered.items() if sent == message.message_id), None)
    service = await service_of(update, context, draft.service_id) if name is not None else None
    form = form_for(service) if service is not None else None
    values = draft.form_values()
    field = form.field(name) if form is not None and name is not None else None
    if service is None or form is None or field is None or name not in values or not field.applies(service, values):
        return await edit_not_read(update, context)  # not an answer of this draft (any more)
    if draft.editing is None and form.next_ask(service, values) is None:  # at the card
        return await change_answer(update, context, draft, service, form, field.name, message.text or "", message.message_id)
    tx = context.session.tx
    result = form.answer(service, values, field.name, message.text or "")
    if isinstance(result, Problem):  # the question pending (its prompt above) stays
        reason = Html(render(result.msg, tx))
        await chat_of(update).send_message(tx("order.not_changed", label=tx.plain(field.label), reason=reason))
        return None
    draft.set_values(form, service, result)
    draft.answered[field.name] = message.message_id
    await chat_of(update).send_message(tx("order.changed", label=tx.plain(field.label)))
    if draft.editing is not None and draft.editing != field.name:
        return await ask_field(update, context, draft, service, form, draft.editing)
    draft.editing = None
    return await ask_next(update, context, draft, service, form)


@needs_account
async def edit_not_read(update: Update, context: BotContext) -> object:
    """An edit during the order that is not taken: the user learns to send it anew."""
    await chat_of(update).send_message(context.session.tx("order.edit_not_read"))
    return None  # the step stays


# --- Order again -------------------------------------------------------------------------------------

@needs_account
@panel_errors
async def order_again(update: Update, context: BotContext, pressed: OrderAgain) -> object:
    """The confirmation card with the order's answers, each re-checked against the service as it
    is now; an answer no longer valid (the minimum went up) is asked again, with the reason. An
    order of another of the user's panels: switch to it first (its text is Send again's)."""
    session = context.session
    order = await context.deps.db.get_order_by_pk(session.tg_id, pressed.order)
    if order is None or not order.service_id:
        return await stale_button(update, context)
    account = session.active_account()
    if order.account_id != account.id:  # service ids are each panel's own: not this panel's service
        await answer(update, context, session.tx("send_again.other_panel"), alert=True)
        return None
    service = await service_of(update, context, order.service_id)
    form = form_for(service) if service is not None else None
    if service is None:
        # Said on the tap: the order's card keeps its buttons (Refresh, Refill), and an order in
        # progress stays at its step.
        await answer(update, context, session.tx("order.service_gone"), alert=True)
        return None
    if form is None:
        return await start_order(update, context, order.service_id)  # says why
    values = await answers_of_order(context.deps.db, session.tg_id, order, form)
    await answer(update, context)
    draft = Draft(service_id=service.id, service_name=service.name, service_type=service.type, account_id=account.id)
    found = form.first_problem(service, values)
    if found is not None:  # asked again, the answers before it kept
        name, problem = found
        values.pop(name, None)
        keep = {f.name for f in form.fields_for(service, values)}
        draft.set_values(form, service, {k: v for k, v in values.items() if k in keep})
        return await ask_next(update, context, draft, service, form, None if problem.code == "missing" else problem)
    for optional in form.fields_for(service, values):  # an optional question not answered then is not now
        values.setdefault(optional.name, None)
    draft.set_values(form, service, values)
    # What typed at this card changes (bot.handlers.order_edit.typed_at_card): the quantity, the
    # lines it is counted from (comments, usernames), or nothing (a package).
    if form.quantity_from is not None:
        note = "order.again_lines"
    else:
        note = "order.again_quantity" if form.field("quantity") is not None else "order.again"
    return await show_confirmation(update, context, draft, service, note=session.tx(note, id=order.panel_order_id))

