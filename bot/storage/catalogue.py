"""Per-account cache of the panel's service list (prices can differ per account)."""

from __future__ import annotations

import sqlite3

from .base import StoreBase
from .errors import NotFoundError
from .models import CachedCatalogue


class CatalogueMixin(StoreBase):
    async def save_catalogue(self, account_id: int, payload: str, fetched_at: float) -> None:
        """Replace the account's cached catalogue. Raises NotFoundError for an unknown account."""
        try:
            async with self._conn.transaction() as session:
                await session.execute(
                    """INSERT INTO catalogue_cache (account_id, payload, fetched_at) VALUES (?, ?, ?)
                       ON CONFLICT (account_id) DO UPDATE SET
                           payload = excluded.payload, fetched_at = excluded.fetched_at""",
                    (account_id, payload, fetched_at),
                )
        except sqlite3.IntegrityError:
            # The account was removed while its catalogue was being fetched.
            raise NotFoundError(f"account {account_id} not found") from None

    async def load_catalogue(self, account_id: int) -> CachedCatalogue | None:
        async with self._conn.reading() as session:
            row = await session.one("SELECT payload, fetched_at FROM catalogue_cache WHERE account_id = ?", (account_id,))
        return None if row is None else CachedCatalogue(payload=row["payload"], fetched_at=row["fetched_at"])
