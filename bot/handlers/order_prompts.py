"""The order's messages in the chat: only the current step keeps its buttons.

Each question or card of the draft is sent through `send_prompt`, which takes the buttons off
the message before it (`draft.prompt_id`). A new draft replacing another notes the old one as
dropped, so that a tap on its buttons says which order was given up (`tell_dropped`); a button
of an earlier step of the current order is told it is old (`old_step`), and acts on nothing.
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import InlineKeyboardMarkup as Keyboard
from telegram import Update

from bot.context import BotContext
from bot.core.ordering import Draft
from bot.handlers.common import answer, chat_of, remove_buttons, stale_button, user_data
from bot.handlers.order_draft import current_draft, keep_draft
from bot.presentation import shorten

log = logging.getLogger(__name__)

# user_data: token -> the service and link of a draft given up for a newer order, so that a tap
# on its card can say so (bot.handlers.confirm); the last few only.
DROPPED = "dropped_drafts"
_DROPPED_KEPT = 5


def outgoing_prompt(context: BotContext, draft: Draft) -> int | None:
    """The message whose keyboard goes once `draft`'s next message is sent: its own last one;
    for a new draft, the last one of the draft it replaces (noted as dropped)."""
    if draft.prompt_id is not None:
        return draft.prompt_id
    replaced = current_draft(context)
    if replaced is None or replaced.prompt_id is None:  # none, or stored before prompts were kept
        return None
    dropped: dict[str, dict[str, Any]] = user_data(context).setdefault(DROPPED, {})
    dropped[replaced.token] = {"service": replaced.service_name, "link": replaced.link}
    for token in list(dropped)[:-_DROPPED_KEPT]:
        del dropped[token]
    return replaced.prompt_id


async def tell_dropped(update: Update, context: BotContext, token: str) -> bool:
    """A tap on a button (card or question) of a draft given up when another order was started:
    the tap says which order that was, and that nothing was sent; its message keeps its text,
    loses its buttons. False when `token` is no such draft's."""
    dropped = user_data(context).get(DROPPED, {}).get(token)
    if not isinstance(dropped, dict):
        return False
    tx = context.session.tx
    # An alert holds 200 characters: the sentence must fit whole with both values.
    service, link = shorten(str(dropped.get("service") or "?"), 40), dropped.get("link")
    if link:
        text = tx("order.dropped_link", service=service, link=shorten(str(link), 40))
    else:
        text = tx("order.dropped", service=service)
    await answer(update, context, text, alert=True)
    await remove_buttons(update)
    return True


async def old_step(update: Update, context: BotContext) -> object:
    """A button of an earlier step (a question answered, a card shown again after a change) of the
    order in progress, or of an order that is over: said on the tap, never acted on. With an
    order in progress the user stays at its step, so that what they type next still changes it
    (a fresh menu would end the order, and a number typed at its card would open a service)."""
    if current_draft(context) is None:
        return await stale_button(update, context)
    await answer(update, context, context.session.tx("order.old_step"), alert=True)
    await remove_buttons(update)
    return None


async def send_prompt(update: Update, context: BotContext, draft: Draft, previous: int | None,
                       text: str, keyboard: Keyboard) -> None:
    """Send the draft's next question or card; the previous one keeps its text, not its buttons."""
    message = await chat_of(update).send_message(text, reply_markup=keyboard)
    await retire_prompt(update, context, previous)
    draft.prompt_id = message.message_id
    keep_draft(context, draft)


async def retire_prompt(update: Update, context: BotContext, message_id: int | None) -> None:
    """Take the keyboard off message `message_id`, an earlier step of the order. Best effort: a
    message too old to edit keeps its buttons (a tap on them is told they are old), and the
    order goes on either way."""
    query = update.callback_query
    if message_id is None or (query is not None and query.message is not None and query.message.message_id == message_id):
        return  # nothing to take off, or the tapped message: the tap's handler already changed it
    try:
        await context.bot.edit_message_reply_markup(chat_id=chat_of(update).id, message_id=message_id, reply_markup=None)
    except Exception as exc:
        log.info("could not remove the buttons of an earlier order step: %s", type(exc).__name__)
