"""SMM panel API v2 client: typed models, one error hierarchy, tolerant parsing.

    async with PanelClient() as client:
        api = client.account("https://subpro.vn/api/v2", key)
        order_id = await api.add(1, "https://facebook.com/post/1", 500)
"""

from bot.panel.client import MAX_IDS_PER_REQUEST, PanelAccountApi, PanelClient
from bot.panel.errors import (
    AnswerTooLarge,
    BadLink,
    BadRequest,
    CancelNotAllowed,
    DuplicateActiveOrder,
    InvalidKey,
    NotEnoughFunds,
    OutcomeUnknown,
    PanelAddressRefused,
    PanelError,
    PanelUnavailable,
    QuantityOutOfRange,
    RateLimited,
    RefillNotAllowed,
    UnknownOrder,
    UnknownService,
    UnreadableAnswer,
    UnrecognisedError,
    classify_error_text,
)
from bot.panel.models import (
    Balance,
    ItemError,
    OrderState,
    OrderStatus,
    RefillState,
    RefillStatus,
    Service,
    ServiceKind,
)
from bot.panel.urls import RefusalReason, UrlPolicy, UrlRefused

__all__ = [
    "MAX_IDS_PER_REQUEST",
    "AnswerTooLarge",
    "BadLink",
    "BadRequest",
    "Balance",
    "CancelNotAllowed",
    "DuplicateActiveOrder",
    "InvalidKey",
    "ItemError",
    "NotEnoughFunds",
    "OrderState",
    "OrderStatus",
    "OutcomeUnknown",
    "PanelAccountApi",
    "PanelAddressRefused",
    "PanelClient",
    "PanelError",
    "PanelUnavailable",
    "QuantityOutOfRange",
    "RateLimited",
    "RefillNotAllowed",
    "RefillState",
    "RefillStatus",
    "RefusalReason",
    "Service",
    "ServiceKind",
    "UnknownOrder",
    "UnknownService",
    "UnreadableAnswer",
    "UnrecognisedError",
    "UrlPolicy",
    "UrlRefused",
    "classify_error_text",
]
