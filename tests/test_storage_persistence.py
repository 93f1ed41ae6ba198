"""SqlitePersistence: python-telegram-bot state kept in the bot's database across restarts."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from telegram import Update
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
    PersistenceInput,
    filters,
)
from telegram.request import BaseRequest

from bot.storage import Database, SqlitePersistence


USER_ID = 4242
ASK_LINK, ASK_QUANTITY = 1, 2


class OfflineBotApi(BaseRequest):
    """Answers the Bot API calls an Application makes (getMe) without a network."""

    @property
    def read_timeout(self) -> float:
        return 1.0

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: Any = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        result: object = True
        if url.endswith("/getMe"):
            result = {"id": 1, "is_bot": True, "first_name": "Test", "username": "test_bot"}
        return 200, json.dumps({"ok": True, "result": result}).encode()


async def start_order(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    context.user_data["draft"] = {"service": 11, "rate": Decimal("0.4500"), "steps": (1, 2)}
    return ASK_LINK


async def got_link(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    context.user_data["draft"]["link"] = update.message.text
    return ASK_QUANTITY


async def got_quantity(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    context.user_data["draft"]["quantity"] = int(update.message.text)
    return ConversationHandler.END


def order_conversation() -> ConversationHandler:
    text = filters.TEXT & ~filters.COMMAND
    return ConversationHandler(
        entry_points=[CommandHandler("order", start_order)],
        states={ASK_LINK: [MessageHandler(text, got_link)], ASK_QUANTITY: [MessageHandler(text, got_quantity)]},
        fallbacks=[],
        name="order",
        persistent=True,
    )


async def started_app(db: Database) -> Application:
    persistence = SqlitePersistence(db, update_interval=3600)
    app = (
        ApplicationBuilder()
        .token("123456:TEST-token-not-real")
        .request(OfflineBotApi())
        .get_updates_request(OfflineBotApi())
        .persistence(persistence)
        .build()
    )
    app.add_handler(order_conversation())
    await app.initialize()
    return app


def message(update_id: int, text: str, bot: Any) -> Update:
    data: dict[str, Any] = {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 1_700_000_000,
            "chat": {"id": USER_ID, "type": "private"},
            "from": {"id": USER_ID, "is_bot": False, "first_name": "Lan"},
            "text": text,
        },
    }
    if text.startswith("/"):
        data["message"]["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text)}]
    return Update.de_json(data, bot)


async def test_conversation_and_user_data_survive_a_restart(db_path: Path, storage_key: str) -> None:
    db = await Database.open(db_path, storage_key)
    app = await started_app(db)
    await app.process_update(message(1, "/order", app.bot))
    await app.process_update(message(2, "https://t.me/some_post", app.bot))
    await app.shutdown()  # writes the persistence one last time
    await db.close()

    db = await Database.open(db_path, storage_key)
    try:
        app = await started_app(db)
        draft = app.user_data[USER_ID]["draft"]
        assert draft == {"service": 11, "rate": Decimal("0.4500"), "steps": (1, 2), "link": "https://t.me/some_post"}
        assert isinstance(draft["rate"], Decimal) and str(draft["rate"]) == "0.4500"

        # The restored conversation is waiting for the quantity, not a link.
        await app.process_update(message(3, "5000", app.bot))
        assert app.user_data[USER_ID]["draft"]["quantity"] == 5000
        await app.update_persistence()
        persistence = SqlitePersistence(db)
        assert await persistence.get_conversations("order") == {}  # ended conversations are removed
        assert (await persistence.get_user_data())[USER_ID]["draft"]["quantity"] == 5000
        await app.shutdown()
    finally:
        await db.close()


async def test_every_kind_of_data_round_trips(db, db_path: Path, storage_key: str) -> None:
    persistence = SqlitePersistence(db, store_data=PersistenceInput())
    tricky: dict[Any, Any] = {
        "price": Decimal("12345.678901234567890"),
        7: "int key",
        (1, "a"): ["tuple key"],
        "$decimal": "a key that looks like a tag",
        "nested": [{"x": Decimal("-0.00")}, None, True, 1.5, "Tiếng Việt 👍 <b>&"],
    }
    await persistence.update_user_data(1, tricky)
    await persistence.update_chat_data(-100123, {"group": True})
    await persistence.update_bot_data({"started": 1})
    callback_data = ([("uuid-1", 1700000000.5, {"btn": "order", "n": 3})], {"cb1": "uuid-1"})
    await persistence.update_callback_data(callback_data)
    await persistence.update_conversation("order", (5, 5), ASK_QUANTITY)
    await persistence.update_conversation("order", (5, 5, "inline-msg-id"), "state-name")
    await persistence.update_conversation("settings", (5, 5), 1)
    await persistence.update_conversation("settings", (5, 5), None)
    await db.close()

    reopened = await Database.open(db_path, storage_key)
    try:
        again = SqlitePersistence(reopened, store_data=PersistenceInput())
        assert await again.get_user_data() == {1: tricky}
        assert (await again.get_user_data())[1]["price"] == Decimal("12345.678901234567890")
        assert await again.get_chat_data() == {-100123: {"group": True}}
        assert await again.get_bot_data() == {"started": 1}
        assert await again.get_callback_data() == callback_data
        assert await again.get_conversations("order") == {(5, 5): ASK_QUANTITY, (5, 5, "inline-msg-id"): "state-name"}
        assert await again.get_conversations("settings") == {}

        await again.drop_user_data(1)
        await again.drop_chat_data(-100123)
        await again.update_user_data(2, {})  # an empty dict is not kept
        assert await again.get_user_data() == {} and await again.get_chat_data() == {}
        await again.flush()
    finally:
        await reopened.close()


async def test_fresh_database_has_no_persisted_state(db) -> None:
    persistence = SqlitePersistence(db)
    assert persistence.store_data == PersistenceInput(bot_data=False, chat_data=False, user_data=True, callback_data=False)
    assert await persistence.get_user_data() == {}
    assert await persistence.get_bot_data() == {}
    assert await persistence.get_callback_data() is None
    assert await persistence.get_conversations("order") == {}
