"""Answers Telegram cut in parts: a text over 4096 characters (a long list of comments) arrives
as several messages, moments apart. The first part of an answer that long is noted; the next
part to the same question adds to it instead of replacing it (at a question, at the card, after
Edit), and a first part refused for too few lines waits for the rest.
"""

from __future__ import annotations

from typing import Any

from telegram import Message

from bot.context import BotContext
from bot.core.forms import OrderForm, Problem
from bot.core.ordering import Draft
from bot.handlers.common import user_data
from bot.panel import Service

# user_data: the last answer long enough to be the first part of a message Telegram cut (it sends
# a text over 4096 characters as several messages): {"field", "message_id", "at"}.
LONG_ANSWER = "long_answer"
TELEGRAM_PART = 3500  # UTF-16 units: a part Telegram cut is close to its 4096
PART_GAP_SECONDS = 10  # the parts of one cut message arrive together


def note_answer(context: BotContext, name: str, message: Message, refused: str | None = None) -> None:
    """Remember `message`, the answer to question `name`, if it may be the first part of a long
    paste Telegram cut: the next part then adds to it (at the card: order_edit). `refused`: the
    text of an answer refused for too few lines, kept to be joined with the next part."""
    text = message.text or ""
    if len(text.encode("utf-16-le")) // 2 >= TELEGRAM_PART:  # Telegram counts UTF-16 units (an emoji is 2)
        noted: dict[str, Any] = {"field": name, "message_id": message.message_id, "at": message.date.timestamp()}
        if refused is not None:
            noted["refused"] = refused
        user_data(context)[LONG_ANSWER] = noted
    else:
        user_data(context).pop(LONG_ANSWER, None)


def _next_part(context: BotContext, name: str, message: Message) -> dict[str, Any] | None:
    noted = user_data(context).get(LONG_ANSWER)
    if not isinstance(noted, dict) or noted.get("field") != name:
        return None
    gap = message.date.timestamp() - float(noted.get("at") or 0)
    return noted if 0 <= gap <= PART_GAP_SECONDS else None


def continues_answer(context: BotContext, draft: Draft, name: str, message: Message) -> bool:
    """Whether `message` is the next part of the long answer to `name` (see note_answer)."""
    noted = _next_part(context, name, message)
    return noted is not None and noted.get("message_id") == draft.answered.get(name)


def joined_answer(context: BotContext, form: OrderForm, service: Service, draft: Draft, name: str,
                   message: Message) -> str:
    """The text answering `name`: the message's, after the parts of it refused for too few lines
    (a long list Telegram cut: the first part alone may be under the service's minimum)."""
    text = message.text or ""
    noted = _next_part(context, name, message)
    if noted is not None and isinstance(noted.get("refused"), str):
        text = noted["refused"] + "\n" + text
    result = form.answer(service, draft.form_values(), name, text)
    too_few = isinstance(result, Problem) and result.code == "too_few_lines"
    note_answer(context, name, message, refused=text if too_few else None)
    return text
