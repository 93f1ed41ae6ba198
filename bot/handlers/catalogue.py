"""Browsing and searching the catalogue: categories, services, a service's card."""

from __future__ import annotations

from telegram import Update

from bot import presentation as views
from bot.callback_data import (
    Categories,
    CategoryPage,
    LinkCategory,
    LinkOffer,
    RefreshCatalogue,
    SearchHint,
    SearchPage,
    ServiceCard,
)
from bot.context import BotContext
from bot.core.catalogue import Catalogue
from bot.core.ids import parse_id
from bot.core.platforms import pasted_link, platform_of_link
from bot.handlers.common import (
    SEARCHES,
    answer,
    chat_action,
    chat_of,
    message_of,
    panel_errors,
    recall,
    remember,
    show,
    stale_button,
)
from bot.handlers.session import needs_account
from bot.presentation.link_paste import link_category_page, link_offer

PASTED_LINKS = "pasted_links"  # nonce -> a link pasted outside an order, for its offer's buttons


async def load_catalogue(update: Update, context: BotContext, refresh: bool = False) -> Catalogue:
    session = context.session
    if context.deps.catalogues.cached(session.active_account().id) is None or refresh:
        await chat_action(update)
    return await context.deps.catalogues.get(session.active_account().id, session.api(), refresh=refresh)


async def show_categories(update: Update, context: BotContext, page: int = 0) -> None:
    await answer(update, context)
    catalogue = await load_catalogue(update, context)
    await show(update, *views.categories_page(context.session.tx, catalogue, page))


@needs_account
@panel_errors
async def categories(update: Update, context: BotContext, pressed: Categories) -> None:
    await show_categories(update, context, pressed.page)


@needs_account
@panel_errors
async def services_command(update: Update, context: BotContext) -> None:
    """`/services` shows the categories; `/services words` searches."""
    if context.args:
        await search(update, context, " ".join(context.args))
    else:
        await show_categories(update, context)


@needs_account
@panel_errors
async def refresh_catalogue(update: Update, context: BotContext, _: RefreshCatalogue) -> None:
    tx = context.session.tx
    await answer(update, context, tx("catalogue.refreshed"))
    catalogue = await load_catalogue(update, context, refresh=True)
    await show(update, *views.categories_page(tx, catalogue, 0))


@needs_account
@panel_errors
async def category(update: Update, context: BotContext, pressed: CategoryPage) -> object:
    catalogue = await load_catalogue(update, context)
    found = catalogue.category(pressed.key)
    if found is None:
        return await stale_button(update, context)
    await answer(update, context)
    session = context.session
    await show(update, *views.category_page(session.tx, found, pressed.page, session.active_account().currency))
    return None


async def show_service(update: Update, context: BotContext, service_id: int) -> object:
    session = context.session
    tx = session.tx
    catalogue = await load_catalogue(update, context)
    service = catalogue.service(service_id)
    if service is None:
        if update.callback_query:
            return await stale_button(update, context)
        await chat_of(update).send_message(tx("catalogue.no_such_service", id=service_id), reply_markup=views.menu_keyboard(tx))
        return None
    await answer(update, context)
    category_ = catalogue.category_of(service)
    await show(update, *views.service_card(tx, service, session.active_account().currency, category_.key if category_ else None))
    return None


@needs_account
@panel_errors
async def service(update: Update, context: BotContext, pressed: ServiceCard) -> object:
    return await show_service(update, context, pressed.service)


async def search(update: Update, context: BotContext, words: str, page: int = 0, nonce: str | None = None) -> object:
    """Search names and categories; a bare number opens that service id; a link is offered an order."""
    session = context.session
    words = words.strip()
    service_id = parse_id(words)
    if service_id is not None:
        return await show_service(update, context, service_id)
    link = pasted_link(words)
    if link is not None:
        await offer_link(update, context, link, remember(context, PASTED_LINKS, link))
        return None
    catalogue = await load_catalogue(update, context)
    nonce = nonce or remember(context, SEARCHES, words)
    found = catalogue.search(words)
    await answer(update, context)
    await show(update, *views.search_page(session.tx, words, found, page, session.active_account().currency, nonce))
    return None


@needs_account
@panel_errors
async def search_text(update: Update, context: BotContext) -> object:
    """Plain text outside any conversation step searches the catalogue."""
    return await search(update, context, message_of(update).text or "")


@needs_account
@panel_errors
async def search_page(update: Update, context: BotContext, pressed: SearchPage) -> object:
    words = recall(context, SEARCHES, pressed.nonce)
    if not words:
        return await stale_button(update, context)
    return await search(update, context, str(words), pressed.page, pressed.nonce)


async def search_hint(update: Update, context: BotContext, _: SearchHint) -> None:
    tx = context.session.tx
    await answer(update, context)
    await show(update, tx("search.hint"), views.menu_keyboard(tx))


async def offer_link(update: Update, context: BotContext, link: str, nonce: str, page: int = 0,
                     every: bool = False) -> None:
    """The "Order for this link?" screen: the categories of the link's platform (or every one)."""
    catalogue = await load_catalogue(update, context)
    await answer(update, context)
    await show(update, *link_offer(context.session.tx, link, platform_of_link(link), catalogue, every, page, nonce))


@needs_account
@panel_errors
async def link_categories(update: Update, context: BotContext, pressed: LinkOffer) -> object:
    link = recall(context, PASTED_LINKS, pressed.nonce)
    if not link:
        return await stale_button(update, context)
    await offer_link(update, context, str(link), pressed.nonce, pressed.page, pressed.every)
    return None


@needs_account
@panel_errors
async def link_category(update: Update, context: BotContext, pressed: LinkCategory) -> object:
    link = recall(context, PASTED_LINKS, pressed.nonce)
    catalogue = await load_catalogue(update, context)
    found = catalogue.category(pressed.key)
    if not link or found is None:
        return await stale_button(update, context)
    await answer(update, context)
    session = context.session
    await show(update, *link_category_page(session.tx, str(link), found, pressed.page, session.active_account().currency,
                                           pressed.nonce))
    return None
