"""`python -m bot.simulator` as a developer runs it."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from decimal import Decimal
from pathlib import Path

import pytest

from bot.panel import Balance, PanelClient
from bot.simulator.__main__ import main

ROOT = Path(__file__).resolve().parents[1]


def test_help() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot.simulator", "--help"], cwd=ROOT, capture_output=True, text=True, timeout=20
    )
    assert result.returncode == 0
    for option in ("--host", "--port", "--key", "--speed", "--big-catalogue", "--seed"):
        assert option in result.stdout


def test_bad_key_spec_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--key", "no-balance"])
    assert exited.value.code == 2 and "KEY=BALANCE" in capsys.readouterr().err


@asynccontextmanager
async def running(*args: str) -> AsyncIterator[list[str]]:
    """Start the simulator on a free port; yields its banner lines (up to the URL line)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.simulator", "--port", "0", *args,
        cwd=ROOT, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert process.stdout is not None
    lines: list[str] = []
    try:
        while not lines or not lines[-1].startswith("Press Ctrl+C"):
            line = await asyncio.wait_for(process.stdout.readline(), timeout=15)
            if not line:
                pytest.fail(f"simulator exited early: {lines}")
            lines.append(line.decode().strip())
        yield lines
    finally:
        if process.returncode is None:
            process.terminate()
            await asyncio.wait_for(process.wait(), timeout=10)
    assert process.returncode == 0  # SIGTERM is a clean stop


def url_from(lines: list[str]) -> str:
    (line,) = [line for line in lines if line.startswith("PANEL_API_URL=")]
    return line.removeprefix("PANEL_API_URL=")


async def test_cli_serves_given_keys() -> None:
    async with running("--key", "cli-key-one=5000:usd", "--key", "cli-key-two=7", "--big-catalogue", "120") as lines:
        url = url_from(lines)
        assert url.startswith("http://127.0.0.1:") and url.endswith("/api/v2")
        assert not any("cli-key" in line for line in lines)  # given keys are not echoed
        async with PanelClient(total_timeout=5) as client:
            assert await client.account(url, "cli-key-one").balance() == Balance(Decimal(5000), "USD")
            assert await client.account(url, "cli-key-two").balance() == Balance(Decimal(7), "VND")
            assert len(await client.account(url, "cli-key-two").services()) == 120


async def test_cli_generates_a_demo_key() -> None:
    async with running("--seed", "3") as lines:
        (demo,) = [line for line in lines if line.startswith("Demo API key: ")]
        key = demo.removeprefix("Demo API key: ").split()[0]
        async with PanelClient(total_timeout=5) as client:
            balance = await client.account(url_from(lines), key).balance()
        assert balance == Balance(Decimal(1_000_000), "VND")
