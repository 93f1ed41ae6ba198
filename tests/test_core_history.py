"""bot.core.history against the panel simulator over loopback: cancel by ids (one claimed request
for the eligible ones), refill all eligible (exactly once), history pages, filters in buttons."""

from __future__ import annotations

import asyncio

import pytest

from bot.core.history import (
    CANCEL_MAX_IDS,
    FILTER_MAX_BYTES,
    OrderFilter,
    cancel_by_ids,
    history_page,
    refill_all_eligible,
    running_duplicate,
)
from bot.core.platforms import platform_of
from bot.core.tracking import Ineligible, RequestOutcome, refresh_orders
from bot.panel import UnknownOrder
from bot.storage import NewOrder, StatusGroup
from tests.panel_fixtures import TEST_KEY

USER = 77


@pytest.fixture
async def panel(db, make_account, simulator, panel_api):
    """The user's account on the simulator, and a helper that places an order there and
    (unless `tracked=False`) follows it as the bot does, in the status asked for."""
    account = await make_account(USER, panel_url=simulator.url, api_key=TEST_KEY, currency="VND")
    services = {s.id: s for s in await panel_api.services()}
    counter = iter(range(1, 1000))

    async def place(service_id: int, status: str = "Pending", *, tracked: bool = True) -> int:
        service = services[service_id]
        link = f"https://example.com/post/{next(counter)}"
        order_id = await panel_api.add(service_id, link, service.min)
        if status == "In progress":
            simulator.set_order_status(order_id, status)
        elif status != "Pending":
            simulator.complete_order(order_id, status)
        if tracked:
            await db.track_orders(USER, [NewOrder(
                account.id, order_id, service_id=service.id, service_name=service.name, service_type=service.type,
                link=link, quantity=service.min, expected_charge=service.charge_for(service.min), currency="VND",
                refill_allowed=service.refill, cancel_allowed=service.cancel,
            )])  # fmt: skip
            stored = await db.get_order(USER, order_id)
            await refresh_orders(db, panel_api, USER, [stored])
        return order_id

    return account, place


async def test_cancel_by_ids_sends_one_request_for_the_eligible_ones(db, simulator, panel_api, panel) -> None:
    account, place = panel
    pending = await place(101)  # cancel allowed, not started
    running = await place(201, "In progress")  # cancel allowed, delivering
    finished = await place(101, "Completed")  # too late
    no_cancel = await place(102)  # the service does not allow cancelling
    website = await place(202, tracked=False)  # made on the website: the panel decides
    missing = 999_999  # the panel knows no such order
    assert simulator.requests["cancel"] == 0

    ids = [pending, running, finished, no_cancel, website, missing, pending]  # the repeated id once
    results = await cancel_by_ids(db, panel_api, USER, account, ids)

    assert simulator.requests["cancel"] == 1  # one request, for the four that may be cancelled
    assert [r.order_id for r in results] == [pending, running, finished, no_cancel, website, missing]
    outcome = {r.order_id: r for r in results}
    assert outcome[pending].outcome is outcome[running].outcome is outcome[website].outcome is RequestOutcome.SENT
    assert (outcome[finished].outcome, outcome[finished].reason, outcome[finished].status) == (
        RequestOutcome.INELIGIBLE, Ineligible.FINAL, "completed")
    assert (outcome[no_cancel].outcome, outcome[no_cancel].reason) == (RequestOutcome.INELIGIBLE, Ineligible.NO_CANCEL)
    assert outcome[missing].outcome is RequestOutcome.REFUSED and isinstance(outcome[missing].error, UnknownOrder)
    # The panel cancelled exactly those.
    assert simulator.order(pending).status == "Canceled" and simulator.order(website).status == "Canceled"
    assert simulator.order(running).status == "Partial"
    assert simulator.order(no_cancel).status not in ("Canceled", "Partial")

    # Asked again: each claim stands, the panel is not asked a second time.
    again = await cancel_by_ids(db, panel_api, USER, account, [pending, running, website, finished, no_cancel])
    assert simulator.requests["cancel"] == 1
    assert [r.outcome for r in again[:3]] == [RequestOutcome.ALREADY] * 3
    assert [r.outcome for r in again[3:]] == [RequestOutcome.INELIGIBLE] * 2


async def test_cancel_by_ids_twice_at_once_asks_the_panel_once(db, simulator, panel_api, panel) -> None:
    account, place = panel
    ids = [await place(101), await place(201)]
    first, second = await asyncio.gather(
        cancel_by_ids(db, panel_api, USER, account, ids), cancel_by_ids(db, panel_api, USER, account, ids)
    )
    assert simulator.requests["cancel"] == 1
    outcomes = sorted(r.outcome.value for r in first + second)
    assert outcomes == ["pending", "pending", "sent", "sent"]  # the second found the first one sending


async def test_cancel_by_ids_refuses_more_than_a_request_holds(db, simulator, panel_api, panel) -> None:
    account, _ = panel
    with pytest.raises(ValueError):
        await cancel_by_ids(db, panel_api, USER, account, range(1, CANCEL_MAX_IDS + 2))
    assert await cancel_by_ids(db, panel_api, USER, account, []) == []
    assert simulator.requests["cancel"] == 0


async def test_refill_all_asks_once_for_every_eligible_order(db, simulator, panel_api, panel, make_account) -> None:
    account, place = panel
    completed = await place(101, "Completed")  # refill offered
    partial = await place(201, "Partial")  # refill offered
    await place(202, "Completed")  # no refill
    await place(101, "In progress")  # still running
    await place(101, "Canceled")  # nothing delivered
    assert simulator.requests["refill"] == 0

    # Tapped twice at once: still one request.
    first, second = await asyncio.gather(
        refill_all_eligible(db, panel_api, USER, account), refill_all_eligible(db, panel_api, USER, account)
    )
    assert simulator.requests["refill"] == 1
    for report in (first, second):
        assert sorted(r.order_id for r in report.results) == sorted([completed, partial]) and report.left_out == 0
    assert sorted(r.outcome.value for r in first.results + second.results) == ["pending", "pending", "sent", "sent"]
    refill_ids = {r.refill_id for r in first.results + second.results if r.outcome is RequestOutcome.SENT}
    assert len(refill_ids) == 1 and None not in refill_ids  # the seed panel: one refill for the batch

    # Tapped again later: the refill is still running, so nothing is sent.
    later = await refill_all_eligible(db, panel_api, USER, account)
    assert simulator.requests["refill"] == 1
    assert [r.outcome for r in later.results] == [RequestOutcome.ALREADY] * 2


async def test_refill_all_with_nothing_eligible_asks_nothing(db, simulator, panel_api, panel) -> None:
    account, place = panel
    await place(202, "Completed")
    report = await refill_all_eligible(db, panel_api, USER, account)
    assert report.results == [] and report.left_out == 0
    assert simulator.requests["refill"] == 0


async def test_refill_all_is_bounded_and_says_what_it_left_out(db, simulator, panel_api, panel) -> None:
    account, place = panel
    ids = [await place(101, "Completed") for _ in range(3)]
    report = await refill_all_eligible(db, panel_api, USER, account, limit=2)
    assert [r.order_id for r in report.results] == ids[:0:-1]  # the newest two
    assert report.left_out == 1


async def test_the_running_order_for_the_same_link_is_found_before_confirm(db, panel_api, panel) -> None:
    account, place = panel
    order_id = await place(101, "In progress")
    order = await db.get_order(USER, order_id)
    found = await running_duplicate(db, USER, account.id, order.link, 101)
    assert found is not None and found.panel_order_id == order_id and found.status == "in_progress"
    assert await running_duplicate(db, USER, account.id, order.link, 102) is None


async def test_history_pages_under_filters(db, make_account) -> None:
    account = await make_account(USER)
    await db.track_orders(USER, [NewOrder(account.id, i, service_name=f"Lượt xem {i}", link=f"https://t.me/c{i}")
                                 for i in range(1, 20)])
    for token, name in [("t1", "TikTok Follow"), ("t2", "Lượt xem live")]:
        await db.begin_intent(USER, account.id, token, {"service_name": name, "link": "https://tiktok.com/@a"})
        await db.intent_unknown(USER, token, "timeout")

    first = await history_page(db, USER, OrderFilter(), 0, per_page=8)
    assert (first.total, first.pages, len(first.orders), len(first.uncertain)) == (19, 3, 8, 2)
    assert first.counts[StatusGroup.ALL] == 19 and first.counts[StatusGroup.UNKNOWN] == 2
    later = await history_page(db, USER, OrderFilter(), 1, per_page=8)
    assert later.uncertain == []  # listed on the first page only
    beyond = await history_page(db, USER, OrderFilter(), 99, per_page=8)
    assert beyond.page == 2 and [o.panel_order_id for o in beyond.orders] == [3, 2, 1]

    unknown = await history_page(db, USER, OrderFilter(StatusGroup.UNKNOWN), 0)
    assert (unknown.orders, unknown.total, len(unknown.uncertain)) == ([], 2, 2)
    searched = await history_page(db, USER, OrderFilter.search("luot xem").with_group(StatusGroup.UNKNOWN), 0)
    assert [u.service_name for u in searched.uncertain] == ["Lượt xem live"]
    found = await history_page(db, USER, OrderFilter.search("LƯỢT XEM 1"), 0, per_page=8)
    assert found.total == 11  # "1", "10".."19": the number is in the name and the link
    assert [u.service_name for u in found.uncertain] == []  # "1" is in no unknown order's text


@pytest.mark.parametrize(
    "flt",
    [
        OrderFilter(),
        OrderFilter(StatusGroup.COMPLETED, 123456789012),
        OrderFilter.search("Lượt xem TikTok", 5),
        OrderFilter.search("#123 https://www.tiktok.com/@someone.with.a.long.name/video/7312345678901234567?x=1"),
        OrderFilter.search("a:b:c " * 30),
        OrderFilter.search("🇻🇳🇻🇳🇻🇳🇻🇳🇻🇳🇻🇳🇻🇳🇻🇳🇻🇳🇻🇳🇻🇳🇻🇳").with_group(StatusGroup.UNKNOWN),
    ],
)
def test_a_filter_rides_in_a_button(flt) -> None:
    packed = flt.pack()
    assert len(packed.encode("utf-8")) <= FILTER_MAX_BYTES and ":" not in packed
    back = OrderFilter.unpack(packed)
    assert back is not None and (back.group, back.account_id) == (flt.group, flt.account_id)
    assert flt.words.startswith(back.words)  # cut when long: the search then finds more, not less
    if len(flt.words.encode()) < 30:
        assert back == flt


def test_a_short_search_survives_the_button_unchanged() -> None:
    flt = OrderFilter.search("  Lượt   XEM  #42 ", 3)
    assert flt.words == "luot xem #42"
    assert OrderFilter.unpack(flt.pack()) == flt


@pytest.mark.parametrize("data", ["", "z", "c0", "c12x", "c-1", "é", "a" * 41, "c99999999999999999999", None])
def test_forged_filters_are_refused(data) -> None:
    assert OrderFilter.unpack(data) is None


@pytest.mark.parametrize(
    "name, category, link, expected",
    [
        ("Tiktok views", "", None, "tiktok"),
        ("Like bài viết", "Dịch vụ FB", None, "facebook"),  # FB as a word
        ("Tăng TT bài viết FB", "", None, "facebook"),  # TT is "tương tác", not TikTok
        ("Follow IG thật", "", None, "instagram"),
        ("Mắt xem livestream", "", "https://www.tiktok.com/@a/live", "tiktok"),  # the link tells
        ("Lượt xem", "", "https://youtu.be/abc", "youtube"),
        ("Thành viên nhóm", "Telegram Members", None, "telegram"),
        ("X (Twitter) Followers", "", None, "twitter"),
        ("Website Traffic", "", "https://example.com", None),
        ("FBI files", "", None, None),  # "fb" only as a whole word
    ],
)
def test_platform_of_a_service(name, category, link, expected) -> None:
    platform = platform_of(name, category, link)
    assert (platform.key if platform else None) == expected


def test_the_spending_summary_charts_one_currency_and_sums_platforms() -> None:
    from datetime import date
    from decimal import Decimal

    from bot.core.history import summarise
    from bot.storage import ServiceSpend, Spending

    days = (date(2025, 1, 1), date(2025, 1, 2))
    spending = Spending(
        "UTC", days,
        {"VND": (Decimal("100"), Decimal("50.5")), "USD": (Decimal("0"), Decimal("9.99"))},
        {"VND": 4, "USD": 1},
        (ServiceSpend(1, "TikTok Follow", "VND", Decimal("80"), 1, None),
         ServiceSpend(9, "Dịch vụ B", "USD", Decimal("9.99"), 1, "https://tiktok.com/@x"),
         ServiceSpend(2, "Tim video", "VND", Decimal("40.5"), 2, "https://www.tiktok.com/@a/video/1"),
         ServiceSpend(3, "Like FB", "VND", Decimal("30"), 1, None)),
    )  # fmt: skip
    report = summarise(spending)
    assert report.currency == "VND"  # the one most orders were in
    assert report.total == Decimal("150.5") and report.orders == 4 and report.daily == (Decimal("100"), Decimal("50.5"))
    assert [s.service_id for s in report.top_services] == [1, 2, 3]  # never another currency's
    assert [(p.platform.key, p.amount, p.orders) for p in report.platforms] == [
        ("tiktok", Decimal("120.5"), 3), ("facebook", Decimal("30"), 1)]
    assert report.other_currencies == [("USD", Decimal("9.99"), 1)]


async def test_panel_names_include_removed_panels_that_still_have_orders(db, make_account) -> None:
    from bot.core.history import panel_names

    first = await make_account(USER, panel_url="https://subpro.vn/api/v2")
    second = await make_account(USER, panel_url="https://other.example/api/v2")
    empty = await make_account(USER, panel_url="https://empty.example/api/v2")
    await db.rename_account(USER, second.id, "Panel phụ")
    await db.track_orders(USER, [NewOrder(first.id, 1)])
    assert await panel_names(db, USER) == {first.id: "subpro.vn", second.id: "Panel phụ", empty.id: "empty.example"}
    await db.remove_account(USER, first.id)
    await db.remove_account(USER, empty.id)
    assert await panel_names(db, USER) == {first.id: "subpro.vn", second.id: "Panel phụ"}  # its order is still listed
    assert await panel_names(db, USER + 1) == {}
