"""The user's session: their row, language, active account and texts, loaded once per update.

`load_session` is the one place that reads it (kept on the update's `Turn`, see bot.context);
every handler registered through bot.handlers.routing finds it loaded as `context.session`.
`@needs_account` is the one place that answers "you need a key first".
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from telegram import Update

from bot import presentation as views
from bot.context import BotContext
from bot.handlers.common import END, Handler, answer, show
from bot.i18n import language_for
from bot.panel import PanelAccountApi
from bot.presentation import Texts
from bot.storage import Account, User


@dataclass(frozen=True)
class Session:
    tg_id: int
    user: User
    account: Account | None  # the active one; None before a key is set
    tx: Texts  # in the user's language
    _api: PanelAccountApi | None

    @property
    def lang(self) -> str:
        return self.tx.lang

    def api(self) -> PanelAccountApi:
        """The panel as the active account's key sees it (handlers behind @needs_account)."""
        if self._api is None:
            raise RuntimeError("no account: the handler needs @needs_account")
        return self._api

    def active_account(self) -> Account:
        """The active account (handlers behind @needs_account)."""
        if self.account is None:
            raise RuntimeError("no account: the handler needs @needs_account")
        return self.account


async def load_session(update: Update, context: BotContext) -> Session:
    """The session of the update's user, read (or created) once per update.

    Any update from a user who had blocked the bot unblocks them.
    """
    turn = context.turn
    if turn.session is None:
        turn.session = await _read(update, context)
    return turn.session


async def reload_session(update: Update, context: BotContext) -> Session:
    """After the handler changed the user's language or account."""
    context.turn.session = None
    return await load_session(update, context)


async def _read(update: Update, context: BotContext) -> Session:
    tg_user = update.effective_user
    if tg_user is None:
        raise RuntimeError("an update without a user has no session")
    deps = context.deps
    user, account = await deps.db.user_and_account(tg_user.id, language_for(tg_user.language_code, deps.settings.default_language))
    if user.blocked:
        await deps.db.set_blocked(tg_user.id, False)
    api = deps.panel.account(account.panel_url, account.api_key) if account is not None else None
    return Session(tg_id=tg_user.id, user=user, account=account, tx=Texts.for_user(deps.i18n, user), _api=api)


async def language_of(update: Update, context: BotContext) -> str:
    """The user's language without creating a user row (for group members who never wrote
    to the bot in private)."""
    tg_user = update.effective_user
    user = await context.deps.db.get_user(tg_user.id) if tg_user else None
    if user is not None:
        return user.language
    return language_for(tg_user.language_code if tg_user else None, context.deps.settings.default_language)


async def ask_for_key(update: Update, context: BotContext, reason_key: str = "key.ask") -> None:
    """Ask for a panel API key (why: `reason_key`). The answer is read by bot.handlers.key_guard
    (a user without a key) or by the key conversation (bot.handlers.account)."""
    session = context.session
    tx = session.tx
    await answer(update, context)
    await show(update, tx(reason_key, panel=context.deps.settings.panel_site), views.menu_keyboard(tx) if session.account else None)


def needs_account(handler: Handler) -> Handler:
    """Run `handler` for a user who has a key; anyone else is asked for one (and a conversation
    the update was for ends)."""

    @functools.wraps(handler)
    async def wrapper(update: Update, context: BotContext, *args: Any) -> object:
        session = await load_session(update, context)
        if session.account is None:
            await ask_for_key(update, context, "key.needed")
            return END
        return await handler(update, context, *args)

    return wrapper
