"""What the order logic needs from storage and from the panel, as Protocols.

`bot.core` is typed against these, not against `bot.storage.Database` or
`bot.panel.PanelAccountApi`: the core can be read (and type-checked) without the SQL or HTTP
behind it, and each function says exactly which part of storage it touches. The real
`Database` and `PanelAccountApi` satisfy them structurally; mypy checks that where they are
passed in (handlers, jobs).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Sequence
from decimal import Decimal
from typing import Any, Protocol

from bot.panel import Balance, ItemError, OrderStatus, RefillStatus, Service
from bot.storage.models import (
    Account,
    AccountBalance,
    CachedCatalogue,
    Intent,
    IntentClaim,
    NewOrder,
    Order,
    OrderPage,
    OrderRequest,
    OrderStatusUpdate,
    Refill,
    RequestClaim,
    RequestKind,
    RequestSettlement,
    Spending,
    StatusGroup,
)


class PanelApi(Protocol):
    """The panel as seen with one API key (`bot.panel.PanelAccountApi`)."""

    async def services(self) -> list[Service]: ...

    async def add(self, service_id: int, link: str | None, quantity: int | None = None, *,
                  comments: str | None = None, runs: int | None = None, interval: int | None = None,
                  **extra: Any) -> int: ...

    async def status(self, order_id: int) -> OrderStatus: ...

    async def statuses(self, ids: Iterable[int]) -> dict[int, OrderStatus | ItemError]: ...

    async def balance(self) -> Balance: ...

    async def refills(self, ids: Iterable[int]) -> dict[int, int | ItemError]: ...

    async def refill_statuses(self, ids: Iterable[int]) -> dict[int, RefillStatus | ItemError]: ...

    async def cancel(self, ids: Iterable[int]) -> dict[int, bool | ItemError]: ...


class CatalogueStore(Protocol):
    async def load_catalogue(self, account_id: int) -> CachedCatalogue | None: ...

    async def save_catalogue(self, account_id: int, payload: str, fetched_at: float) -> None: ...


class OrderStore(Protocol):
    """Stored orders and their statuses (bot/storage/orders.py)."""

    async def tracked_orders(self, tg_id: int, account_id: int, ids: Iterable[int]) -> dict[int, Order]: ...

    async def update_order_statuses(self, updates: Sequence[OrderStatusUpdate]) -> set[int]: ...


class IntentStore(OrderStore, Protocol):
    """Order intents: an order claimed before its `add`, settled after (bot/storage/intents.py);
    settling one stores the order."""

    async def begin_intent(self, tg_id: int, account_id: int, token: str, request: dict[str, Any]) -> IntentClaim: ...

    async def get_intent(self, tg_id: int, token: str) -> Intent | None: ...

    async def intent_placed(self, tg_id: int, token: str, panel_order_id: int, order: NewOrder) -> Order: ...

    async def intent_failed(self, tg_id: int, token: str, error_code: str) -> bool: ...

    async def intent_unknown(self, tg_id: int, token: str, reason: str | None = None) -> bool: ...

    async def settle_intent_placed(self, tg_id: int, token: str, order: NewOrder) -> Order | None: ...

    async def get_order_by_pk(self, tg_id: int, order_pk: int) -> Order | None: ...

    async def placed_intent(self, tg_id: int, account_id: int, panel_order_id: int) -> Intent | None: ...


class RequestStore(OrderStore, Protocol):
    """Refill and cancel requests, claimed before they are sent (bot/storage/claims.py)."""

    async def claim_requests(self, tg_id: int, account_id: int, kind: RequestKind,
                             panel_order_ids: Iterable[int]) -> dict[int, RequestClaim]: ...

    async def claim_request(self, tg_id: int, account_id: int, kind: RequestKind,
                            panel_order_id: int) -> RequestClaim: ...

    async def settle_requests(self, tg_id: int, settlements: Sequence[RequestSettlement]) -> int: ...

    async def finish_refills(self, tg_id: int, account_id: int, refill_ids: Iterable[int]) -> int: ...

    async def get_request(self, tg_id: int, request_id: int) -> OrderRequest | None: ...

    async def release_request(self, tg_id: int, request_id: int, stuck_before: float) -> OrderRequest | None: ...

    async def record_refill(self, tg_id: int, account_id: int, order_pk: int, refill_id: int) -> Refill: ...


class HistoryStore(RequestStore, Protocol):
    """The user's order history: filtered pages, counts, spending (bot/storage/history.py)."""

    async def order_page(self, tg_id: int, *, group: StatusGroup = ..., account_id: int | None = None,
                         words: str = "", offset: int = 0, limit: int = 10) -> OrderPage: ...

    async def order_counts(self, tg_id: int, *, account_id: int | None = None,
                           words: str = "") -> dict[StatusGroup, int]: ...

    async def unknown_intents(self, tg_id: int, account_id: int | None = None, limit: int = 20) -> list[Intent]: ...

    async def refill_candidates(self, tg_id: int, account_id: int, limit: int = 500) -> tuple[list[int], int]: ...

    async def history_panels(self, tg_id: int) -> list[tuple[int, str, str | None]]: ...

    async def running_order_for_link(self, tg_id: int, account_id: int, link: str, service_id: int) -> Order | None: ...

    async def spending(self, tg_id: int, zone: str, *, days: int = 30, account_id: int | None = None,
                       now: float | None = None) -> Spending: ...

    def iter_user_orders(self, tg_id: int, page_size: int = 500) -> AsyncIterator[list[Order]]: ...


class PanelConnector(Protocol):
    """The panel client (`bot.panel.PanelClient`): which URLs users may add, and the API per key."""

    def account(self, url: str, key: str) -> PanelApi: ...

    async def check_url(self, text: str) -> str: ...


class PanelStore(Protocol):
    """The user's panel accounts and their balances (bot/storage/accounts.py, balances.py)."""

    async def accounts(self, tg_id: int) -> list[Account]: ...

    async def save_account(self, tg_id: int, panel_url: str, api_key: str, currency: str | None,
                           label: str | None = None) -> Account: ...

    async def rename_account(self, tg_id: int, account_id: int, label: str | None) -> bool: ...

    async def remove_account(self, tg_id: int, account_id: int) -> bool: ...

    async def set_active_account(self, tg_id: int, account_id: int) -> bool: ...

    async def account_balances(self, tg_id: int) -> list[tuple[Account, AccountBalance]]: ...

    async def record_balance(self, tg_id: int, account_id: int, amount: Decimal,
                             currency: str | None) -> AccountBalance | None: ...

    async def set_low_balance(self, tg_id: int, account_id: int, threshold: Decimal | None) -> bool: ...

    async def set_low_balance_told(self, account_id: int, told: bool) -> bool: ...


__all__ = [
    "CatalogueStore", "HistoryStore", "IntentStore", "OrderStore", "PanelApi", "PanelConnector", "PanelStore",
    "RequestStore",
]
