"""/mass: many orders in one go, in the panel website's format (the core is bot.core.mass).

The "mass" conversation has one step, COLLECT: every text message is more of the list, kept in
user_data (MASS) until "Check"; a status message says how many lines have come so far and is
edited as more arrive. "Check" shows the preview card (saved as a batch waiting for Confirm);
a corrected list sent after it is collected the same way and makes a new preview, which
replaces the older one (only the newest preview can be confirmed).

The cards' buttons carry their batch's id and act on that batch from anywhere (the menu's
handlers): Confirm turns the preview card into the progress card, which the runner
(bot.jobs.mass) edits through `show_progress` and finally turns into the report
(`show_report`), after a restart too, since the card's message id is stored with the batch.
A double-tapped Confirm or an old card finds the batch no longer waiting and starts nothing.
"""

from __future__ import annotations

import logging
from decimal import Decimal

from telegram import Message, Update
from telegram.ext import Application

from bot import presentation as views
from bot.callback_data import MassCancel, MassCheck, MassConfirm, MassDiscard, MassRetry, MassStop
from bot.context import BotContext
from bot.core.mass import MAX_LINES, Collected, MassReport, Preview, TooManyLines, preview_text, retry_preview, save_preview
from bot.core.panels import balance_if_known
from bot.handlers.catalogue import load_catalogue
from bot.handlers.common import END, answer, chat_of, panel_errors, show, stale_button, user_data
from bot.handlers.session import needs_account
from bot.jobs.mass import mass_runner
from bot.presentation import Texts
from bot.presentation.mass import (
    collecting_keyboard,
    mass_collected,
    mass_preview,
    mass_progress,
    mass_prompt,
    mass_report,
)
from bot.storage.mass import BatchState, MassBatch

log = logging.getLogger(__name__)

COLLECT = "mass_collect"
MASS = "mass"  # user_data: the list collected so far (bot.core.mass.Collected as a dict)
MASS_STATUS = "mass_status"  # user_data: the id of the "N lines so far" message






def _forget_list(context: BotContext) -> None:
    user_data(context).pop(MASS, None)
    user_data(context).pop(MASS_STATUS, None)


@needs_account
async def start(update: Update, context: BotContext, *_: object) -> str:
    """/mass or the menu's button: the format, then the lines."""
    _forget_list(context)
    await answer(update, context)
    await show(update, *mass_prompt(context.session.tx))
    return COLLECT


@needs_account
async def receive_lines(update: Update, context: BotContext) -> None:
    """One more message of the list; the status message says how many lines so far."""
    tx = context.session.tx
    data, chat, message = user_data(context), chat_of(update), update.effective_message
    assert message is not None  # registered for text messages only (bot.handlers.routing)
    collected = Collected.from_dict(data.get(MASS, {}))
    before = collected.line_count
    chunk = message.text or ""
    if not collected.add(chunk):
        count = Collected([*collected.chunks, chunk]).line_count
        await chat.send_message(tx("mass.too_many", count=tx.number(count), limit=tx.number(MAX_LINES)),
                                reply_markup=collecting_keyboard(tx))
        return None
    data[MASS] = collected.as_dict()
    text, keyboard = mass_collected(tx, collected.line_count)
    status = data.get(MASS_STATUS)
    if isinstance(status, int) and collected.line_count == before:
        return None  # the count shown is still right (Telegram refuses an edit that changes nothing)
    if isinstance(status, int):
        try:
            await context.bot.edit_message_text(text, chat_id=chat.id, message_id=status,
                                                reply_markup=keyboard)
            return None
        except Exception as exc:  # deleted, too old, or "not modified": a new one then
            log.debug("mass status message not edited: %s", type(exc).__name__)
    sent = await chat.send_message(text, reply_markup=keyboard)
    data[MASS_STATUS] = sent.message_id
    return None


async def _balance(context: BotContext) -> tuple[Decimal | None, str | None]:
    session = context.session
    return await balance_if_known(context.deps.db, session.api(), session.active_account())


@needs_account
@panel_errors
async def check(update: Update, context: BotContext, _: MassCheck) -> str:
    """"Check": the preview of the list collected so far."""
    tx = context.session.tx
    collected = Collected.from_dict(user_data(context).get(MASS, {}))
    await answer(update, context)
    if collected.line_count == 0:
        await chat_of(update).send_message(tx("mass.empty"), reply_markup=collecting_keyboard(tx))
        return COLLECT
    catalogue = await load_catalogue(update, context)
    balance, currency = await _balance(context)
    try:
        preview = preview_text(collected.text, catalogue, currency)
    except TooManyLines as exc:
        await chat_of(update).send_message(tx("mass.too_many", count=tx.number(exc.count), limit=tx.number(MAX_LINES)))
        return COLLECT
    _forget_list(context)
    await _drop_keyboard(update)
    await _show_preview(update, context, preview, balance, currency)
    return COLLECT


async def _drop_keyboard(update: Update) -> None:
    """The status message's Check is spent: the list it counted is now a preview."""
    query = update.callback_query
    if query is not None and isinstance(query.message, Message) and query.message.is_accessible:
        try:
            await query.edit_message_reply_markup(None)
        except Exception as exc:
            log.debug("mass status keyboard not removed: %s", type(exc).__name__)


async def _show_preview(update: Update, context: BotContext, preview: Preview, balance: Decimal | None,
                        currency: str | None, retry_of: int | None = None) -> None:
    session = context.session
    assert session.account is not None  # only called behind @needs_account
    batch = None
    if preview.valid:
        batch = await save_preview(context.deps.db, session.tg_id, session.account.id, preview, balance=balance,
                                   balance_currency=currency, retry_of=retry_of)
    for text, keyboard in mass_preview(session.tx, preview, balance, currency, batch.id if batch else None):
        await chat_of(update).send_message(text, reply_markup=keyboard)


async def cancel(update: Update, context: BotContext, _: MassCancel) -> object:
    """Cancel while collecting (or under a preview with nothing to order)."""
    _forget_list(context)
    tx = context.session.tx
    await answer(update, context)
    await show(update, tx("mass.cancelled"), views.menu_keyboard(tx))
    return END


async def discard(update: Update, context: BotContext, pressed: MassDiscard) -> object:
    """Cancel on a preview card: the batch is forgotten, nothing was sent."""
    session = context.session
    if not await context.deps.db.discard_mass_preview(session.tg_id, pressed.batch):
        return await _not_waiting(update, context, pressed.batch)
    _forget_list(context)
    await answer(update, context)
    await show(update, session.tx("mass.cancelled"), views.menu_keyboard(session.tx))
    return END


async def _not_waiting(update: Update, context: BotContext, batch_id: int) -> object:
    """A preview's button whose batch no longer waits: a second tap, or an older card."""
    session = context.session
    batch = await context.deps.db.get_mass_batch(session.tg_id, batch_id)
    if batch is None:
        await answer(update, context, session.tx("mass.out_of_date"), alert=True)
    elif batch.finished_at is not None:
        await answer(update, context, session.tx("mass.finished_already"))
    else:
        await answer(update, context, session.tx("mass.already_running"))
    return END


async def confirm(update: Update, context: BotContext, pressed: MassConfirm) -> object:
    """Confirm: the preview card becomes the progress card, then the runner starts the batch.

    The card is stored before the batch starts, so that the runner's first edit finds it; a
    batch no longer waiting (double tap, old card) is not touched."""
    session = context.session
    db = context.deps.db
    batch = await db.get_mass_batch(session.tg_id, pressed.batch)
    if batch is None or batch.state is not BatchState.PREVIEW:
        return await _not_waiting(update, context, pressed.batch)
    await answer(update, context)
    card = await show(update, *mass_progress(session.tx, batch))
    await db.set_mass_card(session.tg_id, batch.id, card.message_id if card is not None else None)
    started, _ = await mass_runner(context.application).confirm(session.tg_id, batch.id)
    if not started:
        log.info("mass batch %s of user %s was not started by its Confirm", batch.id, session.tg_id)
    _forget_list(context)
    return END


async def stop(update: Update, context: BotContext, pressed: MassStop) -> object:
    """Stop: lines not sent yet never will be; the report follows on the card."""
    session = context.session
    batch = await mass_runner(context.application).stop(session.tg_id, pressed.batch)
    if batch is None:
        return await stale_button(update, context)
    if batch.state is BatchState.DONE:
        await answer(update, context, session.tx("mass.finished_already"))
    else:
        await answer(update, context, session.tx("mass.stopping"))
    return END


@needs_account
@panel_errors
async def retry(update: Update, context: BotContext, pressed: MassRetry) -> object:
    """"Retry refused lines" (and "Send the rest"): a new preview of those lines, new intents."""
    session = context.session
    assert session.account is not None  # @needs_account
    batch = await context.deps.db.get_mass_batch(session.tg_id, pressed.batch)
    if batch is None or batch.finished_at is None or batch.account_id != session.account.id:
        await answer(update, context, session.tx("mass.out_of_date"), alert=True)
        return END
    await answer(update, context)
    catalogue = await load_catalogue(update, context)
    balance, currency = await _balance(context)
    preview = await retry_preview(context.deps.db, session.tg_id, batch.id, catalogue, currency,
                                  include_stopped=pressed.rest)
    if preview is None or preview.lines == 0:
        await chat_of(update).send_message(session.tx("mass.out_of_date"))
        return END
    _forget_list(context)
    await _show_preview(update, context, preview, balance, currency, retry_of=batch.id)
    return COLLECT


# --- the runner's callbacks (bot.app wires them): best effort, never raising into the runner ------


async def _texts(application: Application, tg_id: int) -> Texts:
    deps = application.bot_data["deps"]
    user = await deps.db.get_user(tg_id)
    if user is None:
        return Texts(deps.i18n, deps.settings.default_language)
    return Texts.for_user(deps.i18n, user)


async def show_progress(application: Application, batch: MassBatch) -> None:
    """The progress card, edited (the runner calls this at most every few seconds per batch)."""
    if batch.card_message_id is None or batch.state is not BatchState.RUNNING:
        return
    try:
        text, keyboard = mass_progress(await _texts(application, batch.tg_id), batch)
        # A private chat's id is its user's.
        await application.bot.edit_message_text(text, chat_id=batch.tg_id, message_id=batch.card_message_id,
                                                reply_markup=keyboard)
    except Exception as exc:
        log.debug("mass batch %s: progress not shown: %s", batch.id, type(exc).__name__)


async def show_report(application: Application, report: MassReport) -> None:
    """The final report: on the card when it can be edited, else (and for its further parts) sent."""
    batch = report.batch
    try:
        messages = mass_report(await _texts(application, batch.tg_id), report)
    except Exception:
        log.exception("mass batch %s: the report could not be written", batch.id)
        return
    bot = application.bot
    for index, (text, keyboard) in enumerate(messages):
        try:
            if index == 0 and batch.card_message_id is not None:
                try:
                    await bot.edit_message_text(text, chat_id=batch.tg_id, message_id=batch.card_message_id,
                                                reply_markup=keyboard)
                    continue
                except Exception as exc:  # deleted or too old: sent instead
                    log.debug("mass batch %s: card not edited: %s", batch.id, type(exc).__name__)
            await bot.send_message(batch.tg_id, text, reply_markup=keyboard)
        except Exception as exc:  # blocked, or Telegram unreachable: the batch itself is done
            log.warning("mass batch %s: report not delivered: %s", batch.id, type(exc).__name__)
            return
