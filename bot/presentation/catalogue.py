"""The catalogue: categories, a category's or a search's services, and a service's card."""

from __future__ import annotations

import math
from collections.abc import Callable

from telegram import InlineKeyboardButton as Button
from telegram import InlineKeyboardMarkup as Keyboard

from bot import callback_data as cb
from bot.core.catalogue import Catalogue, Category
from bot.core.forms import form_for
from bot.core.ordering import OrderKind, order_kind
from bot.i18n import Html, format_rate
from bot.panel import Service
from bot.presentation.buttons import button, clamp, pager
from bot.presentation.menu import back_to_menu
from bot.presentation.texts import Texts, shorten

CATEGORIES_PER_PAGE = 10
SERVICES_PER_PAGE = 8
NAME_IN_TEXT_MAX = 120
DESCRIPTION_MAX = 1500


def categories_page(tx: Texts, catalogue: Catalogue, page: int) -> tuple[Html, Keyboard]:
    categories = catalogue.categories
    pages = max(1, math.ceil(len(categories) / CATEGORIES_PER_PAGE))
    page = clamp(page, pages)
    shown = categories[page * CATEGORIES_PER_PAGE : (page + 1) * CATEGORIES_PER_PAGE]
    rows = [[button(f"{c.name} ({len(c.services)})", cb.CategoryPage(c.key, 0))] for c in shown]
    rows.append(pager(tx, page, pages, lambda p: cb.Categories(p)))
    rows.append([button(tx.plain("button.search"), cb.SearchHint()), button(tx.plain("button.refresh"), cb.RefreshCatalogue())])
    rows.append(back_to_menu(tx))
    text = tx("catalogue.categories", count=tx.number(len(catalogue.services)), categories=tx.number(len(categories)))
    return text, Keyboard([r for r in rows if r])


def _service_line(tx: Texts, service: Service, currency: str | None) -> Html:
    return tx(
        "catalogue.service_line",
        id=service.id,
        name=shorten(service.name, NAME_IN_TEXT_MAX),
        price=format_rate(service.rate, currency, tx.lang),
        min=tx.number(service.min),
        max=tx.number(service.max),
    )


def services_page(tx: Texts, title: Html, services: list[Service] | tuple[Service, ...], page: int, currency: str | None,
                  make_page, back: Button, pick: Callable[[Service], cb.Button] | None = None) -> tuple[Html, Keyboard]:
    """A page of services; a service's button opens its card, or does what `pick` gives."""
    pages = max(1, math.ceil(len(services) / SERVICES_PER_PAGE))
    page = clamp(page, pages)
    shown = services[page * SERVICES_PER_PAGE : (page + 1) * SERVICES_PER_PAGE]
    lines = [title, ""] + [_service_line(tx, s, currency) for s in shown]
    rows = [[button(f"{s.id} · {s.name}", pick(s) if pick else cb.ServiceCard(s.id))] for s in shown]
    rows.append(pager(tx, page, pages, make_page))
    rows.append([back, button(tx.plain("button.menu"), cb.MainMenu())])
    return Html("\n".join(lines)), Keyboard([r for r in rows if r])


def category_page(tx: Texts, category: Category, page: int, currency: str | None) -> tuple[Html, Keyboard]:
    name, count = shorten(category.name, NAME_IN_TEXT_MAX), len(category.services)
    title = tx("catalogue.category_title_one", name=name) if count == 1 else \
        tx("catalogue.category_title", name=name, count=tx.number(count))
    back = button(tx.plain("button.categories"), cb.Categories(0))
    return services_page(tx, title, category.services, page, currency, lambda p: cb.CategoryPage(category.key, p), back)


def search_page(tx: Texts, words: str, found: list[Service], page: int, currency: str | None,
                nonce: str) -> tuple[Html, Keyboard]:
    if not found:
        text = tx("search.nothing", words=shorten(words, 100))
        return text, Keyboard([[button(tx.plain("button.categories"), cb.Categories(0))], back_to_menu(tx)])
    title = tx("search.title", words=shorten(words, 100), count=tx.number(len(found)))
    back = button(tx.plain("button.categories"), cb.Categories(0))
    return services_page(tx, title, found, page, currency, lambda p: cb.SearchPage(nonce, p), back)


def service_type_label(tx: Texts, raw: str | None) -> str:
    """The panel's order type in the user's words; a type we have no words for is shown as the panel names it."""
    name = (raw or "Default").strip() or "Default"
    key = "service.type_name." + "_".join(name.lower().split())
    return tx.plain(key) if key in tx.i18n.keys(tx.lang) else name


def _yes_no(tx: Texts, value: bool) -> str:
    return tx.plain("common.yes") if value else tx.plain("common.no")


def service_card(tx: Texts, service: Service, currency: str | None, category_key: str | None) -> tuple[Html, Keyboard]:
    kind = order_kind(service)
    price_key = "service.price_package" if kind is OrderKind.PACKAGE else "service.price"
    parts: list[str] = [
        tx("service.title", id=service.id, name=shorten(service.name, 300)),
        tx("service.category", category=shorten(service.category or "—", 200)),
        tx("service.type", type=service_type_label(tx, service.type)),
        tx(price_key, price=format_rate(service.rate, currency, tx.lang)),
    ]
    if kind is not OrderKind.PACKAGE:
        parts.append(tx("service.limits", min=tx.number(service.min), max=tx.number(service.max)))
        if service.step and service.step > 1:
            parts.append(tx("service.step", step=tx.number(service.step)))
    parts.append(tx("service.refill", value=_yes_no(tx, service.refill)))
    parts.append(tx("service.cancel", value=_yes_no(tx, service.cancel)))
    if service.description:
        parts.append("")
        parts.append(tx("service.description", text=shorten(service.description, DESCRIPTION_MAX)))
    orderable = form_for(service) is not None  # every type with a form is asked in the chat
    if not orderable:
        parts.append("")
        parts.append(tx("service.unsupported"))
    rows = []
    if orderable:
        rows.append([button(tx.plain("button.order"), cb.OrderService(service.id))])
    back_row = []
    if category_key:
        back_row.append(button(tx.plain("button.back"), cb.CategoryPage(category_key, 0)))
    back_row.append(button(tx.plain("button.menu"), cb.MainMenu()))
    rows.append(back_row)
    return Html("\n".join(parts)), Keyboard(rows)
