"""Browsing and searching the catalogue: categories, services, a service's card."""

from __future__ import annotations

from telegram import Update

from bot.context import BotContext
from bot.core.catalogue import Catalogue
from bot.core.ids import parse_id
from bot.presentation import callbacks as cb
from bot import presentation as views
from bot.handlers.account import require_account
from bot.handlers.common import SEARCHES, STEP, Session, answer, chat_action, get_session, panel_errors, recall, remember, show
from bot.handlers.start import stale_button
from bot.presentation import Texts


async def load_catalogue(update: Update, context: BotContext, session: Session, refresh: bool = False) -> Catalogue:
    if context.deps.catalogues.cached(session.account.id) is None or refresh:
        await chat_action(update)
    return await context.deps.catalogues.get(session.account.id, session.api(context), refresh=refresh)



@panel_errors
async def categories(update: Update, context: BotContext) -> None:
    session = await require_account(update, context)
    if session is None:
        return
    await answer(update)
    context.user_data.pop(STEP, None)
    catalogue = await load_catalogue(update, context, session)
    page = cb.int_arg(update.callback_query.data) if update.callback_query else 0
    await show(update, *views.categories_page(Texts(context.deps.i18n, session.lang), catalogue, page or 0))


@panel_errors
async def refresh_catalogue(update: Update, context: BotContext) -> None:
    session = await require_account(update, context)
    if session is None:
        return
    tx = Texts(context.deps.i18n, session.lang)
    await answer(update, tx("catalogue.refreshed"))
    catalogue = await load_catalogue(update, context, session, refresh=True)
    await show(update, *views.categories_page(tx, catalogue, 0))


@panel_errors
async def category(update: Update, context: BotContext) -> None:
    session = await require_account(update, context)
    if session is None:
        return
    parts = cb.args(update.callback_query.data)
    catalogue = await load_catalogue(update, context, session)
    found = catalogue.category(parts[0]) if parts else None
    if found is None:
        await stale_button(update, context)
        return
    await answer(update)
    page = cb.int_arg(update.callback_query.data, 1) or 0
    tx = Texts(context.deps.i18n, session.lang)
    await show(update, *views.category_page(tx, found, page, session.account.currency))


async def show_service(update: Update, context: BotContext, session: Session, service_id: int) -> None:
    tx = Texts(context.deps.i18n, session.lang)
    catalogue = await load_catalogue(update, context, session)
    service = catalogue.service(service_id)
    if service is None:
        if update.callback_query:
            await stale_button(update, context)
        else:
            await update.effective_chat.send_message(tx("catalogue.no_such_service", id=service_id), reply_markup=views.menu_keyboard(tx))
        return
    await answer(update)
    category = catalogue.category_of(service)
    await show(update, *views.service_card(tx, service, session.account.currency, category.key if category else None))


@panel_errors
async def service(update: Update, context: BotContext) -> None:
    session = await require_account(update, context)
    if session is None:
        return
    service_id = cb.int_arg(update.callback_query.data)
    if service_id is None:
        await stale_button(update, context)
        return
    await show_service(update, context, session, service_id)


async def search(update: Update, context: BotContext, session: Session, words: str, page: int = 0,
                 nonce: str | None = None) -> None:
    """Search names and categories; a bare number opens that service id."""
    tx = Texts(context.deps.i18n, session.lang)
    words = words.strip()
    service_id = parse_id(words)
    if service_id is not None:
        await show_service(update, context, session, service_id)
        return
    catalogue = await load_catalogue(update, context, session)
    nonce = nonce or remember(context, SEARCHES, words)
    found = catalogue.search(words)
    await answer(update)
    await show(update, *views.search_page(tx, words, found, page, session.account.currency, nonce))


@panel_errors
async def search_page(update: Update, context: BotContext) -> None:
    session = await require_account(update, context)
    if session is None:
        return
    nonce = (cb.args(update.callback_query.data) or [""])[0]
    words = recall(context, SEARCHES, nonce)
    if not words:
        await stale_button(update, context)
        return
    await search(update, context, session, words, cb.int_arg(update.callback_query.data, 1) or 0, nonce)


async def search_hint(update: Update, context: BotContext) -> None:
    session = await get_session(update, context)
    tx = Texts(context.deps.i18n, session.lang)
    await answer(update)
    context.user_data.pop(STEP, None)
    await show(update, tx("search.hint"), views.menu_keyboard(tx))


@panel_errors
async def services_command(update: Update, context: BotContext) -> None:
    """`/services` shows the categories; `/services words` searches."""
    session = await require_account(update, context)
    if session is None:
        return
    context.user_data.pop(STEP, None)
    if context.args:
        await search(update, context, session, " ".join(context.args))
    else:
        await categories(update, context)
