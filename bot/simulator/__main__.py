"""Run the panel simulator: `python -m bot.simulator [--port 8765] [--key KEY=BALANCE[:CURRENCY]]`."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import random
import signal
import sys
from decimal import Decimal, InvalidOperation

from bot.simulator.catalogue import big_catalogue
from bot.simulator.server import PanelSimulator

DEMO_BALANCE = Decimal(1_000_000)


def _key_spec(text: str) -> tuple[str, Decimal, str]:
    key, sep, rest = text.partition("=")
    amount, _, currency = rest.partition(":")
    try:
        balance = Decimal(amount)
    except InvalidOperation:
        balance = Decimal("NaN")
    if not key or not sep or not balance.is_finite():
        raise argparse.ArgumentTypeError("expected KEY=BALANCE[:CURRENCY], for example demo=500000:VND")
    return key, balance, (currency or "VND").upper()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot.simulator",
        description="A simulated SMM panel speaking API v2 at /api/v2 (POST form or GET query).",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: %(default)s)")
    parser.add_argument("--port", type=int, default=8765, help="port; 0 picks a free one (default: %(default)s)")
    parser.add_argument(
        "--key",
        action="append",
        type=_key_spec,
        default=[],
        metavar="KEY=BALANCE[:CURRENCY]",
        help="an API key with its balance (repeatable; currency VND by default). "
        "Without it one demo key is generated and printed.",
    )
    parser.add_argument(
        "--speed", type=float, default=1.0, help="simulated seconds per real second (default: %(default)s)"
    )
    parser.add_argument(
        "--big-catalogue", type=int, default=0, metavar="N", help="serve N generated services (benchmarks)"
    )
    parser.add_argument("--seed", type=int, default=None, help="random seed for reproducible runs")
    return parser


async def serve(args: argparse.Namespace) -> None:
    catalogue = big_catalogue(args.big_catalogue, args.seed) if args.big_catalogue > 0 else None
    sim = PanelSimulator(catalogue, speed=args.speed, seed=args.seed)
    keys = [sim.add_key(key, balance, currency) for key, balance, currency in args.key]
    generated = not keys
    if generated:
        # With --seed the demo key is reproducible too (handy for scripted benchmarks).
        demo = f"{random.Random(args.seed).getrandbits(128):032x}" if args.seed is not None else None
        keys.append(sim.add_key(demo, DEMO_BALANCE, "VND"))
    url = await sim.start(args.host, args.port)
    print(f"Panel simulator listening: {len(sim.catalogue)} services, speed x{args.speed:g}")
    print(f"PANEL_API_URL={url}")
    if generated:
        # A local demo key, printed on purpose so that a developer can paste it into the bot.
        print(f"Demo API key: {keys[0]} (balance {DEMO_BALANCE} VND)")
    else:
        print(f"Keys: {len(keys)}")
    print("Press Ctrl+C to stop.", flush=True)

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await sim.stop()


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
