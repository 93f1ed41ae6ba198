"""Start-up and /start, through real HTTP long polling against the fake Bot API."""

import asyncio
import os
import signal
import socket
import sys
from pathlib import Path

import pytest

from tests.conftest import ENCRYPTION_KEY

ROOT = Path(__file__).resolve().parent.parent


async def test_python_m_bot_starts_answers_start_in_both_languages_and_stops_on_sigterm(fake_bot, simulator, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "PANEL_", "DATABASE_"))}
    env.update(
        TELEGRAM_BOT_TOKEN=fake_bot.token,
        # python-telegram-bot's convention (base URL ending in /bot) works too.
        TELEGRAM_API_BASE_URL=f"{fake_bot.url}/bot",
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
        assert set(default) == {"start", "help", "order", "services", "orders", "status", "balance", "refill", "settings", "cancel",
                                    "cancelorder", "spending", "export", "mass", "panels"}
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


WRONG_TOKEN = "7123456789:AAHwrongTokenForTests-9876543210dcba"


async def _failed_start(tmp_path: Path, **settings: str) -> str:
    """Run `python -m bot` with these settings, expect it to give up: exit code 2 and one line."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "PANEL_", "DATABASE_", "ENCRYPTION_"))}
    env.update(
        DATABASE_PATH=str(tmp_path / "data" / "bot.sqlite3"),
        ENCRYPTION_KEY=ENCRYPTION_KEY,
        PANEL_API_URL="http://127.0.0.1:9/api/v2",  # never reached: start-up fails first
        PYTHONPATH=str(ROOT),
    )
    env.update(settings)
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", cwd=tmp_path, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), 30)
    output = stdout.decode() + stderr.decode()
    assert process.returncode == 2, output
    # One line: no traceback, and no connection left open ("Unclosed client session/connector").
    assert len(output.strip().splitlines()) == 1, output
    assert settings["TELEGRAM_BOT_TOKEN"] not in output
    return output


async def test_a_token_telegram_refuses_is_one_line_naming_the_setting(fake_bot, tmp_path):
    output = await _failed_start(tmp_path, TELEGRAM_BOT_TOKEN=WRONG_TOKEN, TELEGRAM_API_BASE_URL=fake_bot.url)
    assert "TELEGRAM_BOT_TOKEN" in output and "Unauthorized" in output
    assert [(r.method, r.error_code) for r in fake_bot.rejections] == [("getMe", 401)]  # as Telegram answers


async def test_an_unreachable_bot_api_is_one_line_naming_the_setting(tmp_path):
    with socket.socket() as probe:  # a loopback port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    output = await _failed_start(tmp_path, TELEGRAM_BOT_TOKEN=WRONG_TOKEN, TELEGRAM_API_BASE_URL=f"http://127.0.0.1:{port}")
    assert "TELEGRAM_API_BASE_URL" in output and f"127.0.0.1:{port}" in output


def _a_folder(tmp_path: Path) -> Path:
    return tmp_path


def _not_sqlite(tmp_path: Path) -> Path:
    path = tmp_path / "notes.txt"
    path.write_text("these are notes, not an SQLite database " * 20)
    return path


def _under_a_file(tmp_path: Path) -> Path:
    return _not_sqlite(tmp_path) / "bot.sqlite3"


def _in_a_read_only_folder(tmp_path: Path) -> Path:
    if os.geteuid() == 0:
        pytest.skip("root writes into read-only folders")
    folder = tmp_path / "locked"
    folder.mkdir(mode=0o500)
    return folder / "bot.sqlite3"


@pytest.mark.parametrize("database_path", [_a_folder, _not_sqlite, _under_a_file, _in_a_read_only_folder])
async def test_a_database_path_that_cannot_be_opened_is_one_line_naming_it(fake_bot, tmp_path, database_path):
    path = database_path(tmp_path)
    output = await _failed_start(tmp_path, TELEGRAM_BOT_TOKEN=fake_bot.token, TELEGRAM_API_BASE_URL=fake_bot.url,
                                 DATABASE_PATH=str(path))
    assert "DATABASE_PATH" in output and str(path) in output
