"""Telegram handlers: conversations and keyboards only; the logic lives in `bot.core`."""

from __future__ import annotations

from telegram.ext import Application, CallbackQueryHandler, ChatMemberHandler, CommandHandler, MessageHandler, filters

from bot.handlers import account, catalogue, key_guard, ordering, orders, settings, start, text
from bot.handlers import uncertain
from bot.presentation import callbacks as cb
from bot.handlers.errors import on_error

KEY_GUARD_GROUP = -10  # before every other handler group


def register_handlers(application: Application) -> None:
    # First, in a group of its own: a message (or an edit) holding an API key is dealt with
    # there and goes no further, so no later handler ever reads, echoes or keeps a key. Only one
    # handler of a group runs per update, so the guard's group is left to it alone.
    application.add_handler(MessageHandler(filters.UpdateType.MESSAGES, key_guard.guard), group=KEY_GUARD_GROUP)
    private = filters.ChatType.PRIVATE
    commands = {
        "start": start.start,
        "help": start.help_command,
        "cancel": start.cancel,
        "order": ordering.order_command,
        "services": catalogue.services_command,
        "orders": orders.orders_list,
        "status": orders.status_command,
        "balance": account.balance,
        "refill": orders.refill_command,
        "settings": settings.settings,
    }
    for name, callback in commands.items():
        application.add_handler(CommandHandler(name, callback, filters=private))
    application.add_handler(MessageHandler(filters.COMMAND & private, text.unknown_command))
    # In groups every command for this bot gets the same answer: let's talk privately.
    application.add_handler(MessageHandler(filters.COMMAND & ~private, start.group_command))
    application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND & private, text.private_text))
    application.add_handler(MessageHandler(~filters.TEXT & ~filters.StatusUpdate.ALL & private, text.not_text))
    application.add_handler(ChatMemberHandler(start.membership, ChatMemberHandler.MY_CHAT_MEMBER))

    callbacks = {
        cb.MAIN: start.main_menu,
        cb.HELP: start.help_command,
        cb.CATEGORIES: catalogue.categories,
        cb.CATEGORY: catalogue.category,
        cb.SERVICE: catalogue.service,
        cb.SEARCH_PAGE: catalogue.search_page,
        cb.SEARCH_HINT: catalogue.search_hint,
        cb.CATALOGUE_REFRESH: catalogue.refresh_catalogue,
        cb.ORDER_SERVICE: ordering.order_button,
        cb.QUANTITY: ordering.quantity_button,
        cb.CONFIRM: ordering.confirm,
        cb.EDIT: ordering.edit,
        cb.ABORT: ordering.abort,
        cb.AGAIN: ordering.order_again,
        cb.UNCERTAIN: uncertain.open_card,
        cb.UNCERTAIN_PLACED: uncertain.placed_button,
        cb.UNCERTAIN_NOT_PLACED: uncertain.not_placed_button,
        cb.UNCERTAIN_AGAIN: ordering.uncertain_again,
        cb.ORDERS: orders.orders_list,
        cb.ORDER: orders.order_card,
        cb.REFILL: orders.refill_button,
        cb.CANCEL_ORDER: orders.cancel_order,
        cb.CANCEL_ORDER_YES: orders.cancel_order,
        cb.STATUS_ASK: orders.ask_ids,
        cb.REFILL_ASK: orders.ask_ids,
        cb.TRACK: orders.track,
        cb.BALANCE: account.balance,
        cb.SETTINGS: settings.settings,
        cb.LANGUAGE: settings.set_language,
        cb.NOTIFY: settings.set_notify,
        cb.CHANGE_KEY: settings.change_key,
        cb.DELETE_DATA: settings.delete_data,
        cb.DELETE_DATA_YES: settings.delete_data,
    }
    for prefix, callback in callbacks.items():
        application.add_handler(CallbackQueryHandler(callback, pattern=cb.pattern(prefix)))
    # Anything else is a button from an older menu.
    application.add_handler(CallbackQueryHandler(start.stale_button))
    application.add_error_handler(on_error)
