"""Operators' commands (ADMIN_IDS): /stats, /broadcast, /maintenance; and maintenance mode's
"back soon" for everyone else.

For anyone not in ADMIN_IDS these commands do not exist: their handlers filter on the sender,
so the update falls through to the unknown-command answer, and the command list that shows
them is set per admin chat only (bot.commands). The work is done in bot.ops and
bot.jobs.broadcast; this module only talks to the operator.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Collection, Coroutine
from typing import Any

from telegram import Message, MessageEntity, Update
from telegram.error import BadRequest, TelegramError
from telegram.ext import Application, ApplicationHandlerStop, CommandHandler, filters

from bot.callback_data import BroadcastDrop, BroadcastSend
from bot.context import BotContext
from bot.handlers.common import END, answer, chat_of, is_private, recall, remember, stale_button
from bot.handlers.routing import PRIVATE, in_session
from bot.handlers.session import language_of
from bot.ops.operations import OPS_KEY, is_admin
from bot.ops.stats import gather_stats
from bot.presentation import Texts
from bot.presentation import admin as screens
from bot.storage import Broadcast, BroadcastCounts, BroadcastRunning

log = logging.getLogger(__name__)

BROADCAST_TEXT = "broadcast_text"  # the broadcast flow's one step: the message to send
BROADCASTS = "broadcasts"  # user_data: nonce -> previewed broadcast (text and entities)
_COMMAND_RE = re.compile(r"\S*\s*")


def admin_command(name: str, callback: Callable[[Update, BotContext], Coroutine[Any, Any, Any]],
                  admin_ids: Collection[int]) -> CommandHandler:
    """`/name` for the operators only; from anyone else it reaches the unknown-command handler."""
    return CommandHandler(name, in_session(callback), filters=PRIVATE & filters.User(user_id=list(admin_ids)))


def _ops(context: BotContext):
    return context.application.bot_data[OPS_KEY]




# --- /stats ------------------------------------------------------------------------------------

async def stats(update: Update, context: BotContext) -> None:
    tx = context.session.tx
    await chat_of(update).send_message(screens.stats_view(tx, await gather_stats(context.application)))


# --- /maintenance on|off -----------------------------------------------------------------------

async def maintenance(update: Update, context: BotContext) -> None:
    tx = context.session.tx
    maintenance = _ops(context).maintenance
    word = (context.args or [""])[0].lower()
    if word not in ("on", "off"):
        state = tx.plain("admin.state_on" if maintenance.on else "admin.state_off")
        await chat_of(update).send_message(tx("admin.maintenance_usage", state=state))
        return
    await maintenance.set(word == "on", by=context.session.tg_id)
    log.warning("maintenance mode turned %s by %s", word, context.session.tg_id)
    await chat_of(update).send_message(screens.maintenance_state(tx, maintenance.on))


async def maintenance_guard(update: object, context: BotContext) -> None:
    """Early handler group: while maintenance is on, users (not admins) get "back soon" for
    anything but /start and /help, and the update goes no further."""
    ops = context.application.bot_data.get(OPS_KEY)
    if ops is None or not isinstance(update, Update) or not ops.maintenance.turns_away(update):
        return
    tx = Texts(context.deps.i18n, await language_of(update, context))
    if update.callback_query is not None:
        await answer(update, context, tx("maintenance.back_soon"), alert=True)
    elif is_private(update) and update.effective_chat is not None:  # a private chat is a chat
        await update.effective_chat.send_message(tx("maintenance.back_soon"))
    raise ApplicationHandlerStop


# --- /broadcast --------------------------------------------------------------------------------

async def broadcast_command(update: Update, context: BotContext) -> object:
    """`/broadcast <text>` previews that text; `/broadcast` alone asks for the message."""
    message = update.effective_message
    assert message is not None  # a command is a message
    text, entities = _after_command(message)
    if not text.strip():
        await chat_of(update).send_message(context.session.tx("admin.broadcast_ask"))
        return BROADCAST_TEXT
    await _preview(update, context, text, entities)
    return END


async def broadcast_text(update: Update, context: BotContext) -> object:
    message = update.effective_message
    # The flow's step takes text messages only (bot.handlers.routing.PLAIN_TEXT).
    assert message is not None and message.text is not None
    await _preview(update, context, message.text, [e.to_dict() for e in message.entities])
    return END


def _after_command(message: Message) -> tuple[str, list[dict[str, Any]]]:
    """The text after `/broadcast `, with its formatting (entity offsets count UTF-16 units)."""
    text = message.text or ""
    matched = _COMMAND_RE.match(text)
    assert matched is not None  # `\S*\s*` matches any text, if only with ""
    skipped = matched.group()  # "/broadcast" and the spaces or line breaks after it
    rest = text[len(skipped):]
    shift = len(skipped.encode("utf-16-le")) // 2
    entities = []
    for entity in message.entities:
        if entity.type == MessageEntity.BOT_COMMAND or entity.offset < shift:
            continue
        data = entity.to_dict()
        data["offset"] = entity.offset - shift
        entities.append(data)
    return rest, entities


async def _preview(update: Update, context: BotContext, text: str, entities: list[dict[str, Any]]) -> None:
    """The message exactly as users will get it, under a header, with Send and Cancel."""
    tx = context.session.tx
    nonce = remember(context, BROADCASTS, {"text": text, "entities": entities})
    chat = chat_of(update)
    await chat.send_message(tx("admin.broadcast_preview"))
    await chat.send_message(text, entities=[MessageEntity.de_json(e, context.bot) for e in entities] or None,
                            parse_mode=None, reply_markup=screens.broadcast_preview_keyboard(tx, nonce))


async def broadcast_send(update: Update, context: BotContext, pressed: BroadcastSend) -> None:
    session = context.session
    tx = session.tx
    draft = recall(context, BROADCASTS, pressed.nonce)
    if draft is None or not is_admin(context.deps.settings, session.tg_id):
        await stale_button(update, context)
        return
    assert isinstance(draft, dict)  # what _preview remembered
    chat = chat_of(update)
    try:
        broadcast, recipients = await _ops(context).broadcasts.begin(
            created_by=session.tg_id, chat_id=chat.id, text=draft["text"], entities=draft["entities"] or None)
    except BroadcastRunning:
        await answer(update, context, tx("admin.broadcast_busy"), alert=True)
        return
    assert context.user_data is not None  # recall found the draft in it
    context.user_data[BROADCASTS].pop(pressed.nonce, None)  # a second tap sends nothing more
    await answer(update, context)
    await _drop_buttons(update)
    progress = await chat.send_message(tx("admin.broadcast_started", count=tx.number(recipients)))
    db = context.deps.db
    await db.set_broadcast_message(broadcast.id, progress.message_id)
    # A broadcast to a few users may have finished before its message was known: show the end here.
    current = await db.get_broadcast(broadcast.id)
    if current is not None and current.state != "running":
        await _report(context.application, current, await db.broadcast_counts(broadcast.id), final=True)


async def broadcast_drop(update: Update, context: BotContext, pressed: BroadcastDrop) -> None:
    tx = context.session.tx
    assert context.user_data is not None  # a button's update has a user (in_session checked)
    context.user_data.get(BROADCASTS, {}).pop(pressed.nonce, None)
    await answer(update, context)
    await _drop_buttons(update)
    await chat_of(update).send_message(tx("admin.broadcast_dropped"))


async def _drop_buttons(update: Update) -> None:
    """The preview stays as it is (the message itself), without its buttons. Best effort."""
    query = update.callback_query
    assert query is not None  # called by the preview's buttons only
    try:
        await query.edit_message_reply_markup(None)
    except TelegramError as exc:  # cosmetic: the answer that follows says what happened
        log.debug("could not remove a broadcast preview's buttons: %s", type(exc).__name__)


# --- progress, edited in the operator's chat (after a restart too) ----------------------------

def install_broadcast_reports(application: Application) -> None:
    """Once the operations run: the broadcast runner edits its operator's progress message."""
    runner = application.bot_data[OPS_KEY].broadcasts

    async def on_progress(broadcast: Broadcast, counts: BroadcastCounts) -> None:
        await _report(application, broadcast, counts, final=False)

    async def on_finished(broadcast: Broadcast, counts: BroadcastCounts) -> None:
        await _report(application, broadcast, counts, final=True)

    runner.on_progress = on_progress
    runner.on_finished = on_finished


async def _report(application: Application, broadcast: Broadcast, counts: BroadcastCounts, *, final: bool) -> None:
    deps = application.bot_data["deps"]
    current = await deps.db.get_broadcast(broadcast.id)  # its message may be known since it began
    if current is None or current.message_id is None:
        return  # the command's handler shows the end itself once it knows the message
    user = await deps.db.get_user(current.created_by)
    tx = Texts(deps.i18n, user.language if user is not None else deps.settings.default_language)
    text = screens.broadcast_progress(tx, counts, finished=final, cancelled=current.state == "cancelled")
    try:
        await application.bot.edit_message_text(text, chat_id=current.chat_id, message_id=current.message_id)
    except BadRequest as exc:
        if "not modified" not in str(exc).lower():
            raise

