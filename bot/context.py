"""What every handler and job can reach: `context.deps` and the user's language."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from telegram.ext import Application, CallbackContext, ExtBot

from bot.config import Settings
from bot.i18n import Translations

if TYPE_CHECKING:
    from bot.core.catalogue import CatalogueCache
    from bot.panel import PanelClient
    from bot.storage import Database


def _nothing(*_: Any) -> None:
    return None


@dataclass
class Deps:
    settings: Settings
    i18n: Translations
    db: "Database"
    panel: "PanelClient"
    catalogues: "CatalogueCache"
    # Set by the tracker: schedule an early check after an order or refill is placed.
    on_order_placed: Callable[..., None] = field(default=_nothing)
    on_refill_requested: Callable[..., None] = field(default=_nothing)


class BotContext(CallbackContext[ExtBot, dict, dict, dict]):
    """The callback context of this bot: adds `deps` (see `Deps`)."""

    def __init__(self, application: Application, chat_id: int | None = None, user_id: int | None = None):
        super().__init__(application=application, chat_id=chat_id, user_id=user_id)

    @property
    def deps(self) -> Deps:
        return self.application.bot_data["deps"]
