"""Prometheus metrics of one running bot, served at GET /metrics (bot/web.py).

A registry per Application, not prometheus-client's global one: tests (and benchmarks) run
several bots in one process, and each must count only its own. The numbers come from small
hooks the parts already have: the update processor's observers, the panel client's observer,
the tracker's cycle observers, the rate limiter's 429 observers and the broadcast runner.
"""

from __future__ import annotations

import time

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from telegram import Update

from bot.jobs.kinds import CycleStats

CONTENT_TYPE = CONTENT_TYPE_LATEST
_PREFIX = "smm_bot"
_UPDATE_KINDS = ("message", "edited_message", "callback_query", "my_chat_member")


def update_kind(update: object) -> str:
    if isinstance(update, Update):
        for kind in _UPDATE_KINDS:
            if getattr(update, kind) is not None:
                return kind
    return "other"


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.updates = Counter(f"{_PREFIX}_updates", "Updates handled, by kind", ["kind"], registry=r)
        self.answer_seconds = Histogram(
            f"{_PREFIX}_update_seconds", "Time from an update's arrival to the end of its handling", registry=r,
            buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
        )
        self.panel_requests = Counter(
            f"{_PREFIX}_panel_requests", "Requests to panels, by action and result (ok or an error code)",
            ["action", "result"], registry=r,
        )
        self.cycle_seconds = Histogram(
            f"{_PREFIX}_tracker_cycle_seconds", "Duration of a tracker cycle", registry=r,
            buckets=(0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600),
        )
        self.cycle_requests = Counter(f"{_PREFIX}_tracker_requests", "Panel requests made by tracker cycles", registry=r)
        self.last_cycle = Gauge(f"{_PREFIX}_tracker_last_cycle_timestamp_seconds",
                                "Unix time the last tracker cycle finished", registry=r)
        self.notifications = Counter(f"{_PREFIX}_notifications_sent", "Order and refill notifications sent", registry=r)
        self.retry_after = Counter(f"{_PREFIX}_telegram_429", "429 Too Many Requests answers from the Bot API, by method",
                                   ["method"], registry=r)
        self.webhook_requests = Counter(f"{_PREFIX}_webhook_requests", "Webhook requests, by result",
                                        ["result"], registry=r)
        self.broadcast_messages = Counter(f"{_PREFIX}_broadcast_messages", "Broadcast recipients settled, by outcome",
                                          ["outcome"], registry=r)
        started = Gauge(f"{_PREFIX}_start_time_seconds", "Unix time the bot started", registry=r)
        started.set(time.time())

    # --- hooks -----------------------------------------------------------------------------------

    def update_handled(self, update: object, seconds: float) -> None:
        self.updates.labels(update_kind(update)).inc()
        self.answer_seconds.observe(seconds)

    def panel_request(self, action: str, result: str) -> None:
        self.panel_requests.labels(action, result).inc()

    def tracker_cycle(self, stats: CycleStats) -> None:
        self.cycle_seconds.observe(stats.seconds)
        self.cycle_requests.inc(stats.requests)
        self.notifications.inc(stats.messages)
        self.last_cycle.set(stats.finished_at)

    def telegram_retry_after(self, method: str) -> None:
        self.retry_after.labels(method).inc()

    def webhook_request(self, result: str) -> None:
        self.webhook_requests.labels(result).inc()

    def broadcast_settled(self, outcome: str) -> None:
        self.broadcast_messages.labels(outcome).inc()

    def exposition(self) -> bytes:
        return generate_latest(self.registry)
