"""Mass order: a batch of 1,000 lines placed by the bot against the simulator.

The batch is checked and confirmed through the same core and storage calls the /mass handlers
make (`preview_text`, `save_preview`, `start_mass_batch`), into the database the bot then opens:
the bot (its own process, `bench.bot_process serve`) resumes the running batch at start-up, the
path a restart takes, and places it with its default politeness (PANEL_MIN_INTERVAL_SECONDS=0.5
per key, one line at a time per key). Every line has its own link, so the panel would refuse a
line sent twice ("active order with this link") and the simulator's books show any duplicate.

Reported: `add` requests as the panel counted them (target: exactly the number of lines),
duplicates (target 0), lines placed as the bot stored them, the time from the first `add` to
the last against the floor the spacing sets ((lines - 1) × interval), the most `add`s the panel
saw in any 10 s (at most 10 / interval + 1), the bot's CPU and its peak RSS.
"""

from __future__ import annotations

import asyncio
import bisect
import math
import time
from decimal import Decimal
from pathlib import Path

from bench.bot_process import proc_status_kb
from bench.common import BotProcess, Environment, cpu_seconds, verdict
from bot.core.catalogue import Catalogue
from bot.core.mass import preview_text, save_preview
from bot.panel.parsing import parse_services
from bot.storage import Database
from bot.storage.mass import BatchState

TG_ID = 4_000_001
KEY = "mass-bench-key"
DEFAULT_MIN_INTERVAL = 0.5
RSS_TARGET_MB = 200
WINDOW = 10.0  # seconds: the panel's rate per key, counted over a window


def batch_text(lines: int) -> str:
    """`lines` orders over three services (a Package among them), each with its own link."""
    rows = []
    for n in range(1, lines + 1):
        if n % 10 == 0:
            rows.append(f"304 | https://instagram.com/shop{n}")
        elif n % 2:
            rows.append(f"1 | https://facebook.com/groups/bench/posts/{n} | {200 + n % 1000}")
        else:
            rows.append(f"2|https://tiktok.com/@bench/video/{n}|{10 + n % 1000}")
    return "\n".join(rows)


async def seed(env: Environment, db_path: Path, lines: int) -> int:
    """The user, their account and a confirmed batch, as the /mass handlers would leave them."""
    sim = env.panel
    sim.add_key(KEY, Decimal(10**12), "VND")
    db = await Database.open(db_path, encryption_key=env.encryption_key)
    try:
        await db.ensure_user(TG_ID, "en")
        account = await db.save_account(TG_ID, sim.url, KEY, "VND")
        catalogue = Catalogue(tuple(parse_services(sim.catalogue)), time.time())
        preview = preview_text(batch_text(lines), catalogue, "VND")
        assert len(preview.valid) == lines and not preview.problems, preview.problems[:3]
        batch = await save_preview(db, TG_ID, account.id, preview, balance=Decimal(10**12), balance_currency="VND")
        started, _ = await db.start_mass_batch(TG_ID, batch.id)
        assert started
        return batch.id
    finally:
        await db.close()


async def run(quick: bool) -> dict:
    lines, interval = (100, 0.1) if quick else (1000, DEFAULT_MIN_INTERVAL)
    env = await Environment.start()
    problems: list[str] = []
    try:
        sim = env.panel
        db_path = env.workdir / "bot.sqlite3"
        batch_id = await seed(env, db_path, lines)
        bot_env = env.bot_env(db_path, PANEL_MIN_INTERVAL_SECONDS=interval)
        process = await BotProcess.start(bot_env, ["serve"], env.workdir / "bot.log")
        try:
            started = await process.result(timeout=60)
            cpu_began = cpu_seconds(process.pid)
            # The bench's own loop only: wait for the panel to have seen every line, then for the
            # bot to store the last outcome (it reports the batch once nothing is left).
            deadline = time.monotonic() + lines * interval * 2 + 120
            while sim.requests["add"] < lines and time.monotonic() < deadline:
                await asyncio.sleep(0.25)
            db = await Database.open(db_path, encryption_key=env.encryption_key)  # a reader beside the bot
            try:
                batch = await db.get_mass_batch(TG_ID, batch_id)
                while batch.state is not BatchState.DONE and time.monotonic() < deadline:
                    await asyncio.sleep(0.25)
                    batch = await db.get_mass_batch(TG_ID, batch_id)
                await asyncio.sleep(1.0)  # anything sent twice would show up now
                stored_orders = await db.count_orders(TG_ID)
            finally:
                await db.close()
            cpu = cpu_seconds(process.pid) - cpu_began
            peak_kb = proc_status_kb("VmHWM", process.pid)
        finally:
            await process.stop()
    finally:
        await env.stop()

    adds = [at for at, action, _ in sim.request_log if action == "add"]
    links = [order.link for order in sim.orders.values()]
    duplicates = len(adds) - len(set(links))
    took = adds[-1] - adds[0] if len(adds) > 1 else 0.0
    floor = (lines - 1) * interval
    gaps = sorted(b - a for a, b in zip(adds, adds[1:]))
    smallest_gap = gaps[0] if gaps else 0.0
    median_gap = gaps[len(gaps) // 2] if gaps else 0.0
    busiest = max((bisect.bisect_left(adds, at + WINDOW) - i for i, at in enumerate(adds)), default=0)
    allowed = math.floor(WINDOW / interval) + 1
    peak_mb = peak_kb / 1024
    if batch.state is not BatchState.DONE:
        problems.append(f"the batch is {batch.state} with {batch.left} lines left")
    table = [
        f"{lines:,} lines (services 1, 2 and a Package), one account, PANEL_MIN_INTERVAL_SECONDS={interval}; "
        "the bot resumes the confirmed batch at start-up",
        "| lines | `add` requests | duplicates | placed (stored) | orders stored | first → last `add` | "
        "floor (spacing) | overhead per line | gap p50 / smallest | bot CPU | RSS after start | peak RSS |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        f"| {lines:,} | {len(adds):,} | {duplicates} | {batch.placed:,} | {stored_orders:,} | {took:.1f} s | "
        f"{floor:.1f} s | {(took - floor) / max(1, lines - 1) * 1000:.1f} ms | "
        f"{median_gap * 1000:.0f} / {smallest_gap * 1000:.0f} ms | "
        f"{cpu:.1f} s | {started['rss_kb'] / 1024:.0f} MB | {peak_mb:.0f} MB |",
    ]
    print("  " + table[-1], flush=True)
    targets = [
        f"`add` requests = lines ({lines:,}): {len(adds):,}: {verdict(len(adds) == lines)}",
        f"duplicates = 0: {duplicates}: {verdict(duplicates == 0)}",
        f"every line placed and stored: {batch.placed:,} placed, {stored_orders:,} orders: "
        f"{verdict(batch.placed == lines == stored_orders)}",
        f"time {took:.1f} s against the spacing's floor {floor:.1f} s (+{(took / floor - 1) if floor else 0:.1%})",
        # The bot spaces its sends; the panel sees arrivals, which jitter by some ms either way on
        # a busy machine, so the rate is judged over a window, as panels count it.
        f"most `add`s the panel saw in any {WINDOW:.0f} s: {busiest} (at most {allowed} at one per "
        f"{interval * 1000:.0f} ms): {verdict(busiest <= allowed)}; gap between two: median "
        f"{median_gap * 1000:.0f} ms, smallest {smallest_gap * 1000:.0f} ms",
        f"peak RSS {peak_mb:.0f} MB (target < {RSS_TARGET_MB} MB): {verdict(peak_mb < RSS_TARGET_MB)}",
    ]
    return {"table": table, "targets": targets, "problems": problems}
