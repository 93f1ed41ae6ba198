"""Reusable storage fixtures (registered for the whole suite with `pytest_plugins`).

- `db_path`: where a test database goes (its folder does not exist yet, as on a first start).
- `clock`: a `FakeClock` the database stamps times with; `clock.advance(seconds)` moves it.
- `db`: a `Database` opened on `db_path` with `TEST_ENCRYPTION_KEY` and `clock`; closed after.
- `storage_key`: the Fernet key `db` uses (`TEST_ENCRYPTION_KEY`).
- `make_account`: `await make_account(tg_id, panel_url=..., api_key=..., currency=...)` registers
  the user in `db` (if needed) and saves an active panel account for them.
- `add_user_with_account(db, tg_id, ...)`: the same as a plain function, for other databases.
- `track(db, tg_id, new_order)`: follow one order as the bot does (`track_orders`) and return
  its stored row.

Test modules in this folder can take the fixtures only (importing this module before pytest
registers it as a plugin makes pytest warn that it cannot rewrite its asserts).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
import pytest_asyncio

from bot.storage import Account, Database, NewOrder, Order

# A fixed, valid Fernet key for tests only (never used outside tests).
TEST_ENCRYPTION_KEY = "q3M1t0Zb3uXh2Yk0S0W1xQd8o2z9R5lC7vN4pA6eTgU="
TEST_PANEL_URL = "https://panel.example/api/v2"


class FakeClock:
    """A controllable unix-time clock."""

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> float:
        self.now += seconds
        return self.now


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "bot.sqlite3"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def storage_key() -> str:
    return TEST_ENCRYPTION_KEY


@pytest_asyncio.fixture
async def db(db_path: Path, clock: FakeClock) -> AsyncIterator[Database]:
    database = await Database.open(db_path, TEST_ENCRYPTION_KEY, clock=clock)
    try:
        yield database
    finally:
        await database.close()


async def add_user_with_account(
    db: Database,
    tg_id: int,
    *,
    panel_url: str = TEST_PANEL_URL,
    api_key: str | None = None,
    currency: str | None = "USD",
    language: str = "en",
) -> Account:
    await db.ensure_user(tg_id, language)
    return await db.save_account(tg_id, panel_url, api_key or f"test-api-key-{tg_id}-{panel_url}", currency)


async def track(db: Database, tg_id: int, order: NewOrder) -> Order:
    await db.track_orders(tg_id, [order])
    stored = await db.get_order(tg_id, order.panel_order_id, account_id=order.account_id)
    assert stored is not None
    return stored


MakeAccount = Callable[..., Awaitable[Account]]


@pytest.fixture
def make_account(db: Database) -> MakeAccount:
    async def make(tg_id: int, **kwargs: object) -> Account:
        return await add_user_with_account(db, tg_id, **kwargs)  # type: ignore[arg-type]

    return make
