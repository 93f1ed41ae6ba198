"""Service catalogues served by the simulator, in the panel's own JSON shape.

Entries are dicts exactly as `action=services` returns them (strings for numbers, like the
seed); the simulator reads its own rules from them with `SimService.from_entry`.
"""

from __future__ import annotations

import random
from typing import Any

__all__ = ["SEED_SERVICES", "big_catalogue", "default_catalogue"]

# Exactly the two services of the panel's documentation page (panel-api-v2.seed.txt).
SEED_SERVICES: list[dict[str, Any]] = [
    {
        "service": 1,
        "name": "Facebook views",
        "type": "Default",
        "category": "Facebook",
        "rate": "2.5",
        "min": "200",
        "max": "10000",
        "refill": True,
    },
    {
        "service": 2,
        "name": "Tiktok views",
        "type": "Default",
        "category": "Tiktok",
        "rate": "4",
        "min": "10",
        "max": "1500",
        "refill": False,
    },
]


def _svc(
    service_id: int,
    name: str,
    category: str,
    rate: str,
    minimum: int,
    maximum: int,
    *,
    type_: str = "Default",
    refill: bool = False,
    cancel: bool = False,
    **extra: Any,
) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "service": service_id,
        "name": name,
        "type": type_,
        "category": category,
        "rate": rate,
        "min": str(minimum),
        "max": str(maximum),
        "refill": refill,
        "cancel": cancel,
    }
    entry.update(extra)
    return entry


# A realistic spread: Vietnamese text with diacritics, emoji, HTML/Markdown special characters,
# services with and without refill/cancel, a step, descriptions, drip-feed, and every order type.
_EXTRA_SERVICES: list[dict[str, Any]] = [
    _svc(101, "Facebook Like bài viết Việt Nam 🇻🇳", "Facebook Like", "12.5", 50, 50000, refill=True, cancel=True,
         desc="Like người Việt thật, bảo hành 30 ngày."),
    _svc(102, "Facebook Follow trang cá nhân ⚡", "Facebook Follow", "35", 100, 100000, refill=True,
         average_time="2 giờ 15 phút"),
    _svc(103, "Facebook Likes <b>VIP</b> & Co_fast", "Facebook Like", "20", 100, 10000, refill=True, cancel=True),
    _svc(104, "Facebook Share bài viết", "Facebook Share", "60", 100, 20000, cancel=True, dripfeed=True),
    _svc(105, "Facebook Bình luận theo yêu cầu 💬", "Facebook Comment", "450", 1, 500, type_="Custom Comments",
         description="Mỗi dòng là một bình luận."),
    _svc(106, "Facebook Poll bình chọn", "Facebook Khác", "80", 100, 10000, type_="Poll"),
    _svc(107, "Facebook Reaction ❤️ Thương thương", "Facebook Like", "15", 50, 20000, cancel=True),
    _svc(201, "TikTok Follow 🇻🇳 bảo hành 30 ngày", "TikTok Follow", "55", 100, 50000, refill=True, cancel=True),
    _svc(202, "TikTok Tim video ❤️", "TikTok Like", "8", 100, 100000, cancel=True),
    _svc(203, "TikTok View video — siêu tốc", "TikTok View", "0.8", 1000, 1000000, step="100",
         description="Số lượng là bội số của 100."),
    _svc(204, "TikTok Mắt xem Live 30 phút", "TikTok Live", "150", 50, 5000),
    _svc(205, "TikTok Comment tùy chỉnh", "TikTok Comment", "600", 10, 1000, type_="Custom Comments", cancel=True),
    _svc(301, "Instagram Followers [Real] 💎", "Instagram Followers", "75.5", 50, 20000, refill=True, cancel=True,
         desc="Refill 30 days <no drop> & fast start"),
    _svc(302, "Instagram Likes _fast_ *no refill*", "Instagram Likes", "6.25", 20, 50000, cancel=True),
    _svc(303, "Instagram Reels Views", "Instagram Views", "1.2", 500, 1000000, dripfeed=True),
    _svc(304, "Instagram Gói 1K Follow + 500 Like 🎁", "Instagram Package", "95000", 1, 1, type_="Package"),
    _svc(401, "YouTube Views [Non Drop] 30 days refill", "YouTube Views", "45", 500, 1000000, refill=True,
         dripfeed=True),
    _svc(402, "YouTube Subscribers bảo hành 60 ngày", "YouTube Subscribers", "1200", 50, 10000, refill=True,
         cancel=True),
    _svc(403, "YouTube Likes 👍", "YouTube Likes", "30", 50, 50000, cancel=True),
    _svc(404, "YouTube Watch time 4000 giờ (gói)", "YouTube Watch Time", "1500000", 1, 1, type_="Package",
         refill=True),
    _svc(501, "Telegram Thành viên nhóm/kênh", "Telegram Members", "30", 100, 50000, refill=True, cancel=True),
    _svc(502, "Telegram Post views (10 bài gần nhất)", "Telegram Views", "3", 100, 1000000),
    _svc(503, "Telegram Reactions 👍❤️🔥", "Telegram Reactions", "9.9", 10, 100000, cancel=True),
    _svc(601, "Shopee Theo dõi shop", "Shopee", "40", 100, 10000, cancel=True),
    _svc(602, "Shopee Thích sản phẩm", "Shopee", "25", 50, 5000),
    _svc(603, "Shopee Đánh giá 5⭐ (nội dung tùy chỉnh)", "Shopee", "2500", 1, 100, type_="Custom Comments"),
    _svc(701, "X (Twitter) Followers", "X / Twitter", "90", 100, 20000, refill=True),
    _svc(702, "X Retweets & Likes `combo`", "X / Twitter", "55.75", 50, 10000, cancel=True),
    _svc(801, "Website Traffic Việt Nam (Google)", "Website Traffic", "15", 1000, 500000, step="500"),
    # Every other order type of the spec, with its own `add` parameters.
    _svc(108, "Facebook Gói 10 bình luận tùy chỉnh 💬", "Facebook Comment", "25000", 1, 1,
         type_="Custom Comments Package"),
    _svc(206, "TikTok Auto View video mới 🔁 (Subscriptions)", "TikTok Auto", "0.9", 100, 100000,
         type_="Subscriptions", description="Tự động tăng view cho mỗi video mới của tài khoản."),
    _svc(305, "Instagram Mentions theo danh sách username", "Instagram Mentions", "40", 10, 5000,
         type_="Mentions Custom List"),
    _svc(306, "Instagram Mentions + Hashtags", "Instagram Mentions", "45", 100, 20000, type_="Mentions with Hashtags"),
    _svc(307, "Instagram Mentions người dùng hashtag #", "Instagram Mentions", "30", 100, 50000,
         type_="Mentions Hashtag"),
    _svc(308, "Instagram Mentions follower của một tài khoản", "Instagram Mentions", "30", 100, 50000,
         type_="Mentions User Followers"),
    _svc(309, "Instagram Mentions người đã like bài viết", "Instagram Mentions", "35", 100, 50000,
         type_="Mentions Media Likers"),
    _svc(310, "Instagram Like bình luận 👍", "Instagram Comments", "60", 20, 5000, type_="Comment Likes", cancel=True),
    _svc(311, "Instagram Trả lời bình luận (nội dung tùy chỉnh)", "Instagram Comments", "900", 1, 500,
         type_="Comment Replies"),
    _svc(312, "Instagram Auto Like bài mới 🔁 <Subscriptions>", "Instagram Auto", "8", 50, 10000,
         type_="Subscriptions", cancel=True),
    _svc(405, "YouTube Like bình luận", "YouTube Comments", "70", 20, 10000, type_="Comment likes"),
    _svc(504, "Telegram Bình chọn Poll (chọn đáp án)", "Telegram Poll", "12", 100, 50000, type_="Poll"),
    _svc(505, "Telegram Mời thành viên từ nhóm khác", "Telegram Members", "120", 100, 10000,
         type_="Invites from Groups", cancel=True),
    _svc(802, "Google SEO Traffic theo từ khoá 🔎", "Website Traffic", "25", 1000, 100000, type_="SEO"),
]


def default_catalogue() -> list[dict[str, Any]]:
    """The seed's two services plus a realistic spread; a fresh copy every call."""
    return [dict(entry) for entry in SEED_SERVICES + _EXTRA_SERVICES]


_PLATFORMS = ["Facebook", "TikTok", "Instagram", "YouTube", "Telegram", "Shopee", "X", "Threads", "Spotify", "Website"]
_THINGS = ["Like", "Follow", "View", "Comment", "Share", "Member", "Reaction", "Lượt xem", "Theo dõi", "Đánh giá"]
_FLAVOURS = ["🇻🇳", "⚡ nhanh", "💎 VIP", "[Real]", "<HQ>", "& bảo hành", "_no_drop_", "🔥"]


def big_catalogue(count: int, seed: int | None = None) -> list[dict[str, Any]]:
    """`count` services over about count/50 categories, reproducible with `seed` (for benchmarks)."""
    rng = random.Random(seed)
    categories = max(1, round(count / 50))
    entries: list[dict[str, Any]] = []
    for index in range(count):
        slot = index % categories
        platform = _PLATFORMS[slot % len(_PLATFORMS)]
        category = f"{platform} {_THINGS[(slot // len(_PLATFORMS)) % len(_THINGS)]} #{slot + 1}"
        kind = rng.choices(["Default", "Package", "Custom Comments", "Poll"], weights=[90, 4, 4, 2])[0]
        minimum = 1 if kind == "Package" else rng.choice([10, 50, 100, 200, 500, 1000])
        maximum = 1 if kind == "Package" else minimum * rng.choice([10, 100, 1000])
        rate = f"{rng.uniform(0.5, 3000):.{rng.choice([0, 1, 2, 3])}f}"
        entry = _svc(
            index + 1,
            f"{platform} {rng.choice(_THINGS)} {rng.choice(_FLAVOURS)} #{index + 1}",
            category,
            rate,
            minimum,
            maximum,
            type_=kind,
            refill=rng.random() < 0.4,
            cancel=rng.random() < 0.5,
        )
        if rng.random() < 0.3:
            entry["description"] = f"Bắt đầu trong {rng.randint(1, 48)} giờ. Tốc độ {rng.randint(1, 50)}K/ngày."
        entries.append(entry)
    return entries
