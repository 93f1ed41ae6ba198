"""What the benchmarks share: the fake Telegram and panel simulators, the bot in a child
process, the machine, and small statistics.

The bot under test always runs in a process of its own (`bench.bot_process`, which calls
`bot.app.run()` like `python -m bot`), while the fake Bot API, the panel simulators and the
simulated users run in the benchmark's process. On a 2-core machine that keeps the cost of
the fakes out of the bot's figures, as a real deployment would.
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import platform
import shutil
import signal
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet

from bot.simulator import PanelSimulator
from tests.fakebot.server import FakeBotApi
from tests.fakebot.methods import MARKUP_ONLY

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("PTB_TIMEDELTA", "1")  # as in tests/conftest.py


# --- the fake Telegram, instrumented ---------------------------------------------------------------

@dataclass
class Event:
    at: float  # event-loop time in this process
    chat_id: int
    kind: str  # "sent", "edited", "answered", "action", "deleted", "rejected"
    detail: str = ""


class BenchFake(FakeBotApi):
    """The strict fake Bot API plus hooks for measuring: a future per chat resolved by the
    bot's next message there (sent or edited), a time-stamped log of what the bot did, and
    a future resolved by the next getUpdates."""

    def __init__(self) -> None:
        super().__init__(idle_window=0.0)
        self.events: list[Event] = []
        self._reply_waiters: dict[int, asyncio.Future[float]] = {}
        self._poll_waiters: list[asyncio.Future[float]] = []

    def expect_reply(self, chat_id: int) -> asyncio.Future[float]:
        """Resolved with the time of the bot's next sendMessage/editMessageText in this chat."""
        future = asyncio.get_running_loop().create_future()
        self._reply_waiters[chat_id] = future
        return future

    def next_poll(self) -> asyncio.Future[float]:
        future = asyncio.get_running_loop().create_future()
        self._poll_waiters.append(future)
        return future

    def _record_event(self, chat_id: int, kind: str, message_id: int | None = None, *,
                      detail: str = "", reply: bool = True) -> None:
        super()._record_event(chat_id, kind, message_id, detail=detail, reply=reply)
        now = asyncio.get_running_loop().time()
        self.events.append(Event(now, chat_id, kind, detail))
        # Taking an earlier step's buttons off (a markup-only edit) is not the answer to a step.
        if kind == "sent" or (kind == "edited" and detail != MARKUP_ONLY) or (kind == "rejected" and reply):
            waiter = self._reply_waiters.pop(chat_id, None)
            if waiter is not None and not waiter.done():
                if kind == "rejected":  # refused for good (a 429 is retried: reply=False)
                    waiter.set_exception(RuntimeError(f"the fake refused the bot's reply: {detail}"))
                else:
                    waiter.set_result(now)

    async def _get_updates(self, params: Any) -> list[dict[str, Any]]:
        now = asyncio.get_running_loop().time()
        waiters, self._poll_waiters = self._poll_waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(now)
        return await super()._get_updates(params)


# --- the environment: fake Telegram + panels, and a work folder ---------------------------------

@dataclass
class Environment:
    fake: BenchFake
    panels: list[PanelSimulator]
    workdir: Path
    encryption_key: str = field(default_factory=lambda: Fernet.generate_key().decode())

    @classmethod
    async def start(cls, *, panels: int = 1, catalogue: list[dict[str, Any]] | None = None) -> Environment:
        fake = BenchFake()
        await fake.start()
        sims = []
        for _ in range(panels):
            # speed=0: simulated time stands still, so order states change only when told to.
            sim = PanelSimulator(catalogue=catalogue, speed=0, seed=7)
            await sim.start()
            sims.append(sim)
        workdir = Path(tempfile.mkdtemp(prefix="smm-bench-"))
        return cls(fake, sims, workdir)

    @property
    def panel(self) -> PanelSimulator:
        return self.panels[0]

    async def stop(self) -> None:
        for sim in self.panels:
            await sim.stop()
        await self.fake.stop()
        if not os.environ.get("BENCH_KEEP_FILES"):  # set it to keep databases and bot logs
            shutil.rmtree(self.workdir, ignore_errors=True)

    def bot_env(self, db_path: Path, **settings: object) -> dict[str, str]:
        """Environment variables for `python -m bot` (or bench.bot_process) against the fakes.
        The tracker's own schedule stays out of the way unless a benchmark asks for it."""
        values: dict[str, object] = {
            "TELEGRAM_BOT_TOKEN": self.fake.token,
            "TELEGRAM_API_BASE_URL": self.fake.url,
            "PANEL_API_URL": self.panel.url,
            "DATABASE_PATH": db_path,
            "ENCRYPTION_KEY": self.encryption_key,
            "DEFAULT_LANGUAGE": "en",
            "LOG_LEVEL": "INFO",
            "TRACK_INTERVAL_SECONDS": 3600,
            "TRACK_FIRST_CHECK_SECONDS": 3600,
            # The simulators listen on loopback: a second panel there is refused otherwise
            # (bot.panel.urls), and its orders would go unchecked.
            "ALLOW_PRIVATE_PANEL_URLS": "true",
        }
        values.update(settings)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "PANEL_", "TRACK_"))}
        env.update({name: str(value) for name, value in values.items()})
        env["PYTHONPATH"] = str(ROOT)
        return env


# --- the bot in a child process -------------------------------------------------------------

class BotProcess:
    """`python -m bench.bot_process ...`: reads its settings from the environment and prints
    one JSON line per result (see bench/bot_process.py). Its log goes to `log_path`.
    (`module` runs another bot the same way, e.g. bench.echo_bot.)"""

    def __init__(self, process: asyncio.subprocess.Process, log_path: Path) -> None:
        self.process = process
        self.log_path = log_path

    @classmethod
    async def start(cls, env: dict[str, str], args: Sequence[str], log_path: Path,
                    module: str = "bench.bot_process") -> BotProcess:
        log = log_path.open("ab")
        try:
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", module, *args,
                cwd=ROOT, env=env, stdout=asyncio.subprocess.PIPE, stderr=log,
            )
        finally:
            log.close()
        return cls(process, log_path)

    @property
    def pid(self) -> int:
        return self.process.pid

    async def result(self, timeout: float = 600) -> dict[str, Any]:
        """The next JSON line the bot printed."""
        assert self.process.stdout is not None
        line = await asyncio.wait_for(self.process.stdout.readline(), timeout)
        if not line:
            await self.process.wait()
            raise RuntimeError(f"the bot process ended (code {self.process.returncode}); see {self.log_path}:\n"
                               + self.log_tail())
        return json.loads(line)

    async def stop(self, timeout: float = 30) -> int:
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return await asyncio.wait_for(self.process.wait(), timeout)
        except TimeoutError:
            self.process.kill()
            return await self.process.wait()

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


# --- figures ------------------------------------------------------------------------------------

def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms" if seconds < 10 else f"{seconds:.1f} s"


def verdict(met: bool) -> str:
    return "met" if met else "MISSED"


def machine() -> dict[str, str]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = "unknown"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = f"{int(line.split()[1]) // 1024} MiB"
                break
    except OSError:
        pass
    return {
        "nproc": str(os.cpu_count()),
        "python": platform.python_version(),
        "cpu": cpu,
        "memory": memory,
        "os": platform.platform(),
    }


def cpu_times() -> list[int]:
    """The machine's CPU time counters (user, nice, system, idle, iowait, irq, softirq, steal)."""
    return [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]


def steal_share(before: list[int], after: list[int]) -> float:
    """Share of CPU time the hypervisor gave to other guests between two `cpu_times()`."""
    deltas = [b - a for a, b in zip(before, after, strict=True)]
    return deltas[7] / sum(deltas) if sum(deltas) else 0.0


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# --- profiling ----------------------------------------------------------------------------------

class Profiler:
    """py-spy sampling a running process (`pip install py-spy`; not a project dependency).

    Idle threads are left out, so samples show where CPU time goes, in every thread (the
    SQLite worker thread included). `stop()` writes the raw stacks (for flame graphs) and a
    summary: time by package, and the busiest functions.
    """

    RATE = 200  # samples per second

    def __init__(self, process: asyncio.subprocess.Process, path: Path) -> None:
        self.process = process
        self.path = path

    @classmethod
    async def start(cls, pid: int, path: Path) -> Profiler:
        path.parent.mkdir(parents=True, exist_ok=True)
        # Installed into the venv, py-spy sits next to the interpreter even when the venv
        # is not activated.
        beside = Path(sys.executable).with_name("py-spy")
        program = str(beside) if beside.exists() else shutil.which("py-spy")
        if program is None:
            raise SystemExit("--profile needs py-spy: pip install py-spy")
        process = await asyncio.create_subprocess_exec(
            program, "record", "--pid", str(pid), "--format", "raw", "--rate", str(cls.RATE), "--nonblocking",
            "--full-filenames", "--nolineno", "-o", str(path.with_suffix(".raw")),
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
        )
        return cls(process, path)

    async def stop(self) -> None:
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGINT)
        await asyncio.wait_for(self.process.wait(), 30)
        raw = self.path.with_suffix(".raw")
        if raw.exists():
            self.path.write_text(summarise_stacks(raw.read_text(), self.RATE))


def _package(frame: str, inherited: str) -> str:
    path = frame[frame.rfind("(") + 1 : -1] if frame.endswith(")") else ""
    if not path.startswith("/"):
        return inherited  # built-ins and frozen modules count for their caller
    if "site-packages/" in path:
        return path.split("site-packages/", 1)[1].split("/", 1)[0].removesuffix(".py")
    if str(ROOT) in path:
        return ".".join(Path(path).relative_to(ROOT).with_suffix("").parts[:2])
    if "/lib/python3" in path:
        return "stdlib " + path.split("/lib/python3", 1)[1].split("/", 2)[1].removesuffix(".py")
    return "other"


def summarise_stacks(raw: str, rate: int) -> str:
    by_package: dict[str, int] = {}
    own: dict[str, int] = {}
    inclusive: dict[str, int] = {}
    total = 0
    for line in raw.splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        total += count
        frames = stack.split(";")
        package = "other"
        for frame in frames:
            package = _package(frame, package)
        by_package[package] = by_package.get(package, 0) + count
        own[frames[-1]] = own.get(frames[-1], 0) + count
        for frame in set(frames):
            if str(ROOT / "bot") in frame:
                inclusive[frame] = inclusive.get(frame, 0) + count

    def table(counts: dict[str, int], limit: int) -> list[str]:
        rows = sorted(counts.items(), key=lambda item: -item[1])[:limit]
        return [f"{n / rate:8.2f} s {n / max(1, total):6.1%}  {name.replace(str(ROOT) + '/', '')}" for name, n in rows]

    return "\n".join([
        f"py-spy, {rate} samples/s, idle threads left out: {total / rate:.1f} s of samples", "",
        "Time by package (where the innermost Python frame was):", *table(by_package, 25), "",
        "Functions by own time:", *table(own, 30), "",
        "Our functions by inclusive time:", *table(inclusive, 30), "",
    ])
