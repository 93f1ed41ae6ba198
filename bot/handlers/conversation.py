"""Multi-step flows as python-telegram-bot ConversationHandlers, one per flow.

A flow's state is what the user's next plain text message means (a link, a quantity, order
ids, a key...). Each flow is a `Flow`: entry points, states, and the same fallbacks for all,
persistent under its name (the rows of `ptb_conversations`), keyed by chat and user.

A user is in one flow at most. Each flow has a handler group of its own and no flow stops an
update, so every flow sees every update: a flow in a state that gets a command, a button not of
its current step, or text its step does not read, leaves (ends) and lets it go on. A glance at
the balance or the help (GLANCE_COMMANDS, GLANCE_BUTTONS) is answered without leaving the step. So entering
one flow ends any other, and /cancel, the menu's buttons and stale buttons end them all. After
the flows' groups, `checkpoint()` stops an update a flow took; the menu's handlers get the rest.

ConversationHandler expects a user's updates one at a time, as bot.update_processor runs them.
per_message=False (PTB warns about CallbackQueryHandlers then): a step belongs to the user, not
to one message. A button says which draft or order it is for (its token or id), and a button of
an older message is told apart by that, not by its message.

Durability: PTB writes conversation states (and user_data, where the flows keep their data)
to the database every `update_interval` seconds of the persistence (bot.app) and when the bot
stops. A crash loses at most the steps taken in that last interval: the user is then one step
back, or out of the flow, and is asked again; orders are never at stake (bot.core.ordering).
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable, Coroutine, Sequence
from typing import Any

from telegram import Update
from telegram.ext import (
    ApplicationHandlerStop,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot.callback_data import Balance, Help
from bot.context import BotContext
from bot.handlers.routing import PRIVATE

END = ConversationHandler.END


class Flow(ConversationHandler):
    def __init__(self, name: str, entry_points: Sequence[BaseHandler], states: dict[str, Sequence[BaseHandler]]) -> None:
        taking = [*entry_points, *(h for handlers in states.values() for h in handlers)]
        for handler in taking:
            handler.callback = _taking(handler.callback)
        with warnings.catch_warnings():
            # See the module: per_message=False is meant.
            warnings.filterwarnings("ignore", "If 'per_message=False'", PTBUserWarning)
            super().__init__(
                entry_points=list(entry_points),
                states={state: list(handlers) for state, handlers in states.items()},
                fallbacks=_leaving(),
                # An entry point restarts the flow from any step (`/order 5` while typing a link).
                allow_reentry=True,
                name=name,
                persistent=True,
            )

    def state_of(self, update: Update) -> object | None:
        """The step `update`'s user is at in this flow; None when not in it."""
        if update.effective_chat is None or update.effective_user is None:
            return None
        # ConversationHandler offers no public read of a state; its own key and dict are used,
        # as a subclass may (tests/test_conversation.py pins this against PTB upgrades).
        return self._conversations.get(self._get_key(update))


def _taking(callback: Callable[[Update, BotContext], Coroutine[Any, Any, Any]]) -> Callable[[Update, BotContext], Coroutine[Any, Any, Any]]:
    @functools.wraps(callback)
    async def took(update: Update, context: BotContext) -> Any:
        context.turn.flow_took = True
        return await callback(update, context)

    return took


async def _leave(update: Update, context: BotContext) -> int:
    context.turn.left_flow = True
    return END


async def _stay(update: Update, context: BotContext) -> None:
    return None  # the step stays open; the update goes on to the handler that answers it


# A look at the balance or the help is no reason to lose one's place: a step (an order's card
# waiting for a new quantity, a mass order's lines...) stays open across it.
GLANCE_COMMANDS = ("balance", "help")
GLANCE_BUTTONS = (Balance, Help)


def _leaving() -> list[BaseHandler]:
    # Commands and text messages (both are TEXT) and every button; not photos or stickers, which
    # are answered "text only" by the menu and leave the user at their step.
    glances: list[BaseHandler] = [CommandHandler(GLANCE_COMMANDS, _stay, filters=PRIVATE)]
    glances += [CallbackQueryHandler(_stay, pattern=kind.pattern) for kind in GLANCE_BUTTONS]
    return [*glances, MessageHandler(PRIVATE & filters.TEXT, _leave), CallbackQueryHandler(_leave)]


async def _stop_if_taken(update: object, context: BotContext) -> None:
    if context.turn.flow_took:
        raise ApplicationHandlerStop


def checkpoint() -> TypeHandler:
    """For the group after the flows': the menu's handlers never see what a flow took."""
    return TypeHandler(Update, _stop_if_taken)
