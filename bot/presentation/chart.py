"""/spending as a picture: the charge per day over the last 30 days, a PNG sized for a phone.

matplotlib costs tens of megabytes once imported, and most bots never draw a chart: it is
imported inside `render_chart` only, the first time a chart is drawn (a test checks that
importing the bot does not load it). Drawing takes a few hundred milliseconds, so it runs in a
worker thread (`spending_chart`), one chart at a time: matplotlib's font cache and text layout
are not safe to use from two threads at once, and one figure at a time bounds the memory.

Only the object API (Figure + the Agg canvas) is used, never pyplot: pyplot keeps global
figures and picks a GUI backend.
"""

from __future__ import annotations

import asyncio
import io
import threading
from dataclasses import dataclass
from decimal import Decimal

from bot.core.history import SpendingReport
from bot.i18n import format_compact, format_money
from bot.presentation.texts import Texts
from bot.presentation.timezone import timezone_label

WIDTH, HEIGHT = 1080, 1350  # pixels: 4:5, the tallest shape a phone's chat shows whole
_DPI = 100
FONT = "DejaVu Sans"  # ships with matplotlib; has every Vietnamese letter
_BAR = "#4C8BF5"
_TODAY = "#1A56C4"
_INK = "#1F2328"
_MUTED = "#57606A"
_LABEL_EVERY = 5  # days between the dates under the bars

_drawing = threading.Lock()


@dataclass(frozen=True)
class ChartSpec:
    """Everything a chart shows, already worded: the worker thread touches no translations."""

    title: str
    subtitle: str
    footnote: str
    axis_label: str
    empty_note: str
    day_labels: tuple[str, ...]
    amounts: tuple[Decimal, ...]
    peak_label: str  # the biggest day's amount, written over its bar
    lang: str


def chart_spec(tx: Texts, report: SpendingReport, now: float) -> ChartSpec:
    days = report.spending.days
    currency = report.currency
    peak = max(report.daily, default=Decimal(0))
    return ChartSpec(
        title=tx.plain("chart.title").format(days=tx.number(len(days))),
        subtitle=tx.plain("chart.total").format(amount=tx.money(report.total, currency), count=tx.number(report.orders)),
        footnote=tx.plain("chart.zone").format(zone=timezone_label(report.spending.zone, now)),
        axis_label=tx.plain("chart.axis").format(currency=currency or "—"),
        empty_note=tx.plain("chart.empty"),
        day_labels=tuple(tx.day(day) for day in days),
        amounts=tuple(report.daily),
        peak_label=format_money(peak, currency, tx.lang) if peak > 0 else "",
        lang=tx.lang,
    )


async def spending_chart(tx: Texts, report: SpendingReport, now: float) -> bytes:
    """The PNG of /spending (WIDTH x HEIGHT), drawn in a worker thread."""
    return await asyncio.to_thread(render_chart, chart_spec(tx, report, now))


def render_chart(spec: ChartSpec) -> bytes:
    """Draw the chart and return the PNG. Blocking: call it in a worker thread."""
    with _drawing:
        return _render(spec)


def _render(spec: ChartSpec) -> bytes:
    # Imported here, not at the top: see the module docstring.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    figure = Figure(figsize=(WIDTH / _DPI, HEIGHT / _DPI), dpi=_DPI, facecolor="white")
    FigureCanvasAgg(figure)
    figure.text(0.06, 0.955, spec.title, fontsize=40, fontweight="bold", va="top", fontfamily=FONT, color=_INK)
    figure.text(0.06, 0.895, spec.subtitle, fontsize=30, va="top", fontfamily=FONT, color=_INK)
    figure.text(0.06, 0.025, spec.footnote, fontsize=20, va="bottom", fontfamily=FONT, color=_MUTED)

    axes = figure.add_axes((0.15, 0.12, 0.80, 0.68))
    values = [float(amount) for amount in spec.amounts]  # positions on the picture only; sums stay Decimal
    positions = range(len(values))
    colours = [_BAR] * len(values)
    if colours:
        colours[-1] = _TODAY
    axes.bar(positions, values, width=0.75, color=colours, zorder=2)
    axes.set_xlim(-0.7, len(values) - 0.3)
    top = max(values, default=0.0)
    axes.set_ylim(0, top * 1.15 if top > 0 else 1)

    # Dates every few days, counted back from today, so today is always labelled.
    shown = [i for i in positions if (len(values) - 1 - i) % _LABEL_EVERY == 0]
    axes.set_xticks(shown)
    axes.set_xticklabels([spec.day_labels[i] for i in shown], fontsize=22, fontfamily=FONT, color=_INK)
    axes.yaxis.set_major_locator(MaxNLocator(nbins=5, min_n_ticks=3))
    if top > 0:
        axes.yaxis.set_major_formatter(FuncFormatter(lambda y, _: format_compact(Decimal(str(float(y))), spec.lang)))
    else:
        axes.set_yticks([])
    for label in axes.get_yticklabels():
        label.set_fontfamily(FONT)
    axes.tick_params(axis="y", labelsize=22, colors=_INK, length=0)
    axes.tick_params(axis="x", length=0, pad=10)
    axes.set_ylabel(spec.axis_label, fontsize=24, fontfamily=FONT, color=_MUTED, labelpad=14)
    axes.grid(axis="y", color="#D0D7DE", linewidth=1.2, zorder=1)
    for side in ("top", "right", "left"):
        axes.spines[side].set_visible(False)
    axes.spines["bottom"].set_color(_MUTED)

    if top > 0:
        peak = values.index(top)
        # Near an edge the label grows inwards, so the picture never cuts it.
        align = "left" if peak < len(values) / 4 else "right" if peak > len(values) * 3 / 4 else "center"
        axes.annotate(spec.peak_label, (peak, top), xytext=(0, 10), textcoords="offset points", ha=align,
                      va="bottom", fontsize=20, fontfamily=FONT, color=_INK, fontweight="bold")
    else:
        axes.text(0.5, 0.5, spec.empty_note, transform=axes.transAxes, ha="center", va="center", fontsize=30,
                  fontfamily=FONT, color=_MUTED)

    out = io.BytesIO()
    figure.savefig(out, format="png", dpi=_DPI, facecolor="white")
    return out.getvalue()
