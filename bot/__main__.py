"""`python -m bot` / `smm-bot`: read the settings and run the bot until SIGINT or SIGTERM.

    python -m bot                 run (on a terminal without a token: asks for it, see bot/ops/first_run.py)
    python -m bot --check         check the settings, the token and the panel URL; one line each
    python -m bot backup PATH     a consistent copy of the live database (bot/ops/backup.py)
"""

from __future__ import annotations

import argparse
import os
import sys

from bot.config import ConfigError, load_settings


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bot", description="Telegram bot for SMM panel customers.")
    parser.add_argument("--check", action="store_true",
                        help="check the settings, the bot token (getMe) and the panel URL, then exit")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    backup = commands.add_parser("backup", help="copy the database consistently while the bot runs")
    backup.add_argument("path", help="the new backup file, or a folder (ending in /) to put a dated one in")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    if args.command == "backup":
        return _backup(args.path)
    if args.check:
        return _check()
    try:
        settings = _settings_asking_for_the_token()
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    from bot.logs import setup_logging

    setup_logging(settings.log_level)
    from bot.app import StartupError, event_loop_runner, run  # imported late so a config error is reported fast
    from bot.storage import StorageError, StorageKeyError

    try:
        with event_loop_runner() as runner:
            runner.run(run(settings))
    except StorageKeyError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    except (StartupError, StorageError) as exc:  # e.g. a refused token, a database from a newer build
        print(f"cannot start: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        pass
    return 0


def _settings_asking_for_the_token():
    from bot.config import load_environment
    from bot.ops.first_run import ask_for_token, can_ask, token_missing

    env = load_environment()
    if token_missing(env) and can_ask(sys.stdin):
        ask_for_token(os.environ)
    return load_settings(env)


def _check() -> int:
    import asyncio

    from bot.ops.check import run_checks

    lines = asyncio.run(run_checks())
    for line in lines:
        print(line)
    return 0 if all(line.ok for line in lines) else 1


def _backup(path: str) -> int:
    from bot.config import database_path, load_environment
    from bot.ops.backup import BackupError, backup_database
    from bot.storage.crypto import key_file_path

    env = load_environment()
    source = database_path(env)
    try:
        result = backup_database(source, path)
    except BackupError as exc:
        print(f"backup failed: {exc}", file=sys.stderr)
        return 1
    print(f"backup written: {result.path} ({result.bytes} bytes; {result.users} users, {result.orders} orders; "
          f"schema version {result.schema_version})")
    key = "ENCRYPTION_KEY (from your settings)" if env.get("ENCRYPTION_KEY", "").strip() else key_file_path(source)
    print(f"keep the encryption key with it: {key}; without it the saved API keys cannot be read")
    return 0


if __name__ == "__main__":
    sys.exit(main())
