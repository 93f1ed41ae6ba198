"""The order being prepared: the draft in user_data, and the steps of the "order" conversation
at which it waits (see bot.handlers.ordering for what each step reads).

The conversation says where the user is, the draft what they answered; both are persisted
(bot.handlers.conversation).
"""

from __future__ import annotations

from bot.context import BotContext
from bot.core.ordering import Draft
from bot.handlers.common import DRAFT, user_data

LINK, QUANTITY, COMMENTS, CONFIRM, UNCERTAIN_ID = "link", "quantity", "comments", "confirm", "uncertain_id"
FIELD = "field"
EDIT_FIELD = "edit_field"
# The steps named after their question (kept from the flow before forms: stored states).
_STATE_OF_FIELD = {"link": LINK, "quantity": QUANTITY, "comments": COMMENTS}
ASKING = (LINK, QUANTITY, COMMENTS, FIELD)
# Every step at which the draft waits for the user: a question, one asked again from Edit, the card.
DRAFT_STEPS = (*ASKING, EDIT_FIELD, CONFIRM)


def state_of_field(name: str) -> str:
    return _STATE_OF_FIELD.get(name, FIELD)


def current_draft(context: BotContext) -> Draft | None:
    data = user_data(context).get(DRAFT)
    return Draft.from_dict(data) if data else None


def keep_draft(context: BotContext, draft: Draft) -> None:
    user_data(context)[DRAFT] = draft.as_dict()
