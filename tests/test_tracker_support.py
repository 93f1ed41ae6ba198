"""Helpers shared by the tracker's end-to-end tests (this module holds no tests itself).

The tests run the whole bot (`bot` / `bot_runner` fixtures) against the panel simulator and
the fake Bot API; a cycle runs when a test calls `bot.tracker.cycle()` (the repeating job's
interval is an hour in tests).

Tracker tests use Telegram user ids 7100-7399: the fake numbers callback queries per user from
1 in every test, and the handlers remember answered query ids for the whole process, so a
user id shared with another test file could make a button press look already answered.
"""

from __future__ import annotations

import itertools
import time
from decimal import Decimal

from bot.simulator.state import money
from bot.storage import NewOrder
from tests.conftest import TEST_KEY, RunningBot
from tests.fakebot.driver import FakeUser
from tests.fakebot.model import ChatMessage

NOTIFY_TITLES = ("Updates on your orders", "Cập nhật đơn hàng")
SERVICE_ID = 1  # "Facebook views": refill allowed, 2.5 per 1000
_links = itertools.count(1)


def notifications(user: FakeUser) -> list[ChatMessage]:
    """The tracker's messages in the user's chat, oldest first."""
    return [m for m in user.messages() if m.plain_text.startswith("🔔") and any(t in m.plain_text for t in NOTIFY_TITLES)]


def told_texts(*users: FakeUser) -> str:
    return "\n\n".join(m.plain_text for user in users for m in notifications(user))


def status_requests(bot: RunningBot) -> int:
    return bot.sim.requests["status"]


async def user_with_key(bot: RunningBot, tg_id: int, key: str = TEST_KEY, language: str = "en") -> FakeUser:
    """A user with a saved key (added to the simulator with 1,000,000 VND if it is new),
    stored as onboarding stores it but without the chat (`RunningBot.onboarded_fast`)."""
    if key not in bot.sim.accounts:
        bot.sim.add_key(key, Decimal(1_000_000), "VND")
    return await bot.onboarded_fast(tg_id, language, key)


async def add_panel_orders(bot: RunningBot, tg_id: int, count: int, *, quantity: int = 1000) -> list[int]:
    """`count` orders made on the panel for the user's active key (as if on the website) and
    followed by the bot; returns the panel's order ids."""
    account = await bot.db.active_account(tg_id)
    sim_account = bot.sim.accounts[account.api_key]
    service = bot.sim.services[SERVICE_ID]
    ids = []
    new_orders = []
    for _ in range(count):
        link = f"https://facebook.com/post/{next(_links)}"
        charge = money(service.rate * quantity / 1000)
        order = bot.sim.create_order(sim_account, service, link, quantity, charge, {"quantity": str(quantity)})
        ids.append(order.id)
        new_orders.append(NewOrder(
            account_id=account.id, panel_order_id=order.id, service_id=service.id, service_name="Facebook views",
            service_type="Default", link=link, quantity=quantity, expected_charge=charge, currency="VND",
            refill_allowed=True, cancel_allowed=False,
        ))
    assert await bot.db.track_orders(tg_id, new_orders) == count
    return ids


class ManualClock:
    """Monotonic seconds that move only when a test says so (for the tracker's back-off)."""

    def __init__(self) -> None:
        self.now = time.monotonic()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds
