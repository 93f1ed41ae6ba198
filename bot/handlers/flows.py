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
    EditBack,
    EditField,
    EditOrder,
    FormChoice,
    FormSkip,
    LinkService,
    MassCheck,
    MassRetry,
    MassStart,
    OrderAgain,
    OrderService,
    PanelAdd,
    PanelAddDefault,
    PanelLowBalance,
    PanelRename,
    Quantity,
    RefillAsk,
    StatusAsk,
    TimezoneMenu,
    UncertainAgain,
    UncertainPlaced,
)
from bot.handlers import account, admin, confirm, history, ids, mass, order_draft, order_edit, ordering, panels, timezone, uncertain
from bot.handlers.conversation import Flow
from bot.handlers.routing import button, command, edited_text, text

# The conversations' names: their states are stored under them.
KEY_FLOW, IDS_FLOW, ORDER_FLOW = "key", "ids", "order"
MASS_FLOW = "mass"
BROADCAST_FLOW = "broadcast"
TIMEZONE_FLOW = "timezone"
PANELS_FLOW = "panels"


def key_entry() -> Flow:
    """A user who has a key sends another: asked by Change API key, or when the panel refused it."""
    return Flow(
        KEY_FLOW,
        entry_points=[button(ChangeKey, account.change_key), button(Balance, account.balance),
                      command("balance", account.balance)],
        states={account.KEY: [text(account.take_key)]},
    )


def ids_prompts() -> Flow:
    """/status, /refill and /cancelorder (or their menu buttons) without ids ask for them."""
    return Flow(
        IDS_FLOW,
        entry_points=[button(StatusAsk, ids.ask_status), button(RefillAsk, ids.ask_refill),
                      command("status", ids.status), command("refill", ids.refill),
                      command("cancelorder", history.cancel_ids)],
        states={ids.STATUS: [text(ids.status)], ids.REFILL: [text(ids.refill)],
                history.CANCEL: [text(history.cancel_ids)]},
    )


def order() -> Flow:
    """Service -> the questions of its form -> confirmation; and an unknown order's id."""
    return Flow(
        ORDER_FLOW,
        entry_points=[
            command("order", ordering.order_command),
            button(OrderService, ordering.order_button),
            button(OrderAgain, order_edit.order_again),
            button(UncertainAgain, uncertain.again),
            button(UncertainPlaced, uncertain.placed),
            # The card's buttons act on its draft whatever the step (see bot.handlers.confirm).
            button(Confirm, confirm.confirm),
            button(EditOrder, order_edit.edit),
            button(AbortOrder, confirm.abort),
            # A question's buttons (a choice, Skip), of the current question only (its token).
            button(FormChoice, ordering.choice_button),
            button(FormSkip, ordering.skip_button),
            button(Quantity, ordering.quantity_button),
            button(LinkService, ordering.order_for_link),  # a service picked for a pasted link
            # Edit's choices: a question to ask again, or back to the card (bot.handlers.order_edit).
            button(EditField, order_edit.edit_field),
            button(EditBack, order_edit.edit_back),
        ],
        states={
            # Each question's step reads its text; its buttons are entry points, like the card's.
            # A Telegram edit of an earlier answer answers it again (any other edit is not read).
            **{step: [text(ordering.receive_answer(step)), edited_text(order_edit.edited_answer)]
               for step in order_draft.ASKING},
            # Text typed at the card changes the order.
            order_draft.CONFIRM: [text(order_edit.typed_at_card), edited_text(order_edit.edited_answer)],
            order_draft.EDIT_FIELD: [text(order_edit.receive_edit), edited_text(order_edit.edited_answer)],
            order_draft.UNCERTAIN_ID: [text(uncertain.receive_order_id)],
        },
    )


def mass_order() -> Flow:
    """/mass: the lines, in one message or several, until "Check"; a corrected list after the
    preview is collected the same way. The cards' other buttons are the menu's (they act on
    their batch from anywhere)."""
    return Flow(
        MASS_FLOW,
        entry_points=[
            command("mass", mass.start),
            button(MassStart, mass.start),
            # Entry points, so that they work even if the step was lost (see bot.handlers.conversation).
            button(MassCheck, mass.check),
            button(MassRetry, mass.retry),
        ],
        states={mass.COLLECT: [text(mass.receive_lines)]},
    )


def broadcast(admin_ids) -> Flow:
    """An operator's /broadcast without text asks for the message; either way a preview follows."""
    return Flow(
        BROADCAST_FLOW,
        entry_points=[admin.admin_command("broadcast", admin.broadcast_command, admin_ids)],
        states={admin.BROADCAST_TEXT: [text(admin.broadcast_text)]},
    )


def timezone_entry() -> Flow:
    """Settings -> time zone: a zone's name may be typed (a tapped one is a menu button)."""
    return Flow(
        TIMEZONE_FLOW,
        entry_points=[button(TimezoneMenu, timezone.menu)],
        states={timezone.ZONE: [text(timezone.typed)]},
    )


def panel_steps() -> Flow:
    """/panels' steps: a panel's new name, its low-balance amount; adding one: URL, then key
    (the key step's text is handed over by bot.handlers.key_guard)."""
    return Flow(
        PANELS_FLOW,
        entry_points=[button(PanelRename, panels.ask_rename), button(PanelLowBalance, panels.ask_low_balance),
                      button(PanelAdd, panels.ask_url), button(PanelAddDefault, panels.default_url)],
        states={
            panels.RENAME: [text(panels.rename_text)],
            panels.LOW_BALANCE: [text(panels.low_balance_text)],
            panels.ADD_URL: [text(panels.url_text)],
            panels.ADD_KEY: [text(panels.take_key)],
        },
    )
