"""`python -m bot` / `smm-bot`: read the settings and run the bot until SIGINT or SIGTERM."""

from __future__ import annotations

import sys

from bot.config import ConfigError, load_settings
from bot.logs import setup_logging


def main() -> int:
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
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


if __name__ == "__main__":
    sys.exit(main())
