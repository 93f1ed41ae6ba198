"""Operators' screens: /stats, a broadcast's preview and progress, maintenance; and the line
users in maintenance get."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup as Keyboard

from bot import callback_data as cb
from bot.i18n import Html
from bot.presentation.buttons import button
from bot.presentation.orders import status_name
from bot.presentation.texts import Texts


def _on_off(tx: Texts, on: bool) -> str:
    return tx.plain("admin.state_on" if on else "admin.state_off")


def stats_view(tx: Texts, stats) -> Html:
    """`stats`: bot.ops.stats.OperatorStats."""
    counts, queues, n = stats.counts, stats.queues, tx.number
    orders = sum(counts.orders_by_status.values())
    by_status = ", ".join(f"{status_name(tx, status)} {n(count)}" for status, count in counts.orders_by_status.items())
    lines = [
        tx("admin.stats_title"),
        tx("admin.stats_users", users=n(counts.users), blocked=n(counts.blocked_users)),
        tx("admin.stats_active", day=n(counts.active_day), week=n(counts.active_week)),
        tx("admin.stats_keys", keys=n(counts.accounts), paused=n(counts.paused_accounts)),
        tx("admin.stats_orders", orders=n(orders), open=n(counts.open_orders), refills=n(counts.open_refills),
           unknown=n(counts.unknown_intents)),
    ]
    if by_status:
        lines.append(tx("admin.stats_by_status", statuses=by_status))
    cycle = stats.last_cycle
    if cycle is not None and cycle.finished_at:
        lines.append(tx("admin.stats_cycle", when=tx.datetime(cycle.finished_at), seconds=f"{cycle.seconds:.1f}",
                        requests=n(cycle.requests), checked=n(cycle.orders_checked + cycle.refills_checked)))
    else:
        lines.append(tx("admin.stats_no_cycle"))
    if stats.tracker_running:
        lines.append(tx("admin.stats_cycle_running"))
    lines.append(tx("admin.stats_queues", updates=n(queues.updates_waiting), users=n(queues.users_in_progress),
                    broadcast=n(queues.broadcast_pending), jobs=n(queues.jobs)))
    if stats.broadcast is not None:
        lines.append(tx("admin.stats_broadcast", done=n(stats.broadcast.done), total=n(stats.broadcast.total)))
    else:
        lines.append(tx("admin.stats_no_broadcast"))
    lines.append(tx("admin.stats_maintenance", state=_on_off(tx, stats.maintenance)))
    return Html("\n".join(lines))


def broadcast_preview_keyboard(tx: Texts, nonce: str) -> Keyboard:
    return Keyboard([[button(tx.plain("admin.broadcast_send"), cb.BroadcastSend(nonce)),
                      button(tx.plain("button.abort"), cb.BroadcastDrop(nonce))]])


def broadcast_progress(tx: Texts, counts, *, finished: bool = False, cancelled: bool = False) -> Html:
    """`counts`: bot.storage.BroadcastCounts."""
    n = tx.number
    key = "admin.broadcast_cancelled" if cancelled else "admin.broadcast_finished" if finished else "admin.broadcast_progress"
    return tx(key, done=n(counts.done), total=n(counts.total), delivered=n(counts.delivered),
              blocked=n(counts.blocked), failed=n(counts.not_delivered), skipped=n(counts.skipped))


def maintenance_state(tx: Texts, on: bool) -> Html:
    return tx("admin.maintenance_on" if on else "admin.maintenance_off")
