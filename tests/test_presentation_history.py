"""What the order history shows: the CSV export (parsed back), the spending chart (a real PNG of
a phone's shape, drawn off the event loop, matplotlib loaded only then), times in the user's time
zone, and texts within Telegram's limits."""

from __future__ import annotations

import asyncio
import csv
import io
import struct
import subprocess
import sys
import tempfile
import time
import warnings
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot import callback_data as cb
from bot.core.history import HistoryPage, OrderFilter, RefillAll, summarise
from bot.core.tracking import Ineligible, RequestOutcome, RequestResult
from bot.i18n import Translations, format_datetime, parse_timezone, user_timezone
from bot.presentation import Texts
from bot.presentation import chart as chart_module
from bot.presentation.chart import (
    HEIGHT,
    WIDTH,
    chart_spec,
    render_chart,
    spending_chart,
)
from bot.presentation.export import BOM, filename, write_orders_csv
from bot.presentation.history import (
    MESSAGE_MAX,
    cancel_report,
    duplicate_warning,
    history_line,
    history_view,
    refill_all_report,
)
from bot.presentation.spending import CAPTION_MAX, spending_caption, spending_text
from bot.presentation.timezone import timezone_changed, timezone_label, timezone_picker
from bot.presentation.uncertain import when
from bot.storage import (
    NewOrder,
    Order,
    OrderStatusUpdate,
    ServiceSpend,
    Spending,
    StatusGroup,
)
from tests.fakebot.html import parse_html

ROOT = Path(__file__).resolve().parent.parent
I18N = Translations.load()
NOW = datetime(2024, 12, 31, 20, 30, tzinfo=ZoneInfo("UTC")).timestamp()  # 1 January, 03:30 in Vietnam
HOSTILE = "<b>&amp; x_y *z*</b> 🚀 & <"


def tx(lang: str, tz: str | None = None) -> Texts:
    return Texts(I18N, lang, tz)


# --- time zones -------------------------------------------------------------------------------


def test_times_are_shown_in_the_users_time_zone() -> None:
    assert user_timezone("vi") == "Asia/Ho_Chi_Minh" and user_timezone("en") == "UTC"
    assert user_timezone("en", "Asia/Tokyo") == "Asia/Tokyo"
    assert format_datetime(NOW, "Asia/Ho_Chi_Minh", "vi") == "01/01/2025 03:30"
    assert format_datetime(NOW, "UTC", "en") == "2024-12-31 20:30"
    assert tx("vi").datetime(NOW) == "01/01/2025 03:30"  # the language's default zone
    assert tx("en").datetime(NOW) == "2024-12-31 20:30"
    assert tx("en", "Asia/Tokyo").datetime(NOW) == "2025-01-01 05:30"  # the zone the user chose
    # Orders whose outcome is unknown show when they were sent, in the user's zone too.
    assert when(tx("vi"), NOW) == "01/01/2025 03:30" and when(tx("vi", "UTC"), NOW) == "31/12/2024 20:30"
    assert tx("en", "Mars/Olympus").datetime(NOW) == "2024-12-31 20:30"  # an unknown zone shows UTC
    user = type("User", (), {"language": "vi", "timezone": "Europe/Berlin"})()
    assert Texts.for_user(I18N, user).datetime(NOW) == "31/12/2024 21:30"


@pytest.mark.parametrize(
    "typed, zone",
    [("Asia/Bangkok", "Asia/Bangkok"), ("bangkok", "Asia/Bangkok"), ("New York", "America/New_York"),
     ("Hà Nội", "Asia/Ho_Chi_Minh"), ("sài gòn", "Asia/Ho_Chi_Minh"), ("UTC+7", "Etc/GMT-7"), ("GMT-3", "Etc/GMT+3"),
     ("utc", "UTC"), ("UTC+15", None), ("nowhere", None), ("", None), ("../../etc/passwd", None)],
)  # fmt: skip
def test_a_typed_time_zone(typed, zone) -> None:
    assert parse_timezone(typed) == zone


def test_time_zone_screens() -> None:
    assert timezone_label("Asia/Ho_Chi_Minh", NOW) == "Asia/Ho Chi Minh (UTC+7)"
    assert timezone_label("Etc/GMT-7", NOW) == "UTC+7" and timezone_label("Asia/Kolkata", NOW) == "Asia/Kolkata (UTC+5:30)"
    text, keyboard = timezone_picker(tx("vi"), NOW, cb.TimezonePick, cb.SettingsMenu())
    assert "Múi giờ: Asia/Ho Chi Minh (UTC+7) · bây giờ là 01/01/2025 03:30" in parse_html(text)[0]
    labels = [b.text for row in keyboard.inline_keyboard for b in row]
    assert "✅ Asia/Ho Chi Minh (UTC+7)" in labels
    assert all(len(b.callback_data.encode()) <= 64 for row in keyboard.inline_keyboard for b in row)
    assert "05:30" in timezone_changed(tx("en", "Asia/Tokyo"), NOW)


# --- the CSV export ------------------------------------------------------------------------------


async def test_the_export_holds_every_order_once_with_vietnamese_intact(db, make_account, clock) -> None:
    main = await make_account(1, currency="VND")
    second = await make_account(1, panel_url="https://second.example/api/v2", currency="USD")
    stranger = await make_account(2)
    names = ["Tăng lượt xem TikTok 🇻🇳", "Bình luận Facebook “đẹp”", "=HYPERLINK(\"http://evil\")", 'Likes, "quoted"\nline']
    orders = [NewOrder(main.id if i % 3 else second.id, 10_000 + i, service_id=100 + i % 4, service_name=names[i % 4],
                       link=f"https://tiktok.com/@người_dùng/video/{i}", quantity=1000 + i,
                       expected_charge=Decimal("1E+3") if i % 2 else Decimal("12.34567"), currency="VND")
              for i in range(1234)]  # fmt: skip
    await db.track_orders(1, orders)
    await db.track_orders(2, [NewOrder(stranger.id, 10_000, service_name="not mine")])
    first = await db.get_order(1, 10_001)
    await db.update_order_statuses([OrderStatusUpdate(first.id, 1, "partial", Decimal("600.5"), 15, -3, True, 1.0)])
    panels = {main.id: "panel.example", second.id: "second.example"}

    texts = tx("vi")
    with tempfile.SpooledTemporaryFile(max_size=64 * 1024) as out:
        count = await write_orders_csv(out, texts, db.iter_user_orders(1, page_size=100), panels)
        out.seek(0)
        raw = out.read()
    assert count == 1234
    assert raw.startswith(BOM.encode("utf-8"))  # Excel then reads UTF-8
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert rows[0] == ["Mã đơn", "Ngày đặt (Asia/Ho_Chi_Minh)", "Panel", "Mã dịch vụ", "Dịch vụ", "Link", "Số lượng",
                       "Thành tiền", "Tiền tệ", "Trạng thái", "Số lượng bắt đầu", "Còn lại"]
    body = rows[1:]
    assert sorted(int(r[0]) for r in body) == [o.panel_order_id for o in orders]  # every order exactly once
    by_id = {int(r[0]): r for r in body}
    created = datetime.fromtimestamp(clock.now, ZoneInfo("Asia/Ho_Chi_Minh")).strftime("%Y-%m-%d %H:%M:%S")
    assert by_id[10_000] == ["10000", created, "second.example", "100", "Tăng lượt xem TikTok 🇻🇳",
                             "https://tiktok.com/@người_dùng/video/0", "1000", "12.34567", "VND", "Chưa kiểm tra", "", ""]
    assert by_id[10_001][2:] == ["panel.example", "101", "Bình luận Facebook “đẹp”", "https://tiktok.com/@người_dùng/video/1",
                                 "1001", "600.5", "VND", "Hoàn thành một phần", "15", "-3"]
    assert by_id[10_002][4] == "'=HYPERLINK(\"http://evil\")"  # never a formula in a spreadsheet
    assert by_id[10_003][4] == 'Likes, "quoted"\nline' and by_id[10_003][7] == "1000"  # quoted; no 1E+3
    assert "not mine" not in raw.decode("utf-8-sig")
    assert filename(texts, NOW) == "orders-2025-01-01.csv"


async def test_an_export_in_english_uses_english_headers_and_utc(db, make_account) -> None:
    account = await make_account(1)
    await db.track_orders(1, [NewOrder(account.id, 5, service_name="Views")])
    out = io.BytesIO()
    assert await write_orders_csv(out, tx("en"), db.iter_user_orders(1), {account.id: "p"}) == 1
    header = next(csv.reader(io.StringIO(out.getvalue().decode("utf-8-sig"))))
    assert header[:3] == ["Order ID", "Date (UTC)", "Panel"]


# --- the spending chart ---------------------------------------------------------------------------


def spending(lang_days: int = 30, amounts: dict[int, str] | None = None) -> Spending:
    days = tuple(date(2024, 12, 3 + i) if i < 29 else date(2025, 1, 1) for i in range(lang_days))
    daily = [Decimal(0)] * lang_days
    for index, amount in (amounts or {}).items():
        daily[index] = Decimal(amount)
    services = (ServiceSpend(201, "TikTok Follow 🇻🇳 bảo hành", "VND", Decimal(150000), 3, None),
                ServiceSpend(101, "Like bài viết", "VND", Decimal("50000.5"), 2, "https://facebook.com/x"))
    orders = {"VND": 5} if amounts else {}
    return Spending("Asia/Ho_Chi_Minh", days, {"VND": tuple(daily)} if amounts else {}, orders, services if amounts else ())


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_chart_is_a_phone_sized_png_with_its_bars_and_vietnamese_text(lang) -> None:
    from PIL import Image

    report = summarise(spending(amounts={0: "10000", 14: "90000", 29: "100000.5"}))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        data = render_chart(chart_spec(tx(lang), report, NOW))
    missing = [str(w.message) for w in caught if "missing from" in str(w.message)]
    assert missing == []  # every letter of "Chi tiêu 30 ngày qua" has a glyph
    assert png_size(data) == (WIDTH, HEIGHT) == (1080, 1350)  # 4:5 portrait: fills a phone's chat, text stays big
    image = Image.open(io.BytesIO(data)).convert("RGB")
    assert image.size == (WIDTH, HEIGHT)
    colours = image.getcolors(maxcolors=1_000_000)
    assert len(colours) > 50  # text, bars and grid: not a blank picture
    bar_pixels = sum(count for count, rgb in colours if rgb in {(0x4C, 0x8B, 0xF5), (0x1A, 0x56, 0xC4)})
    assert bar_pixels > 20_000  # three bars, the tallest over half the chart's height


def test_an_empty_month_still_draws_a_chart() -> None:
    report = summarise(spending())
    assert report.empty
    data = render_chart(chart_spec(tx("vi"), report, NOW))
    assert png_size(data) == (WIDTH, HEIGHT)


async def test_the_chart_is_drawn_off_the_event_loop() -> None:
    report = summarise(spending(amounts={3: "5"}))
    ticks = 0
    done = asyncio.Event()

    async def ticker() -> None:
        nonlocal ticks
        while not done.is_set():
            await asyncio.sleep(0.005)
            ticks += 1

    task = asyncio.create_task(ticker())
    started = time.monotonic()
    data = await spending_chart(tx("vi"), report, NOW)
    elapsed = time.monotonic() - started
    done.set()
    await task
    assert png_size(data) == (WIDTH, HEIGHT)
    # The loop kept running while the chart was drawn (a blocked loop ticks once at most).
    assert ticks >= max(3, int(elapsed / 0.005 / 4))


def test_importing_the_bot_does_not_load_matplotlib() -> None:
    """The bot's idle memory must not grow by matplotlib: it loads with the first chart."""
    code = (
        "import sys, bot.app, bot.jobs.tracker, bot.presentation, bot.presentation.chart, bot.presentation.export, "
        "bot.presentation.history, bot.presentation.spending, bot.core.history\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('matplotlib', 'numpy', 'PIL')))"
    )
    loaded = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True, timeout=60)
    assert loaded.stdout.strip() == "[]"


def test_the_chart_module_imports_matplotlib_only_inside_the_drawing_function() -> None:
    source = Path(chart_module.__file__).read_text(encoding="utf-8")
    top_level = [line for line in source.splitlines() if line.startswith(("import ", "from "))]
    assert not [line for line in top_level if "matplotlib" in line]


# --- texts ----------------------------------------------------------------------------------------


def make_order(pk: int, **kwargs: object) -> Order:
    fields: dict[str, object] = dict(
        id=pk, tg_id=1, account_id=1, panel_order_id=10_000 + pk, service_id=5, service_name=HOSTILE * 5,
        service_type="Default", link="https://www.tiktok.com/@" + "a" * 300, quantity=1500, expected_charge=Decimal(1),
        currency="VND", refill_allowed=True, cancel_allowed=True, status="in_progress", charge=None, start_count=None,
        remains=None, checked_at=None, told_status=None, final=False, created_at=NOW,
    )  # fmt: skip
    fields.update(kwargs)
    return Order(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_an_orders_line_shows_id_status_service_link_quantity_and_date(lang) -> None:
    order = make_order(1, service_name="TikTok Lượt xem video siêu tốc độ bảo hành trọn đời 🇻🇳 VIP")
    plain, _ = parse_html(history_line(tx(lang), order))
    assert "#10001" in plain and ("Đang chạy" in plain or "In progress" in plain)
    assert ("01/01/2025 03:30" if lang == "vi" else "2024-12-31 20:30") in plain
    assert "tiktok.com/@aaa" in plain and "https://" not in plain and "…" in plain
    assert ("1.500" if lang == "vi" else "1,500") in plain


def test_what_an_empty_page_says() -> None:
    from bot.core.uncertain import UncertainOrder
    from bot.storage import Intent, IntentState

    texts = tx("en")
    intent = Intent("tok", 1, 1, IntentState.UNKNOWN, None, {"service_name": "Views", "link": "https://t.me/a"},
                    "timeout", NOW, NOW)
    lost = UncertainOrder.from_intent(intent)

    def shown(flt: OrderFilter, uncertain=()) -> str:
        return parse_html(history_view(texts, HistoryPage(flt, [], list(uncertain), 0, 0, 1), lambda f, p: cb.MainMenu())[0])[0]

    assert shown(OrderFilter()) == "You have no orders here yet."
    assert shown(OrderFilter(StatusGroup.CANCELED)) == "No orders match this filter."
    assert "No orders match" in shown(OrderFilter.search("zzz")) and "Search: zzz" in shown(OrderFilter.search("zzz"))
    only_lost = shown(OrderFilter(), [lost])
    assert "Outcome unknown (1)" in only_lost and "no orders" not in only_lost.lower()
    assert "Outcome unknown (1)" in shown(OrderFilter(StatusGroup.UNKNOWN), [lost])
    assert shown(OrderFilter(StatusGroup.UNKNOWN)) == "No orders match this filter."


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_pages_reports_and_warnings_fit_telegram(lang) -> None:
    texts = tx(lang)
    orders = [make_order(i) for i in range(1, 9)]
    flt = OrderFilter.search(HOSTILE * 4, 123456789).with_group(StatusGroup.ACTIVE)
    page = HistoryPage(flt, orders, [], 40, 2, 5, {g: 9_999_999 for g in StatusGroup})
    panels = {123456789: HOSTILE, 987654321: "second.example"}
    text, keyboard = history_view(texts, page, lambda f, p: cb.History(f.pack(), p), panels)
    plain, _ = parse_html(text)  # valid HTML: every value was escaped
    assert len(text) <= MESSAGE_MAX and HOSTILE[:20] in plain
    data = [b.callback_data for row in keyboard.inline_keyboard for b in row]
    assert all(len(d.encode()) <= 64 for d in data)
    labels = [b.text for row in keyboard.inline_keyboard for b in row]
    assert any(label.startswith("✅ ") for label in labels)

    results = [RequestResult(20_000 + i, outcome, refill_id=i, reason=Ineligible.FINAL, status="completed")
               for i, outcome in enumerate(list(RequestOutcome) * 17)][:100]
    for report in (cancel_report(texts, results, lambda r: texts("error.panel.unrecognised", text=HOSTILE * 50)),
                   refill_all_report(texts, RefillAll(results, 12), lambda r: None)):
        parse_html(report)
        assert len(report) <= 4096
        assert ("…" in report) and "#20000" in report
    warning = duplicate_warning(texts, make_order(1))
    assert "#10001" in parse_html(warning)[0]
    assert refill_all_report(texts, RefillAll([], 0)) == texts("refill_all.none")


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_spending_texts(lang) -> None:
    texts = tx(lang)
    report = summarise(spending(amounts={0: "50000.5", 29: "150000"}))
    text = spending_text(texts, report, NOW)
    plain, _ = parse_html(text)
    assert ("200.001 VND" if lang == "vi" else "200,001 VND") in plain  # Decimal sum, the currency's digits
    assert "TikTok Follow 🇻🇳 bảo hành" in plain and "Facebook" in plain and "(75%)" in plain and "(25%)" in plain
    caption = spending_caption(texts, report)
    assert len(caption) <= CAPTION_MAX and len(text) <= MESSAGE_MAX
    empty = spending_text(texts, summarise(spending()), NOW)
    assert "30" in empty and len(empty) < 300
