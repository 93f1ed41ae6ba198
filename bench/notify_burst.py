"""3. Notification burst: 1,000 changes due at once for 1,000 users, under Telegram's flood limits.

Each user has one order the bot last saw (and told) "In progress"; the panel now says
"Completed". One tracker cycle in the bot's process finds 1,000 changes and sends 1,000
messages while the fake Bot API enforces Telegram's limits (30 messages/s overall, 1/s per
chat) and answers 429 "retry after" beyond them. Reported: messages/s delivered (first to
last accepted message), the 429s the bot received, and messages lost (users without their
message after the cycle).
"""

from __future__ import annotations

import time
from decimal import Decimal
from pathlib import Path

from bench.common import BotProcess, Environment, verdict
from bot.simulator import SimOrder
from bot.storage import Database, NewOrder

FIRST_USER_ID = 3_000_000
FIRST_ORDER_ID = 50_000_000
RATE_TARGET = 27.0


async def seed(env: Environment, db_path: Path, users: int) -> None:
    db = await Database.open(db_path, encryption_key=env.encryption_key)
    sim = env.panel
    try:
        for index in range(users):
            tg_id, order_id = FIRST_USER_ID + index, FIRST_ORDER_ID + index
            key = sim.add_key(f"burst-{tg_id}", Decimal(10**9))
            sim.orders[order_id] = SimOrder(
                id=order_id, key=key, service_id=1, link=f"https://example.com/b/{index}", quantity=1000,
                charge=Decimal("2.5"), created_at=sim.now(), start_count=100, status="Completed", remains=0,
                forced=True, settled=True,
            )
            env.fake.register_user(tg_id, first_name=f"U{index}", last_name=None, username=None, language_code="en",
                                   chat_type="private", chat_id=None, title=None)
            await db.ensure_user(tg_id, "en")
            account = await db.save_account(tg_id, sim.url, key, "VND")
            await db.track_orders(tg_id, [NewOrder(account.id, order_id, 1, "Facebook views", "Default",
                                                   f"https://example.com/b/{index}", 1000, Decimal("2.5"), "VND")])
            stored = await db.get_order(tg_id, order_id, account_id=account.id)
            assert stored is not None
            # What the bot saw and told last time: half delivered.
            await db.update_order_status(tg_id, stored.id, status="In progress", charge=Decimal("2.5"),
                                         start_count=100, remains=500, final=False, checked_at=time.time())
            await db.mark_order_told(stored.id, "In progress")
    finally:
        await db.close()


async def run(quick: bool, bot_args: list[str] | None = None) -> dict:
    users = 100 if quick else 1000
    env = await Environment.start()
    try:
        db_path = env.workdir / "bot.sqlite3"
        await seed(env, db_path, users)
        env.fake.enable_flood_limits()
        # No spacing between status requests: the polling half of the cycle is not measured here.
        bot_env = env.bot_env(db_path, PANEL_MIN_INTERVAL_SECONDS=0)
        args = ["cycles", "1", *(bot_args or [])]
        process = await BotProcess.start(bot_env, args, env.workdir / "bot.log")
        try:
            await process.result(timeout=60)
            cycle = await process.result(timeout=900)
        finally:
            await process.stop()
        sent = [e for e in env.fake.events if e.kind == "sent"]
        too_many = [r for r in env.fake.rejections if r.error_code == 429]
        other_refusals = [r for r in env.fake.rejections if r.error_code != 429]
    finally:
        await env.stop()

    told_chats = {e.chat_id for e in sent}
    lost = users - len(told_chats & set(range(FIRST_USER_ID, FIRST_USER_ID + users)))
    window = sent[-1].at - sent[0].at if len(sent) > 1 else 0.0
    rate = (len(sent) - 1) / window if window else 0.0
    lines = [
        f"{users:,} users with one changed order each; fake Bot API enforcing 30 msg/s overall, 1 msg/s per chat",
        "| messages delivered | sending window | messages/s | 429s received | other refusals | lost | "
        "cycle time | untold after the cycle |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        f"| {len(sent):,} | {window:.1f} s | {rate:.1f} | {len(too_many)} | {len(other_refusals)} | {lost} | "
        f"{cycle['wall_seconds']:.1f} s | {cycle['untold_after']} |",
    ]
    print("  " + lines[-1], flush=True)
    targets = [
        f"{rate:.1f} messages/s delivered (target >= {RATE_TARGET:g}): {verdict(rate >= RATE_TARGET)}",
        f"{lost} messages lost (target 0): {verdict(lost == 0)}",
    ]
    problems = [f"refused: {r!r}" for r in other_refusals[:3]]
    return {"table": lines, "targets": targets, "problems": problems}
