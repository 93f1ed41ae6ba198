"""Build the image and run deploy/compose.yaml for real, against the fake Bot API and the panel
simulator on this machine; needs docker and docker compose (or docker-compose). Not part of the
test suite (CI has no Docker daemon):

    python deploy/smoke_test.py

It checks what the packaging promises: the container becomes healthy (its HEALTHCHECK asks
/healthz), the webhook is set and updates sent by "Telegram" over HTTP are answered, the bot
runs as a non-root user, and its data (database, encryption key, webhook secret) is in the
volume, owner-only. Everything it started is removed at the end.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.simulator import PanelSimulator  # noqa: E402 (after the path is set)
from tests.fakebot.server import FakeBotApi  # noqa: E402

PROJECT = "smmbotsmoke"
PORT = 8080
COPIED = ("Dockerfile", ".dockerignore", "pyproject.toml", "README.md", "bot", "locales", "deploy")


def compose_command() -> list[str]:
    if subprocess.run(["docker", "compose", "version"], capture_output=True, check=False).returncode == 0:
        return ["docker", "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    sys.exit("smoke test: needs docker compose (or docker-compose)")


async def sh(*args: str, cwd: Path, check: bool = True) -> str:
    process = await asyncio.create_subprocess_exec(*args, cwd=cwd, stdout=asyncio.subprocess.PIPE,
                                                   stderr=asyncio.subprocess.STDOUT)
    out, _ = await process.communicate()
    text = out.decode()
    if check and process.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed:\n{text}")
    return text


async def main() -> None:
    fake, sim = FakeBotApi(), PanelSimulator()
    await fake.start(host="0.0.0.0")
    await sim.start(host="0.0.0.0")
    fake_port = fake.url.rsplit(":", 1)[1]
    sim_port = sim.url.split(":")[2].split("/")[0]
    work = Path(tempfile.mkdtemp(prefix="smm-bot-smoke-"))
    for name in COPIED:
        source = ROOT / name
        (shutil.copytree if source.is_dir() else shutil.copy)(source, work / name)
    (work / ".env").write_text(
        f"TELEGRAM_BOT_TOKEN={fake.token}\n"
        f"TELEGRAM_API_BASE_URL=http://host.docker.internal:{fake_port}\n"
        f"PANEL_API_URL=http://host.docker.internal:{sim_port}/api/v2\n"
        "DEFAULT_LANGUAGE=en\n"
    )
    # The host as the container sees it, and a quick health check instead of every 30 s.
    (work / "deploy" / "smoke.override.yaml").write_text(
        "services:\n"
        "  bot:\n"
        "    extra_hosts: ['host.docker.internal:host-gateway']\n"
        "    healthcheck:\n"
        "      interval: 2s\n"
        "      start_period: 5s\n"
    )
    compose = ["env", f"WEBHOOK_URL=http://127.0.0.1:{PORT}/telegram", *compose_command(), "-p", PROJECT,
               "-f", "deploy/compose.yaml", "-f", "deploy/smoke.override.yaml"]
    try:
        print((await sh(*compose, "up", "-d", "--build", cwd=work))[-600:])
        container = (await sh(*compose, "ps", "-q", "bot", cwd=work)).strip()
        status = ""
        for _ in range(60):
            status = (await sh("docker", "inspect", "--format", "{{.State.Health.Status}}", container, cwd=work)).strip()
            if status == "healthy":
                break
            await asyncio.sleep(1)
        assert status == "healthy", await sh("docker", "logs", container, cwd=work)
        print("container is healthy")

        assert fake.webhook_url == f"http://127.0.0.1:{PORT}/telegram", fake.webhook_url
        reply = await fake.user(4242, language_code="en", first_name="Docker").send("/start", timeout=30)
        assert "Hello Docker" in reply.text, reply.text
        assert all(d.status == 200 and d.secret_sent for d in fake.webhook_deliveries)
        print("webhook: /start answered:", reply.text.splitlines()[0])

        uid = (await sh("docker", "exec", container, "id", "-u", cwd=work)).strip()
        assert uid != "0", "the bot runs as root"
        listing = await sh("docker", "exec", container, "stat", "-c", "%n %a %u",
                           "/data/bot.sqlite3", "/data/encryption.key", "/data/webhook.secret", cwd=work)
        for line in listing.splitlines():
            name, mode, owner = line.split()
            assert mode == "600" and owner == uid, line
        print(f"runs as uid {uid}; data owner-only:", listing.replace("\n", "; "))
        health = await sh("docker", "exec", container, "/opt/venv/bin/python", "-c",
                          f"import urllib.request; print(urllib.request.urlopen('http://127.0.0.1:{PORT}/healthz').read().decode())",
                          cwd=work)
        print("healthz:", json.loads(health)["status"])
        backup = await sh("docker", "exec", container, "/opt/venv/bin/python", "-m", "bot", "backup", "/data/backups/",
                          cwd=work)
        assert "backup written" in backup, backup
        print(backup.strip())
        fake.assert_clean()
        print("smoke test passed")
    finally:
        await sh(*compose, "down", "-v", "--rmi", "all", cwd=work, check=False)
        shutil.rmtree(work, ignore_errors=True)
        await fake.stop()
        await sim.stop()


if __name__ == "__main__":
    asyncio.run(main())
