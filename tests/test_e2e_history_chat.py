"""The order history in the chat: /orders filters and search, /cancelorder, "Refill all
eligible", the duplicate-link warning, /spending's chart, /export's CSV and the time zone.

What reached the panel is read from the simulator's books (`sim.requests`, `sim.refills`);
what the user got, from the fake Bot API (photos and documents keep their bytes).
"""

from __future__ import annotations

import csv
import io
import struct
import zlib

from bot.i18n import format_datetime
from bot.storage import NewOrder
from tests.conftest import TEST_KEY, order_until_confirmation
from tests.panel_fixtures import make_test_client

FB_POST = "https://facebook.com/post/"


async def website_order(bot, tg_id, service_id, link, quantity, name, *, refill=False, cancel=False) -> int:
    """An order placed on the panel and followed by the bot, with what the bot knows of it when
    it places one itself (service, link, quantity)."""
    async with make_test_client() as client:
        order_id = await client.account(bot.sim.url, TEST_KEY).add(service_id, link, quantity)
    account = await bot.db.active_account(tg_id)
    await bot.db.track_orders(tg_id, [NewOrder(account.id, order_id, service_id, name, "Default", link, quantity,
                                               None, account.currency, refill, cancel)])
    return order_id


async def refreshed_orders(user, refresh="🔄 Refresh"):
    """/orders, then its Refresh: the statuses the simulator was given are stored and shown."""
    await user.send("/orders")
    return await user.press(refresh)


async def test_filters_and_search(bot):
    user = await bot.onboarded(1601, "en")
    done = await website_order(bot, 1601, 1, FB_POST + "aaa", 1000, "Facebook views")
    part = await website_order(bot, 1601, 1, FB_POST + "bbb", 1000, "Facebook views")
    gone = await website_order(bot, 1601, 1, FB_POST + "ccc", 1000, "Facebook views")
    tiktok = [await website_order(bot, 1601, 2, f"https://tiktok.com/@me/video/{i}", 100, "Tiktok views") for i in (1, 2)]
    bot.sim.complete_order(done)
    bot.sim.complete_order(part, "Partial", remains=300)
    bot.sim.complete_order(gone, "Canceled")
    reply = await refreshed_orders(user)
    buttons = user.buttons()
    for label in ("✅ All (5)", "Running (2)", "Completed (1)", "Partial (1)", "Canceled (1)"):
        assert any(b.endswith(label) for b in buttons), (label, buttons)
    assert "Unknown outcome" not in " ".join(buttons)  # an empty group has no button

    reply = await user.press("Completed (1)")
    assert f"#{done}" in reply.text and "Facebook views · qty 1,000 · facebook.com/post/aaa" in reply.text
    assert all(f"#{i}" not in reply.text for i in (part, gone, *tiktok))
    reply = await user.press("Running (2)")
    assert all(f"#{i}" in reply.text for i in tiktok) and f"#{done}" not in reply.text

    # Search: service words, a link (with or without its scheme), an id.
    reply = await user.send("/orders tiktok")
    assert "Search: tiktok" in reply.text and all(f"#{i}" in reply.text for i in tiktok) and f"#{done}" not in reply.text
    reply = await user.send(f"/orders {FB_POST}bbb")
    assert f"#{part}" in reply.text and f"#{done}" not in reply.text and f"#{gone}" not in reply.text
    reply = await user.send(f"/orders #{gone}")
    assert f"#{gone}" in reply.text and f"#{done}" not in reply.text
    reply = await user.send("/orders nothing-like-this")
    assert "No orders match this filter." in reply.text
    reply = await user.press("✖️")  # clear the search
    assert all(f"#{i}" in reply.text for i in (done, part, gone, *tiktok))

    # Words too long for a button: its filters still search for all of them, not the cut ones.
    long_link = FB_POST + "ddd-" + "x" * 40
    wanted = await website_order(bot, 1601, 1, long_link, 1000, "Facebook views")
    reply = await user.send(f"/orders facebook views {long_link}")
    assert f"#{wanted}" in reply.text and f"#{done}" not in reply.text
    reply = await user.press("✅ All (1)")  # the same filter again, from its button
    assert f"#{wanted}" in reply.text and f"#{done}" not in reply.text and f"#{part}" not in reply.text
    reply = await user.press("Running (1)")
    assert f"#{wanted}" in reply.text and f"#{done}" not in reply.text


async def test_cancel_by_ids_sends_one_request_and_never_twice(bot):
    user = await bot.onboarded(1602, "en")
    running = [await website_order(bot, 1602, 202, f"https://tiktok.com/@me/video/{i}", 100, "TikTok Tim video ❤️",
                                   cancel=True) for i in (1, 2)]
    no_cancel = await website_order(bot, 1602, 1, FB_POST + "n", 1000, "Facebook views")
    finished = await website_order(bot, 1602, 202, "https://tiktok.com/@me/video/3", 100, "TikTok Tim video ❤️", cancel=True)
    bot.sim.complete_order(finished)
    await refreshed_orders(user)
    before = bot.sim.requests["cancel"]

    reply = await user.send(f"/cancelorder {running[0]}, {running[1]} {no_cancel} {finished} abc")
    assert bot.sim.requests["cancel"] == before + 1  # one request for the two that may be cancelled
    text = reply.text
    assert f"#{running[0]}: cancel requested." in text and f"#{running[1]}: cancel requested." in text
    assert f"#{no_cancel}: this service does not allow cancelling." in text
    assert f"#{finished}: already finished (✅ Completed)" in text and "abc" in text
    assert [o for o in running if bot.sim.orders[o].status == "Canceled"] == running

    again = await user.send(f"/cancelorder {running[0]} {running[1]}")
    assert bot.sim.requests["cancel"] == before + 1  # claimed: never sent twice
    assert f"#{running[0]}: " in again.text and "cancel requested." not in again.text

    # Without ids the bot asks for them; the next message holds them.
    reply = await user.send("/cancelorder")
    assert "Send the ids of the orders to cancel" in reply.text
    reply = await user.send(f"{running[0]}")
    assert f"#{running[0]}: " in reply.text and bot.sim.requests["cancel"] == before + 1


async def test_refill_all_eligible_asks_once_per_order(bot):
    user = await bot.onboarded(1603, "en")
    eligible = [await website_order(bot, 1603, 1, FB_POST + f"r{i}", 1000, "Facebook views", refill=True) for i in (1, 2)]
    no_refill = await website_order(bot, 1603, 2, "https://tiktok.com/@me/video/9", 100, "Tiktok views")
    running = await website_order(bot, 1603, 1, FB_POST + "r3", 1000, "Facebook views", refill=True)
    for order_id in (*eligible, no_refill):
        bot.sim.complete_order(order_id)
    await refreshed_orders(user)
    before = bot.sim.requests["refill"]

    reply = await user.press("♻️ Refill all eligible")
    assert sorted(o for r in bot.sim.refills.values() for o in r.order_ids) == sorted(eligible)
    assert all(f"#{i}: refill requested" in reply.text for i in eligible)
    assert f"#{no_refill}" not in reply.text and f"#{running}" not in reply.text
    sent = bot.sim.requests["refill"] - before
    assert 1 <= sent <= 2

    await user.send("/orders")
    reply = await user.press("♻️ Refill all eligible")
    assert sorted(o for r in bot.sim.refills.values() for o in r.order_ids) == sorted(eligible)  # exactly once
    assert bot.sim.requests["refill"] - before == sent
    assert all(f"#{i}: already requested" in reply.text for i in eligible)


async def test_the_same_link_running_is_warned_before_confirm(bot):
    user = await bot.onboarded(1604, "en")
    await order_until_confirmation(user, 1, FB_POST + "dup", "1000")
    await user.press("✅ Confirm")
    first = max(bot.sim.orders)

    card = await order_until_confirmation(user, 1, FB_POST + "dup", "1000")
    assert f"⚠️ Order #{first} for this link and service is still" in card.text
    other = await order_until_confirmation(user, 1, FB_POST + "other", "1000")
    assert "⚠️" not in other.text
    card = await order_until_confirmation(user, 1, FB_POST + "dup", "1000")
    # The user may still confirm: the order goes to the panel (this one refuses a second active
    # order for a link, as many do, and says so).
    sent = bot.sim.requests["add"]
    reply = await user.press("✅ Confirm", message=card.last)
    assert bot.sim.requests["add"] == sent + 1 and "⚠️" not in reply.text


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height of a PNG, after checking every chunk's CRC and that it ends with IEND."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, kinds = 8, []
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        body = data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])
        assert zlib.crc32(kind + body) == crc, kind
        kinds.append(kind)
        pos += 12 + length
    assert kinds[0] == b"IHDR" and kinds[-1] == b"IEND" and b"IDAT" in kinds
    return struct.unpack(">II", data[16:24])


async def test_spending_sends_a_phone_sized_chart_and_its_text(bot):
    user = await bot.onboarded(1605, "vi")
    for i in range(3):
        order_id = await website_order(bot, 1605, 101, FB_POST + f"s{i}", 1000, "Facebook Like bài viết Việt Nam 🇻🇳")
        bot.sim.complete_order(order_id)
    await refreshed_orders(user, "🔄 Làm mới")

    reply = await user.send("/spending")
    photo = next(m for m in reply.messages if m.media and "photo" in m.media)
    width, height = png_size(photo.file)
    assert (width, height) == (photo.media["photo"][0]["width"], photo.media["photo"][0]["height"])
    assert 720 <= width <= 1280 and 1.0 <= height / width <= 1.25  # portrait, shown whole on a phone
    assert "Chi tiêu" in photo.plain_text
    text = reply.messages[-1].plain_text
    assert "Facebook Like bài viết Việt Nam" in text and "Facebook" in text


async def test_export_is_a_csv_of_every_order_once_with_vietnamese_intact(bot):
    user = await bot.onboarded(1606, "vi")
    reply = await user.send("/export")
    assert reply.text == "Bạn chưa có đơn hàng nào để xuất." and reply.last.media is None
    ids = [await website_order(bot, 1606, 101, FB_POST + f"e{i}", 1000, "Facebook Like bài viết Việt Nam 🇻🇳")
           for i in range(12)]

    reply = await user.send("/export")
    document = next(m for m in reply.messages if m.media and "document" in m.media)
    assert document.file_name.startswith("orders-") and document.file_name.endswith(".csv")
    assert document.file.startswith("\ufeff".encode())  # the BOM spreadsheets need for UTF-8
    rows = list(csv.reader(io.StringIO(document.file.decode("utf-8-sig"))))
    header, body = rows[0], rows[1:]
    assert sorted(int(row[0]) for row in body) == sorted(ids)  # every order exactly once
    service = header.index(next(h for h in header if "Dịch vụ" in h and "Mã" not in h))
    assert {row[service] for row in body} == {"Facebook Like bài viết Việt Nam 🇻🇳"}


async def test_times_follow_the_users_time_zone(bot):
    user = await bot.onboarded(1607, "en")
    order_id = await website_order(bot, 1607, 1, FB_POST + "tz", 1000, "Facebook views")
    created = (await bot.db.get_order(1607, order_id)).created_at

    reply = await user.send("/orders")
    assert format_datetime(created, "UTC", "en") in reply.text  # English: UTC by default

    await user.send("/settings")
    reply = await user.press("🕒 Time zone")
    reply = await user.press("Asia/Tokyo (UTC+9)")
    assert "Time zone set: Asia/Tokyo (UTC+9)" in reply.text
    reply = await user.send("/orders")
    assert format_datetime(created, "Asia/Tokyo", "en") in reply.text
    assert format_datetime(created, "UTC", "en") not in reply.text

    # Typed by name, too; a name no zone has is answered and asked again.
    await user.send("/settings")
    await user.press("🕒 Time zone")
    reply = await user.send("Atlantis")
    assert "Atlantis" in reply.text and (await bot.db.get_user(1607)).timezone == "Asia/Tokyo"
    reply = await user.send("Bangkok")
    assert "Asia/Bangkok (UTC+7)" in reply.text
    reply = await user.send("/orders")
    assert format_datetime(created, "Asia/Bangkok", "en") in reply.text
