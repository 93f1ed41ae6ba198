"""Moved to `bot.presentation` (texts and keyboards are shared with the tracker's
notifications); this module re-exports it for code that still imports `bot.handlers.views`."""

from bot.presentation import *
