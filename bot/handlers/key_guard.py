"""Messages that hold an API key: dealt with before any other handler reads them.

Registered in a handler group before every other, the way python-telegram-bot's rules-bot does
cross-cutting checks: a message whose text, caption or edit holds something shaped like a key,
or one of the sender's own stored keys, ends here (`ApplicationHandlerStop`). So no later handler
searches for it, echoes it, or keeps it in the persisted user_data (search pages, order drafts).

In a private chat the message is deleted at once. A plain text message (not a command, caption
or edit) is taken as the key when it answers the key conversation's step (handed over to it: it
is the next handler to run, and stops the update there), when the user has no key yet, or when
it is a key and nothing else; any other message holding a key gets one line saying why it was
deleted. At a step of an order (a question, or its card) a key is never taken, even alone: in
the middle of an order it was pasted by mistake more likely than meant as a new key; the line
then says that the order still waits, at the same step. Other edits are ignored (acting again
on an old message would surprise more than help), except in the order conversation, which reads
the edit of an answer (bot.handlers.order_edit). In groups keys are never read; the sender is
warned.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine, Sequence
from typing import Any

from telegram import Message, Update
from telegram.ext import ApplicationHandlerStop

from bot.context import BotContext
from bot.core.secrets import choose_key, find_keys, is_well_formed_key
from bot.handlers import account, order_draft, panels
from bot.handlers.common import chat_of, delete_message, is_private, user_of
from bot.handlers.conversation import Flow
from bot.handlers.session import language_of, load_session
from bot.i18n import Html
from bot.presentation import Texts, shorten

log = logging.getLogger(__name__)


def guard(key_flow: Flow, other_flows: Sequence[Flow] = (),
          panels_flow: Flow | None = None, order_flow: Flow | None = None) -> Callable[[Update, BotContext], Coroutine[Any, Any, None]]:
    """The guard's callback; `key_flow` is the key conversation, whose step it must know.
    `other_flows`: flows a user without a key may be in (an operator's /broadcast), whose step
    reads the text instead of it being taken as a key. `panels_flow`: the /panels one (its
    add-a-panel key step is handed over the same way as the key conversation's). `order_flow`:
    the order conversation, whose step a deleted key must not lose."""

    async def key_guard(update: Update, context: BotContext) -> None:
        message = update.effective_message
        if message is None or update.effective_user is None:
            return
        if is_private(update):
            await _private(update, context, message, key_flow, other_flows, panels_flow, order_flow)
        else:
            await _group(update, context, message)
        if update.edited_message is not None and not is_private(update):
            raise ApplicationHandlerStop  # an edit without a key: nothing to do
        # A private edit without a key goes on: the order conversation reads the edit of an
        # answer (bot.handlers.order_edit); no other handler takes edits.

    return key_guard


async def _private(update: Update, context: BotContext, message: Message, key_flow: Flow,
                   other_flows: Sequence[Flow], panels_flow: Flow | None = None, order_flow: Flow | None = None) -> None:
    text = message.text or message.caption or ""
    if not text:
        return
    session = await load_session(update, context)
    edited = update.edited_message is not None
    plain = message.text is not None and not edited and not text.startswith("/")
    asked = key_flow.state_of(update) == account.KEY
    if plain and asked and key_flow.check_update(update):
        return  # the key conversation's answer: it takes it next, and stops it there
    if plain and panels_flow is not None and panels_flow.state_of(update) == panels.ADD_KEY \
            and panels_flow.check_update(update):
        return  # the key of a panel being added: the panels conversation takes it, and stops it there
    elsewhere = plain and any(flow.state_of(update) is not None for flow in other_flows)
    key_step = asked or (session.account is None and not elsewhere)
    own_keys = await context.deps.db.api_keys(session.tg_id) if session.account is not None else ()
    found = find_keys(text, own_keys)
    if key_step and not plain and not text.startswith("/") and is_well_formed_key(text.strip()):
        found.append(text.strip())  # a caption or edit in the key step may be a key of any shape
    waiting = _order_waiting(update, context, order_flow) if found and not key_step else None
    if plain and (key_step or (text.strip() in found and waiting is None)):
        await account.receive_key(update, context, choose_key(text, found), cancellable=asked)
        raise ApplicationHandlerStop
    if not found:
        return
    log.info("deleted a message holding an API key from user %s", session.tg_id)
    await delete_message(message, "a message holding a key")
    await chat_of(update).send_message(waiting or session.tx("key.deleted_send_alone" if key_step else "key.deleted"))
    raise ApplicationHandlerStop


# What the order waits for at each step (any other question, or one asked again: its answer).
_WAITING_FOR = {order_draft.LINK: "key.deleted_order_link", order_draft.CONFIRM: "key.deleted_order_card"}


def _order_waiting(update: Update, context: BotContext, order_flow: Flow | None) -> Html | None:
    """The line for a key deleted at a step of an order: the order is kept, at that step."""
    step = order_flow.state_of(update) if order_flow is not None else None
    draft = order_draft.current_draft(context) if step in order_draft.DRAFT_STEPS else None
    if draft is None:
        return None
    key = _WAITING_FOR.get(str(step), "key.deleted_order_answer")
    return context.session.tx(key, service=shorten(draft.service_name, 100))


async def _group(update: Update, context: BotContext, message: Message) -> None:
    text = message.text or message.caption or ""
    if not text:
        return
    if not find_keys(text, await context.deps.db.api_keys(user_of(update).id)):
        return
    # Not read, and not deletable without admin rights: say why the key must be replaced.
    tx = Texts(context.deps.i18n, await language_of(update, context))
    await message.reply_text(tx("group.key_warning"))
    raise ApplicationHandlerStop
