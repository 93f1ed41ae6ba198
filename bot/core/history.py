"""The user's order history: filters that ride in a button, pages of orders, cancelling orders
by id, refilling every eligible order, and the spending summary.

Cancels and refills go through bot.core.tracking (request_cancels, request_refills), so each is
claimed before it is sent and never sent twice (see bot/storage/claims.py).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from decimal import Decimal

from bot.core.panels import panel_host
from bot.core.platforms import Platform, platform_of
from bot.core.ports import HistoryStore, PanelApi
from bot.core.tracking import RequestResult, request_cancels, request_refills
from bot.core.uncertain import UncertainOrder
from bot.folding import fold
from bot.storage import Account, Order, ServiceSpend, Spending, StatusGroup
from bot.storage.history import search_terms

FILTER_MAX_BYTES = 40  # a packed filter, so that a button's data (64 bytes) has room for the rest
ORDERS_PER_PAGE = 8
UNCERTAIN_ON_FIRST_PAGE = 8  # the first page of "all" lists them above the orders
UNKNOWN_LISTED_MAX = 200  # each needs a lost answer: more than this is not a real user's
CANCEL_MAX_IDS = 100  # one panel request
REFILL_ALL_MAX = 500  # newest eligible orders asked at once (5 panel requests)
SPENDING_DAYS = 30
TOP_SERVICES = 5

# One character per group in a packed filter.
_GROUP_CODES = {
    StatusGroup.ALL: "a",
    StatusGroup.ACTIVE: "r",
    StatusGroup.COMPLETED: "c",
    StatusGroup.PARTIAL: "p",
    StatusGroup.CANCELED: "x",
    StatusGroup.UNKNOWN: "u",
}
_GROUPS_BY_CODE = {code: group for group, code in _GROUP_CODES.items()}
_WORDS_MARK = "~"


def canonical_words(words: str) -> str:
    """The search as it is matched (see bot.storage.history.search_terms): folded, links
    without scheme, duplicates once; searching for it finds exactly what `words` finds.
    `:` (the separator of callback data) becomes a space."""
    def joined(text: str) -> str:
        return " ".join(f"#{t.order_id}" if t.text is None else t.text for t in search_terms(text))

    # Twice: the first pass takes links' schemes off, the second splits what a `:` still joins.
    return joined(joined(words).replace(":", " "))


def _fit(text: str, budget: int) -> str:
    """The longest prefix of whole words of `text` (or, if the first word alone is too long,
    of its characters: a link's beginning still finds it) within `budget` UTF-8 bytes."""
    if len(text.encode("utf-8")) <= budget:
        return text
    kept = ""
    for word in text.split(" "):
        longer = f"{kept} {word}" if kept else word
        if len(longer.encode("utf-8")) > budget:
            break
        kept = longer
    if kept:
        return kept
    cut = text.encode("utf-8")[:budget].decode("utf-8", errors="ignore")
    return cut.split(" ")[0]


@dataclass(frozen=True)
class OrderFilter:
    """What /orders shows: a status group, one panel (account) or all, and search words."""

    group: StatusGroup = StatusGroup.ALL
    account_id: int | None = None
    words: str = ""  # canonical (see canonical_words); "" shows every order

    @classmethod
    def search(cls, words: str, account_id: int | None = None) -> OrderFilter:
        """The filter of `/orders <words or link>`."""
        return cls(StatusGroup.ALL, account_id, canonical_words(words))

    def with_group(self, group: StatusGroup) -> OrderFilter:
        return replace(self, group=StatusGroup(group))

    def with_account(self, account_id: int | None) -> OrderFilter:
        return replace(self, account_id=account_id)

    def without_words(self) -> OrderFilter:
        return replace(self, words="")

    def pack(self) -> str:
        """At most FILTER_MAX_BYTES of ASCII-safe text without `:`, for a button's data:
        `a`, `c12` (completed, account 12), `a~tiktok like`. Words that do not fit are cut
        (whole words first): the search then finds more, never an error."""
        head = _GROUP_CODES[self.group] + ("" if self.account_id is None else str(self.account_id))
        words = canonical_words(self.words)
        if not words:
            return head
        budget = FILTER_MAX_BYTES - len(head) - len(_WORDS_MARK)
        fitted = _fit(words, budget)
        return head + _WORDS_MARK + fitted if fitted else head

    @classmethod
    def unpack(cls, text: str | None) -> OrderFilter | None:
        """The filter `pack` made; None for anything else (a forged or outdated button)."""
        if not text or len(text.encode("utf-8")) > FILTER_MAX_BYTES:
            return None
        head, _, words = text.partition(_WORDS_MARK)
        group = _GROUPS_BY_CODE.get(head[:1])
        account = head[1:]
        if group is None or (account and not (account.isascii() and account.isdigit() and len(account) <= 18)):
            return None
        account_id = int(account) if account else None
        if account_id == 0:
            return None
        return cls(group, account_id, canonical_words(words))


@dataclass(frozen=True)
class HistoryPage:
    """One page of /orders under a filter."""

    filter: OrderFilter
    orders: list[Order]
    uncertain: list[UncertainOrder]  # outcome unknown: the whole page of UNKNOWN, or above the first page of ALL
    total: int  # orders matching (intents, for UNKNOWN)
    page: int  # 0-based, within range
    pages: int  # at least 1
    counts: dict[StatusGroup, int] = field(default_factory=dict)  # per group, for the filter buttons


def _matches(item: UncertainOrder, words: str) -> bool:
    text = fold(f"{item.service_name} {item.link}")
    return all(term.text is not None and term.text in text for term in search_terms(words))


async def history_page(
    db: HistoryStore, tg_id: int, flt: OrderFilter, page: int = 0, *, per_page: int = ORDERS_PER_PAGE,
    with_counts: bool = True,
) -> HistoryPage:
    """The page of the user's orders under `flt`; `page` beyond the last shows the last."""
    counts = await db.order_counts(tg_id, account_id=flt.account_id, words=flt.words) if with_counts else {}
    if flt.group is StatusGroup.UNKNOWN:
        intents = await db.unknown_intents(tg_id, flt.account_id, limit=UNKNOWN_LISTED_MAX)
        items = [item for item in map(UncertainOrder.from_intent, intents) if not flt.words or _matches(item, flt.words)]
        pages = max(1, math.ceil(len(items) / per_page))
        page = max(0, min(page, pages - 1))
        shown = items[page * per_page : (page + 1) * per_page]
        return HistoryPage(flt, [], shown, len(items), page, pages, counts)
    page = max(0, page)
    found = await db.order_page(tg_id, group=flt.group, account_id=flt.account_id, words=flt.words,
                                offset=page * per_page, limit=per_page)
    pages = max(1, math.ceil(found.total / per_page))
    if page >= pages and found.total:  # the list shrank since the button was made
        page = pages - 1
        found = await db.order_page(tg_id, group=flt.group, account_id=flt.account_id, words=flt.words,
                                    offset=page * per_page, limit=per_page)
    uncertain: list[UncertainOrder] = []
    if flt.group is StatusGroup.ALL and page == 0:
        intents = await db.unknown_intents(tg_id, flt.account_id, limit=UNKNOWN_LISTED_MAX if flt.words else UNCERTAIN_ON_FIRST_PAGE)
        uncertain = [i for i in map(UncertainOrder.from_intent, intents) if not flt.words or _matches(i, flt.words)]
        uncertain = uncertain[:UNCERTAIN_ON_FIRST_PAGE]
    return HistoryPage(flt, found.orders, uncertain, found.total, min(page, pages - 1), pages, counts)


async def panel_names(db: HistoryStore, tg_id: int) -> dict[int, str]:
    """A name for each panel the history shows, by account id (the panel filter's buttons, the
    export's Panel column): the name the user gave it, else its host. Removed panels whose
    orders are still listed are included."""
    return {account_id: label or panel_host(url) for account_id, url, label in await db.history_panels(tg_id)}


async def cancel_by_ids(db: HistoryStore, api: PanelApi, tg_id: int, account: Account, ids: Iterable[int]) -> list[RequestResult]:
    """`/cancelorder <ids>` on one account: a result per id (in order), and one panel request
    for those that may be cancelled (see tracking.request_cancels). Raises ValueError for more
    than CANCEL_MAX_IDS ids: the user is asked to send fewer."""
    wanted = list(dict.fromkeys(int(i) for i in ids))
    if len(wanted) > CANCEL_MAX_IDS:
        raise ValueError(f"at most {CANCEL_MAX_IDS} orders at once")
    if not wanted:
        return []
    return await request_cancels(db, api, tg_id, account.id, wanted)


@dataclass(frozen=True)
class RefillAll:
    results: list[RequestResult]  # one per order asked, newest first
    left_out: int  # eligible orders beyond REFILL_ALL_MAX (older ones), not asked this time


async def refill_all_eligible(db: HistoryStore, api: PanelApi, tg_id: int, account: Account, *,
                              limit: int = REFILL_ALL_MAX) -> RefillAll:
    """Ask for a refill of every order on the account that ended Completed or Partial with a
    service that offers refill. Each is claimed like a single refill (tracking.request_refills),
    so tapping twice asks the panel once: the second time answers "already requested"."""
    ids, total = await db.refill_candidates(tg_id, account.id, limit)
    results = await request_refills(db, api, tg_id, account, ids) if ids else []
    return RefillAll(results, max(0, total - len(ids)))


async def running_duplicate(db: HistoryStore, tg_id: int, account_id: int, link: str, service_id: int) -> Order | None:
    """Before Confirm: the user's order for the same service and link that is still running,
    if any (the user may confirm anyway: "#123 is still In progress for this link")."""
    return await db.running_order_for_link(tg_id, account_id, link, service_id)


@dataclass(frozen=True)
class PlatformSpend:
    platform: Platform | None  # None: no platform recognised
    amount: Decimal
    orders: int


@dataclass(frozen=True)
class SpendingReport:
    """/spending: per day for the chart, and where the money went, in one currency.

    Panels in different currencies are never added up: `currency` is the one most orders
    were in; the others are listed with their totals only (`other_currencies`)."""

    spending: Spending
    currency: str | None
    daily: tuple[Decimal, ...]  # per day of spending.days, in `currency`
    total: Decimal
    orders: int
    top_services: list[ServiceSpend]
    platforms: list[PlatformSpend]
    other_currencies: list[tuple[str | None, Decimal, int]]  # (currency, total, orders)

    @property
    def empty(self) -> bool:
        return self.orders == 0


async def spending_report(db: HistoryStore, tg_id: int, zone: str, *, days: int = SPENDING_DAYS,
                          account_id: int | None = None, now: float | None = None) -> SpendingReport:
    """The user's spending over the last `days` days in their time zone `zone`."""
    spending = await db.spending(tg_id, zone, days=days, account_id=account_id, now=now)
    return summarise(spending)


def summarise(spending: Spending) -> SpendingReport:
    """Pick the currency to chart and sum its services by platform."""
    currencies = sorted(spending.orders, key=lambda c: (-spending.orders[c], -spending.total(c), c or ""))
    currency = currencies[0] if currencies else None
    daily = spending.daily.get(currency, tuple(Decimal(0) for _ in spending.days))
    services = [s for s in spending.services if s.currency == currency]
    by_platform: dict[str | None, PlatformSpend] = {}
    for service in services:
        platform = platform_of(service.service_name, None, service.link)
        key = platform.key if platform else None
        seen = by_platform.get(key, PlatformSpend(platform, Decimal(0), 0))
        by_platform[key] = PlatformSpend(platform, seen.amount + service.amount, seen.orders + service.orders)
    platforms = sorted(by_platform.values(), key=lambda p: (-p.amount, -p.orders, p.platform is None))
    others = [(c, spending.total(c), spending.orders[c]) for c in currencies[1:]]
    return SpendingReport(spending, currency, tuple(daily), sum(daily, Decimal(0)), spending.orders.get(currency, 0),
                          services[:TOP_SERVICES], platforms, others)
