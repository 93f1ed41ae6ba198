"""Answers to a user's tap are not queued behind the broadcast bucket; messages are, fairly;
a 429 holds only the chat that earned it."""

import asyncio
import time

from telegram.error import RetryAfter

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


async def test_a_chat_with_many_messages_waiting_does_not_hold_up_another_chats_message():
    limiter = FloodLimiter(overall_max_rate=5, overall_time_period=1)
    delivered = []

    async def send(endpoint_name, data):
        delivered.append(data["chat_id"])
        return True

    def message(chat_id):
        return limiter.process_request(send, ("sendMessage", {"chat_id": chat_id}), {}, "sendMessage",
                                       {"chat_id": chat_id}, None)

    flood = [asyncio.create_task(message(1001)) for _ in range(8)]  # 5 go at once, 3 wait
    await asyncio.sleep(0)
    await message(1002)
    # The other chat's message went first among those that had to wait.
    assert delivered == [1001] * 5 + [1002]
    await asyncio.gather(*flood)


async def test_a_429_holds_only_its_own_chat_and_never_a_callback_answer():
    limiter = FloodLimiter(overall_max_rate=29, max_retries=1)
    done = []

    async def telegram(endpoint_name, data):
        if data.get("chat_id") == 1001 and 1001 not in done and "429" not in done:
            done.append("429")
            raise RetryAfter(1)
        done.append(data.get("chat_id", endpoint_name))
        return True

    def request(endpoint, data):
        return limiter.process_request(telegram, (endpoint, data), {}, endpoint, data, None)

    held = asyncio.create_task(request("sendMessage", {"chat_id": 1001, "text": "x"}))
    while "429" not in done:
        await asyncio.sleep(0.01)
    await request("sendMessage", {"chat_id": 1002, "text": "y"})
    await request("editMessageText", {"chat_id": 1003, "text": "z"})
    await request("answerCallbackQuery", {"callback_query_id": "1"})
    assert not held.done()  # the chat that earned the 429 still waits out its retry_after
    assert await held is True
    assert done == ["429", 1002, 1003, "answerCallbackQuery", 1001]
