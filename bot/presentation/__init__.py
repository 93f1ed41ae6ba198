"""Presentation: the texts and inline keyboards of every chat screen and notification.

Built from `locales/` and plain data; nothing here calls Telegram, the panel or storage, so the
handlers and the tracker (bot.jobs) show orders the same way. One small module per screen;
the buttons' data are bot.callback_data's typed buttons, which the handlers read back.
"""

from bot.i18n import Html
from bot.presentation.actions import (
    NOT_ID_MAX,
    NOT_IDS_SHOWN,
    cancel_note,
    not_ids_lines,
    refill_result_line,
    send_again_question,
    send_again_rows,
    unknown_ids_line,
)
from bot.presentation.buttons import BUTTON_TEXT_MAX
from bot.presentation.catalogue import (
    CATEGORIES_PER_PAGE,
    DESCRIPTION_MAX,
    NAME_IN_TEXT_MAX,
    SERVICES_PER_PAGE,
    categories_page,
    category_page,
    search_page,
    service_card,
    services_page,
)
from bot.presentation.menu import back_to_menu, main_menu, menu_keyboard
from bot.presentation.notifications import (
    NotificationMessage,
    notification,
    refill_line,
)
from bot.presentation.ordering import (
    confirmation_card,
    form_prompt,
    invalid_order,
)
from bot.presentation.orders import (
    ORDERS_PER_PAGE,
    order_buttons,
    order_card,
    order_summary,
    orders_page,
    status_name,
)
from bot.presentation.settings import settings_view
from bot.presentation.texts import Texts, shorten
from bot.presentation.uncertain import (
    UNCERTAIN_LISTED,
    uncertain_card,
    uncertain_list,
    uncertain_not_placed_card,
    uncertain_reason,
    when,
)

__all__ = [
    "BUTTON_TEXT_MAX",
    "CATEGORIES_PER_PAGE",
    "DESCRIPTION_MAX",
    "NAME_IN_TEXT_MAX",
    "NOT_IDS_SHOWN",
    "NOT_ID_MAX",
    "ORDERS_PER_PAGE",
    "SERVICES_PER_PAGE",
    "UNCERTAIN_LISTED",
    "Html",
    "NotificationMessage",
    "Texts",
    "back_to_menu",
    "cancel_note",
    "categories_page",
    "category_page",
    "confirmation_card",
    "form_prompt",
    "invalid_order",
    "main_menu",
    "menu_keyboard",
    "not_ids_lines",
    "notification",
    "order_buttons",
    "order_card",
    "order_summary",
    "orders_page",
    "refill_line",
    "refill_result_line",
    "search_page",
    "send_again_question",
    "send_again_rows",
    "service_card",
    "services_page",
    "settings_view",
    "shorten",
    "status_name",
    "uncertain_card",
    "uncertain_list",
    "uncertain_not_placed_card",
    "uncertain_reason",
    "unknown_ids_line",
    "when",
]
