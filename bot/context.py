"""What every handler and job can reach: `context.deps`, and per update `context.turn`.

`Deps` is built once at start-up, complete and frozen (bot.app). `Turn` is what the handlers of
one update share as it goes through the handler groups (PTB gives them one context): the user's
session, loaded once (bot.handlers.session), and whether a conversation took or left the update
(bot.handlers.conversation). Which callback queries were answered is kept per application in
`CallbackAnswers`, since the update processor's "one moment" and the error handler answer too.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from telegram import Update
from telegram.ext import Application, CallbackContext, ExtBot

from bot.config import Settings
from bot.i18n import Translations

if TYPE_CHECKING:
    from bot.core.catalogue import CatalogueCache
    from bot.handlers.session import Session
    from bot.panel import PanelClient
    from bot.storage import Database


class CallbackAnswers:
    """The callback queries answered while their update is being handled.

    Telegram refuses a second answer, and a handler, the error handler and the update
    processor's "one moment" (bot.handlers.busy) may each try: the first claims the query.
    A query is forgotten when its update's handling ends (`forget`, an observer of the update
    processor); beyond `kept` queries, the oldest are forgotten anyway.
    """

    def __init__(self, kept: int = 10_000) -> None:
        self._ids: OrderedDict[str, None] = OrderedDict()
        self._kept = kept

    def claim(self, query_id: str) -> bool:
        """True for the first claim of `query_id`: that caller answers it."""
        if query_id in self._ids:
            return False
        self._ids[query_id] = None
        while len(self._ids) > self._kept:
            self._ids.popitem(last=False)
        return True

    def forget(self, update: object) -> None:
        if isinstance(update, Update) and update.callback_query is not None:
            self._ids.pop(update.callback_query.id, None)


@dataclass(frozen=True)
class Deps:
    settings: Settings
    i18n: Translations
    db: Database
    panel: PanelClient
    catalogues: CatalogueCache
    # Schedules one early tracker cycle (bot.jobs.early_check): called after an order is placed
    # or a refill requested, so the user hears of it soon.
    track_soon: Callable[[], None]
    answers: CallbackAnswers = field(default_factory=CallbackAnswers)


class Turn:
    """One update's passage through the handler groups (see the module)."""

    __slots__ = ("flow_took", "left_flow", "session")

    def __init__(self) -> None:
        self.session: Session | None = None
        self.flow_took = False  # a conversation handled it: the menu handlers must not
        self.left_flow = False  # it made a conversation end (e.g. /cancel in the middle of an order)


class BotContext(CallbackContext[ExtBot, dict, dict, dict]):
    """The callback context of this bot: adds `deps`, `turn` and `session`."""

    def __init__(self, application: Application, chat_id: int | None = None, user_id: int | None = None):
        super().__init__(application=application, chat_id=chat_id, user_id=user_id)
        self.turn = Turn()

    @property
    def deps(self) -> Deps:
        return self.application.bot_data["deps"]

    @property
    def session(self) -> Session:
        """The user's session, loaded by `bot.handlers.session.load_session` for this update."""
        session = self.turn.session
        if session is None:
            raise RuntimeError("the session is read before it was loaded (see bot.handlers.session)")
        return session
