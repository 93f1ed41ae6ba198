"""Telegram handlers: conversations and screens; the logic lives in `bot.core`.

An update goes through the handler groups in order (python-telegram-bot runs at most one
handler per group, and stops at ApplicationHandlerStop):

    KEY_GUARD_GROUP     a message holding an API key is dealt with and goes no further
    MAINTENANCE_GROUP   while maintenance is on, users get "back soon" (bot.handlers.admin)
    FIRST_FLOW_GROUP..  one group per conversation (bot.handlers.flows): a step's answer, a
                        flow's entry, or a flow left because the user went elsewhere
    then the checkpoint an update a conversation took stops there
    then the menu       commands, menu buttons, text searching the catalogue, stale buttons

The user's session is loaded once, by whichever handler first needs it (bot.handlers.session).
Buttons are typed (bot.callback_data): each kind is registered once, in a flow or in the menu
below; data no kind parses reaches the stale-menu handler.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import (
    Application,
    BaseHandler,
    ChatMemberHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot import callback_data as cb
from bot.handlers import (
    admin,
    catalogue,
    flows,
    history,
    key_guard,
    mass,
    orders,
    panels,
    settings,
    start,
    text,
    timezone,
    uncertain,
)
from bot.handlers.common import stale_button
from bot.handlers.conversation import checkpoint
from bot.handlers.errors import on_error
from bot.handlers.routing import any_button, button, command, messages

KEY_GUARD_GROUP = -10  # before every other handler group
MAINTENANCE_GROUP = KEY_GUARD_GROUP + 1  # after the key guard: a key is deleted all the same
FIRST_FLOW_GROUP = 1

MENU_COMMANDS = {
    "start": start.start,
    "help": start.help_command,
    "cancel": start.cancel,
    "services": catalogue.services_command,
    "orders": history.orders_command,
    "settings": settings.settings,
    "spending": history.spending,
    "export": history.export,
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
        button(cb.Orders, history.orders_button),
        button(cb.OrderCard, orders.order_card),
        button(cb.Refill, orders.refill_button),
        button(cb.CancelOrder, orders.cancel_order),
        button(cb.CancelOrderSure, orders.cancel_order_sure),
        button(cb.RequestAgain, orders.request_again),
        button(cb.Track, orders.track),
        button(cb.UncertainCard, uncertain.open_card),
        button(cb.UncertainNotPlaced, uncertain.not_placed),
        button(cb.SettingsMenu, settings.settings),
        button(cb.Language, settings.set_language),
        button(cb.Notify, settings.set_notify),
        button(cb.DeleteData, settings.delete_data),
        button(cb.DeleteDataSure, settings.delete_data_sure),
        button(cb.MassConfirm, mass.confirm),
        button(cb.MassDiscard, mass.discard),
        button(cb.MassStop, mass.stop),
        button(cb.MassCancel, mass.cancel),
        button(cb.BroadcastSend, admin.broadcast_send),
        button(cb.BroadcastDrop, admin.broadcast_drop),
        button(cb.Announcements, settings.set_announcements),
        button(cb.History, history.history),
        button(cb.HistoryRefillAll, history.refill_all),
        button(cb.HistorySpending, history.spending),
        button(cb.HistoryExport, history.export),
        button(cb.TimezonePick, timezone.pick),
        button(cb.Panels, panels.panels_list),
        button(cb.PanelSwitch, panels.switch),
        button(cb.PanelCard, panels.card),
        button(cb.PanelLowBalanceOff, panels.low_balance_off),
        button(cb.PanelRemove, panels.remove),
        button(cb.PanelRemoveSure, panels.remove_sure),
        button(cb.LinkOffer, catalogue.link_categories),
        button(cb.LinkCategory, catalogue.link_category),
    ]


def register_handlers(application: Application) -> None:
    key_flow = flows.key_entry()
    admin_ids = application.bot_data["deps"].settings.admin_ids
    broadcast_flow = flows.broadcast(admin_ids)
    # Only one handler of a group runs per update, so the guard's group is left to it alone.
    panels_flow = flows.panel_steps()
    order_flow = flows.order()
    key_guard_callback = key_guard.guard(key_flow, [broadcast_flow], panels_flow, order_flow)
    application.add_handler(MessageHandler(filters.UpdateType.MESSAGES, key_guard_callback), group=KEY_GUARD_GROUP)
    application.add_handler(TypeHandler(Update, admin.maintenance_guard), group=MAINTENANCE_GROUP)
    conversations = [key_flow, flows.ids_prompts(), order_flow, flows.mass_order(), broadcast_flow, flows.timezone_entry(),
                     panels_flow]
    for group, flow in enumerate(conversations, start=FIRST_FLOW_GROUP):
        application.add_handler(flow, group=group)
    checkpoint_group = FIRST_FLOW_GROUP + len(conversations)
    application.add_handler(checkpoint(), group=checkpoint_group)

    private = filters.ChatType.PRIVATE
    menu = [
        *(command(name, callback) for name, callback in MENU_COMMANDS.items()),
        # Operators' commands; anyone else's reach the unknown-command answer below.
        admin.admin_command("stats", admin.stats, admin_ids),
        admin.admin_command("maintenance", admin.maintenance, admin_ids),
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
