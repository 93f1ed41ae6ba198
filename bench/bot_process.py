"""The bot in a process of its own, for the benchmarks: `bot.app.run()`, the path `python -m bot`
takes, with the settings read from the environment the same way.

    python -m bench.bot_process serve [--no-rate-limit]    # run until SIGTERM
    python -m bench.bot_process cycles N                   # run N tracker cycles, then stop

It prints one JSON line once the bot is polling ({"event": "started", ...}) and, for `cycles`,
one per cycle with the cycle's stats and the process's peak RSS. `--no-rate-limit` builds the
bot's rate limiter (an AIORateLimiter) with no rates (it still waits out 429s): it shows what
the handlers can do when the 30 messages/s budget is not the bottleneck. `--overall-rate N` tries another overall
rate and `--catalogue-cache N` another in-memory catalogue cache size (experiments for
proposed fixes; the bot's own are 30 and 64). With BENCH_SQL_COUNTS=FILE it writes how many
times each SQL statement ran to FILE when it exits.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import json
import os
import signal
import time
from typing import Any


def proc_status_kb(field: str, pid: int | str = "self") -> int:
    """A size from /proc/<pid>/status in kB: VmRSS (now) or VmHWM (peak resident set)."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def count_sql(path: str) -> None:
    """Diagnostics (BENCH_SQL_COUNTS=FILE): count the statements the bot runs, by SQL text,
    and write them to FILE at exit. Transactions show as BEGIN IMMEDIATE."""
    import atexit
    import collections

    from bot.storage import connection

    counts: collections.Counter[str] = collections.Counter()
    for name in ("execute", "executemany", "one", "all"):
        original = getattr(connection.Session, name)

        def counted(self: Any, sql: str, *args: Any, _original: Any = original) -> Any:
            counts[" ".join(sql.split())[:150]] += 1
            return _original(self, sql, *args)

        setattr(connection.Session, name, counted)
    original_transaction = connection.Connection.transaction

    def transaction(self: Any) -> Any:
        counts["BEGIN IMMEDIATE"] += 1
        return original_transaction(self)

    connection.Connection.transaction = transaction

    def write() -> None:
        with open(path, "w") as out:
            out.writelines(f"{n:8d}  {sql}\n" for sql, n in counts.most_common())

    atexit.register(write)


def patch_app_class(base: type, **options: Any) -> None:
    """Make bot.app build its `base` (or subclass of it) with other options, for experiments.
    Fails loudly if bot.app no longer names such a class, rather than measure the wrong bot."""
    import bot.app

    names = [name for name, value in vars(bot.app).items() if isinstance(value, type) and issubclass(value, base)]
    if len(names) != 1:
        raise SystemExit(f"bench.bot_process: cannot find the {base.__name__} that bot.app builds (found {names})")
    cls = getattr(bot.app, names[0])
    # The experiment's options win over what bot.app passes itself.
    setattr(bot.app, names[0], lambda *args, **kwargs: cls(*args, **{**kwargs, **options}))


def emit(event: str, **values: Any) -> None:
    print(json.dumps({"event": event, **values}), flush=True)


async def main(args: argparse.Namespace) -> None:
    from bot.app import run
    from bot.config import load_settings

    settings = load_settings(os.environ)  # no .env: the benchmark sets everything
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    started: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
    task = asyncio.create_task(run(settings, stop, on_started=started.set_result))
    await asyncio.wait({task, started}, return_when=asyncio.FIRST_COMPLETED)
    if task.done():
        task.result()  # start-up failed: raise its error
    application = started.result()
    limiter = application.bot.rate_limiter
    base_bucket = getattr(limiter, "_base_limiter", None)  # AIORateLimiter's overall bucket, None if off
    emit("started", rss_kb=proc_status_kb("VmRSS"), peak_rss_kb=proc_status_kb("VmHWM"),
         rate_limiter=type(limiter).__name__, overall_rate=getattr(base_bucket, "max_rate", 0))
    if args.command == "cycles":
        tracker = application.bot_data["tracker"]
        db = application.bot_data["deps"].db
        for _ in range(args.count):
            began, cpu_began = time.monotonic(), time.process_time()
            stats = await tracker.cycle()
            values = dataclasses.asdict(stats) if stats is not None else {}
            values["wall_seconds"] = time.monotonic() - began
            values["cpu_seconds"] = time.process_time() - cpu_began  # all threads of this process
            values["untold_after"] = len(await db.untold_orders(limit=100_000))
            emit("cycle", **values, rss_kb=proc_status_kb("VmRSS"), peak_rss_kb=proc_status_kb("VmHWM"))
        stop.set()
    await task


def cli() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.bot_process")
    parser.add_argument("command", choices=["serve", "cycles"])
    parser.add_argument("count", nargs="?", type=int, default=1)
    parser.add_argument("--no-rate-limit", action="store_true")
    parser.add_argument("--overall-rate", type=float, metavar="N",
                        help="experiment: the rate limiter's overall_max_rate (the bot uses 30)")
    parser.add_argument("--catalogue-cache", type=int, metavar="N",
                        help="experiment: CatalogueCache max_services_in_memory (the bot uses 250,000)")
    args = parser.parse_args()

    from telegram.ext import BaseRateLimiter

    from bot.core.catalogue import CatalogueCache
    from bot.logs import setup_logging

    setup_logging(os.environ.get("LOG_LEVEL", "INFO"))
    rates: dict[str, float] = {"overall_max_rate": args.overall_rate} if args.overall_rate else {}
    if args.no_rate_limit:
        rates = {"overall_max_rate": 0, "group_max_rate": 0}
    if rates:
        patch_app_class(BaseRateLimiter, **rates)
    if args.catalogue_cache:
        patch_app_class(CatalogueCache, max_services_in_memory=args.catalogue_cache)
    if os.environ.get("BENCH_SQL_COUNTS"):
        count_sql(os.environ["BENCH_SQL_COUNTS"])
    from bot.app import event_loop_runner

    with contextlib.suppress(KeyboardInterrupt), event_loop_runner() as runner:  # as `python -m bot` runs
        runner.run(main(args))


if __name__ == "__main__":
    cli()
