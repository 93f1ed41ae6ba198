"""Each account's last known balance and its low-balance alert (threshold and told state).

The balance is a cache for showing every panel at a glance without asking each panel again;
it is refreshed whenever the bot asks a panel for it. The alert state is a claim like the
tracker's "paused": `set_low_balance_told` changes it only if it was different, so two checks
racing each other tell the user once.
"""

from __future__ import annotations

import sqlite3
from decimal import Decimal

from .accounts import _ACCOUNT_COLUMNS, LIVE, AccountsMixin
from .base import money_to_text, text_to_money
from .models import Account, AccountBalance

_BALANCE_COLUMNS = "balance, balance_at, low_balance, low_balance_told"


def _balance(row: sqlite3.Row) -> AccountBalance:
    return AccountBalance(
        account_id=row["id"],
        amount=text_to_money(row["balance"]),
        currency=row["currency"],
        checked_at=row["balance_at"],
        threshold=text_to_money(row["low_balance"]),
        told_low=bool(row["low_balance_told"]),
    )


class BalancesMixin(AccountsMixin):
    async def account_balances(self, tg_id: int) -> list[tuple[Account, AccountBalance]]:
        """The user's accounts with what is known of their balances, oldest first."""
        async with self._conn.reading() as session:
            rows = await session.all(
                f"SELECT {_ACCOUNT_COLUMNS}, {_BALANCE_COLUMNS} FROM accounts WHERE tg_id = ? AND {LIVE} ORDER BY id",
                (tg_id,),
            )
        return [(self._account(row), _balance(row)) for row in rows]

    async def record_balance(self, tg_id: int, account_id: int, amount: Decimal,
                             currency: str | None) -> AccountBalance | None:
        """Remember a balance the panel just answered (and its currency, if it said one); returns
        the stored state, None if the account is not this user's or was removed."""
        money = money_to_text(amount)
        async with self._conn.transaction() as session:
            await session.execute(
                f"UPDATE accounts SET balance = ?, balance_at = ? WHERE id = ? AND tg_id = ? AND {LIVE}",
                (money, self._clock(), account_id, tg_id),
            )
            currency_changed = currency is not None and await session.execute(
                f"UPDATE accounts SET currency = ? WHERE id = ? AND tg_id = ? AND {LIVE} AND currency IS NOT ?",
                (currency, account_id, tg_id, currency),
            )
            row = await session.one(
                f"SELECT id, currency, {_BALANCE_COLUMNS} FROM accounts WHERE id = ? AND tg_id = ? AND {LIVE}",
                (account_id, tg_id),
            )
        if currency_changed:
            self._sessions.forget(tg_id)  # the cached Account shows the currency
        return None if row is None else _balance(row)

    async def set_low_balance(self, tg_id: int, account_id: int, threshold: Decimal | None) -> bool:
        """Alert below `threshold` (in the account's currency; None: never). The alert state
        starts afresh: a balance already below a new threshold is told at the next check."""
        async with self._conn.transaction() as session:
            changed = await session.execute(
                f"UPDATE accounts SET low_balance = ?, low_balance_told = 0 WHERE id = ? AND tg_id = ? AND {LIVE}",
                (money_to_text(threshold), account_id, tg_id),
            )
        return changed > 0

    async def set_low_balance_told(self, account_id: int, told: bool) -> bool:
        """For the low-balance check: True only if the state changed (see the module docstring)."""
        async with self._conn.transaction() as session:
            changed = await session.execute(
                f"UPDATE accounts SET low_balance_told = ? WHERE id = ? AND low_balance_told != ? AND {LIVE}",
                (int(told), account_id, int(told)),
            )
        return changed > 0

    async def low_balance_accounts(self, after_id: int = 0, limit: int = 500) -> list[tuple[Account, AccountBalance]]:
        """For the low-balance job: accounts with a threshold, not paused, whose owner has not
        blocked the bot, by id (page with `after_id`)."""
        async with self._conn.reading() as session:
            rows = await session.all(
                f"""SELECT {", ".join(f"a.{c}" for c in (_ACCOUNT_COLUMNS + ", " + _BALANCE_COLUMNS).split(", "))}
                    FROM accounts a JOIN users u ON u.tg_id = a.tg_id
                    WHERE a.low_balance IS NOT NULL AND a.removed_at IS NULL AND a.paused = 0 AND u.blocked = 0
                      AND a.id > ?
                    ORDER BY a.id LIMIT ?""",
                (after_id, limit),
            )
        return [(self._account(row), _balance(row)) for row in rows]
