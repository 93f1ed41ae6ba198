"""Storage layer: SQLite (aiosqlite, WAL) with encrypted API keys and versioned migrations.

`Database.open(path, encryption_key)` is the entry point; `SqlitePersistence` keeps
python-telegram-bot's user data and conversation states in the same database.
"""

from .database import Database
from .errors import NotFoundError, SchemaTooNewError, StorageError, StorageKeyError
from .models import (
    Account,
    AccountBalance,
    CachedCatalogue,
    Intent,
    IntentClaim,
    IntentState,
    NewOrder,
    NotifyMode,
    Order,
    OrderPage,
    OrderStatusUpdate,
    Refill,
    RefillStatusUpdate,
    ServiceSpend,
    Spending,
    StatusGroup,
    User,
)
from .operations import Broadcast, BroadcastCounts, BroadcastRunning, OperationsCounts, RecipientState
from .persistence import SqlitePersistence

__all__ = [
    "Account",
    "AccountBalance",
    "Broadcast",
    "BroadcastCounts",
    "BroadcastRunning",
    "CachedCatalogue",
    "Database",
    "Intent",
    "IntentClaim",
    "IntentState",
    "NewOrder",
    "NotFoundError",
    "NotifyMode",
    "OperationsCounts",
    "Order",
    "OrderPage",
    "OrderStatusUpdate",
    "RecipientState",
    "Refill",
    "RefillStatusUpdate",
    "SchemaTooNewError",
    "ServiceSpend",
    "Spending",
    "StatusGroup",
    "SqlitePersistence",
    "StorageError",
    "StorageKeyError",
    "User",
]
