"""/spending as text: the total, the top services and the platforms (the chart is chart.py)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from bot.core.history import SpendingReport
from bot.i18n import Html
from bot.presentation.texts import Texts, shorten
from bot.presentation.timezone import timezone_label

NAME_IN_LINE = 50


def share(part: Decimal, whole: Decimal) -> int | None:
    """`part` as a whole percentage of `whole`; None when there is no whole."""
    if whole <= 0:
        return None
    return int((part * 100 / whole).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def spending_text(tx: Texts, report: SpendingReport, now: float) -> Html:
    """The message under the chart: what was spent, on which services and platforms."""
    days = len(report.spending.days)
    zone = tx("spending.zone", zone=timezone_label(report.spending.zone, now))
    if report.empty:
        return Html("\n".join([tx("spending.none", days=tx.number(days)), zone]))

    def money(amount: Decimal) -> str:
        return tx.money(amount, report.currency)

    lines = [
        tx("spending.title", days=tx.number(days)),
        tx("spending.total", amount=money(report.total), count=tx.number(report.orders)),
        zone,
        "",
        tx("spending.services_title"),
    ]
    for service in report.top_services:
        name = service.service_name or tx.plain("spending.unknown_service")
        lines.append(tx("spending.service_line", name=shorten(name, NAME_IN_LINE), amount=money(service.amount),
                        count=tx.number(service.orders)))
    lines += ["", tx("spending.platforms_title")]
    for platform in report.platforms:
        name = platform.platform.name if platform.platform else tx.plain("spending.other_platform")
        percent = share(platform.amount, report.total)
        lines.append(tx("spending.platform_line", name=name, amount=money(platform.amount),
                        share=tx.number(percent) if percent is not None else "—"))
    if report.other_currencies:
        lines.append("")
        for currency, total, count in report.other_currencies:
            lines.append(tx("spending.other_currency", amount=tx.money(total, currency), count=tx.number(count)))
    return Html("\n".join(lines))


CAPTION_MAX = 1024  # Telegram's limit for a photo's caption


def spending_caption(tx: Texts, report: SpendingReport) -> Html:
    """The chart's caption (short: a caption holds 1024 characters; spending_text follows)."""
    days = tx.number(len(report.spending.days))
    if report.empty:
        return tx("spending.none", days=days)
    return Html("\n".join([
        tx("spending.title", days=days),
        tx("spending.total", amount=tx.money(report.total, report.currency), count=tx.number(report.orders)),
    ]))
