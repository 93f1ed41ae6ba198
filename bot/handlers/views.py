"""Message texts and inline keyboards for every screen, built from `locales/`.

Views take plain data and return `(html, keyboard)`; they never call Telegram, the panel or
storage, so the tracker's notifications and the handlers render orders the same way.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from telegram import InlineKeyboardButton as Button
from telegram import InlineKeyboardMarkup as Keyboard

from bot import callback_data as cb
from bot.core.catalogue import Catalogue, Category
from bot.core.ordering import OrderKind, charge_for, order_kind
from bot.core.tracking import Ineligible, RequestOutcome, RequestResult
from bot.core.uncertain import UncertainOrder, reason_kind
from bot.i18n import Html, Translations, format_int, format_money, format_rate
from bot.panel import Service

CATEGORIES_PER_PAGE = 10
SERVICES_PER_PAGE = 8
ORDERS_PER_PAGE = 8
BUTTON_TEXT_MAX = 48
NAME_IN_TEXT_MAX = 120
DESCRIPTION_MAX = 1500


@dataclass(frozen=True)
class Texts:
    """The translations for one user's language."""

    i18n: Translations
    lang: str

    def __call__(self, key: str, **values: object) -> Html:
        return self.i18n.t(self.lang, key, **values)

    def plain(self, key: str) -> str:
        return self.i18n.raw(self.lang, key)

    def money(self, amount: Decimal | None, currency: str | None) -> str:
        return "—" if amount is None else format_money(amount, currency, self.lang)

    def number(self, value: int | None) -> str:
        return "—" if value is None else format_int(value, self.lang)


def shorten(text: str, limit: int) -> str:
    """Cut `text` to `limit` characters on a word boundary when one is near, with an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit * 0.6:
        cut = cut[:space]
    return cut.rstrip(" ,.;:-") + "…"


def _button(text: str, pressed: cb.Button) -> Button:
    return Button(shorten(text, BUTTON_TEXT_MAX), callback_data=pressed.pack())


def _pager(tx: Texts, page: int, pages: int, make) -> list[Button]:
    row = []
    if page > 0:
        row.append(Button(tx.plain("button.prev"), callback_data=make(page - 1).pack()))
    if pages > 1:
        row.append(Button(f"{page + 1}/{pages}", callback_data=make(page).pack()))
    if page + 1 < pages:
        row.append(Button(tx.plain("button.next"), callback_data=make(page + 1).pack()))
    return row


def _clamp(page: int, pages: int) -> int:
    return max(0, min(page, pages - 1))


def main_menu(tx: Texts, greeting: Html | None = None) -> tuple[Html, Keyboard]:
    text = greeting or tx("menu.title")
    keyboard = Keyboard(
        [
            [_button(tx.plain("menu.new_order"), cb.Categories(0)), _button(tx.plain("menu.search"), cb.SearchHint())],
            [_button(tx.plain("menu.orders"), cb.Orders(0)), _button(tx.plain("menu.balance"), cb.Balance())],
            [_button(tx.plain("menu.status"), cb.StatusAsk()), _button(tx.plain("menu.refill"), cb.RefillAsk())],
            [_button(tx.plain("menu.settings"), cb.SettingsMenu()), _button(tx.plain("menu.help"), cb.Help())],
        ]
    )
    return text, keyboard


def back_to_menu(tx: Texts) -> list[Button]:
    return [_button(tx.plain("button.menu"), cb.MainMenu())]


def menu_keyboard(tx: Texts) -> Keyboard:
    return Keyboard([back_to_menu(tx)])


# --- catalogue --------------------------------------------------------------------------

def categories_page(tx: Texts, catalogue: Catalogue, page: int) -> tuple[Html, Keyboard]:
    categories = catalogue.categories
    pages = max(1, math.ceil(len(categories) / CATEGORIES_PER_PAGE))
    page = _clamp(page, pages)
    shown = categories[page * CATEGORIES_PER_PAGE : (page + 1) * CATEGORIES_PER_PAGE]
    rows = [[_button(f"{c.name} ({len(c.services)})", cb.CategoryPage(c.key, 0))] for c in shown]
    rows.append(_pager(tx, page, pages, lambda p: cb.Categories(p)))
    rows.append([_button(tx.plain("button.search"), cb.SearchHint()), _button(tx.plain("button.refresh"), cb.RefreshCatalogue())])
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
                  make_page, back: Button) -> tuple[Html, Keyboard]:
    pages = max(1, math.ceil(len(services) / SERVICES_PER_PAGE))
    page = _clamp(page, pages)
    shown = services[page * SERVICES_PER_PAGE : (page + 1) * SERVICES_PER_PAGE]
    lines = [title, ""] + [_service_line(tx, s, currency) for s in shown]
    rows = [[_button(f"{s.id} · {s.name}", cb.ServiceCard(s.id))] for s in shown]
    rows.append(_pager(tx, page, pages, make_page))
    rows.append([back, _button(tx.plain("button.menu"), cb.MainMenu())])
    return Html("\n".join(lines)), Keyboard([r for r in rows if r])


def category_page(tx: Texts, category: Category, page: int, currency: str | None) -> tuple[Html, Keyboard]:
    title = tx("catalogue.category_title", name=shorten(category.name, NAME_IN_TEXT_MAX), count=tx.number(len(category.services)))
    back = _button(tx.plain("button.categories"), cb.Categories(0))
    return services_page(tx, title, category.services, page, currency, lambda p: cb.CategoryPage(category.key, p), back)


def search_page(tx: Texts, words: str, found: list[Service], page: int, currency: str | None,
                nonce: str) -> tuple[Html, Keyboard]:
    if not found:
        text = tx("search.nothing", words=shorten(words, 100))
        return text, Keyboard([[_button(tx.plain("button.categories"), cb.Categories(0))], back_to_menu(tx)])
    title = tx("search.title", words=shorten(words, 100), count=tx.number(len(found)))
    back = _button(tx.plain("button.categories"), cb.Categories(0))
    return services_page(tx, title, found, page, currency, lambda p: cb.SearchPage(nonce, p), back)


def _yes_no(tx: Texts, value: bool) -> str:
    return tx.plain("common.yes") if value else tx.plain("common.no")


def service_card(tx: Texts, service: Service, currency: str | None, category_key: str | None) -> tuple[Html, Keyboard]:
    kind = order_kind(service)
    price_key = "service.price_package" if kind is OrderKind.PACKAGE else "service.price"
    parts = [
        tx("service.title", id=service.id, name=shorten(service.name, 300)),
        tx("service.category", category=shorten(service.category or "—", 200)),
        tx("service.type", type=service.type or "Default"),
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
    if kind is OrderKind.UNSUPPORTED:
        parts.append("")
        parts.append(tx("service.unsupported"))
    rows = []
    if kind is not OrderKind.UNSUPPORTED:
        rows.append([_button(tx.plain("button.order"), cb.OrderService(service.id))])
    back_row = []
    if category_key:
        back_row.append(_button(tx.plain("button.back"), cb.CategoryPage(category_key, 0)))
    back_row.append(_button(tx.plain("button.menu"), cb.MainMenu()))
    rows.append(back_row)
    return Html("\n".join(parts)), Keyboard(rows)


# --- ordering ---------------------------------------------------------------------------

_LINK_EXAMPLES = (
    ("tiktok", "https://www.tiktok.com/@user/video/123"),
    ("facebook", "https://www.facebook.com/yourpage/posts/123"),
    ("instagram", "https://www.instagram.com/p/AbC123/"),
    ("youtube", "https://www.youtube.com/watch?v=abc123"),
    ("telegram", "https://t.me/yourchannel"),
    ("shopee", "https://shopee.vn/your-shop"),
)


def link_example(service_name: str, category: str = "") -> str:
    """An example link of the service's platform, so users know what to paste."""
    haystack = f"{service_name} {category}".lower()
    return next((example for word, example in _LINK_EXAMPLES if word in haystack), "https://example.com/your-post")


def link_prompt(tx: Texts, service_id: int, service_name: str, category: str = "") -> Html:
    return tx("order.ask_link", id=service_id, name=shorten(service_name, 200), example=link_example(service_name, category))


def quantity_prompt(tx: Texts, service: Service, token: str) -> tuple[Html, Keyboard]:
    """Ask for the quantity; quick buttons for min and max, and Cancel, all tied to the draft."""
    text = tx("order.ask_quantity", min=tx.number(service.min), max=tx.number(service.max))
    if service.step and service.step > 1:
        text = Html(text + "\n" + tx("service.step", step=tx.number(service.step)))
    buttons = [_button(tx.number(service.min), cb.Quantity(token, service.min))]
    if service.max and service.max != service.min:
        buttons.append(_button(tx.number(service.max), cb.Quantity(token, service.max)))
    return text, Keyboard([buttons, [_button(tx.plain("button.abort"), cb.AbortOrder(token))]])


def confirmation_card(tx: Texts, service: Service, link: str, quantity: int | None, comments_count: int | None,
                      balance: Decimal | None, currency: str | None, token: str) -> tuple[Html, Keyboard]:
    charge = charge_for(service, quantity)
    parts = [
        tx("confirm.title"),
        tx("confirm.service", id=service.id, name=shorten(service.name, 200)),
        tx("confirm.link", link=link),
    ]
    if quantity is not None and order_kind(service) is not OrderKind.PACKAGE:
        parts.append(tx("confirm.quantity", quantity=tx.number(quantity)))
    if comments_count is not None:
        parts.append(tx("confirm.comments", count=tx.number(comments_count)))
    parts.append(tx("confirm.charge", charge=tx.money(charge, currency)))
    if balance is not None:
        parts.append(tx("confirm.balance", balance=tx.money(balance, currency)))
        if balance < charge:
            parts.append(tx("confirm.not_enough", missing=tx.money(charge - balance, currency)))
    rows = [
        [_button(tx.plain("button.confirm"), cb.Confirm(token))],
        [_button(tx.plain("button.edit"), cb.EditOrder(token)), _button(tx.plain("button.abort"), cb.AbortOrder(token))],
    ]
    return Html("\n".join(parts)), Keyboard(rows)


# --- orders -----------------------------------------------------------------------------

def status_name(tx: Texts, status: str | None) -> str:
    if not status:
        return tx.plain("status.unknown")
    key = "status." + status.lower().replace(" ", "_")
    text = tx.i18n.raw(tx.lang, key)
    return status if text == key else text


def order_summary(tx: Texts, order) -> Html:
    """The lines that describe an order: used on its card and in notifications."""
    parts = [
        tx("order.title", id=order.panel_order_id, status=status_name(tx, order.status)),
        tx("order.service", name=shorten(order.service_name or "—", 200)),
    ]
    if order.link:
        parts.append(tx("order.link", link=shorten(order.link, 300)))
    if order.quantity:
        parts.append(tx("order.quantity", quantity=tx.number(order.quantity)))
    if order.start_count is not None:
        parts.append(tx("order.start_count", value=tx.number(order.start_count)))
    if order.remains is not None:
        parts.append(tx("order.remains", value=tx.number(order.remains)))
    charge = order.charge if order.charge is not None else order.expected_charge
    if charge is not None:
        parts.append(tx("order.charge", charge=tx.money(charge, order.currency)))
    return Html("\n".join(parts))


def order_buttons(tx: Texts, order, *, with_refresh: bool = True) -> list[list[Button]]:
    rows = []
    first = []
    if with_refresh:
        first.append(_button(tx.plain("button.refresh"), cb.OrderCard(order.id, refresh=True)))
    if order.refill_allowed and (order.status or "").lower() in ("completed", "partial"):
        first.append(_button(tx.plain("button.refill"), cb.Refill(order.id)))
    if order.cancel_allowed and not order.final:
        first.append(_button(tx.plain("button.cancel_order"), cb.CancelOrder(order.id)))
    if first:
        rows.append(first)
    if order.service_id:
        rows.append([_button(tx.plain("button.again"), cb.OrderAgain(order.id))])
    return rows


def order_card(tx: Texts, order, note: Html | None = None) -> tuple[Html, Keyboard]:
    text = order_summary(tx, order)
    if note:
        text = Html(text + "\n\n" + note)
    rows = order_buttons(tx, order)
    rows.append([_button(tx.plain("button.orders"), cb.Orders(0)), _button(tx.plain("button.menu"), cb.MainMenu())])
    return text, Keyboard(rows)


def orders_page(tx: Texts, orders: list, page: int, total: int, uncertain: Sequence[UncertainOrder] = ()) -> tuple[Html, Keyboard]:
    """A page of orders; `uncertain` (orders whose outcome is unknown) are listed above them."""
    pages = max(1, math.ceil(total / ORDERS_PER_PAGE))
    if not orders and not uncertain:
        return tx("orders.none"), Keyboard([[_button(tx.plain("menu.new_order"), cb.Categories(0))], back_to_menu(tx)])
    lines, rows = uncertain_list(tx, uncertain)
    if orders:
        lines.append(tx("orders.title", total=tx.number(total)))
    for order in orders:
        lines.append(tx("orders.line", id=order.panel_order_id, status=status_name(tx, order.status),
                        name=shorten(order.service_name or "—", 60)))
    rows += [[_button(f"#{o.panel_order_id} · {status_name(tx, o.status)}", cb.OrderCard(o.id))] for o in orders]
    rows.append(_pager(tx, page, pages, lambda p: cb.Orders(p)))
    rows.append([_button(tx.plain("button.refresh"), cb.Orders(page, refresh=True)), _button(tx.plain("button.menu"), cb.MainMenu())])
    return Html("\n".join(lines)), Keyboard([r for r in rows if r])


# --- ids, refills and cancels ------------------------------------------------------------

NOT_IDS_SHOWN = 10
NOT_ID_MAX = 30


def not_ids_lines(tx: Texts, words: list[str]) -> list[Html]:
    """One line for each word typed where an order id was expected ("abc is not an order id")."""
    lines = [tx("ids.not_an_id", token=shorten(word, NOT_ID_MAX)) for word in words[:NOT_IDS_SHOWN]]
    if len(words) > NOT_IDS_SHOWN:
        lines.append(tx("ids.more_not_ids", count=tx.number(len(words) - NOT_IDS_SHOWN)))
    return lines


def refill_result_line(tx: Texts, result: RequestResult, panel_reason: Html | None = None) -> Html:
    """One order's line of a refill report; `panel_reason` explains `result.error`."""
    order_id, outcome = result.order_id, result.outcome
    if outcome is RequestOutcome.SENT:
        return tx("refill.line_ok", id=order_id, refill=result.refill_id)
    if outcome is RequestOutcome.ALREADY:
        return tx("refill.line_already", id=order_id, refill=result.refill_id)
    if outcome is RequestOutcome.PENDING:
        return tx("refill.line_pending", id=order_id)
    if outcome is RequestOutcome.UNKNOWN:
        return tx("refill.line_unknown", id=order_id)
    if outcome is RequestOutcome.INELIGIBLE:
        if result.reason is Ineligible.NOT_FINAL:
            return tx("refill.line_not_final", id=order_id, status=status_name(tx, result.status))
        if result.reason is Ineligible.CANCELED:
            return tx("refill.line_canceled", id=order_id)
        return tx("refill.line_no_refill", id=order_id)
    return tx("refill.line_error", id=order_id, reason=panel_reason or "")


def cancel_note(tx: Texts, result: RequestResult, panel_reason: Html | None = None) -> Html:
    """What became of a cancel request, shown under the order's card."""
    order_id, outcome = result.order_id, result.outcome
    if outcome is RequestOutcome.SENT:
        return tx("cancel_order.requested")
    if outcome is RequestOutcome.ALREADY:
        return tx("cancel_order.already", id=order_id)
    if outcome is RequestOutcome.PENDING:
        return tx("cancel_order.pending", id=order_id)
    if outcome is RequestOutcome.UNKNOWN:
        return tx("cancel_order.unknown", id=order_id)
    if outcome is RequestOutcome.INELIGIBLE:
        if result.reason is Ineligible.FINAL:
            return tx("cancel_order.final", id=order_id, status=status_name(tx, result.status))
        return tx("cancel_order.not_allowed", id=order_id)
    if panel_reason is None:  # the panel answered without cancelling it
        return tx("cancel_order.unclear")
    return tx("cancel_order.refused", reason=panel_reason)


# --- orders whose outcome is unknown ----------------------------------------------------

UNCERTAIN_LISTED = 8  # on the first page of /orders; more are rare (each needs a lost answer)


def when(tx: Texts, timestamp: float) -> str:
    """A moment as each language writes it, in the bot's local time."""
    return time.strftime("%d/%m/%Y %H:%M" if tx.lang == "vi" else "%Y-%m-%d %H:%M", time.localtime(timestamp))


def uncertain_reason(tx: Texts, reason: str | None) -> Html:
    """What happened to the `add` (see bot.core.ordering.unknown_reason), as a sentence."""
    kind, http_status = reason_kind(reason)
    return tx(f"uncertain.reason.{kind}", status=http_status or "")


def _uncertain_details(tx: Texts, item: UncertainOrder) -> list[str]:
    name = shorten(item.service_name or "—", 200)
    parts = [tx("confirm.service", id=item.service_id or "—", name=name), tx("confirm.link", link=shorten(item.link or "—", 300))]
    if item.quantity is not None and item.kind is OrderKind.COMMENTS:
        parts.append(tx("confirm.comments", count=tx.number(item.quantity)))
    elif item.quantity is not None and item.kind is not OrderKind.PACKAGE:
        parts.append(tx("confirm.quantity", quantity=tx.number(item.quantity)))
    if item.charge is not None:
        parts.append(tx("confirm.charge", charge=tx.money(item.charge, item.currency)))
    return parts


def _balance_lines(tx: Texts, item: UncertainOrder, balance_now: tuple[Decimal, str | None] | None,
                   balance_failed: bool) -> list[str]:
    """The balance before Confirm and now, as numbers: a clue for the user, never a verdict."""
    lines = []
    before_currency = item.balance_currency or item.currency
    if item.balance_before is not None:
        lines.append(tx("uncertain.balance_before", balance=tx.money(item.balance_before, before_currency)))
    if balance_now is not None:
        amount, currency = balance_now
        now_text = tx.money(amount, currency or before_currency)
        if item.balance_before is not None and (currency or before_currency) == before_currency:
            lines.append(tx("uncertain.balance_now", balance=now_text, change=tx.money(amount - item.balance_before, before_currency)))
        else:
            lines.append(tx("uncertain.balance_now_plain", balance=now_text))
    elif balance_failed:
        lines.append(tx("uncertain.balance_unavailable"))
    if lines:
        lines.append(tx("uncertain.balance_hint"))
    return lines


def uncertain_card(tx: Texts, item: UncertainOrder, panel: str, *, lead: Html | None = None,
                   balance_now: tuple[Decimal, str | None] | None = None, balance_failed: bool = False,
                   note: Html | None = None) -> tuple[Html, Keyboard]:
    """An order whose outcome is unknown: what was ordered, what happened, the evidence there
    is, and the two ways to settle it."""
    parts = [lead, ""] if lead else []
    parts += [tx("uncertain.title", time=when(tx, item.created_at)), *_uncertain_details(tx, item), ""]
    parts.append(uncertain_reason(tx, item.reason))
    parts += _balance_lines(tx, item, balance_now, balance_failed)
    parts += ["", tx("uncertain.what_to_do", panel=panel)]
    if note:
        parts += ["", note]
    rows = [
        [_button(tx.plain("button.placed_yes"), cb.UncertainPlaced(item.token)),
         _button(tx.plain("button.placed_no"), cb.UncertainNotPlaced(item.token))],
        [_button(tx.plain("button.check_balance"), cb.UncertainCard(item.token))],
        [_button(tx.plain("button.orders"), cb.Orders(0)), _button(tx.plain("button.menu"), cb.MainMenu())],
    ]
    return Html("\n".join(parts)), Keyboard(rows)


def uncertain_not_placed_card(tx: Texts, item: UncertainOrder) -> tuple[Html, Keyboard]:
    """An order the user settled as not placed: it may be placed again, as a new order."""
    parts = [tx("uncertain.not_placed_title", time=when(tx, item.created_at)), *_uncertain_details(tx, item), "",
             tx("uncertain.not_placed_note")]
    rows = [
        [_button(tx.plain("button.place_again"), cb.UncertainAgain(item.token))],
        [_button(tx.plain("button.orders"), cb.Orders(0)), _button(tx.plain("button.menu"), cb.MainMenu())],
    ]
    return Html("\n".join(parts)), Keyboard(rows)


def uncertain_list(tx: Texts, items: Sequence[UncertainOrder]) -> tuple[list[str], list[list[Button]]]:
    """The lines and buttons that list orders whose outcome is unknown (nothing if none)."""
    if not items:
        return [], []
    lines = [tx("uncertain.list_title", count=tx.number(len(items)))]
    for item in items[:UNCERTAIN_LISTED]:
        values = {"time": when(tx, item.created_at), "name": shorten(item.service_name or "—", 60),
                  "link": shorten(item.link or "—", 60), "charge": tx.money(item.charge, item.currency)}
        if item.quantity is not None and item.kind is not OrderKind.PACKAGE:
            lines.append(tx("uncertain.list_line", quantity=tx.number(item.quantity), **values))
        else:
            lines.append(tx("uncertain.list_line_package", **values))
    lines.append("")
    rows = [[_button(f"❓ {item.service_name or '—'}", cb.UncertainCard(item.token))] for item in items[:UNCERTAIN_LISTED]]
    return lines, rows


# --- settings ---------------------------------------------------------------------------

def settings_view(tx: Texts, user, account) -> tuple[Html, Keyboard]:
    notify = str(getattr(user.notify, "value", user.notify))
    parts = [
        tx("settings.title"),
        tx("settings.language", value=tx.plain(f"language.{tx.lang}")),
        tx("settings.notify", value=tx.plain(f"notify.{notify}")),
    ]
    if account is not None:
        parts.append(tx("settings.account", url=account.panel_url))
    else:
        parts.append(tx("settings.no_account"))

    def mark(selected: bool, label: str) -> str:
        return ("✅ " if selected else "") + label

    rows = [
        [_button(mark(tx.lang == lang, tx.plain(f"language.{lang}")), cb.Language(lang)) for lang in ("vi", "en")],
        [_button(mark(notify == mode, tx.plain(f"notify.{mode}")), cb.Notify(mode)) for mode in ("all", "final", "off")],
        [_button(tx.plain("settings.change_key"), cb.ChangeKey())],
        [_button(tx.plain("settings.delete"), cb.DeleteData())],
        back_to_menu(tx),
    ]
    return Html("\n".join(parts)), Keyboard(rows)


# --- notifications (the tracker) --------------------------------------------------------

def refill_line(tx: Texts, refill) -> Html:
    return tx("notify.refill_line", refill=refill.refill_id, id=refill.panel_order_id, status=status_name(tx, refill.status))


def notification(tx: Texts, orders: list, refills: list, limit: int = 3800) -> list[tuple[Html, Keyboard | None]]:
    """One message for all of a user's changes in a cycle (split only past Telegram's size)."""
    blocks = [order_summary(tx, o) for o in orders] + [refill_line(tx, r) for r in refills]
    messages: list[tuple[Html, Keyboard | None]] = []
    header = tx("notify.title")
    current = header
    for block in blocks:
        if len(current) + len(block) + 2 > limit:
            messages.append((Html(current), None))
            current = header
        current = f"{current}\n\n{block}"
    if len(orders) == 1 and not refills:
        rows = order_buttons(tx, orders[0], with_refresh=True)
    else:
        refillable = [o for o in orders if o.refill_allowed and (o.status or "").lower() in ("completed", "partial")]
        rows = [[_button(f"{tx.plain('button.refill')} #{o.panel_order_id}", cb.Refill(o.id))] for o in refillable[:20]]
        rows.append([_button(tx.plain("button.orders"), cb.Orders(0))])
    messages.append((Html(current), Keyboard(rows) if rows else None))
    return messages
