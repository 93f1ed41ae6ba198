"""Webhook mode, /healthz and /metrics: the real bot, over HTTP on loopback.

The fake Bot API plays Telegram's part: setWebhook stores the URL and the secret, then each
update is POSTed to the bot with the secret header (tests/fakebot/webhook.py).
"""

from __future__ import annotations

import json
import socket
import sqlite3
import stat
from types import SimpleNamespace

import aiohttp
import pytest

from bot.app import ALLOWED_UPDATES, StartupError
from bot.web import SECRET_HEADER
from tests.conftest import wait_until


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def message_update(update_id: int, user_id: int, text: str) -> dict:
    user = {"id": user_id, "is_bot": False, "first_name": "Mallory", "language_code": "en"}
    return {
        "update_id": update_id,
        "message": {"message_id": 1, "date": 1_700_000_000, "chat": {"id": user_id, "type": "private", "first_name": "M"},
                    "from": user, "text": text, "entities": [{"type": "bot_command", "offset": 0, "length": len(text)}]},
    }


def metric(text: str, name: str, **labels: str) -> float:
    """The value of one sample in Prometheus' text format (0 if absent)."""
    wanted = name + ("{" + ",".join(f'{k}="{v}"' for k, v in labels.items()) + "}" if labels else "")
    for line in text.splitlines():
        if line.startswith(wanted + " "):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


async def get(url: str) -> tuple[int, str, str]:
    async with aiohttp.ClientSession() as http, http.get(url) as response:
        return response.status, response.headers.get("Content-Type", ""), await response.text()


async def test_webhook_mode_gets_updates_from_telegram_by_http_and_refuses_others(bot_runner, fake_bot, tmp_path,
                                                                                  caplog):
    port = free_port()
    url = f"http://127.0.0.1:{port}/telegram/updates"
    bot = await bot_runner.start(webhook_url=url, webhook_listen=("127.0.0.1", port))

    # The webhook was set at start, with the same allowed updates polling asks for, and with
    # a secret generated beside the database, readable by its owner only.
    secret_file = tmp_path / "data" / "webhook.secret"
    secret = secret_file.read_text().strip()
    assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600
    assert len(secret) >= 32
    assert fake_bot.webhook_url == url and fake_bot.webhook_secret == secret
    assert fake_bot.allowed_updates == ALLOWED_UPDATES
    assert fake_bot.get_updates_calls == 0

    reply = await bot.user(801, "en", first_name="Ann").send("/start")
    assert "Hello Ann" in reply.text
    assert fake_bot.webhook_deliveries and all(
        d.status == 200 and d.secret_sent == secret for d in fake_bot.webhook_deliveries)

    # Requests without the right secret, or that are not an update, are refused unread.
    async with aiohttp.ClientSession() as http:
        forged = message_update(900_000_001, 802, "/start")
        for headers in ({}, {SECRET_HEADER: "not-the-secret"}, {SECRET_HEADER: secret[:-1]}):
            async with http.post(url, json=forged, headers=headers) as response:
                assert response.status == 403
        for body in ("{not json", json.dumps([1, 2]), json.dumps({"message": forged["message"]}),
                     json.dumps({"update_id": 5, "message": "garbage"}), json.dumps({"update_id": "7"})):
            async with http.post(url, data=body, headers={SECRET_HEADER: secret,
                                                          "Content-Type": "application/json"}) as response:
                assert response.status == 400
    # Telegram goes on delivering, and the forged update was never handled.
    reply = await bot.user(803, "en", first_name="Bea").send("/start")
    assert "Hello Bea" in reply.text
    assert await bot.db.get_user(802) is None
    assert not [c for c in fake_bot.calls if c.chat_id == 802]

    # /healthz and /metrics on the same server.
    status, _, body = await get(f"http://127.0.0.1:{port}/healthz")
    assert status == 200 and json.loads(body)["status"] == "ok"
    status, content_type, body = await get(f"http://127.0.0.1:{port}/metrics")
    assert status == 200 and content_type.startswith("text/plain")
    assert metric(body, "smm_bot_webhook_requests_total", result="forbidden") == 3
    assert metric(body, "smm_bot_webhook_requests_total", result="malformed") == 5
    assert metric(body, "smm_bot_webhook_requests_total", result="accepted") == len(fake_bot.webhook_deliveries)
    assert metric(body, "smm_bot_updates_total", kind="message") == 2

    assert secret not in caplog.text
    await bot_runner.stop()
    fake_bot.assert_clean()


async def test_updates_sent_while_the_bot_is_down_arrive_after_a_restart(bot_runner, fake_bot):
    port = free_port()
    settings = {"webhook_url": f"http://127.0.0.1:{port}/hook", "webhook_listen": ("127.0.0.1", port),
                "webhook_secret": "configured-secret_1"}
    bot = await bot_runner.start(**settings)
    assert fake_bot.webhook_secret == "configured-secret_1"
    user = bot.user(811, "en", first_name="Cy")
    await user.send("/start")
    await bot_runner.stop()

    # Telegram keeps what it could not deliver and tries again.
    user = fake_bot.user(812, language_code="en", first_name="Di")
    waiting = fake_bot.queue_update("message", fake_bot.message_json(
        fake_bot.add_user_message(user.chat, user.record, "/start")), user.chat_id)
    await wait_until(SimpleNamespace(fake=fake_bot), lambda: fake_bot.webhook_last_error is not None)
    bot = await bot_runner.start(**settings)
    await wait_until(bot, lambda: any("Hello Di" in m.plain_text for m in user.messages()))
    assert waiting.fetched_at is not None
    await bot_runner.stop()
    fake_bot.assert_clean()


async def test_an_update_telegram_delivers_twice_is_answered_once(bot_runner, fake_bot):
    """Telegram sends an update again when our 200 did not reach it: the user is answered once."""
    port = free_port()
    bot = await bot_runner.start(webhook_url=f"http://127.0.0.1:{port}/hook", webhook_listen=("127.0.0.1", port))
    user = fake_bot.user(821, language_code="en", first_name="Eve")
    update = fake_bot.queue_update("message", fake_bot.message_json(
        fake_bot.add_user_message(user.chat, user.record, "/start")), user.chat_id)
    await wait_until(bot, lambda: any("Hello Eve" in m.plain_text for m in user.messages()))

    async with aiohttp.ClientSession() as http:  # the second delivery of the same update
        async with http.post(fake_bot.webhook_url, json=update.payload,
                             headers={SECRET_HEADER: fake_bot.webhook_secret}) as response:
            assert response.status == 200
    # A later update is handled (so the duplicate, posted before it, has been dealt with too).
    reply = await bot.user(822, "en", first_name="Flo").send("/start")
    assert "Hello Flo" in reply.text
    assert len([m for m in user.messages() if "Hello Eve" in m.plain_text]) == 1
    _, _, body = await get(f"http://127.0.0.1:{port}/metrics")
    assert metric(body, "smm_bot_webhook_requests_total", result="duplicate") == 1
    await bot_runner.stop()
    fake_bot.assert_clean()


async def test_a_webhook_url_telegram_refuses_stops_the_start_with_one_line(bot_runner, fake_bot):
    port = free_port()
    with pytest.raises(StartupError) as caught:
        await bot_runner.start(webhook_url=f"http://127.0.0.1:{port}/hook", webhook_listen=("127.0.0.1", port),
                               webhook_secret="bad secret with spaces")
    assert "WEBHOOK_URL" in str(caught.value) and "secret token" in str(caught.value).lower()
    assert fake_bot.pop_rejections()
    # Nothing is left listening.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))


async def test_a_listen_address_in_use_stops_the_start_with_one_line(bot_runner):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(StartupError) as caught:
            await bot_runner.start(health_listen=("127.0.0.1", port))
    assert f"HEALTH_LISTEN 127.0.0.1:{port} cannot be listened on" in str(caught.value)


async def test_health_and_metrics_in_polling_mode(bot_runner, fake_bot, tmp_path):
    bot = await bot_runner.start(health_listen=("127.0.0.1", 0))
    host, port = bot.app.bot_data["ops"].web.addresses[0]
    base = f"http://{host}:{port}"
    assert fake_bot.webhook_url is None and fake_bot.calls_of("deleteWebhook")  # polling

    status, _, body = await get(f"{base}/healthz")
    report = json.loads(body)
    assert status == 200, report
    assert report["status"] == "ok" and report["database"] == {"writable": True}
    assert report["tracker"]["last_cycle"] is None and report["uptime_seconds"] >= 0
    assert report["version"]

    await bot.onboarded(821)  # the key is checked with the panel: a balance request
    await bot.tracker.cycle()
    status, _, body = await get(f"{base}/healthz")
    cycle = json.loads(body)["tracker"]["last_cycle"]
    assert status == 200 and cycle["requests"] == 0 and cycle["seconds"] >= 0 and cycle["ago_seconds"] >= 0

    status, _, body = await get(f"{base}/metrics")
    assert status == 200
    assert metric(body, "smm_bot_updates_total", kind="message") == 2
    assert metric(body, "smm_bot_update_seconds_count") == 2
    assert metric(body, "smm_bot_panel_requests_total", action="balance", result="ok") >= 1
    assert metric(body, "smm_bot_tracker_cycle_seconds_count") == 1
    assert metric(body, "smm_bot_telegram_429_total", method="sendMessage") == 0

    # A 429 from Telegram is counted (the rate limiter waits it out and the answer still comes).
    fake_bot.fail_next("sendMessage", chat_id=821, retry_after=1)
    reply = await bot.user(821).send("/help", timeout=15)
    assert reply.messages
    fake_bot.pop_rejections()
    _, _, body = await get(f"{base}/metrics")
    assert metric(body, "smm_bot_telegram_429_total", method="sendMessage") == 1

    # The database cannot be written (another process holds its write lock): 503, saying why.
    blocker = sqlite3.connect(bot.settings.database_path, timeout=0)
    try:
        blocker.execute("BEGIN IMMEDIATE")
        status, _, body = await get(f"{base}/healthz")
    finally:
        blocker.rollback()
        blocker.close()
    report = json.loads(body)
    assert status == 503 and report["status"] == "failing" and report["database"] == {"writable": False}
    assert "cannot be written" in report["problems"][0]
    status, _, _ = await get(f"{base}/healthz")
    assert status == 200
    await bot_runner.stop()
    fake_bot.assert_clean()


async def test_each_bot_in_a_process_counts_only_its_own(bot_runner, fake_bot, simulator, tmp_path):
    from tests.conftest import BotRunner

    first = await bot_runner.start(health_listen=("127.0.0.1", 0))
    await first.user(831).send("/start")
    other_runner = BotRunner(fake_bot, simulator, tmp_path / "other")
    try:
        second = await other_runner.start(health_listen=("127.0.0.1", 0))
        host, port = second.app.bot_data["ops"].web.addresses[0]
        _, _, body = await get(f"http://{host}:{port}/metrics")
        assert metric(body, "smm_bot_updates_total", kind="message") == 0
    finally:
        await other_runner.stop()
