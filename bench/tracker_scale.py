"""2. Tracker at scale: 10,000 users holding 100,000 open orders across their accounts.

Users, accounts and orders are written through the storage API (ensure_user, save_account,
track_orders); the orders are put straight into the simulators' books (bench only), forced
to "Pending" so that simulated time never moves them. One user in five also has an account
on a second panel. Order counts per account follow a long-tailed distribution, so some
accounts need several requests of 100 ids.

Nine orders in ten are stored as already checked ("Pending", as the panel answers, and
told); the rest are new since the last cycle. The bot runs two tracker cycles in its own
process: the first stores the new orders' first answers ("Pending" is not news: no message),
the second finds nothing new, which is the steady state. Reported: panel requests per cycle
as the panels counted them, against the minimum (sum over accounts of ceil(open orders /
100)); cycle time; the bot process's peak RSS. The bot runs with its default politeness
(PANEL_MIN_INTERVAL_SECONDS=0.5 per key, PANEL_MAX_CONCURRENCY=4 per panel), so a cycle can
take no less than the largest account's requests times 0.5 s; the report shows that floor.
"""

from __future__ import annotations

import math
import random
import time
from decimal import Decimal
from pathlib import Path

from bench.common import BotProcess, Environment, Profiler, verdict
from bot.panel import OrderState
from bot.simulator import PanelSimulator, SimOrder
from bot.storage import Database, NewOrder

FIRST_USER_ID = 1_000_000
SECOND_PANEL_SHARE = 0.2
NEW_ORDER_EVERY = 10  # one order in ten has not been checked yet
RSS_TARGET_MB = 200
DEFAULT_MIN_INTERVAL = 0.5


def plan_orders(users: int, orders: int, seed: int = 11) -> list[list[int]]:
    """Open orders per account, per user: [[n on panel A], or [n on A, n on B]]."""
    rng = random.Random(seed)
    weights = [rng.paretovariate(1.3) for _ in range(users)]
    scale = (orders - users) / sum(weights)  # everyone has at least one order
    counts = [1 + int(w * scale) for w in weights]
    for i in rng.sample(range(users), orders - sum(counts)):  # hand out what rounding left
        counts[i] += 1
    plan = []
    for count in counts:
        if count >= 2 and rng.random() < SECOND_PANEL_SHARE:
            on_b = max(1, int(count * rng.uniform(0.2, 0.5)))
            plan.append([count - on_b, on_b])
        else:
            plan.append([count])
    return plan


def add_orders(sim: PanelSimulator, key: str, count: int, first_id: int) -> list[int]:
    """Orders straight into the simulator's books, forced to "Pending" (bench only: creating
    them through the API would cost 100,000 requests, and `tick()` would walk them all)."""
    ids = list(range(first_id, first_id + count))
    for order_id in ids:
        sim.orders[order_id] = SimOrder(
            id=order_id, key=key, service_id=1, link=f"https://example.com/p/{order_id}", quantity=1000,
            charge=Decimal("2.5"), created_at=sim.now(), start_count=0, status="Pending", remains=1000, forced=True,
        )
    return ids


async def seed(env: Environment, db_path: Path, plan: list[list[int]]) -> None:
    db = await Database.open(db_path, encryption_key=env.encryption_key)
    next_id = 10_000_000
    try:
        # Seeding only, on this connection: no fsync per commit (the bot's own connection
        # keeps synchronous=FULL).
        async with db.connection.reading() as session:
            await session.execute("PRAGMA synchronous = OFF")
        for index, per_panel in enumerate(plan):
            tg_id = FIRST_USER_ID + index
            await db.ensure_user(tg_id, "en")
            new_orders = []
            for panel_index, count in enumerate(per_panel):
                sim = env.panels[panel_index]
                key = sim.add_key(f"scale-{panel_index}-{tg_id}", Decimal(10**9))
                account = await db.save_account(tg_id, sim.url, key, "VND")
                for order_id in add_orders(sim, key, count, next_id):
                    new_orders.append(NewOrder(account.id, order_id, 1, "Facebook views", "Default",
                                               f"https://example.com/p/{order_id}", 1000, Decimal("2.5"), "VND"))
                next_id += count
            await db.track_orders(tg_id, new_orders)
        async with db.connection.transaction() as session:
            # Bench only: what earlier cycles would have stored, exactly as the panel answers.
            await session.execute(
                """UPDATE orders SET status = :status, told_status = :status, charge = '2.5', start_count = 0,
                       remains = 1000, final = 0, checked_at = :now WHERE id % :every != 0""",
                {"status": OrderState.PENDING.value, "now": time.time(), "every": NEW_ORDER_EVERY},
            )
    finally:
        await db.close()


def panel_requests(env: Environment) -> int:
    return sum(sum(sim.requests.values()) for sim in env.panels)


async def run(quick: bool, profile: Path | None = None, bot_args: list[str] | None = None) -> dict:
    users, orders = (500, 5_000) if quick else (10_000, 100_000)
    plan = plan_orders(users, orders)
    minimum = sum(math.ceil(n / 100) for per_user in plan for n in per_user)
    accounts = sum(len(per_user) for per_user in plan)
    largest = max(n for per_user in plan for n in per_user)
    env = await Environment.start(panels=2)
    try:
        db_path = env.workdir / "bot.sqlite3"
        began = time.monotonic()
        await seed(env, db_path, plan)
        seeding = time.monotonic() - began
        bot_env = env.bot_env(db_path, PANEL_MIN_INTERVAL_SECONDS=DEFAULT_MIN_INTERVAL)
        process = await BotProcess.start(bot_env, ["cycles", "2", *(bot_args or [])], env.workdir / "bot.log")
        try:
            started = await process.result(timeout=60)
            profiler = await Profiler.start(process.pid, profile) if profile is not None else None
            cycles = []
            for _ in range(2):
                before = panel_requests(env)
                cycle = await process.result(timeout=900)
                cycle["panel_requests"] = panel_requests(env) - before
                cycles.append(cycle)
            if profiler is not None:
                await profiler.stop()
        finally:
            await process.stop()
        largest_batch = max(max(sim.status_batches, default=0) for sim in env.panels)
    finally:
        await env.stop()

    peak_mb = max(c["peak_rss_kb"] for c in cycles) / 1024
    lines = [
        f"{users:,} users, {accounts:,} accounts on 2 panels, {orders:,} open orders "
        f"(largest account: {largest:,}); seeded in {seeding:.1f} s",
        f"bot process RSS after start-up: {started['rss_kb'] / 1024:.0f} MB",
        "| cycle | panel requests | minimum | orders checked | answers stored | cycle time | bot CPU | peak RSS |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for number, cycle in enumerate(cycles, 1):
        lines.append(f"| {number} | {cycle['panel_requests']:,} | {minimum:,} | {cycle.get('orders_checked', 0):,} | "
                     f"{cycle.get('changes', 0):,} | {cycle['wall_seconds']:.1f} s | {cycle['cpu_seconds']:.1f} s | "
                     f"{cycle['peak_rss_kb'] / 1024:.0f} MB |")
        print("  " + lines[-1], flush=True)
    lines.append(f"largest status batch: {largest_batch} ids")
    busiest = math.ceil(largest / 100)
    lines.append(f"PANEL_MIN_INTERVAL_SECONDS={DEFAULT_MIN_INTERVAL} per key: the largest account's {busiest} "
                 f"requests need at least {(busiest - 1) * DEFAULT_MIN_INTERVAL:.1f} s per cycle")
    requests_met = all(c["panel_requests"] == minimum for c in cycles)
    targets = [
        f"panel requests per cycle = minimum ({minimum:,}): "
        + ", ".join(f"{c['panel_requests']:,}" for c in cycles) + f": {verdict(requests_met)}",
        f"peak RSS {peak_mb:.0f} MB (target < {RSS_TARGET_MB} MB): {verdict(peak_mb < RSS_TARGET_MB)}",
    ]
    return {"table": lines, "targets": targets, "problems": []}
