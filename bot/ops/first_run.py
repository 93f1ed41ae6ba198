"""The first run on a terminal: no token yet, so ask for it and keep it in `.env`.

`python -m bot` without TELEGRAM_BOT_TOKEN stops with one line when nobody can answer (a
service, a container, input from a pipe). On a terminal it asks instead: the token is typed
without echo (like a password), checked for its shape (the bot's start then checks it with
Telegram), and written to `.env` in the current folder, readable by its owner only. An existing
`.env` keeps its other lines; a new one starts from `.env.example` when there is one, so every
setting is documented in it.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Mapping, MutableMapping
from pathlib import Path
from typing import TextIO

from bot.config import is_token_shaped

TOKEN_NAME = "TELEGRAM_BOT_TOKEN"
ATTEMPTS = 3

INTRO = (
    "The bot has no token yet. In Telegram, open @BotFather, send /newbot, choose a name,\n"
    "and paste the token it gives you here (it looks like 123456789:AA...; it is not shown\n"
    "while you type). It is saved in .env, readable by you only.\n"
)


def token_missing(env: Mapping[str, str]) -> bool:
    return not env.get(TOKEN_NAME, "").strip()


def can_ask(stdin: TextIO) -> bool:
    try:
        return stdin.isatty()
    except (AttributeError, ValueError):  # closed or replaced
        return False


def ask_for_token(env: MutableMapping[str, str], *, folder: Path | None = None, stdin: TextIO | None = None,
                  out: TextIO | None = None, read_secret: Callable[[TextIO, TextIO, str], str] | None = None) -> bool:
    """Ask on the terminal, write `.env`, put the token in `env`. False if no token was given
    (end of input, or three malformed ones): the caller reports the missing setting then."""
    stdin = stdin or sys.stdin
    out = out or sys.stderr
    read_secret = read_secret or _read_without_echo
    out.write(INTRO)
    for _ in range(ATTEMPTS):
        try:
            token = read_secret(stdin, out, "Token: ").strip()
        except (EOFError, KeyboardInterrupt):
            out.write("\n")
            return False
        if is_token_shaped(token):
            path = write_env_value(folder or Path.cwd(), TOKEN_NAME, token)
            env[TOKEN_NAME] = token
            out.write(f"Saved to {path} (readable by you only). Starting the bot...\n")
            out.flush()
            return True
        out.write("That does not look like a bot token (digits, a colon, then letters and digits). "
                  "Copy it again from @BotFather.\n")
    return False


def write_env_value(folder: Path, name: str, value: str) -> Path:
    """Set `name=value` in folder/.env (created from .env.example if absent), mode 0600,
    replaced atomically: a crash leaves the old file or the new one, never half of it."""
    path = folder / ".env"
    if path.exists():
        text = path.read_text(encoding="utf-8")
    elif (folder / ".env.example").exists():
        text = (folder / ".env.example").read_text(encoding="utf-8")
    else:
        text = ""
    line = f"{name}={value}"
    existing = re.compile(rf"^[ \t]*(export[ \t]+)?{re.escape(name)}[ \t]*=.*$", re.MULTILINE)
    if existing.search(text):
        text = existing.sub(lambda _: line, text, count=1)
    else:
        text = (text if not text or text.endswith("\n") else text + "\n") + line + "\n"
    partial = path.with_name(f".env.partial-{os.getpid()}")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, text.encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(partial, path)
    return path


def _read_without_echo(stdin: TextIO, out: TextIO, prompt: str) -> str:
    """A line from the terminal on stdin, not echoed (what getpass does, but on stdin itself
    rather than /dev/tty, so that it is the terminal the bot was started from)."""
    import termios

    fd = stdin.fileno()
    old = termios.tcgetattr(fd)
    new = termios.tcgetattr(fd)
    new[3] &= ~termios.ECHO
    # Echo off before the prompt shows, so nothing typed after it is ever echoed (TCSADRAIN:
    # what was typed already is kept, not discarded).
    termios.tcsetattr(fd, termios.TCSADRAIN, new)
    try:
        out.write(prompt)
        out.flush()
        line = stdin.readline()
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, old)
        out.write("\n")
    if not line:
        raise EOFError
    return line
