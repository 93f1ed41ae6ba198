"""The order history in storage: filters, search (accents ignored), counts and pages, the running
order for a link, spending per day in the user's time zone, every order for an export, and the
time-zone setting."""

from __future__ import annotations

from datetime import UTC, date, datetime, timezone
from decimal import Decimal
from pathlib import Path

import pytest

from bot.storage import Database, NewOrder, OrderStatusUpdate, StatusGroup
from bot.storage.connection import Connection
from tests.storage_fixtures import TEST_ENCRYPTION_KEY, track


def new_order(account_id: int, panel_order_id: int, **kwargs: object) -> NewOrder:
    fields: dict[str, object] = dict(
        service_id=11, service_name="Likes", service_type="Default", link="https://t.me/x", quantity=1000,
        expected_charge=Decimal("12.5"), currency="USD", refill_allowed=True, cancel_allowed=True,
    )  # fmt: skip
    fields.update(kwargs)
    return NewOrder(account_id, panel_order_id, **fields)  # type: ignore[arg-type]


async def set_status(db: Database, tg_id: int, order, status: str, charge: Decimal | None = None,
                     final: bool | None = None) -> None:
    final = status in ("completed", "partial", "canceled") if final is None else final
    await db.update_order_statuses([OrderStatusUpdate(order.id, tg_id, status, charge, 0, 0, final, 1.0)])


async def panel_ids(db: Database, tg_id: int, **query: object) -> list[int]:
    page = await db.order_page(tg_id, limit=100, **query)  # type: ignore[arg-type]
    return [o.panel_order_id for o in page.orders]


@pytest.fixture
async def history(db, make_account):
    """User 1 with orders in every state on two panels; user 2 with one order that must never show."""
    main = await make_account(1)
    other = await make_account(1, panel_url="https://second.example/api/v2", currency="VND")
    stranger = await make_account(2)
    orders = {}
    for pid, status, account, extra in [
        (101, "pending", main, dict(service_name="TikTok Lượt xem video ⚡", link="https://www.tiktok.com/@an/video/777")),
        (102, "in_progress", main, dict(service_name="Facebook Like bài viết Việt Nam", link="https://facebook.com/p/1")),
        (103, "completed", main, dict(service_name="Facebook Like bài viết Việt Nam", link="https://facebook.com/p/2")),
        (104, "partial", main, dict(service_name="Instagram Followers", link="https://instagram.com/abc")),
        (105, "canceled", main, dict(service_name="TikTok Tim video", link="https://tiktok.com/@an/video/101")),
        (106, None, other, dict(service_name="Đánh giá Shopee 5 sao", link="https://shopee.vn/shop-đẹp")),
        (107, "completed", other, dict(service_name="YouTube Views", link="https://youtu.be/xyz")),
    ]:
        orders[pid] = await track(db, 1, new_order(account.id, pid, **extra))
        if status is not None:
            await set_status(db, 1, orders[pid], status)
    await track(db, 2, new_order(stranger.id, 101, service_name="TikTok Lượt xem", link="https://tiktok.com/@an/video/777"))
    return main, other, orders


async def test_status_groups_panels_and_counts(db, history) -> None:
    main, other, _ = history
    assert await panel_ids(db, 1) == [107, 106, 105, 104, 103, 102, 101]
    assert await panel_ids(db, 1, group=StatusGroup.ACTIVE) == [106, 102, 101]  # 106: never checked, still running
    assert await panel_ids(db, 1, group=StatusGroup.COMPLETED) == [107, 103]
    assert await panel_ids(db, 1, group=StatusGroup.PARTIAL) == [104]
    assert await panel_ids(db, 1, group=StatusGroup.CANCELED) == [105]
    assert await panel_ids(db, 1, group=StatusGroup.UNKNOWN) == []  # intents, not orders
    assert await panel_ids(db, 1, group=StatusGroup.COMPLETED, account_id=other.id) == [107]
    assert await panel_ids(db, 1, account_id=main.id) == [105, 104, 103, 102, 101]
    assert await panel_ids(db, 2) == [101]

    counts = await db.order_counts(1)
    assert counts == {StatusGroup.ALL: 7, StatusGroup.ACTIVE: 3, StatusGroup.COMPLETED: 2, StatusGroup.PARTIAL: 1,
                      StatusGroup.CANCELED: 1, StatusGroup.UNKNOWN: 0}
    assert (await db.order_counts(1, account_id=other.id))[StatusGroup.ALL] == 2
    # An order whose outcome is unknown counts in its own group.
    await db.begin_intent(1, main.id, "lost", {"service_name": "X", "link": "https://x.com/a"})
    await db.intent_unknown(1, "lost", "timeout")
    assert (await db.order_counts(1))[StatusGroup.UNKNOWN] == 1
    assert (await db.order_counts(1, account_id=other.id))[StatusGroup.UNKNOWN] == 0


async def test_pages_with_the_total(db, history) -> None:
    first = await db.order_page(1, offset=0, limit=3)
    second = await db.order_page(1, offset=3, limit=3)
    last = await db.order_page(1, offset=6, limit=3)
    assert first.total == second.total == last.total == 7
    assert [o.panel_order_id for o in first.orders + second.orders + last.orders] == [107, 106, 105, 104, 103, 102, 101]
    assert (await db.order_page(1, offset=30, limit=3)).orders == []
    with pytest.raises(ValueError):
        await db.order_page(1, limit=0)


@pytest.mark.parametrize(
    "words, expected",
    [
        ("luot xem", [101]),  # no accents typed: finds "Lượt xem"
        ("LƯỢT XEM", [101]),  # capitals and accents: the same
        ("like viet nam", [103, 102]),  # every word must match, in any order
        ("danh gia", [106]),  # đ is folded to d
        ("shop-dep", [106]),  # in the link too
        ("tiktok", [105, 101]),  # the name or the link
        ("https://www.tiktok.com/@an/video/777?is_from_webapp=1", [101]),  # a link pasted with scheme and query
        ("tiktok.com/@an/video/777/", [101]),
        ("https://m.facebook.com/p/1?ref=share", [102]),  # stored as https://facebook.com/p/1
        ("#104", [104]),  # an order id
        ("104", [104]),
        ("101", [105, 101]),  # a number: an id, or part of a link
        ("nothing-like-this", []),
        ("", [107, 106, 105, 104, 103, 102, 101]),
    ],
)
async def test_search_by_words_link_or_id_ignores_accents(db, history, words, expected) -> None:
    assert await panel_ids(db, 1, words=words) == expected
    page = await db.order_page(1, words=words, limit=1)
    assert page.total == len(expected)


async def test_search_combines_with_filters_and_counts(db, history) -> None:
    _, other, _ = history
    assert await panel_ids(db, 1, words="tiktok", group=StatusGroup.ACTIVE) == [101]
    assert await panel_ids(db, 1, words="tiktok", account_id=other.id) == []
    counts = await db.order_counts(1, words="facebook")
    assert (counts[StatusGroup.ALL], counts[StatusGroup.ACTIVE], counts[StatusGroup.COMPLETED]) == (2, 1, 1)


async def test_rows_without_search_text_are_found(db, make_account) -> None:
    """Rows of an older build (or a writer that does not fill it) are folded before a search."""
    account = await make_account(1)
    async with db.connection.transaction() as session:
        await session.executemany(
            """INSERT INTO orders (tg_id, account_id, panel_order_id, service_name, link, created_at)
               VALUES (1, ?, ?, ?, ?, 1.0)""",
            [(account.id, 500 + i, f"Lượt thích #{i}", f"https://t.me/c{i}") for i in range(1200)],
        )
    assert (await db.order_page(1, words="luot thich")).total == 1200
    assert await panel_ids(db, 1, words="t.me/c1199") == [1699]
    async with db.connection.reading() as session:
        assert await session.scalar("SELECT COUNT(*) FROM orders WHERE search_text IS NULL") == 0


async def test_details_filled_in_later_are_searchable(db, make_account) -> None:
    """An order followed from the website gains its service and link when the user settles an
    intent as placed with its id: the search finds it by them."""
    account = await make_account(1)
    await track(db, 1, NewOrder(account.id, 900))
    assert await panel_ids(db, 1, words="binh luan") == []  # folded now, while it has no name
    await db.begin_intent(1, account.id, "tok", {})
    await db.intent_unknown(1, "tok")
    await db.settle_intent_placed(1, "tok", new_order(account.id, 900, service_name="Bình luận", link="https://fb.com/z"))
    assert await panel_ids(db, 1, words="binh luan fb.com/z") == [900]


async def test_running_order_for_the_same_link_and_service(db, history) -> None:
    main, other, orders = history
    found = await db.running_order_for_link(1, main.id, "https://facebook.com/p/1", 11)
    assert found is not None and found.panel_order_id == 102
    # A trailing slash is the same link.
    assert (await db.running_order_for_link(1, main.id, "https://facebook.com/p/1/", 11)).panel_order_id == 102
    assert await db.running_order_for_link(1, main.id, "https://facebook.com/p/2", 11) is None  # completed
    assert await db.running_order_for_link(1, main.id, "https://facebook.com/p/1", 12) is None  # another service
    assert await db.running_order_for_link(1, other.id, "https://facebook.com/p/1", 11) is None  # another panel
    assert await db.running_order_for_link(2, main.id, "https://facebook.com/p/1", 11) is None  # another user


def ts(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


async def test_spending_days_follow_the_users_time_zone(db, make_account, clock) -> None:
    account = await make_account(1)  # USD
    # 16:30 UTC on the 14th is 23:30 in Vietnam; 17:30 UTC is already the 15th there.
    for pid, at, charge in [(1, "2023-11-14T16:30:00", "10"), (2, "2023-11-14T17:30:00", "2.5"),
                            (3, "2023-10-15T17:30:00", "7")]:  # 3: the 16th of October there, 30 days before
        clock.now = ts(at)
        await track(db, 1, new_order(account.id, pid, expected_charge=Decimal(charge)))
    now = ts("2023-11-15T10:00:00")

    vietnam = await db.spending(1, "Asia/Ho_Chi_Minh", now=now)
    assert vietnam.days[-1] == date(2023, 11, 15) and vietnam.days[0] == date(2023, 10, 17) and len(vietnam.days) == 30
    assert vietnam.daily["USD"][-2:] == (Decimal(10), Decimal("2.5"))
    assert sum(vietnam.daily["USD"]) == Decimal("12.5") and vietnam.orders == {"USD": 2}

    utc = await db.spending(1, "UTC", now=now)
    assert utc.days[-1] == date(2023, 11, 15)
    assert utc.daily["USD"][-2:] == (Decimal("12.5"), Decimal(0))  # both on the 14th
    assert (await db.spending(1, "UTC", now=now, days=32)).orders == {"USD": 3}
    assert await db.spending(2, "UTC", now=now) == type(utc)("UTC", utc.days, {}, {}, ())
    with pytest.raises(ValueError):
        await db.spending(1, "UTC", days=0)


async def test_spending_counts_what_the_panel_charged_refunds_included(db, make_account, clock) -> None:
    usd = await make_account(1)
    vnd = await make_account(1, panel_url="https://vnd.example/api/v2", currency="VND")
    clock.now = ts("2023-11-15T03:00:00")
    cases = [
        (1, usd, "completed", Decimal(10), "Likes"),  # the charge the panel reports
        (2, usd, "partial", Decimal("4.25"), "Likes"),  # a partial refund already taken off
        (3, usd, "canceled", Decimal(0), "Views"),  # refunded in full
        (4, usd, "canceled", None, "Views"),  # canceled, no charge reported: refunded
        (5, usd, None, None, "Views"),  # not checked yet: the expected charge (12.5)
        (6, vnd, "completed", Decimal(96679), "Lượt xem"),
    ]
    for pid, account, status, charge, name in cases:
        order = await track(db, 1, new_order(account.id, pid, service_name=name, currency=account.currency))
        if status is not None:
            await set_status(db, 1, order, status, charge)
    spending = await db.spending(1, "Asia/Ho_Chi_Minh", now=clock.now)
    assert spending.daily["USD"][-1] == Decimal("26.75")  # 10 + 4.25 + 0 + 0 + 12.5: never added to VND
    assert spending.daily["VND"][-1] == Decimal(96679)
    assert spending.orders == {"USD": 5, "VND": 1}
    top = [(s.service_name, s.currency, s.amount, s.orders) for s in spending.services]
    assert top == [("Lượt xem", "VND", Decimal(96679), 1), ("Likes", "USD", Decimal("14.25"), 2),
                   ("Views", "USD", Decimal("12.5"), 3)]


async def test_spending_of_many_orders_counts_each_once(db, make_account, clock) -> None:
    """Read a page at a time (many orders share one second): none is skipped or counted twice."""
    account = await make_account(1)
    clock.now = ts("2023-11-15T03:00:00")
    await db.track_orders(1, [new_order(account.id, pid, expected_charge=Decimal("0.01")) for pid in range(4500)])
    clock.advance(1)
    await db.track_orders(1, [new_order(account.id, 10_000 + pid, expected_charge=Decimal("1")) for pid in range(7)])
    spending = await db.spending(1, "UTC", now=clock.now)
    assert spending.orders == {"USD": 4507}
    assert spending.daily["USD"][-1] == Decimal("52.00")


async def test_every_order_once_for_an_export(db, make_account) -> None:
    account = await make_account(1)
    await db.track_orders(1, [new_order(account.id, pid) for pid in range(1, 1002)])
    await db.track_orders(2, [new_order((await make_account(2)).id, 5)])
    seen = [o.panel_order_id async for page in db.iter_user_orders(1, page_size=100) for o in page]
    assert seen == list(range(1, 1002))


async def test_time_zone_setting(db, make_account) -> None:
    await make_account(1)
    user, _ = await db.user_and_account(1, "vi")
    assert user.timezone is None  # the language's default until chosen
    assert await db.set_timezone(1, "Asia/Bangkok") is True
    user, _ = await db.user_and_account(1, "vi")  # the cached session was forgotten
    assert user.timezone == "Asia/Bangkok"
    for bad in ("Mars/Olympus", "../../etc/passwd", "", "Asia/Bangkok\n"):
        with pytest.raises(ValueError):
            await db.set_timezone(1, bad)
    assert (await db.get_user(1)).timezone == "Asia/Bangkok"  # unchanged by the refusals
    assert await db.set_timezone(1, None) is True
    assert (await db.get_user(1)).timezone is None
    assert await db.set_timezone(999, "UTC") is False


async def test_an_older_database_gets_the_setting_and_search(tmp_path: Path) -> None:
    """A file from before version 7: users keep their language's default zone, and the orders
    it holds are found by words."""
    from bot.storage.migrations import migrate

    path = tmp_path / "old" / "bot.sqlite3"
    path.parent.mkdir()
    conn = await Connection.open(path)
    await migrate(conn, target=6)
    async with conn.transaction() as session:
        await session.execute("INSERT INTO users (tg_id, language, created_at) VALUES (1, 'vi', 1.0)")
        await session.execute("""INSERT INTO accounts (id, tg_id, panel_url, api_key_enc, created_at)
                                 VALUES (7, 1, 'https://p.example/api/v2', 'x', 1.0)""")
        await session.execute("""INSERT INTO orders (tg_id, account_id, panel_order_id, service_name, created_at)
                                 VALUES (1, 7, 42, 'Tăng lượt xem', 1.0)""")
    await conn.close()
    db = await Database.open(path, TEST_ENCRYPTION_KEY)
    try:
        assert (await db.get_user(1)).timezone is None
        assert await panel_ids(db, 1, words="tang luot xem") == [42]
    finally:
        await db.close()
