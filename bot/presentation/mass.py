"""Mass orders: the prompt, the preview card, the progress card and the final report.

Previews and reports can hold up to 1,000 lines: each is a list of messages under Telegram's
4,096 characters, split between lines, with the keyboard on the last one.
"""

from __future__ import annotations

from decimal import Decimal

from telegram import InlineKeyboardMarkup as Keyboard

from bot import callback_data as cb
from bot.core.mass import MAX_LINES, LineProblem, MassReport, Preview
from bot.i18n import Html
from bot.presentation.buttons import button
from bot.presentation.catalogue import service_type_label
from bot.presentation.menu import back_to_menu
from bot.presentation.texts import Texts
from bot.storage.mass import BatchState, MassBatch

MESSAGE_MAX = 3800  # below Telegram's 4,096, with room for the entities' markup

Messages = list[tuple[Html, Keyboard | None]]
_NUMBERS = ("min", "max", "step")  # a problem's values shown as quantities (the others are ids, line numbers)


def collecting_keyboard(tx: Texts) -> Keyboard:
    return Keyboard([[button(tx.plain("mass.button.check"), cb.MassCheck()),
                      button(tx.plain("button.abort"), cb.MassCancel())]])


def mass_prompt(tx: Texts) -> tuple[Html, Keyboard]:
    return tx("mass.prompt", limit=tx.number(MAX_LINES)), collecting_keyboard(tx)


def mass_collected(tx: Texts, count: int) -> tuple[Html, Keyboard]:
    return tx("mass.collected", count=tx.number(count)), collecting_keyboard(tx)


def split_messages(lines: list[str], limit: int = MESSAGE_MAX) -> list[Html]:
    """`lines` as few messages as fit under `limit`, cut between lines only."""
    chunks: list[str] = []
    current = ""
    for line in lines:
        if current and len(current) + len(line) + 1 > limit:
            chunks.append(current)
            current = ""
        current = f"{current}\n{line}" if current else line
    chunks.append(current)
    return [Html(chunk) for chunk in chunks]


def _with_keyboard(texts: list[Html], keyboard: Keyboard | None) -> Messages:
    return [(text, keyboard if index == len(texts) - 1 else None) for index, text in enumerate(texts)]


def problem_line(tx: Texts, problem: LineProblem) -> Html:
    values = {name: tx.number(value) if name in _NUMBERS else value for name, value in problem.values.items()}
    if "type" in values:  # the panel's order type, in the user's words where there are some
        values["type"] = service_type_label(tx, str(values["type"]))
    reason = tx(f"mass.problem.{problem.code.value}", **values)
    return tx("mass.problem_line", line=problem.line_no, text=problem.excerpt, reason=reason)


def mass_preview(tx: Texts, preview: Preview, balance: Decimal | None, currency: str | None,
                 batch_id: int | None) -> Messages:
    """The preview card: what can be ordered and for how much, then every line that cannot, and
    why. Confirm only with a saved batch (some line is valid)."""
    lines: list[str] = [tx("mass.preview.title"),
             tx("mass.preview.valid", count=tx.number(len(preview.valid)), lines=tx.number(preview.lines),
                total=tx.money(preview.total, currency))]
    if balance is not None:
        lines.append(tx("mass.preview.balance", balance=tx.money(balance, currency)))
        missing = preview.shortfall(balance)
        if missing is not None:
            lines.append(tx("mass.preview.short", missing=tx.money(missing, currency)))
    if preview.problems:
        lines += ["", tx("mass.preview.invalid", count=tx.number(len(preview.problems)))]
        lines += [problem_line(tx, problem) for problem in preview.problems]
    lines += ["", tx("mass.preview.resend" if batch_id is not None else "mass.preview.none")]
    if batch_id is None:
        keyboard = Keyboard([[button(tx.plain("button.abort"), cb.MassCancel())]])
    else:
        keyboard = Keyboard([[button(tx.plain("button.confirm"), cb.MassConfirm(batch_id)),
                              button(tx.plain("button.abort"), cb.MassDiscard(batch_id))]])
    return _with_keyboard(split_messages(lines), keyboard)


def mass_progress(tx: Texts, batch: MassBatch) -> tuple[Html, Keyboard]:
    text = tx("mass.progress", placed=tx.number(batch.placed), refused=tx.number(batch.refused),
              unknown=tx.number(batch.unknown), left=tx.number(batch.left))
    return text, Keyboard([[button(tx.plain("mass.button.stop"), cb.MassStop(batch.id))]])


def line_ranges(numbers: list[int], per_part: int = 200) -> list[str]:
    """Line numbers as ranges ("6–30, 32"), in parts short enough for one message each."""
    ranges: list[str] = []
    start: int | None = None
    previous: int | None = None
    for number in [*sorted(numbers), None]:
        if start is not None and previous is not None and (number is None or number != previous + 1):
            ranges.append(str(start) if start == previous else f"{start}–{previous}")
            start = None
        if start is None:
            start = number
        previous = number
    return [", ".join(ranges[i:i + per_part]) for i in range(0, len(ranges), per_part)]


def refusal(tx: Texts, code: str, text: str | None) -> Html:
    """The panel's refusal of a line, in the user's words when the code is known."""
    key = f"mass.refused.{code}"
    if key not in tx.i18n.keys(tx.lang):
        key = "mass.refused.unrecognised"
    return tx(key, text=text or code)


def mass_report(tx: Texts, report: MassReport) -> Messages:
    """The final report: placed orders with their ids, refusals with the panel's reason, the
    unknown ones (in /orders), the lines never sent; retry buttons for what can be sent again."""
    batch = report.batch
    stopped = batch.state is BatchState.STOPPED
    lines: list[str] = [tx("mass.report.title_stopped" if stopped else "mass.report.title_done", lines=tx.number(batch.lines)),
             tx("mass.report.summary", placed=tx.number(len(report.placed)), refused=tx.number(len(report.refused)),
                unknown=tx.number(len(report.unknown)), stopped=tx.number(len(report.stopped)))]
    reason_key = f"mass.stop_reason.{batch.stop_reason}"
    if stopped and reason_key in tx.i18n.keys(tx.lang):
        lines.append(tx(reason_key))
    if report.placed:
        lines += ["", tx("mass.report.placed_heading")]
        lines += [tx("mass.report.placed_line", line=line, id=order_id) for line, order_id in report.placed]
    if report.refused:
        lines += ["", tx("mass.report.refused_heading")]
        lines += [tx("mass.report.refused_line", line=line, reason=refusal(tx, code, text))
                  for line, code, text in report.refused]
    if report.unknown:
        lines += ["", tx("mass.report.unknown_heading")]
        lines += [tx("mass.report.unknown_line", line=line) for line, _token, _reason in report.unknown]
    if report.stopped:
        lines.append("")
        lines += [tx("mass.report.stopped_lines", lines=part) for part in line_ranges(report.stopped)]
    rows = []
    if report.refused:
        rows.append([button(tx.plain("mass.button.retry"), cb.MassRetry(batch.id))])
    if report.stopped:
        rows.append([button(tx.plain("mass.button.send_rest"), cb.MassRetry(batch.id, rest=True))])
    rows.append(back_to_menu(tx))
    return _with_keyboard(split_messages(lines), Keyboard(rows))
