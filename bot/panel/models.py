"""Typed, immutable values the panel client returns. Money is always `Decimal`."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from bot.panel.errors import PanelError

__all__ = [
    "Balance",
    "ItemError",
    "OrderState",
    "OrderStatus",
    "RefillState",
    "RefillStatus",
    "Service",
    "ServiceKind",
]


class ServiceKind(enum.Enum):
    """The service's order type: what `add` needs (see the spec's table). OTHER is a type this
    bot does not know, shown in the catalogue but never ordered."""

    DEFAULT = "default"  # link + quantity (+ runs/interval when dripfeed)
    PACKAGE = "package"  # link only; rate is the price of one package
    CUSTOM_COMMENTS = "custom_comments"  # link + comments; quantity = non-empty lines
    CUSTOM_COMMENTS_PACKAGE = "custom_comments_package"  # link + comments; rate per package
    MENTIONS_CUSTOM_LIST = "mentions_custom_list"  # link + usernames; quantity = usernames
    MENTIONS_WITH_HASHTAGS = "mentions_with_hashtags"  # link + quantity + usernames + hashtags
    MENTIONS_HASHTAG = "mentions_hashtag"  # link + quantity + hashtag
    MENTIONS_USER_FOLLOWERS = "mentions_user_followers"  # link + quantity + username
    MENTIONS_MEDIA_LIKERS = "mentions_media_likers"  # link + quantity + media
    COMMENT_LIKES = "comment_likes"  # link + quantity + username
    COMMENT_REPLIES = "comment_replies"  # link + username + comments
    POLL = "poll"  # link + quantity + answer_number
    SEO = "seo"  # link + quantity + keywords
    INVITES_FROM_GROUPS = "invites_from_groups"  # link + quantity + groups
    SUBSCRIPTIONS = "subscriptions"  # username + min/max per new post (+ posts, delay, expiry...)
    OTHER = "other"


def _type_key(text: str) -> str:
    """"Custom Comments", "custom_comments", "Custom-Comments " all read the same."""
    return re.sub(r"[^0-9a-z]+", "", text.casefold())


# Spellings panels use for each type, beyond the spec's own (singular/plural, "&" for "and").
_KIND_BY_TYPE = {
    _type_key(spelling): kind
    for kind, spellings in {
        ServiceKind.DEFAULT: ("Default",),
        ServiceKind.PACKAGE: ("Package",),
        ServiceKind.CUSTOM_COMMENTS: ("Custom Comments", "Custom Comment"),
        ServiceKind.CUSTOM_COMMENTS_PACKAGE: ("Custom Comments Package", "Custom Comment Package"),
        ServiceKind.MENTIONS_CUSTOM_LIST: ("Mentions Custom List", "Mention Custom List"),
        ServiceKind.MENTIONS_WITH_HASHTAGS: ("Mentions with Hashtags", "Mention with Hashtags",
                                             "Mentions with Hashtag", "Mentions & Hashtags"),
        ServiceKind.MENTIONS_HASHTAG: ("Mentions Hashtag", "Mention Hashtag"),
        ServiceKind.MENTIONS_USER_FOLLOWERS: ("Mentions User Followers", "Mention User Followers"),
        ServiceKind.MENTIONS_MEDIA_LIKERS: ("Mentions Media Likers", "Mention Media Likers"),
        ServiceKind.COMMENT_LIKES: ("Comment Likes", "Comments Likes", "Comment Like"),
        ServiceKind.COMMENT_REPLIES: ("Comment Replies", "Comments Replies", "Comment Reply"),
        ServiceKind.POLL: ("Poll", "Polls"),
        ServiceKind.SEO: ("SEO",),
        ServiceKind.INVITES_FROM_GROUPS: ("Invites from Groups", "Invites from Group", "Invite from Groups"),
        ServiceKind.SUBSCRIPTIONS: ("Subscriptions", "Subscription"),
    }.items()
    for spelling in spellings
}

_THOUSAND = Decimal(1000)


@dataclass(frozen=True)
class Service:
    id: int
    name: str
    type: str
    category: str
    rate: Decimal  # per 1000 units; for Package types the price of one package
    min: int
    max: int
    refill: bool = False
    cancel: bool = False
    dripfeed: bool = False
    description: str | None = None
    step: int | None = None
    # Every other field the panel sent (average_time, currency...), untouched.
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def kind(self) -> ServiceKind:
        return _KIND_BY_TYPE.get(_type_key(self.type), ServiceKind.OTHER)

    def charge_for(self, quantity: int = 1, runs: int | None = None) -> Decimal:
        """What the panel will take for this order (before any rounding the panel applies)."""
        if self.kind in (ServiceKind.PACKAGE, ServiceKind.CUSTOM_COMMENTS_PACKAGE):
            return self.rate
        total = quantity * (runs if runs else 1)
        return self.rate * total / _THOUSAND


class OrderState(enum.Enum):
    PENDING = "pending"
    PROCESSING = "processing"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    PARTIAL = "partial"
    CANCELED = "canceled"
    # A subscription's own states (it lives until its posts, its expiry or a cancel).
    ACTIVE = "active"
    PAUSED = "paused"
    EXPIRED = "expired"
    UNKNOWN = "unknown"

    @property
    def is_final(self) -> bool:
        return self in (OrderState.COMPLETED, OrderState.PARTIAL, OrderState.CANCELED, OrderState.EXPIRED)


class RefillState(enum.Enum):
    PENDING = "pending"
    IN_PROGRESS = "in_progress"
    PROCESSING = "processing"
    COMPLETED = "completed"
    REJECTED = "rejected"
    ERROR = "error"
    UNKNOWN = "unknown"

    @property
    def is_final(self) -> bool:
        return self in (RefillState.COMPLETED, RefillState.REJECTED, RefillState.ERROR)


@dataclass(frozen=True)
class OrderStatus:
    charge: Decimal | None
    start_count: int | None
    status: OrderState
    remains: int | None  # negative means over-delivery
    currency: str | None = None
    raw_status: str = ""  # the panel's own spelling, for display and debugging
    posts: int | None = None  # a subscription's posts served so far, when the panel says

    @property
    def is_final(self) -> bool:
        return self.status.is_final


@dataclass(frozen=True)
class Balance:
    amount: Decimal
    currency: str | None


@dataclass(frozen=True)
class RefillStatus:
    state: RefillState
    raw: str = ""

    @property
    def is_final(self) -> bool:
        return self.state.is_final


@dataclass(frozen=True)
class ItemError:
    """One id's error inside a batch answer; the other ids' results are unaffected."""

    error: PanelError

    @property
    def code(self) -> str:
        return self.error.code

    @property
    def panel_text(self) -> str | None:
        return self.error.panel_text
