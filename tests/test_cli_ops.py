"""`python -m bot --check`, `python -m bot backup PATH` and the first run on a terminal, as
real processes against the fake Bot API and the panel simulator."""

from __future__ import annotations

import asyncio
import os
import pty
import signal
import socket
import sqlite3
import stat
import sys
from pathlib import Path

import pytest

from bot.storage import NewOrder
from tests.conftest import ENCRYPTION_KEY, TEST_KEY

ROOT = Path(__file__).resolve().parent.parent


def clean_env(**overrides: str) -> dict[str, str]:
    prefixes = ("TELEGRAM_", "PANEL_", "DATABASE_", "ENCRYPTION_", "WEBHOOK_", "HEALTH_", "ADMIN_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}
    env.update(PYTHONPATH=str(ROOT), **overrides)
    return env


async def run_bot(*args: str, env: dict[str, str], cwd: Path) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", *args, cwd=cwd, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), 60)
    return process.returncode, stdout.decode(), stderr.decode()


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}/api/v2"


# --- --check ---------------------------------------------------------------------------------------

async def test_check_prints_one_line_each_and_succeeds(fake_bot, simulator, tmp_path):
    env = clean_env(TELEGRAM_BOT_TOKEN=fake_bot.token, TELEGRAM_API_BASE_URL=fake_bot.url, PANEL_API_URL=simulator.url)
    code, out, err = await run_bot("--check", env=env, cwd=tmp_path)
    assert code == 0, out + err
    lines = out.splitlines()
    assert [line.split(":")[0] for line in lines] == ["settings", "telegram", "panel"]
    assert lines[0].startswith("settings: ok: long polling")
    assert lines[1] == f"telegram: ok: the token belongs to @{fake_bot.bot_user.username} (id {fake_bot.bot_user.id})"
    assert lines[2].startswith(f"panel: ok: {simulator.url} answers as a panel")
    assert fake_bot.token not in out + err
    assert not (tmp_path / "data").exists()  # nothing written


async def test_check_names_what_is_wrong(fake_bot, simulator, tmp_path):
    wrong_token = fake_bot.token.replace(":", ":X", 1)
    env = clean_env(TELEGRAM_BOT_TOKEN=wrong_token, TELEGRAM_API_BASE_URL=fake_bot.url,
                    PANEL_API_URL=closed_port_url())
    code, out, err = await run_bot("--check", env=env, cwd=tmp_path)
    assert code == 1
    settings, telegram, panel = out.splitlines()
    assert settings.startswith("settings: ok")
    assert telegram.startswith("telegram: FAILED: TELEGRAM_BOT_TOKEN was refused")
    assert panel.startswith("panel: FAILED: PANEL_API_URL") and "cannot be reached" in panel
    assert wrong_token not in out + err
    fake_bot.pop_rejections()

    # A URL that answers, but not as a panel (the fake Bot API answers 404 JSON to any path,
    # so use the simulator's web root, which is no API).
    env.update(TELEGRAM_BOT_TOKEN=fake_bot.token, PANEL_API_URL=simulator.url.rsplit("/api", 1)[0] + "/nothing")
    code, out, _ = await run_bot("--check", env=env, cwd=tmp_path)
    panel = out.splitlines()[2]
    assert code == 1 and panel.startswith("panel: FAILED") and "HTTP 404" in panel, panel

    code, out, _ = await run_bot("--check", env=clean_env(TELEGRAM_BOT_TOKEN="nope"), cwd=tmp_path)
    assert code == 1
    assert out.splitlines() == [
        "settings: FAILED: TELEGRAM_BOT_TOKEN is malformed: it looks like 123456789:AA... (from @BotFather)",
        "telegram: FAILED: not checked (fix the settings first)",
        "panel: FAILED: not checked (fix the settings first)",
    ]


# --- backup ----------------------------------------------------------------------------------------

async def test_backup_of_a_live_database_opens_with_every_row(bot, tmp_path):
    # Rows the bot wrote, and a writer that keeps going while the backup is taken.
    await bot.onboarded(901)
    account = await bot.db.active_account(901)
    for panel_id in range(1, 201):
        await bot.db.track_orders(901, [NewOrder(account.id, panel_id, link=f"https://t.me/p/{panel_id}")])
    stop = asyncio.Event()

    async def keep_writing() -> int:
        written = 0
        while not stop.is_set():
            written += 1
            await bot.db.track_orders(901, [NewOrder(account.id, 10_000 + written)])
        return written

    writer = asyncio.create_task(keep_writing())
    target = tmp_path / "backups" / "copy.sqlite3"
    code, out, err = await run_bot("backup", str(target), cwd=tmp_path,
                                   env=clean_env(DATABASE_PATH=str(bot.settings.database_path)))
    stop.set()
    written = await writer
    assert code == 0, err
    assert written > 0  # the bot kept writing during the backup
    assert f"backup written: {target}" in out and "1 users" in out
    assert f"keep the encryption key with it: {bot.settings.database_path.parent / 'encryption.key'}" in out
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert not list(target.parent.glob(".*partial*"))

    copy = sqlite3.connect(target)
    try:
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert copy.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        orders = {row[0] for row in copy.execute("SELECT panel_order_id FROM orders")}
    finally:
        copy.close()
    assert set(range(1, 201)) <= orders  # everything written before, and a consistent prefix after
    assert len(orders) >= 200
    later = sorted(o for o in orders if o > 10_000)
    assert later == list(range(10_001, 10_001 + len(later)))

    # The copy is a working database: opened with the same key, the saved API key reads back.
    from bot.storage import Database
    async with await Database.open(target, ENCRYPTION_KEY) as restored:
        assert (await restored.active_account(901)).api_key == TEST_KEY

    # Taken while the bot is idle, a backup holds every row the bot has, to the last one
    # (the latest ones are still in the WAL file, not in the database file).
    async with bot.db.connection.reading() as session:
        live = {row[0] for row in await session.all("SELECT panel_order_id FROM orders")}
    quiet = tmp_path / "backups" / "quiet.sqlite3"
    code, _, err = await run_bot("backup", str(quiet), cwd=tmp_path,
                                 env=clean_env(DATABASE_PATH=str(bot.settings.database_path)))
    assert code == 0, err
    copy = sqlite3.connect(quiet)
    try:
        assert {row[0] for row in copy.execute("SELECT panel_order_id FROM orders")} == live
    finally:
        copy.close()

    # Never over an existing file; a folder gets a dated file.
    code, _, err = await run_bot("backup", str(target), cwd=tmp_path,
                                 env=clean_env(DATABASE_PATH=str(bot.settings.database_path)))
    assert code == 1 and "exists already" in err
    code, out, _ = await run_bot("backup", str(tmp_path / "backups"), cwd=tmp_path,
                                 env=clean_env(DATABASE_PATH=str(bot.settings.database_path)))
    assert code == 0 and len(list((tmp_path / "backups").glob("bot-backup-*.sqlite3"))) == 1


async def test_backup_without_a_database_says_so(tmp_path):
    code, _, err = await run_bot("backup", str(tmp_path / "b.sqlite3"), cwd=tmp_path,
                                 env=clean_env(DATABASE_PATH=str(tmp_path / "none.sqlite3")))
    assert code == 1 and "there is no database at" in err
    assert not (tmp_path / "none.sqlite3").exists() and not (tmp_path / "b.sqlite3").exists()


# --- first run -----------------------------------------------------------------------------------

async def read_until(stream: asyncio.StreamReader, marker: bytes, seen: bytearray, count: int = 1) -> None:
    while seen.count(marker) < count:
        chunk = await asyncio.wait_for(stream.read(4096), 30)
        assert chunk, f"the bot ended before printing {marker!r}: {bytes(seen)!r}"
        seen.extend(chunk)


def read_available(fd: int) -> bytes:
    os.set_blocking(fd, False)
    data = b""
    while True:
        try:
            chunk = os.read(fd, 4096)
        except (BlockingIOError, OSError):  # nothing more (or the other side is closed)
            return data
        if not chunk:
            return data
        data += chunk


@pytest.mark.timeout(90)
async def test_first_run_on_a_terminal_asks_for_the_token_writes_env_and_starts(fake_bot, simulator, tmp_path):
    (tmp_path / ".env.example").write_text("# Required.\nTELEGRAM_BOT_TOKEN=\n\nDEFAULT_LANGUAGE=vi\n")
    env = clean_env(TELEGRAM_API_BASE_URL=fake_bot.url, PANEL_API_URL=simulator.url,
                    DATABASE_PATH=str(tmp_path / "data" / "bot.sqlite3"), ENCRYPTION_KEY=ENCRYPTION_KEY)
    controller, terminal = pty.openpty()
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", cwd=tmp_path, env=env, stdin=terminal,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    os.close(terminal)
    seen = bytearray()
    try:
        await read_until(process.stderr, b"Token: ", seen)
        assert b"@BotFather" in seen
        os.write(controller, b"not-a-token\n")
        await read_until(process.stderr, b"does not look like a bot token", seen)
        # Typed once the prompt shows, as a person does (typed ahead, a terminal echoes it at once).
        await read_until(process.stderr, b"Token: ", seen, count=2)
        os.write(controller, fake_bot.token.encode() + b"\n")
        await read_until(process.stderr, b"Saved to", seen)
        # The bot goes on starting with it, and answers.
        reply = await fake_bot.user(911, language_code="en", first_name="Eve").send("/start", timeout=30)
        assert "Hello Eve" in reply.text
    finally:
        process.send_signal(signal.SIGTERM)
        out, err = await asyncio.wait_for(process.communicate(), 30)
        echoed = read_available(controller)  # what the terminal showed of the typing
        os.close(controller)
    assert process.returncode == 0, (bytes(seen) + err).decode()
    assert b"not-a-token" not in echoed and fake_bot.token.encode() not in echoed
    dotenv = tmp_path / ".env"
    assert stat.S_IMODE(dotenv.stat().st_mode) == 0o600
    assert dotenv.read_text() == f"# Required.\nTELEGRAM_BOT_TOKEN={fake_bot.token}\n\nDEFAULT_LANGUAGE=vi\n"
    # Typed without echo, and never printed.
    assert fake_bot.token.encode() not in bytes(seen) + out + err
    fake_bot.assert_clean()


async def test_without_a_terminal_a_missing_token_is_one_line(tmp_path):
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", cwd=tmp_path, env=clean_env(), stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    _, err = await asyncio.wait_for(process.communicate(b"123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0\n"), 60)
    assert process.returncode == 2
    assert err.decode().strip() == ("configuration error: TELEGRAM_BOT_TOKEN is not set: "
                                    "get a token from @BotFather and put it in .env")
    assert not (tmp_path / ".env").exists()
