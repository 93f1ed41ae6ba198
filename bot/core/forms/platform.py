"""The platform a service works on, for examples that fit: a TikTok service asks for a TikTok
link with a TikTok example; users paste what they see.

The platform is bot.core.platforms' (from the service's name and category, words as panels
write them); only its example links are kept here. An example's placeholder ("yourpage") is a
word of the user's language ("tentrang"): a template's `{word}` is the locale key
form.link_word.<word>, so a Vietnamese user never reads an English placeholder.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from bot.core.forms.text import Joined, Msg, Value
from bot.core.platforms import platform_of as named_platform
from bot.panel import Service

Page = Literal["link", "post", "profile", "group"]


@dataclass(frozen=True)
class Platform:
    name: str
    words: tuple[str, ...]  # only for the platforms bot.core.platforms does not know (websites)
    link: str  # the kind of page most services of the platform work on
    post: str  # a post (a media whose likers, a comment thread)
    profile: str  # a profile, for subscriptions and usernames
    group: str  # a group or channel, for invites

    def example(self, page: Page) -> Value:
        """The example link of `page`, its placeholders in the user's language once rendered."""
        return example_link(getattr(self, page))


PLATFORMS = (
    Platform("tiktok", (), "https://www.tiktok.com/@{user}/video/7300000000000000000",
             "https://www.tiktok.com/@{user}/video/7300000000000000000", "https://www.tiktok.com/@{user}",
             "https://www.tiktok.com/@{user}"),
    Platform("facebook", (), "https://www.facebook.com/{page}/posts/123",
             "https://www.facebook.com/{page}/posts/123", "https://www.facebook.com/{page}",
             "https://www.facebook.com/groups/{group}"),
    Platform("instagram", (), "https://www.instagram.com/p/AbC123/",
             "https://www.instagram.com/p/AbC123/", "https://www.instagram.com/{user}", "https://www.instagram.com/{user}"),
    Platform("youtube", (), "https://www.youtube.com/watch?v=abc123",
             "https://www.youtube.com/watch?v=abc123", "https://www.youtube.com/@{channel}",
             "https://www.youtube.com/@{channel}"),
    Platform("telegram", (), "https://t.me/{channel}", "https://t.me/{channel}/123",
             "https://t.me/{channel}", "https://t.me/{group}"),
    Platform("shopee", (), "https://shopee.vn/{shop}", "https://shopee.vn/product/1/2",
             "https://shopee.vn/{shop}", "https://shopee.vn/{shop}"),
    Platform("twitter", (), "https://x.com/{user}/status/123",
             "https://x.com/{user}/status/123", "https://x.com/{user}", "https://x.com/i/communities/123"),
    Platform("threads", (), "https://www.threads.net/@{user}/post/AbC123",
             "https://www.threads.net/@{user}/post/AbC123", "https://www.threads.net/@{user}",
             "https://www.threads.net/@{user}"),
    Platform("website", ("website", "traffic", "seo", "google"), "https://example.com/{webpage}",
             "https://example.com/{webpage}", "https://example.com", "https://example.com"),
)
GENERIC = Platform("generic", (), "https://example.com/{post}", "https://example.com/{post}",
                   "https://example.com/{user}", "https://example.com/{group}")
_BY_NAME = {platform.name: platform for platform in PLATFORMS}
_WORD = re.compile(r"\{([a-z]+)\}")
LINK_WORDS = ("channel", "group", "page", "post", "shop", "user", "webpage")
LINK_WORD_KEYS = frozenset(f"form.link_word.{word}" for word in LINK_WORDS)


def example_link(template: str) -> Value:
    """`template` with each `{word}` the user's language's placeholder (the URL itself kept)."""
    pieces = _WORD.split(template)  # text, word, text, word, ..., text
    if len(pieces) == 1:
        return template
    parts: list[Value] = [Msg(f"form.link_word.{piece}") if i % 2 else piece for i, piece in enumerate(pieces) if piece]
    return Joined(tuple(parts), separator="")


# Words of a service's name or category saying it grows an account, a channel or a page
# (followers, subscribers, members, page likes) rather than a post: users paste that profile's
# link, so the example shows one.
_PROFILE_WORDS = re.compile(
    r"\b(follow\w*|subscriber\w*|subs?|theo dõi|theo doi|đăng ký|dang ky|member\w*|thành viên|thanh vien"
    r"|fan ?page|like (?:page|trang)|page like)\b",
    re.IGNORECASE,
)


def page_of(service: Service, page: Page) -> Page:
    """The page an example should show: `page`, except that a service growing a profile shows
    the profile where its form asks for "the link"."""
    if page == "link" and _PROFILE_WORDS.search(f"{service.name} {service.category}"):
        return "profile"
    return page


def platform_of(service: Service) -> Platform:
    named = named_platform(service.name, service.category)
    if named is not None:
        return _BY_NAME.get(named.key, GENERIC)
    haystack = f"{service.name} {service.category}".lower()
    return next((p for p in PLATFORMS if any(word in haystack for word in p.words)), GENERIC)
