"""The platform a service works on, read from its name and category, for examples that fit.

A TikTok service asks for a TikTok link with a TikTok example; users paste what they see.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.panel import Service


@dataclass(frozen=True)
class Platform:
    name: str
    words: tuple[str, ...]  # found in a service's name or category (lower case)
    link: str  # the kind of page most services of the platform work on
    post: str  # a post (a media whose likers, a comment thread)
    profile: str  # a profile, for subscriptions and usernames
    group: str  # a group or channel, for invites


PLATFORMS = (
    Platform("tiktok", ("tiktok", "tik tok"), "https://www.tiktok.com/@user/video/7300000000000000000",
             "https://www.tiktok.com/@user/video/7300000000000000000", "https://www.tiktok.com/@user",
             "https://www.tiktok.com/@user"),
    Platform("facebook", ("facebook", "fb "), "https://www.facebook.com/yourpage/posts/123",
             "https://www.facebook.com/yourpage/posts/123", "https://www.facebook.com/yourpage",
             "https://www.facebook.com/groups/yourgroup"),
    Platform("instagram", ("instagram", "insta", "ig "), "https://www.instagram.com/p/AbC123/",
             "https://www.instagram.com/p/AbC123/", "https://www.instagram.com/user", "https://www.instagram.com/user"),
    Platform("youtube", ("youtube", "yt "), "https://www.youtube.com/watch?v=abc123",
             "https://www.youtube.com/watch?v=abc123", "https://www.youtube.com/@channel",
             "https://www.youtube.com/@channel"),
    Platform("telegram", ("telegram", "tele "), "https://t.me/yourchannel", "https://t.me/yourchannel/123",
             "https://t.me/yourchannel", "https://t.me/yourgroup"),
    Platform("shopee", ("shopee",), "https://shopee.vn/your-shop", "https://shopee.vn/product/1/2",
             "https://shopee.vn/your-shop", "https://shopee.vn/your-shop"),
    Platform("twitter", ("twitter", "x (", "x /", "tweet"), "https://x.com/user/status/123",
             "https://x.com/user/status/123", "https://x.com/user", "https://x.com/i/communities/123"),
    Platform("threads", ("threads",), "https://www.threads.net/@user/post/AbC123",
             "https://www.threads.net/@user/post/AbC123", "https://www.threads.net/@user",
             "https://www.threads.net/@user"),
    Platform("website", ("website", "traffic", "seo", "google"), "https://example.com/your-page",
             "https://example.com/your-page", "https://example.com", "https://example.com"),
)
GENERIC = Platform("generic", (), "https://example.com/your-post", "https://example.com/your-post",
                   "https://example.com/your-profile", "https://example.com/your-group")


def platform_of(service: Service) -> Platform:
    haystack = f" {service.name} {service.category} ".lower()
    return next((p for p in PLATFORMS if any(word in haystack for word in p.words)), GENERIC)
