"""Run the benchmarks: `python -m bench [--quick] [--only NAME ...] [--markdown FILE]`.

    python -m bench                    # everything, about 10 minutes on 2 cores
    python -m bench --quick            # smaller sizes, under a minute
    python -m bench --slow             # adds the order flow as configured with 1,000 users
    python -m bench --only catalogue cold_start
    python -m bench --only hostile_panel   # peak RSS while a panel sends huge answers
    python -m bench --profile /tmp/p   # py-spy profiles of the bot process (pip install py-spy)
    python -m bench --bot-args="--overall-rate 29"   # try a proposed fix without editing bot/

Figures are printed as they come; `--markdown FILE` also writes them as Markdown with the
machine they ran on. None of this is a test: nothing fails when a target is missed.
"""

from __future__ import annotations

import argparse
import asyncio
import inspect
import shlex
import subprocess
import sys
import time
from pathlib import Path

from bench import catalogue, cold_start, fairness, hostile_panel, mass_order, notify_burst, order_flow, tracker_scale
from bench.common import ROOT, cpu_times, machine, steal_share

BENCHMARKS = {
    "order_flow": ("1. Order flow throughput and latency", order_flow),
    "tracker_scale": ("2. Tracker at scale", tracker_scale),
    "notify_burst": ("3. Notification burst", notify_burst),
    "catalogue": ("4. Catalogue rendering", catalogue),
    "cold_start": ("5. Cold start to the first getUpdates", cold_start),
    "hostile_panel": ("6. A hostile panel: peak RSS under huge answers", hostile_panel),
    "fairness": ("7. Fairness: ten users flood, twenty browse and order", fairness),
    "mass_order": ("8. Mass order: 1,000 lines at the panel's pace", mass_order),
}


def code_version() -> str:
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                                text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "bot", "locales"], cwd=ROOT,
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return commit + (" with uncommitted changes in bot/ or locales/" if dirty else "")


async def main(args: argparse.Namespace) -> list[str]:
    info = machine()
    command = "python -m bench " + shlex.join(sys.argv[1:])
    report = [
        f"Command: `{command.strip()}`",
        f"Machine: {info['nproc']} cores ({info['cpu']}), {info['memory']} RAM, Python {info['python']}, "
        f"{info['os']}",
        f"Code: {code_version()}; started {time.strftime('%Y-%m-%d %H:%M:%S')}",
    ]
    print("\n".join(report), flush=True)
    names = args.only or list(BENCHMARKS)
    began, counters = time.monotonic(), cpu_times()
    for name in names:
        title, module = BENCHMARKS[name]
        print(f"\n== {title} ==", flush=True)
        started = time.monotonic()
        kwargs: dict[str, object] = {}
        if args.slow and "slow" in inspect.signature(module.run).parameters:
            kwargs["slow"] = True
        if args.bot_args and "bot_args" in inspect.signature(module.run).parameters:
            kwargs["bot_args"] = args.bot_args.split()
        if args.profile and "profile" in inspect.signature(module.run).parameters:
            args.profile.mkdir(parents=True, exist_ok=True)
            kwargs["profile"] = args.profile / f"{name}.txt"
        result = await module.run(args.quick, **kwargs)
        seconds = time.monotonic() - started
        for line in result["targets"] + [f"problem: {p}" for p in result["problems"]]:
            print("  " + line, flush=True)
        report += ["", f"### {title}", "", *result["table"], "",
                   *[f"- {line}" for line in result["targets"]],
                   *[f"- problem: {p}" for p in result["problems"]],
                   f"- ran in {seconds:.0f} s"]
    total = time.monotonic() - began
    # A shared VM's figures move with its neighbours: say how much CPU they took meanwhile.
    steal = steal_share(counters, cpu_times())
    print(f"\nall done in {total:.0f} s; CPU steal meanwhile {steal:.1%}", flush=True)
    report += ["", f"Total: {total:.0f} s; CPU steal by the hypervisor meanwhile: {steal:.1%}"]
    return report


def cli() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes; under a minute")
    parser.add_argument("--only", nargs="+", choices=list(BENCHMARKS), metavar="NAME",
                        help="run only these: " + ", ".join(BENCHMARKS))
    parser.add_argument("--slow", action="store_true",
                        help="add the slow cases: the order flow as configured with 1,000 users (a few minutes)")
    parser.add_argument("--markdown", type=Path, metavar="FILE", help="also write the figures as Markdown")
    parser.add_argument("--bot-args", metavar="ARGS",
                        help='experiments: extra options for the bot process, e.g. "--catalogue-cache 5000" '
                             "(see python -m bench.bot_process --help)")
    parser.add_argument("--profile", type=Path, metavar="DIR",
                        help="sample the bot process with py-spy where supported (order_flow, tracker_scale)")
    args = parser.parse_args()
    report = asyncio.run(main(args))
    if args.markdown:
        args.markdown.write_text("\n".join(report) + "\n")


if __name__ == "__main__":
    cli()
