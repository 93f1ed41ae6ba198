"""A link pasted outside an order: "order for this link?", its platform's categories, then a
category's services, each ordering itself for the link (the link is kept under `nonce`)."""

from __future__ import annotations

import math

from telegram import InlineKeyboardMarkup as Keyboard

from bot import callback_data as cb
from bot.core.catalogue import Catalogue, Category
from bot.core.platforms import Platform
from bot.i18n import Html
from bot.presentation.buttons import button, clamp, pager
from bot.presentation.catalogue import CATEGORIES_PER_PAGE, NAME_IN_TEXT_MAX, services_page
from bot.presentation.texts import Texts, shorten

LINK_IN_TEXT_MAX = 200


def _header(tx: Texts, link: str) -> str:
    return tx("link.offer", link=shorten(link, LINK_IN_TEXT_MAX))


def link_offer(tx: Texts, link: str, platform: Platform | None, catalogue: Catalogue, every: bool,
               page: int, nonce: str) -> tuple[Html, Keyboard]:
    """The categories to order from for `link`: its platform's unless `every`; every category
    when the site is not one we know, or the panel has nothing for its platform (saying so)."""
    own = catalogue.categories_of(platform) if platform is not None and not every else ()
    if own and platform is not None:
        note = tx("link.pick_platform", platform=platform.name)
    elif every:
        note = tx("link.pick_any")
    elif platform is None:
        note = tx("link.unknown_site")
    else:
        note = tx("link.no_services", platform=platform.name)
    categories = own or catalogue.categories
    pages = max(1, math.ceil(len(categories) / CATEGORIES_PER_PAGE))
    page = clamp(page, pages)
    shown = categories[page * CATEGORIES_PER_PAGE : (page + 1) * CATEGORIES_PER_PAGE]
    rows = [[button(f"{c.name} ({len(c.services)})", cb.LinkCategory(nonce, c.key, 0))] for c in shown]
    rows.append(pager(tx, page, pages, lambda p: cb.LinkOffer(nonce, p, every)))
    if own:  # the platform's categories may not hold what the user wants
        rows.append([button(tx.plain("button.link_all_categories"), cb.LinkOffer(nonce, 0, True))])
    rows.append([button(tx.plain("button.menu"), cb.MainMenu())])
    return Html(_header(tx, link) + "\n" + note), Keyboard([r for r in rows if r])


def link_category_page(tx: Texts, link: str, category: Category, page: int, currency: str | None,
                       nonce: str) -> tuple[Html, Keyboard]:
    """A category's services for `link`: tapping one starts its order with the link filled in."""
    title = Html(_header(tx, link) + "\n" + tx("link.category_title", name=shorten(category.name, NAME_IN_TEXT_MAX)))
    back = button(tx.plain("button.back"), cb.LinkOffer(nonce, 0))
    return services_page(tx, title, category.services, page, currency, lambda p: cb.LinkCategory(nonce, category.key, p),
                         back, pick=lambda s: cb.LinkService(nonce, s.id))
