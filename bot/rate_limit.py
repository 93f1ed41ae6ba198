"""Outgoing rate limiting: Telegram's flood limits, without slowing down answers.

Telegram's limits (about 30 messages a second overall, one a second per chat) are about
messages sent. python-telegram-bot's AIORateLimiter counts every request that names a
chat, so editing the menu a user just tapped, deleting the message holding their key or
showing "typing…" would queue behind a burst of notifications. Those requests keep the
limiter's 429 handling (wait `retry_after`, retry) but skip its overall bucket.
"""

from __future__ import annotations

from typing import Any

from telegram.ext import AIORateLimiter

# Requests that answer what a user just did, rather than send something new.
REPLIES = frozenset({"editMessageText", "editMessageReplyMarkup", "deleteMessage", "sendChatAction"})


class FloodLimiter(AIORateLimiter):
    async def process_request(self, callback, args, kwargs, endpoint: str, data: dict[str, Any], rate_limit_args):
        if endpoint in REPLIES:
            # Without a chat id the base class applies no bucket, only its retries on 429.
            data = {key: value for key, value in data.items() if key != "chat_id"}
        return await super().process_request(callback, args, kwargs, endpoint, data, rate_limit_args)
