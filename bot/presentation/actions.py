"""What became of the refills and cancels the user asked for, and words that are not order ids."""

from __future__ import annotations

from collections.abc import Sequence

from telegram import InlineKeyboardButton as Button
from telegram import InlineKeyboardMarkup as Keyboard

from bot import callback_data as cb
from bot.core.tracking import Ineligible, RequestOutcome, RequestResult, releasable
from bot.i18n import Html
from bot.presentation.buttons import button
from bot.presentation.menu import back_to_menu
from bot.presentation.orders import status_name
from bot.presentation.texts import Texts, shorten
from bot.storage.models import OrderRequest, RequestKind

NOT_IDS_SHOWN = 10
NOT_ID_MAX = 30
ID_RANGES_SHOWN = 20  # runs of unknown ids named in their one line
SEND_AGAIN_SHOWN = 5  # "send again" buttons under one report


def not_ids_lines(tx: Texts, words: list[str]) -> list[Html]:
    """One line for each word typed where an order id was expected ("abc is not an order id")."""
    lines = [tx("ids.not_an_id", token=shorten(word, NOT_ID_MAX)) for word in words[:NOT_IDS_SHOWN]]
    if len(words) > NOT_IDS_SHOWN:
        lines.append(tx("ids.more_not_ids", count=tx.number(len(words) - NOT_IDS_SHOWN)))
    return lines


def id_ranges(ids: list[int], limit: int = ID_RANGES_SHOWN) -> str:
    """Ids as runs ("1001-1090, 2000"), the first `limit` runs then an ellipsis."""
    runs: list[list[int]] = []
    for order_id in sorted(set(ids)):
        if runs and order_id == runs[-1][1] + 1:
            runs[-1][1] = order_id
        else:
            runs.append([order_id, order_id])
    texts = [str(a) if a == b else f"{a}-{b}" for a, b in runs[:limit]]
    return ", ".join(texts) + (", …" if len(runs) > limit else "")


def unknown_ids_line(tx: Texts, ids: list[int]) -> Html:
    """One line for every id the panel does not know, instead of one line each."""
    return tx("status.unknown_ids", count=tx.number(len(ids)), ids=id_ranges(ids))


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


# What became of a cancel request, as text: one table per place it is shown (under the order's
# card, or as one id's line of a /cancelorder report); the outcomes are the same.
CANCEL_NOTE_KEYS = {
    "sent": "cancel_order.requested", "already": "cancel_order.already", "pending": "cancel_order.pending",
    "unknown": "cancel_order.unknown", "final": "cancel_order.final", "not_allowed": "cancel_order.not_allowed",
    "unclear": "cancel_order.unclear", "refused": "cancel_order.refused",
}  # fmt: skip
CANCEL_LINE_KEYS = {
    "sent": "cancel_ids.line_ok", "already": "cancel_ids.line_already", "pending": "cancel_ids.line_pending",
    "unknown": "cancel_ids.line_unknown", "final": "cancel_ids.line_final", "not_allowed": "cancel_ids.line_not_allowed",
    "unclear": "cancel_ids.line_unclear", "refused": "cancel_ids.line_refused",
}  # fmt: skip
_CANCEL_OUTCOMES = {
    RequestOutcome.SENT: "sent", RequestOutcome.ALREADY: "already",
    RequestOutcome.PENDING: "pending", RequestOutcome.UNKNOWN: "unknown",
}  # fmt: skip


def cancel_text(tx: Texts, keys: dict[str, str], result: RequestResult, panel_reason: Html | None = None) -> Html:
    """What became of a cancel request, in the words of `keys` (CANCEL_NOTE_KEYS or
    CANCEL_LINE_KEYS); `panel_reason` explains `result.error`."""
    values: dict[str, object] = {"id": result.order_id}
    if result.outcome in _CANCEL_OUTCOMES:
        case = _CANCEL_OUTCOMES[result.outcome]
    elif result.outcome is RequestOutcome.INELIGIBLE:
        case = "final" if result.reason is Ineligible.FINAL else "not_allowed"
        values["status"] = status_name(tx, result.status)
    elif panel_reason is None:  # the panel answered without cancelling it
        case = "unclear"
    else:
        case, values["reason"] = "refused", panel_reason
    return tx(keys[case], **values)


def cancel_note(tx: Texts, result: RequestResult, panel_reason: Html | None = None) -> Html:
    """What became of a cancel request, shown under the order's card."""
    return cancel_text(tx, CANCEL_NOTE_KEYS, result, panel_reason)


# --- A request of unknown outcome, sent again at the user's word (bot.storage.claims) ----------


def send_again_rows(tx: Texts, results: Sequence[RequestResult], now: float) -> list[list[Button]]:
    """A "send again" button for each order held back by a request whose outcome is unknown:
    the user checks the panel's website, then decides (never the bot on its own)."""
    rows = [
        [button(tx.plain("button.send_again").format(id=r.order_id), cb.RequestAgain(r.blocked_by.id))]
        for r in results
        if r.outcome is RequestOutcome.PENDING and r.blocked_by is not None and releasable(r.blocked_by, now)
    ]
    return rows[:SEND_AGAIN_SHOWN]


def send_again_question(tx: Texts, request: OrderRequest) -> tuple[Html, Keyboard]:
    """The first tap: what to check on the website before the request goes again."""
    key = "send_again.ask_refill" if request.kind is RequestKind.REFILL else "send_again.ask_cancel"
    text = tx(key, id=request.panel_order_id, time=tx.datetime(request.created_at))
    rows = [[button(tx.plain("button.send_again_yes"), cb.RequestAgain(request.id, sure=True))], back_to_menu(tx)]
    return text, Keyboard(rows)
