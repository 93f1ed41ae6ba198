"""The baseline of the order flow benchmark: a minimal python-telegram-bot echo bot.

    TELEGRAM_BOT_TOKEN=... TELEGRAM_API_BASE_URL=http://127.0.0.1:PORT python -m bench.echo_bot

It handles updates concurrently, as the bot does, so the comparison is about what each
update costs, not about one bot waiting for each reply before taking the next update.
"""

from __future__ import annotations

import os

from telegram import Update
from telegram.ext import Application, ContextTypes, MessageHandler, filters


async def echo(update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
    await update.effective_chat.send_message(update.effective_message.text)


def main() -> None:
    base = os.environ["TELEGRAM_API_BASE_URL"]
    application = (
        Application.builder()
        .token(os.environ["TELEGRAM_BOT_TOKEN"])
        .base_url(f"{base}/bot")
        .concurrent_updates(True)
        .build()
    )
    application.add_handler(MessageHandler(filters.TEXT, echo))
    application.run_polling(allowed_updates=[Update.MESSAGE], timeout=30)


if __name__ == "__main__":
    main()
