"""Start-up and /start, through real HTTP long polling against the fake Bot API."""

import asyncio
import os
import signal
import sys
from pathlib import Path

from tests.conftest import ENCRYPTION_KEY

ROOT = Path(__file__).resolve().parent.parent


async def test_python_m_bot_starts_answers_start_in_both_languages_and_stops_on_sigterm(fake_bot, simulator, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "PANEL_", "DATABASE_"))}
    env.update(
        TELEGRAM_BOT_TOKEN=fake_bot.token,
        TELEGRAM_API_BASE_URL=fake_bot.url,
        PANEL_API_URL=simulator.url,
        DATABASE_PATH=str(tmp_path / "data" / "bot.sqlite3"),
        ENCRYPTION_KEY=ENCRYPTION_KEY,
        PYTHONPATH=str(ROOT),
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", cwd=tmp_path, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    try:
        english = fake_bot.user(user_id=501, language_code="en-US", first_name="Ann")
        reply = await english.send("/start", timeout=20)
        assert "Hello Ann" in reply.text
        assert "API key" in reply.text

        vietnamese = fake_bot.user(user_id=502, language_code="vi", first_name="An")
        reply = await vietnamese.send("/start")
        assert "Xin chào An" in reply.text

        # Commands are registered for the default list and for Vietnamese.
        default = dict(fake_bot.commands_for("default", language_code=""))
        assert default["orders"] == "My orders"
        assert dict(fake_bot.commands_for("default", language_code="vi"))["orders"] == "Đơn hàng của tôi"
        assert set(default) == {"start", "help", "order", "services", "orders", "status", "balance", "refill", "settings", "cancel"}
    finally:
        process.send_signal(signal.SIGTERM)
        stdout, stderr = await asyncio.wait_for(process.communicate(), 20)
    assert process.returncode == 0, stderr.decode()
    log = stdout.decode() + stderr.decode()
    assert fake_bot.token not in log
    assert "stopping" in log
    fake_bot.assert_clean()


async def test_help_answers_in_the_users_language(bot):
    reply = await bot.user(601, "vi").send("/help")
    assert "Cách sử dụng" in reply.text
    reply = await bot.user(602, "de").send("/help")
    assert "How it works" in reply.text


async def test_group_commands_ask_for_a_private_chat(bot):
    member = bot.user(603, "en", chat_type="group", chat_id=-100500)
    reply = await member.send("/start")
    assert "private chat" in reply.text
    assert any("Open a private chat" in b for b in member.buttons())
