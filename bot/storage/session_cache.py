"""A memory copy of each recent user's row and active account.

Nearly every update starts by reading both (`Database.user_and_account`); with the bot's
single SQLite connection each read is a round trip to aiosqlite's thread (~0.3 ms of CPU), and
they were a third of all statements in the order-flow benchmark (bench/RESULTS.md). Both rows
change only through this storage layer, and every method that changes them forgets the user
here after its transaction, so a copy is never older than the database. One process owns the
database file; a second writer process would need this cache turned off (size 0).

A read that raced a write must not be kept: the copy is only stored if nothing was forgotten
between the start of the read and its end (`generation`).
"""

from __future__ import annotations

from collections import OrderedDict

from .models import Account, User

DEFAULT_SIZE = 10_000  # users kept; about 1 KB each


class SessionCache:
    def __init__(self, size: int = DEFAULT_SIZE) -> None:
        self._size = size
        self._entries: OrderedDict[int, tuple[User, Account | None]] = OrderedDict()
        self.generation = 0

    def get(self, tg_id: int) -> tuple[User, Account | None] | None:
        entry = self._entries.get(tg_id)
        if entry is not None:
            self._entries.move_to_end(tg_id)
        return entry

    def put(self, tg_id: int, entry: tuple[User, Account | None], read_at_generation: int) -> None:
        if self._size <= 0 or read_at_generation != self.generation:
            return  # something changed while it was read: the next read goes to the database
        self._entries[tg_id] = entry
        self._entries.move_to_end(tg_id)
        while len(self._entries) > self._size:
            self._entries.popitem(last=False)

    def forget(self, tg_id: int | None = None) -> None:
        """Drop one user's copy (None: everyone's, when the owner of a change is not known)."""
        self.generation += 1
        if tg_id is None:
            self._entries.clear()
        else:
            self._entries.pop(tg_id, None)
