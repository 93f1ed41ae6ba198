"""Exceptions raised by the storage layer.

Messages name settings, files and row ids, never a secret (API key or encryption key).
"""

from __future__ import annotations


class StorageError(Exception):
    """Base class of every storage failure the bot can explain to its operator."""


class StorageKeyError(StorageError):
    """The encryption key is malformed, missing, or not the one this database was written with."""


class SchemaTooNewError(StorageError):
    """The database was migrated by a newer build of the bot than this one."""


class NotFoundError(StorageError, LookupError):
    """A row the caller referred to does not exist for that Telegram user."""
