"""When each user was last seen, for "active in 24 h / 7 days" in /stats.

Recording it with every update would cost a committed write (an fsync) per update; instead the
update processor's observer notes the time in memory and `flush()` writes everyone seen since
the last flush in one transaction, about once a minute (and when the bot stops, and before
/stats counts).
"""

from __future__ import annotations

import logging
import sqlite3
import time
from typing import Any

from telegram import Update

log = logging.getLogger(__name__)

FLUSH_SECONDS = 60.0


class ActivityRecorder:
    def __init__(self, db: Any) -> None:
        self._db = db
        self._seen: dict[int, float] = {}

    def seen(self, update: object) -> None:
        """Update processor observer (on_done): the user behind the update was active now."""
        user = update.effective_user if isinstance(update, Update) else None
        if user is not None and not user.is_bot:
            self._seen[user.id] = time.time()

    async def flush(self) -> None:
        seen, self._seen = self._seen, {}
        if not seen:
            return
        try:
            await self._db.record_last_seen(seen)
        except (sqlite3.Error, OSError):
            # Kept for the next flush: newer times noted meanwhile win.
            log.warning("could not record %d users' last activity; will try again", len(seen), exc_info=True)
            for tg_id, when in seen.items():
                self._seen[tg_id] = max(when, self._seen.get(tg_id, 0.0))
