"""A simulated SMM panel speaking API v2, for tests, demos and benchmarks.

    sim = PanelSimulator(speed=0)          # speed 0: time moves only with sim.advance()
    key = sim.add_key("k", Decimal(1000))
    await sim.start()                       # sim.url -> "http://127.0.0.1:<port>/api/v2"

Run standalone with `python -m bot.simulator --help`.
"""

from bot.simulator.actions import ERRORS
from bot.simulator.catalogue import SEED_SERVICES, big_catalogue, default_catalogue
from bot.simulator.server import FailureKind, PanelSimulator
from bot.simulator.state import SimAccount, SimOrder, SimRefill

__all__ = [
    "ERRORS",
    "SEED_SERVICES",
    "FailureKind",
    "PanelSimulator",
    "SimAccount",
    "SimOrder",
    "SimRefill",
    "big_catalogue",
    "default_catalogue",
]
