"""Users caught mid-step by the upgrade to conversations keep their step.

Versions before bot.handlers.conversation kept the step in the persisted user_data, as
`user_data["step"]` (the same words the conversations' states use now). Before the application
loads its conversations, each such step becomes its conversation's state, and leaves user_data.
Nothing is left to carry once every user has been through one start of this version.
"""

from __future__ import annotations

import logging

from telegram.ext import BasePersistence

from bot.handlers import account, ids, order_draft
from bot.handlers.flows import IDS_FLOW, KEY_FLOW, ORDER_FLOW

log = logging.getLogger(__name__)

_FLOW_OF_STEP = {
    account.KEY: KEY_FLOW,
    ids.STATUS: IDS_FLOW,
    ids.REFILL: IDS_FLOW,
    **{step: ORDER_FLOW for step in (order_draft.LINK, order_draft.QUANTITY, order_draft.COMMENTS, order_draft.CONFIRM,
                                     order_draft.UNCERTAIN_ID)},
}


async def carry_over_steps(persistence: BasePersistence) -> int:
    """Move the old steps into the conversations' rows; returns how many users had one."""
    moved = 0
    for user_id, data in (await persistence.get_user_data()).items():
        step = data.pop("step", None)
        if step is None:
            continue
        flow = _FLOW_OF_STEP.get(step)
        if flow is not None:  # a private chat's id is its user's
            await persistence.update_conversation(flow, (user_id, user_id), step)
        await persistence.update_user_data(user_id, data)
        moved += 1
    if moved:
        log.info("carried %d users' steps over into conversations", moved)
    return moved
