"""The conversations: each is data, its entry points and its steps (see bot.handlers.conversation).

A new flow is one more function here, listed in bot.handlers.register_handlers (which gives it
a handler group); a new step is one more state with its handlers. State names are stored (ptb_conversations): renaming
one strands the users who are at it.
"""

from __future__ import annotations

from bot.callback_data import (
    AbortOrder,
    Balance,
    ChangeKey,
    Confirm,
    EditOrder,
    FormChoice,
    FormSkip,
    OrderAgain,
    OrderService,
    Quantity,
    RefillAsk,
    StatusAsk,
    UncertainAgain,
    UncertainPlaced,
)
from bot.handlers import account, confirm, ids, ordering, uncertain
from bot.handlers.conversation import Flow
from bot.handlers.routing import button, command, text

# The conversations' names: their states are stored under them.
KEY_FLOW, IDS_FLOW, ORDER_FLOW = "key", "ids", "order"


def key_entry() -> Flow:
    """A user who has a key sends another: asked by Change API key, or when the panel refused it."""
    return Flow(
        KEY_FLOW,
        entry_points=[button(ChangeKey, account.change_key), button(Balance, account.balance),
                      command("balance", account.balance)],
        states={account.KEY: [text(account.take_key)]},
    )


def ids_prompts() -> Flow:
    """/status and /refill (or their menu buttons) without ids ask for them."""
    return Flow(
        IDS_FLOW,
        entry_points=[button(StatusAsk, ids.ask_status), button(RefillAsk, ids.ask_refill),
                      command("status", ids.status_command), command("refill", ids.refill_command)],
        states={ids.STATUS: [text(ids.status_text)], ids.REFILL: [text(ids.refill_text)]},
    )


def order() -> Flow:
    """Service -> the questions of its form -> confirmation; and an unknown order's id."""
    return Flow(
        ORDER_FLOW,
        entry_points=[
            command("order", ordering.order_command),
            button(OrderService, ordering.order_button),
            button(OrderAgain, ordering.order_again),
            button(UncertainAgain, uncertain.again),
            button(UncertainPlaced, uncertain.placed),
            # The card's buttons act on its draft whatever the step (see bot.handlers.confirm).
            button(Confirm, confirm.confirm),
            button(EditOrder, confirm.edit),
            button(AbortOrder, confirm.abort),
            # A question's buttons (a choice, Skip), of the current question only (its token).
            button(FormChoice, ordering.choice_button),
            button(FormSkip, ordering.skip_button),
            button(Quantity, ordering.quantity_button),
        ],
        states={
            # Each question's step reads its text; its buttons are entry points, like the card's.
            **{step: [text(ordering.receive_answer(step))] for step in ordering.ASKING},
            ordering.CONFIRM: [],  # the card's buttons are entry points; text typed instead leaves
            ordering.UNCERTAIN_ID: [text(uncertain.receive_order_id)],
        },
    )
