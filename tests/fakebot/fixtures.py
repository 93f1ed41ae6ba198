"""pytest fixtures for the fake Telegram Bot API (register with `pytest_plugins`).

    async def test_start(fake_bot):
        app = fake_bot.application_builder().build()   # or base_url=fake_bot.bot_base_url
        ...
        fake_bot.assert_clean()

The fixture does not assert anything itself: call `fake_bot.assert_clean()` (or compare
`fake_bot.rejections` to what the test expects) at the end of the test.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio

from tests.fakebot.server import FakeBotApi


@pytest_asyncio.fixture
async def fake_bot() -> AsyncIterator[FakeBotApi]:
    """A started FakeBotApi on 127.0.0.1 (ephemeral port), stopped after the test."""
    fake = FakeBotApi()
    await fake.start()
    try:
        yield fake
    finally:
        await fake.stop()
