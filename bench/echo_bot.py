"""The baseline of the order flow benchmark: a minimal python-telegram-bot echo bot.

    TELEGRAM_BOT_TOKEN=... TELEGRAM_API_BASE_URL=http://127.0.0.1:PORT python -m bench.echo_bot [--bot-runtime]

It handles updates concurrently, as the bot does, so the comparison is about what each
update costs, not about one bot waiting for each reply before taking the next update.

The baseline is python-telegram-bot as it comes (httpx, asyncio's loop). `--bot-runtime`
runs the same echo bot on what the bot itself runs on (uvloop and bot/telegram_http.py's
aiohttp transport): the ratio against that one is what the bot's handlers, storage and
extra requests cost, with the transport and the loop taken out of the comparison.
"""

from __future__ import annotations

import asyncio
import os
import sys

from telegram import Update
from telegram.ext import Application, ContextTypes, MessageHandler, filters


async def echo(update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
    await update.effective_chat.send_message(update.effective_message.text)


def main() -> None:
    base = os.environ["TELEGRAM_API_BASE_URL"]
    builder = Application.builder().token(os.environ["TELEGRAM_BOT_TOKEN"]).base_url(f"{base}/bot")
    bot_runtime = "--bot-runtime" in sys.argv[1:]
    if bot_runtime:
        from bot.telegram_http import AiohttpRequest

        builder.request(AiohttpRequest(256)).get_updates_request(AiohttpRequest(1))
    application = builder.concurrent_updates(True).build()
    application.add_handler(MessageHandler(filters.TEXT, echo))
    if bot_runtime:
        import uvloop

        asyncio.set_event_loop(uvloop.new_event_loop())  # run_polling runs on the current loop
    application.run_polling(allowed_updates=[Update.MESSAGE], timeout=30)


if __name__ == "__main__":
    main()
