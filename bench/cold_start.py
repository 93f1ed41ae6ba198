"""5. Cold start: from starting `python -m bot` to its first getUpdates at the fake Bot API.

The bot is started exactly as a user starts it, as a new process with its settings in the
environment; the clock runs from just before the process is spawned to the moment the fake
receives the first getUpdates. Runs on a new database (created and migrated on the way) and
on an existing one.
"""

from __future__ import annotations

import asyncio
import signal
import statistics
import sys

from bench.common import ROOT, Environment, verdict

TARGET_SECONDS = 2.0


async def start_once(env: Environment, db_path) -> float:
    loop = asyncio.get_running_loop()
    first_poll = env.fake.next_poll()
    began = loop.time()
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", cwd=ROOT, env=env.bot_env(db_path),
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        return await asyncio.wait_for(first_poll, 30) - began
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), 30)
        except TimeoutError:
            process.kill()
            await process.wait()


async def run(quick: bool) -> dict:
    runs = 2 if quick else 5
    env = await Environment.start()
    try:
        new_db = [await start_once(env, env.workdir / f"new-{i}" / "bot.sqlite3") for i in range(runs)]
        existing = env.workdir / "existing" / "bot.sqlite3"
        await start_once(env, existing)
        old_db = [await start_once(env, existing) for _ in range(runs)]
    finally:
        await env.stop()
    lines = [
        "| database | runs | median | worst |",
        "| --- | ---: | ---: | ---: |",
        f"| new | {runs} | {statistics.median(new_db):.2f} s | {max(new_db):.2f} s |",
        f"| existing | {runs} | {statistics.median(old_db):.2f} s | {max(old_db):.2f} s |",
    ]
    print("\n".join("  " + line for line in lines[2:]), flush=True)
    worst = max(new_db + old_db)
    targets = [f"worst start to first getUpdates {worst:.2f} s (target {TARGET_SECONDS:g} s): "
               f"{verdict(worst <= TARGET_SECONDS)}"]
    return {"table": lines, "targets": targets, "problems": []}
