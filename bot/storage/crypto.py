"""API keys at rest: Fernet encryption, and where the encryption key comes from.

The key is ENCRYPTION_KEY when set; otherwise it lives in `encryption.key` next to the
database (created on first start, owner-only). A check value encrypted at first open is kept
in the `meta` table, so starting with a different key fails at once with `StorageKeyError`
instead of failing later on every saved account; nothing is deleted or rewritten then.
"""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from .errors import StorageError, StorageKeyError

log = logging.getLogger(__name__)

KEY_FILE_NAME = "encryption.key"
CHECK_META_KEY = "key_check"
_CHECK_PLAINTEXT = b"smm-panel-bot: encryption key check"
_KEY_HINT = "it must be 32 url-safe base64-encoded bytes, e.g. the output of Fernet.generate_key()"


class ApiKeyCipher:
    """Encrypts and decrypts API keys. Holds the Fernet key, so it never shows it in repr."""

    __slots__ = ("_fernet",)

    def __init__(self, fernet: Fernet) -> None:
        self._fernet = fernet

    def __repr__(self) -> str:
        return "ApiKeyCipher(<key hidden>)"

    def encrypt(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode()).decode("ascii")

    def decrypt(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode()
        except InvalidToken:
            # The check value passed at open, so this row alone is damaged.
            raise StorageError("a stored API key could not be decrypted (damaged row)") from None

    def make_check_value(self) -> str:
        return self._fernet.encrypt(_CHECK_PLAINTEXT).decode("ascii")

    def matches(self, check_value: str) -> bool:
        try:
            return self._fernet.decrypt(check_value.encode("ascii")) == _CHECK_PLAINTEXT
        except InvalidToken:
            return False


def cipher_from_key(key: str, *, source: str) -> ApiKeyCipher:
    """`source` names where the key came from, for the error message (never the key itself)."""
    try:
        return ApiKeyCipher(Fernet(key.strip().encode("ascii")))
    except (ValueError, TypeError, UnicodeEncodeError):
        raise StorageKeyError(f"{source} is malformed: {_KEY_HINT}") from None


def key_file_path(database_path: Path) -> Path:
    return database_path.parent / KEY_FILE_NAME


def read_key_file(path: Path) -> str | None:
    """The key stored in `path`, or None if there is no such file. Blocking: run in a thread."""
    try:
        text = path.read_text(encoding="ascii")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise StorageKeyError(f"cannot read the encryption key file {path}: {type(exc).__name__}") from None
    if stat.S_IMODE(path.stat().st_mode) & 0o077:
        log.warning("the encryption key file %s is readable by other users; run: chmod 600 %s", path, path)
    return text.strip()


def write_owner_only_file(path: Path, data: bytes) -> bool:
    """Create `path` (mode 0600) holding `data`, synced to disk; False if it exists already
    (another process won the race, or an earlier start made it). Blocking: run in a thread."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    try:
        os.fchmod(fd, 0o600)  # the mode given to open() is reduced by the umask, never widened; be exact
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    return True


def create_key_file(path: Path) -> str:
    """Generate a key into `path` with mode 0600; if another process won the race, use its key.

    Blocking: run in a thread.
    """
    key = Fernet.generate_key()
    if not write_owner_only_file(path, key + b"\n"):
        existing = read_key_file(path)
        if existing is None:  # pragma: no cover - deleted between the two calls
            raise StorageKeyError(f"the encryption key file {path} vanished while it was being created") from None
        return existing
    log.warning(
        "generated a new encryption key for saved API keys in %s; back this file up: "
        "without it the saved API keys cannot be read (or set ENCRYPTION_KEY to its content)",
        path,
    )
    return key.decode("ascii")


def resolve_key(encryption_key: str | None, database_path: Path, *, database_has_keys: bool) -> ApiKeyCipher:
    """Pick the key: ENCRYPTION_KEY, else the key file, else a new key file (only for a new database).

    Blocking (file access): run in a thread.
    """
    if encryption_key is not None:
        return cipher_from_key(encryption_key, source="ENCRYPTION_KEY")
    path = key_file_path(database_path)
    stored = read_key_file(path)
    if stored is not None:
        return cipher_from_key(stored, source=f"the encryption key file {path}")
    if database_has_keys:
        # Generating a fresh key here would only make the existing keys unreadable.
        raise StorageKeyError(
            f"ENCRYPTION_KEY is not set and {path} does not exist, but the database {database_path} "
            "was written with an encryption key: set ENCRYPTION_KEY to that key or restore the key file"
        )
    return cipher_from_key(create_key_file(path), source=f"the encryption key file {path}")


def wrong_key_error(encryption_key: str | None, database_path: Path) -> StorageKeyError:
    if encryption_key is not None:
        return StorageKeyError(
            f"ENCRYPTION_KEY does not match the key used for this database ({database_path}): "
            "set it back to the original key; nothing was changed"
        )
    return StorageKeyError(
        f"the key in {key_file_path(database_path)} does not match the key used for this database "
        f"({database_path}): restore the original key file or set ENCRYPTION_KEY; nothing was changed"
    )
