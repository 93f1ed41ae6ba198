"""Telegram handlers: conversations and screens; the logic lives in `bot.core`.

An update goes through the handler groups in order (python-telegram-bot runs at most one
handler per group, and stops at ApplicationHandlerStop):

    KEY_GUARD_GROUP     a message holding an API key is dealt with and goes no further
    FIRST_FLOW_GROUP..  one group per conversation (bot.handlers.flows): a step's answer, a
                        flow's entry, or a flow left because the user went elsewhere
    then the checkpoint an update a conversation took stops there
    then the menu       commands, menu buttons, text searching the catalogue, stale buttons

The user's session is loaded once, by whichever handler first needs it (bot.handlers.session).
Buttons are typed (bot.callback_data): each kind is registered once, in a flow or in the menu
below; data no kind parses reaches the stale-menu handler.
"""

from __future__ import annotations

from telegram.ext import (
    Application,
    BaseHandler,
    ChatMemberHandler,
    MessageHandler,
    filters,
)

from bot import callback_data as cb
from bot.handlers import (
    catalogue,
    flows,
    key_guard,
    orders,
    panels,
    settings,
    start,
    text,
    uncertain,
)
from bot.handlers.common import stale_button
from bot.handlers.conversation import checkpoint
from bot.handlers.errors import on_error
from bot.handlers.routing import any_button, button, command, messages

KEY_GUARD_GROUP = -10  # before every other handler group
FIRST_FLOW_GROUP = 1

MENU_COMMANDS = {
    "start": start.start,
    "help": start.help_command,
    "cancel": start.cancel,
    "services": catalogue.services_command,
    "orders": orders.orders_list,
    "settings": settings.settings,
    "panels": panels.panels_list,
}


def _menu_buttons() -> list[BaseHandler]:
    return [
        button(cb.MainMenu, start.main_menu),
        button(cb.Help, start.help_command),
        button(cb.Categories, catalogue.categories),
        button(cb.CategoryPage, catalogue.category),
        button(cb.ServiceCard, catalogue.service),
        button(cb.SearchPage, catalogue.search_page),
        button(cb.SearchHint, catalogue.search_hint),
        button(cb.RefreshCatalogue, catalogue.refresh_catalogue),
        button(cb.Orders, orders.orders_list),
        button(cb.OrderCard, orders.order_card),
        button(cb.Refill, orders.refill_button),
        button(cb.CancelOrder, orders.cancel_order),
        button(cb.CancelOrderSure, orders.cancel_order_sure),
        button(cb.Track, orders.track),
        button(cb.UncertainCard, uncertain.open_card),
        button(cb.UncertainNotPlaced, uncertain.not_placed),
        button(cb.SettingsMenu, settings.settings),
        button(cb.Language, settings.set_language),
        button(cb.Notify, settings.set_notify),
        button(cb.DeleteData, settings.delete_data),
        button(cb.DeleteDataSure, settings.delete_data_sure),
        button(cb.Panels, panels.panels_list),
        button(cb.PanelSwitch, panels.switch),
        button(cb.PanelCard, panels.card),
        button(cb.PanelLowBalanceOff, panels.low_balance_off),
        button(cb.PanelRemove, panels.remove),
        button(cb.PanelRemoveSure, panels.remove_sure),
    ]


def register_handlers(application: Application) -> None:
    key_flow = flows.key_entry()
    panels_flow = flows.panel_steps()
    # Only one handler of a group runs per update, so the guard's group is left to it alone.
    guard = key_guard.guard(key_flow, panels_flow)
    application.add_handler(MessageHandler(filters.UpdateType.MESSAGES, guard), group=KEY_GUARD_GROUP)
    conversations = [key_flow, flows.ids_prompts(), flows.order(), panels_flow]
    for group, flow in enumerate(conversations, start=FIRST_FLOW_GROUP):
        application.add_handler(flow, group=group)
    checkpoint_group = FIRST_FLOW_GROUP + len(conversations)
    application.add_handler(checkpoint(), group=checkpoint_group)

    private = filters.ChatType.PRIVATE
    menu = [
        *(command(name, callback) for name, callback in MENU_COMMANDS.items()),
        messages(filters.COMMAND, text.unknown_command),
        # In groups every command for this bot gets the same answer: let's talk privately.
        MessageHandler(filters.UpdateType.MESSAGE & filters.COMMAND & ~private, start.group_command),
        messages(filters.TEXT, catalogue.search_text),
        messages(~filters.TEXT & ~filters.StatusUpdate.ALL, text.not_text),
        ChatMemberHandler(start.membership, ChatMemberHandler.MY_CHAT_MEMBER),
        *_menu_buttons(),
        any_button(stale_button),  # a button from an older menu, or data no kind parses
    ]
    for handler in menu:
        application.add_handler(handler, group=checkpoint_group + 1)
    application.add_error_handler(on_error)
