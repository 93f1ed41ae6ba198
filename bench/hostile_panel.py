"""6. A hostile panel: the bot process's memory while a panel sends answers far too large.

Each scenario runs a fresh bot process (`bench.bot_process serve`, as `python -m bot` runs)
against the panel simulator, with one seeded user whose key the simulator misbehaves for
(bot/simulator/hostile.py) and a second user whose key it serves normally:

- "200,000-service catalogue": `/services` answered by 200,000 small entries (14 MB, under
  the 20 MB size limit, 4 x the 50,000-service limit), streamed;
- "50 MB answer to /balance" and "50 MB catalogue": the real answer followed by 50 MB of
  blanks (valid JSON, streamed without a Content-Length: only counting can refuse it);
- "trickling answer": /balance answered one byte a second, with PANEL_TIMEOUT_SECONDS=5: how
  long the user waits (the timeout bounds the whole call, retries included);
- "50,000-service catalogue (accepted)": for context, the largest catalogue the default limits
  accept, with realistic entries (names with emoji and Vietnamese, 11 MB); no target.

While the first user waits, the second sends /balance; its latency shows whether the bot
stays responsive. Figures: the bot process's peak RSS (VmHWM) and RSS afterwards, the wait
of each user, what the first user was told, and the database + WAL size afterwards.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from bench.bot_process import proc_status_kb
from bench.common import BotProcess, Environment, ms, verdict
from bench.order_flow import Driver, last_bot_message
from bot.simulator import big_catalogue
from bot.storage import Database

TARGET_PEAK_MB = 150
TRICKLE_TIMEOUT = 5.0
HOSTILE_USER, CALM_USER = 300_001, 300_002
HOSTILE_KEY, CALM_KEY = "hostile-bench-key-1", "calm-bench-key-2"


@dataclass
class Scenario:
    name: str
    command: str  # what the hostile user sends
    kind: str | None  # the simulator's fault (None: answer normally)
    action: str
    targeted: bool = True  # a target applies (the context scenario has none)
    services: int = 0  # size of the normal catalogue served meanwhile (0: the default one)
    settings: dict[str, object] = field(default_factory=dict)  # the bot's, beyond bench defaults
    times: int = 1  # how many requests misbehave (the trickle: every attempt, as a broken panel would)


SCENARIOS = [
    Scenario("200,000-service catalogue (14 MB)", "/services", "huge_catalogue", "services"),
    Scenario("50 MB answer to /balance", "/balance", "huge_body", "balance"),
    Scenario("50 MB catalogue", "/services", "huge_body", "services"),
    Scenario(f"trickling answer, 1 byte/s (PANEL_TIMEOUT_SECONDS={TRICKLE_TIMEOUT:g})", "/balance", "trickle",
             "balance", settings={"PANEL_TIMEOUT_SECONDS": TRICKLE_TIMEOUT}, times=10),
    Scenario("50,000-service catalogue (11 MB, accepted)", "/services", None, "services", targeted=False,
             services=50_000),
]


async def seed(env: Environment, db_path: Path) -> None:
    db = await Database.open(db_path, encryption_key=env.encryption_key)
    try:
        for tg_id, key in ((HOSTILE_USER, HOSTILE_KEY), (CALM_USER, CALM_KEY)):
            env.panel.add_key(key, Decimal(10**9))
            await db.ensure_user(tg_id, "en")
            await db.save_account(tg_id, env.panel.url, key, "VND")
    finally:
        await db.close()


def disk_mb(db_path: Path) -> float:
    files = [db_path, db_path.with_name(db_path.name + "-wal")]
    return sum(f.stat().st_size for f in files if f.exists()) / 1e6


async def run_scenario(scenario: Scenario, catalogue: list | None) -> dict:
    env = await Environment.start(catalogue=catalogue)
    try:
        db_path = env.workdir / "bot.sqlite3"
        await seed(env, db_path)
        sim = env.panel
        if scenario.kind is not None:
            sim.fail_next(scenario.times, scenario.kind, action=scenario.action, key=HOSTILE_KEY)  # type: ignore[arg-type]
        process = await BotProcess.start(env.bot_env(db_path, **scenario.settings), ["serve"], env.workdir / "bot.log")
        try:
            started = await process.result(timeout=60)
            fake = env.fake
            hostile = fake.register_user(HOSTILE_USER, first_name="H", last_name=None, username=None,
                                         language_code="en", chat_type="private", chat_id=None, title=None)
            calm = fake.register_user(CALM_USER, first_name="C", last_name=None, username=None,
                                      language_code="en", chat_type="private", chat_id=None, title=None)
            hostile_driver, calm_driver = Driver(fake), Driver(fake)
            asked = sim.requests[scenario.action]
            waiting = asyncio.create_task(hostile_driver.send(*hostile, scenario.command))
            while sim.requests[scenario.action] == asked:  # the hostile answer is on its way
                await asyncio.sleep(0.01)
            await calm_driver.send(*calm, "/balance")
            await waiting
            (hostile_wait,), (calm_wait,) = hostile_driver.latencies, calm_driver.latencies
            told = last_bot_message(hostile[1]).plain_text
            peak_kb = proc_status_kb("VmHWM", process.pid)
            await asyncio.sleep(1.0)  # what is still held once the answer is dealt with
            after_kb = proc_status_kb("VmRSS", process.pid)
        finally:
            await process.stop()
        return {
            "scenario": scenario, "start_mb": started["rss_kb"] / 1024, "peak_mb": peak_kb / 1024,
            "after_mb": after_kb / 1024, "hostile_wait": hostile_wait, "calm_wait": calm_wait,
            "told": told, "disk_mb": disk_mb(db_path),
        }
    finally:
        await env.stop()


async def run(quick: bool) -> dict:
    results = []
    for scenario in SCENARIOS:
        if quick and not scenario.targeted:
            continue
        catalogue = big_catalogue(scenario.services, seed=3) if scenario.services else None
        result = await run_scenario(scenario, catalogue)
        del catalogue
        told = result["told"].replace("\n", " ")
        told = told if len(told) <= 70 else told[:69] + "…"
        row = (f"| {scenario.name} | {result['start_mb']:.0f} MB | **{result['peak_mb']:.0f} MB** | "
               f"{result['after_mb']:.0f} MB | {ms(result['hostile_wait'])} | {ms(result['calm_wait'])} | "
               f"{result['disk_mb']:.1f} MB | {told} |")
        print("  " + row, flush=True)
        results.append((result, row))
    lines = [
        ("| scenario | RSS at start | peak RSS | RSS 1 s after | user waited | other user's /balance "
         "| database + WAL | the user was told |"),
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
        *[row for _, row in results],
    ]
    targeted = [r for r, _ in results if r["scenario"].targeted]
    worst = max(r["peak_mb"] for r in targeted)
    targets = [(f"peak RSS of the bot process under hostile answers {worst:.0f} MB (target <= {TARGET_PEAK_MB} MB): "
                f"{verdict(worst <= TARGET_PEAK_MB)}")]
    trickled = [r for r, _ in results if r["scenario"].kind == "trickle"]
    if trickled:
        # Half a second for the bot's own work around the call.
        waited = trickled[0]["hostile_wait"]
        targets.append(f"a trickling panel held its user {waited:.1f} s (PANEL_TIMEOUT_SECONDS {TRICKLE_TIMEOUT:g}, "
                       f"target <= {TRICKLE_TIMEOUT + 0.5:g} s): {verdict(waited <= TRICKLE_TIMEOUT + 0.5)}")
    return {"table": lines, "targets": targets, "problems": []}
