"""Answers to a user's tap are not queued behind the broadcast bucket; messages are."""

import asyncio
import time

from bot.rate_limit import FloodLimiter


async def _timed(limiter: FloodLimiter, endpoint: str, count: int) -> float:
    async def send(endpoint_name, data):
        return True

    started = time.monotonic()
    await asyncio.gather(*(
        limiter.process_request(send, (endpoint, {}), {}, endpoint, {"chat_id": 1000 + i}, None) for i in range(count)
    ))
    return time.monotonic() - started


async def test_edits_skip_the_overall_bucket_but_messages_do_not():
    limiter = FloodLimiter(overall_max_rate=5, overall_time_period=1)
    assert await _timed(limiter, "editMessageText", 20) < 0.5
    assert await _timed(limiter, "sendMessage", 10) > 0.5  # 5 at once, then 5 a second
