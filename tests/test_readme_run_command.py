"""The README's run command, in a real shell: installs once, then only starts the bot.

`python3`, `pip` and the bot are stand-ins that log what they were asked to do, so the test
checks the shell logic itself: an install that did not finish is tried again, and the bot's
exit status is the command's."""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

PYTHON3 = """#!/bin/sh
echo "python3 $*" >> "$LOG"
[ "$1 $2 $3" = "-m venv .venv" ] || exit 64
mkdir -p .venv/bin
cat > .venv/bin/pip <<'PIP'
#!/bin/sh
echo "pip $*" >> "$LOG"
[ -z "$PIP_FAILS" ] || exit 1
printf '#!/bin/sh\\n' > .venv/bin/smm-bot && chmod +x .venv/bin/smm-bot
PIP
cat > .venv/bin/python <<'PY'
#!/bin/sh
echo "python $*" >> "$LOG"
exit "${BOT_EXIT:-0}"
PY
chmod +x .venv/bin/pip .venv/bin/python
"""


def run_command() -> str:
    readme = (ROOT / "README.md").read_text()
    block = re.search(r"\*\*Run the bot\*\*.*?```sh\n(.*?)\n```", readme, re.DOTALL)
    assert block, "the README has no run command"
    return block.group(1)


def shells() -> list[str]:
    return [shell for shell in ("bash", "sh", "dash", "zsh") if shutil.which(shell)]


@pytest.mark.parametrize("shell", shells())
def test_installs_once_then_only_starts_the_bot(tmp_path, shell):
    stubs = tmp_path / "stubs"
    stubs.mkdir()
    (stubs / "python3").write_text(PYTHON3)
    (stubs / "python3").chmod(stat.S_IRWXU)
    project = tmp_path / "project"
    project.mkdir()
    log = tmp_path / "log"

    def run(**env: str) -> tuple[int, list[str]]:
        log.write_text("")
        result = subprocess.run([shell, "-c", run_command()], cwd=project, timeout=30, check=False, env={
            "PATH": f"{stubs}:{os.environ['PATH']}", "LOG": str(log), **env})
        return result.returncode, log.read_text().splitlines()

    # An install that fails (no network): the bot does not start, and the next run tries again.
    assert run(PIP_FAILS="1") == (1, ["python3 -m venv .venv", "pip install -e ."])
    assert run() == (0, ["python3 -m venv .venv", "pip install -e .", "python -m bot"])
    # Installed: the same line only starts the bot, and its exit status is the command's.
    assert run() == (0, ["python -m bot"])
    assert run(BOT_EXIT="2") == (2, ["python -m bot"])
