"""Maintenance mode: users get a polite "back soon" for anything but /start and /help, while
the tracker and broadcasts keep running. Admins (ADMIN_IDS) are never turned away.

The flag is stored (the `meta` table), so it survives a restart, and kept in memory: the
handlers ask `turns_away(update)` for every update, which must not cost a database read.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from telegram import Update

from bot.storage.operations import MaintenanceState

ALLOWED_COMMANDS = frozenset({"start", "help"})


def command_of(update: Update) -> str | None:
    """The command a message starts with, without "/" and "@botname", lower-case (or None)."""
    message = update.message
    text = message.text if message is not None else None
    if not text or not text.startswith("/"):
        return None
    return text[1:].split(maxsplit=1)[0].partition("@")[0].lower() if len(text) > 1 else None


class Maintenance:
    def __init__(self, db: Any, admin_ids: Collection[int]) -> None:
        self._db = db
        self._admins = frozenset(admin_ids)
        self.state = MaintenanceState(False)

    @property
    def on(self) -> bool:
        return self.state.on

    async def load(self) -> MaintenanceState:
        self.state = await self._db.maintenance()
        return self.state

    async def set(self, on: bool, by: int | None = None) -> MaintenanceState:
        """Turn it on or off (stored first, then in force)."""
        self.state = await self._db.set_maintenance(on, by)
        return self.state

    def turns_away(self, update: object) -> bool:
        """True when this update must get "back soon" instead of being handled: maintenance is
        on, it comes from a user who is not an admin, and it is a message or a button press
        other than /start and /help. Block/unblock notices (my_chat_member) and edited
        messages (which get no answer anyway) pass: the key guard must still see the latter,
        and it must run before this check (a key sent during maintenance is deleted all the same)."""
        if not self.state.on or not isinstance(update, Update):
            return False
        user = update.effective_user
        if user is None or user.id in self._admins:
            return False
        if update.callback_query is not None:
            return True
        if update.message is not None:
            return command_of(update) not in ALLOWED_COMMANDS
        return False
