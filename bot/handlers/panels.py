"""/panels: the user's panels, with their balances; switching the active one (two taps: /panels,
then the panel); a panel's card (rename, low-balance alert, remove); adding a panel (its API URL,
then its key). The logic is bot.core.panels'.

The panels conversation has four steps, each the meaning of the next plain text: a new name, a
low-balance amount, the API URL of a panel being added, then its key. The key step's message is
handed over by bot.handlers.key_guard (as the key conversation's is), deleted at once and goes no
further than `take_key`.
"""

from __future__ import annotations

from decimal import Decimal

from telegram import Chat, Update
from telegram.ext import ApplicationHandlerStop

from bot.callback_data import (
    PanelAdd,
    PanelAddDefault,
    PanelCard,
    PanelLowBalance,
    PanelLowBalanceOff,
    PanelRemove,
    PanelRemoveSure,
    PanelRename,
    Panels,
    PanelSwitch,
)
from bot.context import BotContext
from bot.core.panels import (
    PanelBalance,
    PanelRefused,
    add_panel,
    all_balances,
    check_panel_url,
    panel_name,
    panel_names,
    parse_threshold,
    remove_panel,
    rename_panel,
    set_low_balance,
    switch_panel,
)
from bot.handlers import keyboards
from bot.handlers.common import (
    END,
    answer,
    chat_action,
    delete_message,
    panel_error_text,
    show,
    stale_button,
    user_data,
)
from bot.handlers.session import needs_account, reload_session
from bot.i18n import Html
from bot.panel import InvalidKey, PanelError
from bot.presentation import main_menu, menu_keyboard
from bot.presentation import panels as views
from bot.storage import Order

# The steps (stored state names: see bot.handlers.flows).
RENAME, LOW_BALANCE, ADD_URL, ADD_KEY = "panel_rename", "panel_low", "panel_url", "panel_key"
# user_data slots: the panel a step is about, and the checked URL of the panel being added.
_ACCOUNT_SLOT, _URL_SLOT = "panel_account", "panel_add_url"
OFF_WORDS = frozenset({"off", "tắt", "tat", "0", "-"})


async def order_panel(context: BotContext, order: Order) -> str | None:
    """The name of the panel `order` is on, for an order card: None for a user with one panel."""
    return (await panel_names(context.deps.db, context.session.tg_id)).get(order.account_id)


async def _fresh(context: BotContext) -> list[PanelBalance]:
    deps = context.deps
    return await all_balances(deps.db, deps.panel, context.session.tg_id, timeout=deps.settings.panel_timeout_seconds)


async def _stored(context: BotContext) -> list[PanelBalance]:
    """The panels with their last known balances (no panel asked)."""
    return [PanelBalance(account, known) for account, known in await context.deps.db.account_balances(context.session.tg_id)]




def _text_message(update: Update) -> tuple[Chat, str]:
    """The chat and text of a step's answer (registered for private text messages only, see
    bot.handlers.routing.PLAIN_TEXT)."""
    chat, message = update.effective_chat, update.effective_message
    assert chat is not None and message is not None and message.text is not None
    return chat, message.text


async def _one(context: BotContext, account_id: int) -> PanelBalance | None:
    return next((line for line in await _stored(context) if line.account.id == account_id), None)


@needs_account
async def panels_list(update: Update, context: BotContext, _: Panels | None = None) -> object:
    """/panels and its buttons: every panel's balance, asked now (concurrently, each with its
    own deadline: a failing panel shows its last known balance)."""
    await answer(update, context)
    await chat_action(update)
    await show(update, *views.panels_page(context.session.tx, await _fresh(context)))
    return END


@needs_account
async def balances(update: Update, context: BotContext) -> object:
    """/balance for a user with several panels."""
    tx = context.session.tx
    await answer(update, context)
    await chat_action(update)
    await show(update, views.balances_text(tx, await _fresh(context)), menu_keyboard(tx))
    return END


@needs_account
async def switch(update: Update, context: BotContext, pressed: PanelSwitch) -> object:
    if not await switch_panel(context.deps.db, context.session.tg_id, pressed.account):
        return await stale_button(update, context)
    session = await reload_session(update, context)
    tx = session.tx
    assert session.account is not None  # the switch above made it the active account
    await answer(update, context, tx("panels.switched", name=panel_name(session.account)))
    await show(update, *views.panels_page(tx, await _stored(context)))
    return END


@needs_account
async def card(update: Update, context: BotContext, pressed: PanelCard) -> object:
    line = await _one(context, pressed.account)
    if line is None:
        return await stale_button(update, context)
    await answer(update, context)
    await show(update, *views.panel_card(context.session.tx, line))
    return END


async def _show_card(update: Update, context: BotContext, account_id: int, note_key: str, **values: object) -> object:
    line = await _one(context, account_id)
    if line is None:
        return await stale_button(update, context)
    tx = context.session.tx
    await answer(update, context)
    await show(update, *views.panel_card(tx, line, tx(note_key, **values)))
    return END


async def _ask(update: Update, context: BotContext, account_id: int, step: str, question_key: str) -> object:
    """Open a step about a panel (rename, low-balance alert)."""
    line = await _one(context, account_id)
    if line is None:
        return await stale_button(update, context)
    tx = context.session.tx
    user_data(context)[_ACCOUNT_SLOT] = account_id
    await answer(update, context)
    question = tx(question_key, name=panel_name(line.account), currency=line.known.currency or line.account.currency or "")
    await show(update, question, views.back_to_card(tx, account_id, with_off=step == LOW_BALANCE))
    return step


@needs_account
async def ask_rename(update: Update, context: BotContext, pressed: PanelRename) -> object:
    return await _ask(update, context, pressed.account, RENAME, "panels.rename_ask")


@needs_account
async def rename_text(update: Update, context: BotContext) -> object:
    account_id: int | None = user_data(context).get(_ACCOUNT_SLOT)
    if account_id is None:  # the step's data was lost: as for a panel that is gone
        return await stale_button(update, context)
    tx = context.session.tx
    chat, text = _text_message(update)
    try:
        renamed = await rename_panel(context.deps.db, context.session.tg_id, account_id, text)
    except PanelRefused as refused:
        await chat.send_message(tx(refused.text_key))
        return None  # still at the step: another name
    if not renamed:
        return await stale_button(update, context)
    await reload_session(update, context)
    line = await _one(context, account_id)
    if line is None:  # removed meanwhile (in another chat)
        return await stale_button(update, context)
    return await _show_card(update, context, account_id, "panels.renamed", name=panel_name(line.account))


@needs_account
async def ask_low_balance(update: Update, context: BotContext, pressed: PanelLowBalance) -> object:
    return await _ask(update, context, pressed.account, LOW_BALANCE, "panels.low_ask")


@needs_account
async def low_balance_text(update: Update, context: BotContext) -> object:
    account_id: int | None = user_data(context).get(_ACCOUNT_SLOT)
    if account_id is None:  # the step's data was lost: as for a panel that is gone
        return await stale_button(update, context)
    chat, text = _text_message(update)
    text = text.strip()
    if text.lower() in OFF_WORDS:
        return await _set_low_balance(update, context, account_id, None)
    try:
        threshold = parse_threshold(text)
    except PanelRefused as refused:
        await chat.send_message(context.session.tx(refused.text_key))
        return None
    return await _set_low_balance(update, context, account_id, threshold)


@needs_account
async def low_balance_off(update: Update, context: BotContext, pressed: PanelLowBalanceOff) -> object:
    return await _set_low_balance(update, context, pressed.account, None)


async def _set_low_balance(update: Update, context: BotContext, account_id: int, threshold: Decimal | None) -> object:
    if not await set_low_balance(context.deps.db, context.session.tg_id, account_id, threshold):
        return await stale_button(update, context)
    if threshold is None:
        return await _show_card(update, context, account_id, "panels.low_cleared")
    line = await _one(context, account_id)
    if line is None:  # removed meanwhile (in another chat)
        return await stale_button(update, context)
    currency = line.known.currency or line.account.currency
    return await _show_card(update, context, account_id, "panels.low_set",
                            amount=context.session.tx.money(threshold, currency))


@needs_account
async def remove(update: Update, context: BotContext, pressed: PanelRemove) -> object:
    """Asks first: the second tap (PanelRemoveSure) removes it."""
    line = await _one(context, pressed.account)
    if line is None:
        return await stale_button(update, context)
    tx = context.session.tx
    await answer(update, context)
    await show(update, tx("panels.remove_ask", name=panel_name(line.account)),
               keyboards.two_taps(tx, "panels.remove_yes", PanelRemoveSure(pressed.account), PanelCard(pressed.account)))
    return END


@needs_account
async def remove_sure(update: Update, context: BotContext, pressed: PanelRemoveSure) -> object:
    line = await _one(context, pressed.account)
    if line is None or not await remove_panel(context.deps.db, context.session.tg_id, pressed.account):
        return await stale_button(update, context)
    context.deps.catalogues.forget(pressed.account)
    session = await reload_session(update, context)
    tx = session.tx
    await answer(update, context)
    note = tx("panels.removed", name=panel_name(line.account))
    remaining = await _stored(context)
    if remaining:
        await show(update, *views.panels_page(tx, remaining, note))
    else:  # no panel left: the bot asks for a key, as at the start
        await show(update, Html(f"{note}\n\n{tx('key.ask', panel=context.deps.settings.panel_site)}"), None)
    return END


# --- adding a panel ---------------------------------------------------------------------------


@needs_account
async def ask_url(update: Update, context: BotContext, _: PanelAdd) -> object:
    deps = context.deps
    known = {account.panel_url for account in await deps.db.accounts(context.session.tg_id)}
    default = deps.settings.panel_api_url
    await answer(update, context)
    await show(update, *views.add_panel_prompt(context.session.tx, default if default not in known else None))
    return ADD_URL


@needs_account
async def default_url(update: Update, context: BotContext, _: PanelAddDefault) -> object:
    await answer(update, context)
    return await _ask_key(update, context, context.deps.settings.panel_api_url)


@needs_account
async def url_text(update: Update, context: BotContext) -> object:
    await chat_action(update)  # the host name is resolved
    chat, text = _text_message(update)
    try:
        url = await check_panel_url(context.deps.panel, text)
    except PanelRefused as refused:
        await chat.send_message(context.session.tx(refused.text_key))
        return None  # still at the step: another URL
    return await _ask_key(update, context, url)


async def _ask_key(update: Update, context: BotContext, url: str) -> str:
    user_data(context)[_URL_SLOT] = url
    tx = context.session.tx
    await show(update, tx("panels.add_key", url=url), views.back_to_panels(tx))
    return ADD_KEY


async def take_key(update: Update, context: BotContext) -> None:
    """The key step's answer: the message is deleted at once and goes no further than here; a key
    that was not saved leaves the user at the step, to send another."""
    message = update.effective_message
    assert message is not None  # registered for text messages only (bot.handlers.routing)
    await delete_message(message, "the message holding a key")
    raise ApplicationHandlerStop(await _add(update, context, (message.text or "").strip()))


async def _add(update: Update, context: BotContext, key: str) -> object:
    deps, session = context.deps, context.session
    tx, chat = session.tx, update.effective_chat
    assert chat is not None  # the key step is a private chat's text message
    url = user_data(context).get(_URL_SLOT)
    if not url:
        return END  # the step's data was lost (a crash): the user starts again from /panels
    await chat_action(update)
    try:
        added = await add_panel(deps.db, deps.panel, session.tg_id, url, key)
    except PanelRefused as refused:
        await chat.send_message(tx(refused.text_key))
        return None if refused.code == "malformed_key" else END
    except InvalidKey:
        await chat.send_message(tx("key.invalid"))
        return None
    except PanelError as error:
        await chat.send_message(tx("key.unchecked", reason=panel_error_text(context, error)))
        return None
    user_data(context).pop(_URL_SLOT, None)
    await deps.catalogues.invalidate(added.account.id)
    await reload_session(update, context)
    balance = tx.money(added.balance.amount, added.balance.currency or added.account.currency)
    text, keyboard = main_menu(tx, tx("panels.added", name=panel_name(added.account), balance=balance))
    await chat.send_message(text, reply_markup=keyboard)
    return END
