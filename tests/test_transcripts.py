"""Transcripts of one full order, in Vietnamese and in English, kept in docs/transcripts/.

A new user goes through the whole order conversation with the real Application (fake Bot API,
panel simulator): onboarding, browsing the catalogue, an order, changing its quantity, Confirm,
the tracker's notification when the panel completes it, and "Order again". Every step is
written down as the user sees it (tests/fakebot/transcript.py) and compared with the stored
transcript, so a change of wording or of the flow fails here until docs/ is updated:

    UPDATE_TRANSCRIPTS=1 python -m pytest -q tests/test_transcripts.py   # rewrite the files
    git diff docs/transcripts/                                            # read what changed

Everything shown is deterministic: the simulator's catalogue, order ids and start counts are
fixed by its seed (each language gets a fresh simulator), its URL (a random port) and times of
day are replaced, and callback data (which may hold random tokens) is never printed.
"""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import TEST_KEY, RunningBot
from tests.fakebot.transcript import TranscriptRecorder

TRANSCRIPTS = Path(__file__).resolve().parent.parent / "docs" / "transcripts"
UPDATE = bool(os.environ.get("UPDATE_TRANSCRIPTS"))
PANEL_SITE = "https://panel.example"
NORMALISE = (
    (r"http://127\.0\.0\.1:\d+", PANEL_SITE),  # the simulator listens on a random port
    (r"\b\d{2}/\d{2}/\d{4} \d{2}:\d{2}\b", "dd/mm/yyyy hh:mm"),  # Vietnamese date and time
    (r"\b\d{4}-\d{2}-\d{2} \d{2}:\d{2}\b", "yyyy-mm-dd hh:mm"),  # English date and time
)
CATEGORY = "Facebook Like (3)"  # a category of the Facebook platform, on the catalogue's first page
SERVICE = "101 ·"  # "Facebook Like bài viết Việt Nam 🇻🇳": 12.5 VND / 1000, 50–50,000


@dataclass(frozen=True)
class Script:
    """What differs between the languages: who the user is, what they type, the buttons' words."""

    language: str
    first_name: str
    link: str
    new_order: str
    order: str
    edit: str
    confirm: str
    order_again: str
    cancel: str


SCRIPTS = {
    "vi": Script("vi", "Lan", "https://www.facebook.com/lan.nguyen.98/posts/1234567890",
                 new_order="🛒 Đặt đơn mới", order="🛒 Đặt đơn", edit="✏️ Sửa", confirm="✅ Xác nhận",
                 order_again="🔁 Đặt thêm đơn này", cancel="✖️ Huỷ"),
    "en": Script("en", "Anna", "https://www.facebook.com/anna.smith.98/posts/1234567890",
                 new_order="🛒 New order", order="🛒 Order", edit="✏️ Edit", confirm="✅ Confirm",
                 order_again="🔁 Order again", cancel="✖️ Cancel"),
}
TITLES = {
    "vi": "Một đơn hàng trọn vẹn, bằng tiếng Việt",
    "en": "One full order, in English",
}
INTRO = {
    "vi": ("Một người dùng mới (ngôn ngữ Telegram `vi`) đặt like Facebook. Tệp này do "
           "`tests/test_transcripts.py` ghi lại từ đúng những gì bot đã làm (xem README.md ở đây); "
           "đừng sửa tay. `#n` là số thứ tự của tin nhắn trong cuộc trò chuyện."),
    "en": ("A new user (Telegram language `en`) orders Facebook likes. Written by "
           "`tests/test_transcripts.py` from what the bot really did (see README.md here); "
           "do not edit by hand. `#n` is a message's number in the chat."),
}
PASTED_KEY = {"vi": "(API key, được dán vào)", "en": "(the API key, pasted)"}
# Each section's title and what happens in it, in the transcript's language.
SECTIONS = {
    "vi": {
        "onboarding": ("Bắt đầu", "Người dùng mở bot và dán API key lấy từ website của panel."),
        "browse": ("Xem danh mục", "Danh mục được nhóm theo nền tảng; người dùng chọn một danh mục, rồi một dịch vụ."),
        "order": ("Đặt đơn", "Gửi link, rồi số lượng; bot hiện đơn để xác nhận."),
        "change": ("Đổi số lượng", "Người dùng muốn 2.000 thay vì 1.000: gõ số mới ngay tại đơn."),
        "confirm": ("Xác nhận", ""),
        "notification": ("Thông báo", ""),
        "again": ("Đặt lại", "Đặt thêm đơn y hệt: đơn hiện ra đã điền sẵn; người dùng xác nhận."),
        "live": ("Các nút còn bấm được ở cuối", "Những tin nhắn vẫn còn nút (nút cũ vẫn bấm được)."),
        "meanwhile": "Panel hoàn thành đơn, và bot kiểm tra trạng thái.",
    },
    "en": {
        "onboarding": ("Onboarding", "The user opens the bot and pastes the API key from the panel's website."),
        "browse": ("Browse the catalogue", "Categories are grouped by platform; the user picks one, then a service."),
        "order": ("Order", "The link, then the quantity; the bot shows the order to confirm."),
        "change": ("Change the quantity", "The user wants 2,000 instead of 1,000: they type it at the card."),
        "confirm": ("Confirm", ""),
        "notification": ("Notification", ""),
        "again": ("Order again", "The same order once more: the card comes filled in; the user confirms it."),
        "live": ("Buttons still live at the end", "Messages that still show buttons (old ones can still be tapped)."),
        "meanwhile": "The panel completes the order, and the tracker checks it.",
    },
}


@pytest.mark.parametrize("language", ["vi", "en"])
async def test_transcript_of_one_full_order(bot: RunningBot, language: str) -> None:
    script = SCRIPTS[language]
    user = bot.user(18_900 + list(SCRIPTS).index(language), language, first_name=script.first_name)
    rec = TranscriptRecorder(user, patterns=NORMALISE, language=language)
    sections = SECTIONS[language]

    rec.heading(*sections["onboarding"])
    await rec.send("/start")
    await rec.send(TEST_KEY, shown=PASTED_KEY[language])

    rec.heading(*sections["browse"])
    await rec.press(script.new_order)
    await rec.press(CATEGORY)
    await rec.press(SERVICE)

    rec.heading(*sections["order"])
    await rec.press(script.order)
    await rec.send(script.link)
    await rec.send("1000")

    rec.heading(*sections["change"])
    await change_quantity(rec, script, "2000")

    rec.heading(*sections["confirm"])
    await rec.press(script.confirm)
    [first] = bot.sim.orders.values()
    assert (first.link, first.quantity) == (script.link, 2000)  # what the panel received

    rec.heading(*sections["notification"])
    bot.sim.complete_order(first.id)
    await rec.meanwhile(sections["meanwhile"], bot.tracker.cycle())

    rec.heading(*sections["again"])
    await order_again(rec, script)
    await rec.press(script.confirm)
    assert [(o.link, o.quantity) for o in bot.sim.orders.values()] == [(script.link, 2000)] * 2

    rec.live_buttons(*sections["live"])

    text = rec.render(TITLES[language], INTRO[language])
    check_or_update(TRANSCRIPTS / f"order.{language}.md", text)



async def change_quantity(rec: TranscriptRecorder, script: Script, quantity: str) -> None:
    """Change the quantity at the confirmation card: a number typed there is the new quantity."""
    await rec.send(quantity)


async def order_again(rec: TranscriptRecorder, script: Script) -> None:
    """"Order again" on the notification opens the card filled with the same link and quantity."""
    await rec.press(script.order_again)


def check_or_update(path: Path, text: str) -> None:
    """Write the transcript (UPDATE_TRANSCRIPTS=1), else fail with a diff when it changed."""
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return
    stored = path.read_text(encoding="utf-8") if path.exists() else ""
    if stored != text:
        diff = "".join(difflib.unified_diff(
            stored.splitlines(keepends=True), text.splitlines(keepends=True),
            f"{path.name} (stored)", f"{path.name} (what the bot says now)",
        ))
        pytest.fail(
            f"{path} no longer matches the conversation. If the change is intended, regenerate with\n"
            f"    UPDATE_TRANSCRIPTS=1 python -m pytest -q tests/{Path(__file__).name}\n"
            f"and commit docs/transcripts/ with it.\n\n{diff}",
            pytrace=False,
        )
