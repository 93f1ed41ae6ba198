"""python-telegram-bot persistence in the bot's own SQLite database.

Values are stored as JSON through `bot.storage.codec` (Decimal, tuples and int dict keys
round-trip; no pickle). Each write PTB asks for is committed at once, so `flush` has nothing
left to do, and `refresh_*` do nothing: this process is the only writer of these rows. PTB asks
every `update_interval` seconds and when the application stops: what changed since the last
ask is what a crash loses (bot.app sets the interval).

Do not keep secrets (an API key typed by the user) in user_data: it is stored unencrypted.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from telegram.ext import BasePersistence, PersistenceInput

from . import codec
from .connection import Connection
from .database import Database

if TYPE_CHECKING:
    from telegram.ext._utils.types import CDCData, ConversationDict, ConversationKey

_DEFAULT_STORE = PersistenceInput(bot_data=False, chat_data=False, user_data=True, callback_data=False)


def _conversation_key(key: ConversationKey) -> str:
    # A canonical JSON array (ints and, for inline messages, strings), usable as a primary key.
    return json.dumps(list(key), separators=(",", ":"))


class SqlitePersistence(BasePersistence[dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    __slots__ = ("_conn",)

    def __init__(
        self,
        db: Database,
        store_data: PersistenceInput | None = None,
        update_interval: float = 60,
    ) -> None:
        super().__init__(store_data=store_data or _DEFAULT_STORE, update_interval=update_interval)
        self._conn: Connection = db.connection

    # -- user_data / chat_data -------------------------------------------------------------------

    async def get_user_data(self) -> dict[int, dict[Any, Any]]:
        return await self._load_keyed("SELECT user_id, data FROM ptb_user_data")

    async def get_chat_data(self) -> dict[int, dict[Any, Any]]:
        return await self._load_keyed("SELECT chat_id, data FROM ptb_chat_data")

    async def update_user_data(self, user_id: int, data: dict[Any, Any]) -> None:
        await self._save_keyed("ptb_user_data", "user_id", user_id, data)

    async def update_chat_data(self, chat_id: int, data: dict[Any, Any]) -> None:
        await self._save_keyed("ptb_chat_data", "chat_id", chat_id, data)

    async def drop_user_data(self, user_id: int) -> None:
        async with self._conn.transaction() as session:
            await session.execute("DELETE FROM ptb_user_data WHERE user_id = ?", (user_id,))

    async def drop_chat_data(self, chat_id: int) -> None:
        async with self._conn.transaction() as session:
            await session.execute("DELETE FROM ptb_chat_data WHERE chat_id = ?", (chat_id,))

    async def refresh_user_data(self, user_id: int, user_data: dict[Any, Any]) -> None:
        """Nothing to refresh: no other process writes these rows."""

    async def refresh_chat_data(self, chat_id: int, chat_data: dict[Any, Any]) -> None:
        """Nothing to refresh: no other process writes these rows."""

    # -- bot_data / callback_data ----------------------------------------------------------------

    async def get_bot_data(self) -> dict[Any, Any]:
        text = await self._load_single("ptb_bot_data")
        return {} if text is None else codec.loads(text)

    async def update_bot_data(self, data: dict[Any, Any]) -> None:
        await self._save_single("ptb_bot_data", codec.dumps(data))

    async def refresh_bot_data(self, bot_data: dict[Any, Any]) -> None:
        """Nothing to refresh: no other process writes these rows."""

    async def get_callback_data(self) -> CDCData | None:
        text = await self._load_single("ptb_callback_data")
        if text is None:
            return None
        # Stored as a tuple (codec keeps tuples), as CallbackDataCache expects.
        stored: CDCData = codec.loads(text)
        return stored

    async def update_callback_data(self, data: CDCData) -> None:
        await self._save_single("ptb_callback_data", codec.dumps(data))

    # -- conversations ---------------------------------------------------------------------------

    async def get_conversations(self, name: str) -> ConversationDict:
        async with self._conn.reading() as session:
            rows = await session.all("SELECT key, state FROM ptb_conversations WHERE name = ?", (name,))
        return {tuple(json.loads(row["key"])): codec.loads(row["state"]) for row in rows}

    async def update_conversation(self, name: str, key: ConversationKey, new_state: object | None) -> None:
        """`new_state` None means the conversation ended: its row goes."""
        async with self._conn.transaction() as session:
            if new_state is None:
                await session.execute(
                    "DELETE FROM ptb_conversations WHERE name = ? AND key = ?", (name, _conversation_key(key))
                )
            else:
                await session.execute(
                    """INSERT INTO ptb_conversations (name, key, state) VALUES (?, ?, ?)
                       ON CONFLICT (name, key) DO UPDATE SET state = excluded.state""",
                    (name, _conversation_key(key), codec.dumps(new_state)),
                )

    async def flush(self) -> None:
        """Every update was committed when it was made; the Database is closed by its owner."""

    # -- helpers ---------------------------------------------------------------------------------

    async def _load_keyed(self, sql: str) -> dict[int, dict[Any, Any]]:
        async with self._conn.reading() as session:
            rows = await session.all(sql)
        return {row[0]: codec.loads(row[1]) for row in rows}

    async def _save_keyed(self, table: str, column: str, key: int, data: dict[Any, Any]) -> None:
        async with self._conn.transaction() as session:
            if not data:
                # An empty dict is what the Application starts from anyway; keep the table small.
                await session.execute(f"DELETE FROM {table} WHERE {column} = ?", (key,))
                return
            await session.execute(
                f"""INSERT INTO {table} ({column}, data) VALUES (?, ?)
                    ON CONFLICT ({column}) DO UPDATE SET data = excluded.data WHERE data IS NOT excluded.data""",
                (key, codec.dumps(data)),
            )

    async def _load_single(self, table: str) -> str | None:
        async with self._conn.reading() as session:
            value = await session.scalar(f"SELECT data FROM {table} WHERE id = 1")
        return None if value is None else str(value)

    async def _save_single(self, table: str, text: str) -> None:
        async with self._conn.transaction() as session:
            await session.execute(
                f"""INSERT INTO {table} (id, data) VALUES (1, ?)
                    ON CONFLICT (id) DO UPDATE SET data = excluded.data WHERE data IS NOT excluded.data""",
                (text,),
            )
