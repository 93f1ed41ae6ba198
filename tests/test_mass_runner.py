"""The mass-order runner against the panel simulator over loopback, on a real database file:
each valid line reaches the panel once whatever runs twice, Stop sends nothing more, a lost
answer leaves the line unknown (listed as an uncertain order, never resent), refusals are
reported, and progress comes at a bounded pace before one final report."""

from __future__ import annotations

import asyncio
import itertools
from decimal import Decimal

import pytest_asyncio

from bot.core.catalogue import Catalogue
from bot.core.mass import MassReport, preview_text, retry_preview, save_preview
from bot.core.uncertain import UncertainOrder
from bot.jobs.gate import KeySpacing
from bot.jobs.mass import MassRunner
from bot.storage import IntentState
from bot.storage.mass import BatchState, mass_token
from tests.panel_fixtures import TEST_KEY, make_test_client
from tests.test_core_mass import fifty_lines_five_bad

TG = 7


class Reports:
    """Final reports as they arrive, and a way to wait for the next one."""

    def __init__(self) -> None:
        self.all: list[MassReport] = []
        self._arrived = asyncio.Event()

    async def __call__(self, report: MassReport) -> None:
        self.all.append(report)
        self._arrived.set()

    async def next(self, timeout: float = 20) -> MassReport:
        await asyncio.wait_for(self._arrived.wait(), timeout)
        self._arrived.clear()
        return self.all[-1]


@pytest_asyncio.fixture
async def account(db, make_account, simulator):
    return await make_account(TG, panel_url=simulator.url, api_key=TEST_KEY, currency="VND")


@pytest_asyncio.fixture
async def catalogue(panel_api) -> Catalogue:
    return Catalogue(tuple(await panel_api.services()), 0.0)


async def make_batch(db, account, catalogue, text: str):
    return await save_preview(db, TG, account.id, preview_text(text, catalogue, "VND"), balance=Decimal(1_000_000),
                              balance_currency="VND")


def lines(count: int, service: int = 1, quantity: int = 1000) -> str:
    return "\n".join(f"{service}|https://facebook.com/post/{n}|{quantity}" for n in range(1, count + 1))


def links_placed(simulator) -> list[str]:
    return [order.link for order in simulator.orders.values()]


async def test_45_valid_lines_placed_once_each_despite_double_confirm_and_two_runners(db, account, catalogue,
                                                                                      simulator, panel_client):
    text, bad = fifty_lines_five_bad()
    batch = await make_batch(db, account, catalogue, text)
    assert batch.lines == 45
    reports = Reports()
    # Two runners on one database (a second process, or the old runner of a restart) and a
    # Confirm tapped three times at once.
    first = MassRunner(db, panel_client, KeySpacing(0), on_finished=reports)
    second = MassRunner(db, panel_client, KeySpacing(0), on_finished=reports)
    confirmed = await asyncio.gather(first.confirm(TG, batch.id), first.confirm(TG, batch.id),
                                     second.confirm(TG, batch.id), second.start())
    assert sorted(started for started, _ in confirmed[:3]) == [False, False, True]
    report = await reports.next()
    await first.close()
    await second.close()

    assert simulator.requests["add"] == 45
    assert len(links_placed(simulator)) == len(set(links_placed(simulator))) == 45
    assert len(reports.all) == 1  # reported once
    assert report.batch.state is BatchState.DONE
    assert (report.batch.placed, report.refused, report.unknown, report.stopped, report.left) == (45, [], [], [], [])
    assert [line for line, _ in report.placed] == [n for n in range(1, 51) if n not in bad]
    assert {order_id for _, order_id in report.placed} == set(simulator.orders)
    # Placed orders are stored for the tracker, with what the line said.
    stored = await db.get_order(TG, report.placed[0][1])
    assert (stored.link, stored.quantity, stored.service_name) == ("https://facebook.com/post/1", 201, "Facebook views")
    assert (await db.get_intent(TG, mass_token(batch.id, 1))).state is IntentState.PLACED
    # Confirming again later (an old card) sends nothing.
    assert await first.confirm(TG, batch.id) == (False, await db.get_mass_batch(TG, batch.id))
    assert simulator.requests["add"] == 45


async def test_stop_leaves_the_rest_unsent(db, account, catalogue, simulator, panel_client):
    batch = await make_batch(db, account, catalogue, lines(20))
    reports, placed = Reports(), asyncio.Event()
    count = itertools.count(1)
    runner = MassRunner(db, panel_client, KeySpacing(0.05), on_finished=reports,
                        on_placed=lambda order: next(count) == 3 and placed.set())
    await runner.confirm(TG, batch.id)
    await asyncio.wait_for(placed.wait(), 10)
    stopped = await runner.stop(TG, batch.id)
    assert stopped.state is BatchState.STOPPED
    report = await reports.next()
    await runner.close()

    sent = simulator.requests["add"]
    assert sent in (3, 4)  # the line on its way when Stop was tapped still gets its answer
    assert len(report.placed) == sent and report.batch.stop_reason == "user"
    assert report.stopped == list(range(sent + 1, 21))
    assert report.batch.stopped == 20 - sent and report.batch.left == 0
    assert await runner.confirm(TG, batch.id) == (False, await db.get_mass_batch(TG, batch.id))
    await MassRunner(db, panel_client, KeySpacing(0)).start()  # a restart resumes nothing
    assert simulator.requests["add"] == sent


async def test_an_add_without_answer_leaves_its_line_unknown_and_never_resent(db, account, catalogue, simulator):
    batch = await make_batch(db, account, catalogue, lines(5))
    simulator.fail_next(1, "slow", action="add")  # line 1 is placed, but its answer comes too late
    reports = Reports()
    client = make_test_client(total_timeout=0.3)
    try:
        runner = MassRunner(db, client, KeySpacing(0), on_finished=reports)
        await runner.confirm(TG, batch.id)
        report = await reports.next()
        await runner.close()
        restarted = MassRunner(db, client, KeySpacing(0), on_finished=reports)
        await restarted.start()
        await restarted.close()
    finally:
        await client.close()

    assert simulator.requests["add"] == 5 and len(simulator.orders) == 5
    assert report.unknown == [(1, mass_token(batch.id, 1), "timeout")]
    assert [line for line, _ in report.placed] == [2, 3, 4, 5]
    assert report.batch.state is BatchState.DONE and report.batch.unknown == 1
    # It is with the user's uncertain orders, shown from the snapshot like a single order's.
    (intent,) = await db.unknown_intents(TG)
    item = UncertainOrder.from_intent(intent)
    assert (item.token, item.reason, item.service_name) == (mass_token(batch.id, 1), "timeout", "Facebook views")
    assert (item.link, item.quantity, item.charge, item.balance_before) == (
        "https://facebook.com/post/1", 1000, Decimal("2.5"), Decimal(1_000_000))


async def test_refusals_are_reported_and_retried_as_a_new_batch(db, account, catalogue, simulator, panel_client):
    batch = await make_batch(db, account, catalogue, lines(4))
    simulator.respond_next({"error": "Incorrect link"}, action="add")  # line 1
    simulator.fail_next(1, "http_429", action="add")  # line 2: rate limited, sent again after a pause
    simulator.retry_after = None
    reports = Reports()
    runner = MassRunner(db, panel_client, KeySpacing(0), on_finished=reports, max_pause=0.01)
    await runner.confirm(TG, batch.id)
    report = await reports.next()
    assert report.refused == [(1, "bad_link", "Incorrect link")]
    assert [line for line, _ in report.placed] == [2, 3, 4]
    assert simulator.requests["add"] == 5 and len(simulator.orders) == 3

    # "Retry refused lines": a new batch of just those, with new intents.
    retry = await retry_preview(db, TG, batch.id, catalogue, "VND")
    assert [(v.line_no, v.link) for v in retry.valid] == [(1, "https://facebook.com/post/1")]
    again = await save_preview(db, TG, account.id, retry, retry_of=batch.id)
    assert again.retry_of == batch.id and again.lines == 1
    await runner.confirm(TG, again.id)
    second = await reports.next()
    await runner.close()
    assert [line for line, _ in second.placed] == [1] and simulator.requests["add"] == 6
    assert (await db.get_intent(TG, mass_token(batch.id, 1))).state is IntentState.FAILED
    assert (await db.get_intent(TG, mass_token(again.id, 1))).state is IntentState.PLACED
    assert await retry_preview(db, TG + 1, batch.id, catalogue, "VND") is None  # another user's batch


async def test_running_out_of_funds_stops_the_batch(db, account, catalogue, simulator, panel_client):
    batch = await make_batch(db, account, catalogue, lines(6))
    simulator.set_balance(TEST_KEY, Decimal(5))  # two lines at 2.5
    reports = Reports()
    runner = MassRunner(db, panel_client, KeySpacing(0), on_finished=reports)
    await runner.confirm(TG, batch.id)
    report = await reports.next()
    await runner.close()
    assert [line for line, _ in report.placed] == [1, 2]
    assert [(line, code) for line, code, _ in report.refused] == [(3, "not_enough_funds")]
    assert report.stopped == [4, 5, 6]
    assert (report.batch.state, report.batch.stop_reason) == (BatchState.STOPPED, "not_enough_funds")
    assert simulator.requests["add"] == 3
    # Topped up: "retry" with the lines never sent as well.
    retry = await retry_preview(db, TG, batch.id, catalogue, "VND", include_stopped=True)
    assert [v.line_no for v in retry.valid] == [3, 4, 5, 6]


async def test_progress_at_most_every_two_seconds_then_one_report(db, account, catalogue, simulator, panel_client):
    batch = await make_batch(db, account, catalogue, lines(30))
    seen: list[tuple[str, int, int]] = []
    reports = Reports()

    async def progress(current) -> None:
        seen.append(("progress", current.placed, current.left))

    async def finished(report) -> None:
        seen.append(("report", len(report.placed), report.batch.left))
        await reports(report)

    ticks = itertools.count()
    # Each line "takes" half a second on this clock: a progress every fourth line at most.
    runner = MassRunner(db, panel_client, KeySpacing(0), on_progress=progress, on_finished=finished,
                        clock=lambda: next(ticks) * 0.5)
    await runner.confirm(TG, batch.id)
    await reports.next()
    await runner.close()
    updates = [entry for entry in seen if entry[0] == "progress"]
    assert 2 <= len(updates) <= 30 // 4 + 1
    assert seen[-1] == ("report", 30, 0)
    placed = [p for _, p, _ in updates]
    assert placed == sorted(placed) and all(p + left == 30 for _, p, left in updates)


async def test_a_rejected_key_stops_the_batch(db, account, catalogue, simulator, panel_client):
    batch = await make_batch(db, account, catalogue, lines(6))
    reports = Reports()
    count = itertools.count(1)
    runner = MassRunner(db, panel_client, KeySpacing(0), on_finished=reports,
                        on_placed=lambda order: next(count) == 2 and simulator.reject_key(TEST_KEY))
    await runner.confirm(TG, batch.id)
    report = await reports.next()
    assert [line for line, _ in report.placed] == [1, 2]
    assert [(line, code) for line, code, _ in report.refused] == [(3, "invalid_key")]
    assert (report.batch.stop_reason, report.stopped) == ("invalid_key", [4, 5, 6])

    # A key the tracker found rejected (the account is paused) stops a batch before it sends.
    second = await make_batch(db, account, catalogue, lines(2))
    await db.set_account_paused(account.id, True)
    await runner.confirm(TG, second.id)
    report = await reports.next()
    await runner.close()
    assert (report.batch.stop_reason, report.stopped, report.placed) == ("invalid_key", [1, 2], [])
    assert simulator.requests["add"] == 3


async def test_lines_keep_the_keys_spacing(db, account, catalogue, simulator, panel_client):
    batch = await make_batch(db, account, catalogue, lines(6))
    reports = Reports()
    runner = MassRunner(db, panel_client, KeySpacing(0.1), on_finished=reports)
    await runner.confirm(TG, batch.id)
    await reports.next()
    await runner.close()
    adds = [at for at, action, _ in simulator.request_log if action == "add"]
    assert len(adds) == 6
    assert adds[-1] - adds[0] >= 5 * 0.1 - 0.02  # a loaded machine only makes it slower
