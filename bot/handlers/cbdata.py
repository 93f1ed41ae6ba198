"""Moved to `bot.presentation.callbacks` (the tracker's notifications build buttons too); this
module re-exports it for code that still imports `bot.handlers.cbdata`."""

from bot.presentation.callbacks import *
