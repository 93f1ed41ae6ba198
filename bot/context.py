"""What every handler and job can reach: `context.deps`, and per update `context.turn`.

`Deps` is built once at start-up, complete and frozen (bot.app). `Turn` is what the handlers of
one update share as it goes through the handler groups: the user's session, loaded once
(bot.handlers.session), whether the callback query was answered, whether a conversation took
or left the update (bot.handlers.conversation). The error handler's context shares its update's
turn, so it does not answer a callback query a second time.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from telegram.ext import Application, CallbackContext, ExtBot

from bot.config import Settings
from bot.i18n import Translations

if TYPE_CHECKING:
    from bot.core.catalogue import CatalogueCache
    from bot.handlers.session import Session
    from bot.panel import PanelClient
    from bot.storage import Database


@dataclass(frozen=True)
class Deps:
    settings: Settings
    i18n: Translations
    db: Database
    panel: PanelClient
    catalogues: CatalogueCache
    # Schedules one early tracker cycle (bot.jobs.install_tracker): called after an order is
    # placed or a refill requested, so the user hears of it soon.
    track_soon: Callable[[], None]


class Turn:
    """One update's passage through the handlers (see the module)."""

    __slots__ = ("answered", "flow_took", "left_flow", "session", "update")

    def __init__(self, update: object) -> None:
        self.update = update
        self.session: Session | None = None
        self.answered = False  # the callback query: Telegram refuses a second answer
        self.flow_took = False  # a conversation handled it: the menu handlers must not
        self.left_flow = False  # it made a conversation end (e.g. /cancel in the middle of an order)


# The turn of the update being handled in this asyncio task. PTB handles each update in a task
# of its own and builds the error handler's context in that same task, which is how the two
# contexts of one update find the same turn. A key, not a store: values live and die with tasks.
_CURRENT: ContextVar[Turn | None] = ContextVar("current_turn", default=None)


class BotContext(CallbackContext[ExtBot, dict, dict, dict]):
    """The callback context of this bot: adds `deps`, `turn` and `session`."""

    def __init__(self, application: Application, chat_id: int | None = None, user_id: int | None = None):
        super().__init__(application=application, chat_id=chat_id, user_id=user_id)
        self._turn: Turn | None = None

    @classmethod
    def from_update(cls, update: object, application: Application[Any, Any, Any, Any, Any, Any]) -> BotContext:
        context = super().from_update(update, application)
        turn = _CURRENT.get()
        if turn is None or turn.update is not update:
            turn = Turn(update)
            _CURRENT.set(turn)
        context._turn = turn
        return context

    @property
    def deps(self) -> Deps:
        return self.application.bot_data["deps"]

    @property
    def turn(self) -> Turn:
        if self._turn is None:  # a job's context: no update
            self._turn = Turn(None)
        return self._turn

    @property
    def session(self) -> Session:
        """The user's session, loaded by `bot.handlers.session.load_session` for this update."""
        session = self.turn.session
        if session is None:
            raise RuntimeError("the session is read before it was loaded (see bot.handlers.session)")
        return session
