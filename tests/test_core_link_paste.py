"""A message that is a link (issue 18): recognised, its platform found, its categories listed."""

import pytest

from bot.core.catalogue import Catalogue
from bot.core.platforms import BY_KEY, pasted_link, platform_of_link


@pytest.mark.parametrize("text, link", [
    ("https://www.facebook.com/yourpage/posts/123", "https://www.facebook.com/yourpage/posts/123"),
    ("  http://tiktok.com/@x/video/1 \n", "http://tiktok.com/@x/video/1"),
    ("facebook.com/xyz", "https://facebook.com/xyz"),
    ("tiktok.com/@x", "https://tiktok.com/@x"),
    ("youtu.be/dQw4w9WgXcQ", "https://youtu.be/dQw4w9WgXcQ"),
    ("m.facebook.com", "https://m.facebook.com"),  # a known platform's host alone
    ("www.shop.vn", "https://www.shop.vn"),
    ("shop.example.vn/giay?size=42", "https://shop.example.vn/giay?size=42"),
])
def test_links_as_people_paste_them(text, link):
    assert pasted_link(text) == link


@pytest.mark.parametrize("text", [
    "tiktok views", "1.000", "1,5k", "123", "node.js", "e.g.", "https://localhost/x", "http://", "see facebook.com/x",
    "@username", "Like FB Việt", "", "https://" + "a" * 2001 + ".com",
])
def test_words_numbers_and_handles_are_not_links(text):
    assert pasted_link(text) is None


@pytest.mark.parametrize("link, platform", [
    ("https://www.tiktok.com/@x/video/1", "tiktok"),
    ("https://youtu.be/abc", "youtube"),
    ("https://m.facebook.com/story.php?id=1", "facebook"),
    ("https://t.me/channel", "telegram"),
    ("https://notfacebook.com/x", None),
    ("https://shop.example.vn", None),
])
def test_platform_of_a_link_is_its_hosts(link, platform):
    found = platform_of_link(link)
    assert (found.key if found else None) == platform


async def test_categories_of_a_platform_are_its_own_in_catalogue_order(panel_api):
    catalogue = Catalogue(tuple(await panel_api.services()), 0.0)
    tiktok = [c.name for c in catalogue.categories_of(BY_KEY["tiktok"])]
    assert tiktok == ["Tiktok", "TikTok Follow", "TikTok Like", "TikTok View", "TikTok Live", "TikTok Comment", "TikTok Auto"]
    assert [c.name for c in catalogue.categories_of(BY_KEY["youtube"])][0] == "YouTube Views"
    assert catalogue.categories_of(BY_KEY["linkedin"]) == ()
