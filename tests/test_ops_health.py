"""/healthz's verdict from the facts, on any clock (the e2e tests serve it over HTTP)."""

from __future__ import annotations

from bot.jobs import CycleStats
from bot.ops.health import assess

INTERVAL = 60.0
START = 1_700_000_000.0


def cycle(finished_at: float, seconds: float = 1.5, requests: int = 3) -> CycleStats:
    return CycleStats(requests=requests, orders_checked=250, seconds=seconds, finished_at=finished_at)


def test_healthy_with_the_last_cycle_in_the_report():
    report = assess(now=START + 400, started_at=START, interval=INTERVAL, last_cycle=cycle(START + 390),
                    database_writable=True)
    assert report.status_code == 200
    assert report.body["status"] == "ok" and report.body["problems"] == []
    assert report.body["uptime_seconds"] == 400
    assert report.body["tracker"]["last_cycle"] == {
        "finished_at": START + 390, "ago_seconds": 10, "seconds": 1.5, "requests": 3,
        "orders_checked": 250, "refills_checked": 0, "notifications": 0,
    }


def test_no_cycle_yet_is_fine_for_five_intervals_after_the_start():
    assert assess(now=START + 5 * INTERVAL, started_at=START, interval=INTERVAL, last_cycle=None,
                  database_writable=True).status_code == 200
    report = assess(now=START + 5 * INTERVAL + 1, started_at=START, interval=INTERVAL, last_cycle=None,
                    database_writable=True)
    assert report.status_code == 503
    assert "tracker has not finished a cycle" in report.body["problems"][0]


def test_a_tracker_that_stopped_finishing_cycles_is_unhealthy():
    last = cycle(START + 100)
    assert assess(now=START + 100 + 5 * INTERVAL, started_at=START, interval=INTERVAL, last_cycle=last,
                  database_writable=True).status_code == 200
    report = assess(now=START + 101 + 5 * INTERVAL, started_at=START, interval=INTERVAL, last_cycle=last,
                    database_writable=True)
    assert report.status_code == 503 and report.body["status"] == "failing"


def test_a_database_that_cannot_be_written_is_unhealthy():
    report = assess(now=START + 10, started_at=START, interval=INTERVAL, last_cycle=None,
                    database_writable=False, database_error="disk I/O error")
    assert report.status_code == 503
    assert report.body["database"] == {"writable": False}
    assert report.body["problems"] == ["the database cannot be written (disk I/O error)"]
