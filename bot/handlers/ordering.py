"""The order conversation: service -> the questions of its type's form -> confirmation.

Every order type is asked the same way (bot.core.forms): the form says which question comes
next, reads the answer (or a Skip, or a button among its choices) and, once every question has
its answer, gives the confirmation card's rows. The steps, states of the "order" conversation
(bot.handlers.flows; their names in bot.handlers.order_draft):
    LINK          the form's next question is the link
    QUANTITY      ... the quantity (or a quick button)
    COMMENTS      ... the comments, one per line
    FIELD         ... any other question (usernames, runs, delay, expiry...)
    CONFIRM       the card is shown (its Confirm and Cancel: bot.handlers.confirm); its Edit,
                  and text typed at it, change the order (a number the quantity, a link the
                  link, lines the comments: bot.handlers.order_edit)
    EDIT_FIELD    one question asked again from the card's Edit, the other answers kept
    UNCERTAIN_ID  the panel's id of an order whose outcome is unknown (bot.handlers.uncertain)

The order being prepared is the draft in user_data (DRAFT): the conversation says where the
user is, the draft what they answered. A step whose draft is elsewhere (a crash between the
writes of the two) reads the text as a search rather than as the answer to another question.
Every button of the draft's messages carries its token, so a button of an older draft is told
apart from the current one's. Its messages in the chat (only the current step keeps buttons):
bot.handlers.order_prompts; answers Telegram cut in parts: bot.handlers.long_answers.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from decimal import Decimal
from typing import Any, NamedTuple

from telegram import InlineKeyboardMarkup as Keyboard
from telegram import Update

from bot import presentation as views
from bot.callback_data import FormChoice, FormSkip, LinkService, OrderService, Quantity
from bot.context import BotContext
from bot.core.forms import Ask, OrderForm, Problem, form_for, render
from bot.core.history import running_duplicate
from bot.core.ids import parse_id
from bot.core.ordering import Draft
from bot.core.panels import balance_if_known, panel_names
from bot.handlers.catalogue import PASTED_LINKS, load_catalogue, search, show_categories
from bot.handlers.common import (
    DRAFT,
    END,
    answer,
    chat_of,
    message_of,
    panel_errors,
    recall,
    remove_buttons,
    show,
    stale_button,
    user_data,
)
from bot.handlers.long_answers import LONG_ANSWER, joined_answer
from bot.handlers.order_draft import (
    CONFIRM,
    EDIT_FIELD,
    current_draft,
    keep_draft,
    state_of_field,
)
from bot.handlers.order_prompts import old_step, outgoing_prompt, send_prompt, tell_dropped
from bot.handlers.session import needs_account
from bot.i18n import Html
from bot.panel import Service
from bot.presentation.catalogue import service_type_label
from bot.presentation.history import duplicate_warning
from bot.presentation.ordering import edit_prompt


async def service_of(update: Update, context: BotContext, service_id: int) -> Service | None:
    return (await load_catalogue(update, context)).service(service_id)


async def start_order(update: Update, context: BotContext, service_id: int, link: str | None = None) -> object:
    """A new draft for `service_id`; then its form's first question (a `link` pasted before
    answers the link question, checked as if typed)."""
    session = context.session
    tx = session.tx
    service = await service_of(update, context, service_id)
    if service is None:
        if update.callback_query:
            return await stale_button(update, context)
        await chat_of(update).send_message(tx("catalogue.no_such_service", id=service_id), reply_markup=views.menu_keyboard(tx))
        return END
    await answer(update, context)
    form = form_for(service)
    if form is None:
        kind = service_type_label(tx, service.type)
        await show(update, tx("order.unsupported", type=kind, panel=context.deps.settings.panel_site), views.menu_keyboard(tx))
        return END
    draft = Draft(service_id=service.id, service_name=service.name, service_type=service.type, account_id=session.active_account().id)
    user_data(context).pop(LONG_ANSWER, None)  # a part of another order's answer is not this one's
    if link is not None:
        ask = form.next_ask(service, draft.form_values())
        if ask is not None and ask.field.name == "link":
            return await take(update, context, draft, service, form, "link", link)
    return await ask_next(update, context, draft, service, form)


async def ask_next(update: Update, context: BotContext, draft: Draft, service: Service, form: OrderForm,
                   problem: Problem | None = None) -> object:
    """The form's next question (after `problem`, why the last answer was refused), or the card."""
    ask = form.next_ask(service, draft.form_values())
    if ask is None:
        return await show_confirmation(update, context, draft, service)
    previous = outgoing_prompt(context, draft)
    draft.renew_token()  # the buttons of an earlier question (or of an older draft) are stale now
    keep_draft(context, draft)
    text, keyboard = views.form_prompt(context.session.tx, service, ask, draft.token, problem)
    await send_prompt(update, context, draft, previous, text, keyboard)
    return state_of_field(ask.field.name)


def current_ask(form: OrderForm, service: Service, draft: Draft) -> Ask | None:
    """The question the draft waits for: the one asked again from Edit, else the form's next."""
    values = draft.form_values()
    if draft.editing is not None:
        return form.ask_for(service, values, draft.editing)
    return form.next_ask(service, values)


async def ask_field(update: Update, context: BotContext, draft: Draft, service: Service, form: OrderForm,
                    name: str, problem: Problem | None = None) -> object:
    """Question `name` asked again (the card's Edit), with its current answer; every other answer
    is kept. After a valid answer: a question it brings in (the interval once runs are given),
    then the card."""
    tx = context.session.tx
    values = draft.form_values()
    ask = form.ask_for(service, values, name)
    if ask is None:  # no longer asked (an answer it depended on changed): the card as it is
        draft.editing = None
        return await ask_next(update, context, draft, service, form)
    previous = outgoing_prompt(context, draft)
    draft.editing = name
    draft.renew_token()  # the card's buttons, and an earlier question's, are stale now
    keep_draft(context, draft)
    current = form.display(service, values, name)
    text, keyboard = edit_prompt(tx, service, ask, draft.token, render(current, tx) if current is not None else None, problem)
    await send_prompt(update, context, draft, previous, text, keyboard)
    return EDIT_FIELD


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
async def order_for_link(update: Update, context: BotContext, pressed: LinkService) -> object:
    """A service picked for a link pasted outside an order: its order starts with that link."""
    link = recall(context, PASTED_LINKS, pressed.nonce)
    if not link:
        return await stale_button(update, context)
    return await start_order(update, context, pressed.service, link=str(link))


async def draft_gone(update: Update, context: BotContext) -> object:
    """A step whose draft is gone, or elsewhere (the quantity step of a draft without its link: a
    crash between the writes of the two, see bot.handlers.conversation): the text is read as if
    no step were pending."""
    await search(update, context, message_of(update).text or "")
    return END


async def catalogue_changed(update: Update, context: BotContext) -> object:
    """The draft's service left the catalogue: the order is over."""
    tx = context.session.tx
    user_data(context).pop(DRAFT, None)
    await answer(update, context)
    await chat_of(update).send_message(tx("order.service_gone"), reply_markup=views.menu_keyboard(tx))
    return END


Step = Callable[[Update, BotContext], Coroutine[Any, Any, object]]


class Drafted(NamedTuple):
    """The draft a message or tap acts on, with its service and form."""

    draft: Draft
    service: Service
    form: OrderForm


async def drafted(update: Update, context: BotContext) -> Drafted | object:
    """The current draft with its service and form; when there is none (or no form for it), the
    text read as outside any step (draft_gone); when its service left the catalogue, the order
    ended (catalogue_changed). Callers check the step the draft is at themselves."""
    draft = current_draft(context)
    if draft is None:
        return await draft_gone(update, context)
    service = await service_of(update, context, draft.service_id)
    if service is None:
        return await catalogue_changed(update, context)
    form = form_for(service)
    if form is None:
        return await draft_gone(update, context)
    return Drafted(draft, service, form)


def receive_answer(state: str) -> Step:
    """The text handler of step `state`: the answer to the form's next question, if that question
    is this step's."""

    @needs_account
    @panel_errors
    async def receive(update: Update, context: BotContext) -> object:
        found = await drafted(update, context)
        if not isinstance(found, Drafted):
            return found
        draft, service, form = found
        ask = form.next_ask(service, draft.form_values())
        if ask is None or state_of_field(ask.field.name) != state:
            return await draft_gone(update, context)
        message = message_of(update)
        text = joined_answer(context, form, service, draft, ask.field.name, message)
        return await take(update, context, draft, service, form, ask.field.name, text, message.message_id)

    receive.__name__ = receive.__qualname__ = f"receive_{state}"
    return receive


async def take(update: Update, context: BotContext, draft: Draft, service: Service, form: OrderForm,
                name: str, text: str | None, message_id: int | None = None) -> object:
    """Answer (or skip, when `text` is None) question `name`; then the next one, or the card.
    `message_id`: the message that held the answer (a Telegram edit of it answers again)."""
    values = draft.form_values()
    result = form.skip(service, values, name) if text is None else form.answer(service, values, name, text)
    if isinstance(result, Problem):
        if draft.editing == name:  # asked again from Edit: asked again, with the rest kept
            return await ask_field(update, context, draft, service, form, name, result)
        return await ask_next(update, context, draft, service, form, result)
    draft.set_values(form, service, result)
    draft.editing = None
    if message_id is not None:
        draft.answered[name] = message_id
    return await ask_next(update, context, draft, service, form)


async def _pressed(update: Update, context: BotContext, token: str, text: str | None, *, quantity: bool = False) -> object:
    """A button under a question (a choice, Skip, a quick quantity), of the current question only."""
    draft = current_draft(context)
    if draft is None or draft.token != token:
        if await tell_dropped(update, context, token):
            return None  # the order in progress, if any, stays at its step
        return await old_step(update, context)
    service = await service_of(update, context, draft.service_id)
    if service is None:
        return await catalogue_changed(update, context)
    form = form_for(service)
    ask = current_ask(form, service, draft) if form is not None else None
    if form is None or ask is None or (quantity and ask.field.name != "quantity"):
        return await stale_button(update, context)
    await answer(update, context)
    await remove_buttons(update)  # the question is answered: its buttons are done
    return await take(update, context, draft, service, form, ask.field.name, text)


@needs_account
@panel_errors
async def choice_button(update: Update, context: BotContext, pressed: FormChoice) -> object:
    return await _pressed(update, context, pressed.token, str(pressed.value))


@needs_account
@panel_errors
async def skip_button(update: Update, context: BotContext, pressed: FormSkip) -> object:
    return await _pressed(update, context, pressed.token, None)


@needs_account
@panel_errors
async def quantity_button(update: Update, context: BotContext, pressed: Quantity) -> object:
    """A quick quantity button of a message sent before the forms."""
    return await _pressed(update, context, pressed.token, str(pressed.quantity), quantity=True)


def confirmation(tx: views.Texts, service: Service, draft: Draft, balance: Decimal | None, currency: str | None,
                 note: Html | None = None) -> tuple[Html, Keyboard]:
    """The confirmation card of `draft` (see bot.presentation.ordering.confirmation_card)."""
    form = form_for(service)
    if form is None:  # a draft exists only for a service with a form (see start_order)
        raise RuntimeError(f"no order form for service type {service.type!r}")
    card = form.card(service, draft.form_values(), currency)
    return views.confirmation_card(tx, service, card, balance, currency, draft.token, note, draft.panel)


async def show_confirmation(update: Update, context: BotContext, draft: Draft, service: Service,
                            note: Html | None = None) -> str:
    """The confirmation card, with a new token: the card's buttons act on this draft only."""
    session = context.session
    tx = session.tx
    previous = outgoing_prompt(context, draft)
    draft.renew_token()
    draft.panel = (await panel_names(context.deps.db, session.tg_id)).get(draft.account_id)
    # The card is still useful without the balance (the panel checks funds at `add`).
    balance, currency = await balance_if_known(context.deps.db, session.api(), session.active_account())
    # Kept with the order: should its outcome be unknown, the user compares it with the balance then.
    draft.balance, draft.balance_currency = balance, currency
    keep_draft(context, draft)
    warning = None
    if draft.link:  # the same link's order still running: said on the card; the user may confirm anyway
        running = await running_duplicate(context.deps.db, session.tg_id, session.active_account().id, draft.link, service.id)
        warning = duplicate_warning(tx, running) if running is not None else None
    if note:  # what just changed, or why a change was refused (bot.handlers.order_edit)
        warning = Html(note + ("\n" + warning if warning else ""))
    text, keyboard = confirmation(tx, service, draft, balance, currency, warning)
    await send_prompt(update, context, draft, previous, text, keyboard)
    return CONFIRM
