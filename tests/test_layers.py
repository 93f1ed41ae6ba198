"""The layers depend downwards only: the tracker and the presentation never load the handlers."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_tracker_and_the_presentation_do_not_import_the_handlers():
    # A fresh interpreter: this test session has imported everything already.
    code = (
        "import sys, bot.jobs.tracker, bot.jobs.notify, bot.presentation\n"
        "print(sorted(m for m in sys.modules if m == 'bot.handlers' or m.startswith('bot.handlers.')))"
    )
    loaded = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True, timeout=30)
    assert loaded.stdout.strip() == "[]"
