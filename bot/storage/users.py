"""Telegram users: language, notification mode, blocked flag, and "delete my data"."""

from __future__ import annotations

import sqlite3
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .base import StoreBase
from .models import NotifyMode, User

_USER_COLUMNS = "tg_id, language, notify, blocked, created_at, timezone"


def _user(row: sqlite3.Row) -> User:
    return User(
        tg_id=row["tg_id"],
        language=row["language"],
        notify=NotifyMode(row["notify"]),
        blocked=bool(row["blocked"]),
        created_at=row["created_at"],
        timezone=row["timezone"],
    )


class UsersMixin(StoreBase):
    async def get_user(self, tg_id: int) -> User | None:
        async with self._conn.reading() as session:
            row = await session.one(f"SELECT {_USER_COLUMNS} FROM users WHERE tg_id = ?", (tg_id,))
        return None if row is None else _user(row)

    async def ensure_user(self, tg_id: int, default_language: str) -> User:
        """The user's row, created with `default_language` on first contact."""
        # Called for nearly every update: read first, write only for a new user.
        existing = await self.get_user(tg_id)
        if existing is not None:
            return existing
        async with self._conn.transaction() as session:
            await session.execute(
                "INSERT INTO users (tg_id, language, created_at) VALUES (?, ?, ?) ON CONFLICT (tg_id) DO NOTHING",
                (tg_id, default_language, self._clock()),
            )
            row = await session.one(f"SELECT {_USER_COLUMNS} FROM users WHERE tg_id = ?", (tg_id,))
        assert row is not None
        return _user(row)

    async def set_language(self, tg_id: int, language: str) -> bool:
        """Returns False if the user does not exist."""
        try:
            async with self._conn.transaction() as session:
                return await session.execute("UPDATE users SET language = ? WHERE tg_id = ?", (language, tg_id)) > 0
        finally:
            self._sessions.forget(tg_id)

    async def set_notify(self, tg_id: int, mode: NotifyMode | str) -> bool:
        """Returns False if the user does not exist. Raises ValueError for an unknown mode."""
        mode = NotifyMode(mode)
        try:
            async with self._conn.transaction() as session:
                return await session.execute("UPDATE users SET notify = ? WHERE tg_id = ?", (mode.value, tg_id)) > 0
        finally:
            self._sessions.forget(tg_id)

    async def set_timezone(self, tg_id: int, timezone: str | None) -> bool:
        """The user's time zone (an IANA name such as "Asia/Ho_Chi_Minh"); None: back to their
        language's default. Returns False if the user does not exist. Raises ValueError for a
        name the system's time zone database does not know."""
        if timezone is not None:
            try:
                ZoneInfo(timezone)
            except (ZoneInfoNotFoundError, ValueError):
                raise ValueError(f"unknown time zone {timezone!r}") from None
        try:
            async with self._conn.transaction() as session:
                return await session.execute("UPDATE users SET timezone = ? WHERE tg_id = ?", (timezone, tg_id)) > 0
        finally:
            self._sessions.forget(tg_id)

    async def set_blocked(self, tg_id: int, blocked: bool) -> bool:
        """Returns True only if the flag changed (so "user blocked the bot" is handled once)."""
        try:
            async with self._conn.transaction() as session:
                changed = await session.execute(
                    "UPDATE users SET blocked = ? WHERE tg_id = ? AND blocked != ?", (int(blocked), tg_id, int(blocked))
                )
        finally:
            self._sessions.forget(tg_id)
        return changed > 0

    async def delete_user_data(self, tg_id: int) -> bool:
        """Erase everything about one user in one transaction; returns False if nothing was stored.

        Removes the user row, panel accounts (API keys), catalogue caches, intents, orders,
        refills and the bot-framework rows (user data, private-chat data, conversation states
        whose key holds the user's id). Other users' rows are untouched.
        """
        try:
            return await self._delete_user_data(tg_id)
        finally:
            self._sessions.forget(tg_id)

    async def _delete_user_data(self, tg_id: int) -> bool:
        async with self._conn.transaction() as session:
            removed = 0
            account_ids = "SELECT id FROM accounts WHERE tg_id = ?"
            for statement in (
                "DELETE FROM refills WHERE tg_id = ?",
                "DELETE FROM orders WHERE tg_id = ?",
                "DELETE FROM intents WHERE tg_id = ?",
                f"DELETE FROM catalogue_cache WHERE account_id IN ({account_ids})",
                "DELETE FROM accounts WHERE tg_id = ?",
                "DELETE FROM ptb_user_data WHERE user_id = ?",
                # A private chat's id is the user's id.
                "DELETE FROM ptb_chat_data WHERE chat_id = ?",
                # Conversation keys are tuples of chat/user ids; group chat ids are negative,
                # so an element equal to the user's id is that user's private chat or the user.
                """DELETE FROM ptb_conversations WHERE EXISTS (
                       SELECT 1 FROM json_each(ptb_conversations.key)
                       WHERE json_each.type = 'integer' AND json_each.value = ?)""",
                "DELETE FROM users WHERE tg_id = ?",
            ):
                removed += await session.execute(statement, (tg_id,))
        return removed > 0
