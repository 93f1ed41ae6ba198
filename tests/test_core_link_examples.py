"""Link examples (issue 18): of the service's platform, their placeholders in the user's language."""

from datetime import date
from decimal import Decimal
from urllib.parse import urlsplit

import pytest

from bot.core.forms import form_for, render
from bot.core.forms.platform import platform_of
from bot.i18n import LANGUAGES, Translations
from bot.panel import Service
from bot.panel.parsing import parse_services
from bot.presentation import Texts
from bot.simulator import default_catalogue

I18N = Translations.load()
HOSTS = {"facebook": "www.facebook.com", "tiktok": "www.tiktok.com", "instagram": "www.instagram.com",
         "youtube": "www.youtube.com", "telegram": "t.me", "shopee": "shopee.vn", "twitter": "x.com",
         "website": "example.com", "generic": "example.com"}


def service(name: str, category: str = "") -> Service:
    return Service(id=1, name=name, type="Default", category=category, rate=Decimal(1), min=1, max=10)


def link_example(svc: Service, lang: str) -> str:
    form = form_for(svc)
    assert form is not None
    ask = form.next_ask(svc, {}, today=date(2030, 1, 1))
    assert ask is not None
    return render(ask.example, Texts(I18N, lang))


@pytest.mark.parametrize("svc", [s for s in parse_services(default_catalogue()) if s.type != "Subscriptions"],
                         ids=lambda s: str(s.id))
def test_every_services_link_example_is_of_its_platform_without_english_placeholders_in_vietnamese(svc):
    host = HOSTS[platform_of(svc).name]
    for lang in LANGUAGES:
        text = link_example(svc, lang)
        url = text.split()[-1]
        assert urlsplit(url).hostname == host, (lang, text)
    vietnamese = link_example(svc, "vi")
    assert not any(word in vietnamese for word in ("your", "/user", "@user")), vietnamese


@pytest.mark.parametrize("name, category, platform", [
    ("Like FB Việt", "", "facebook"),
    ("Tele member nhóm", "", "telegram"),
    ("Big Likes Pack", "Spotify", "generic"),  # not "ig " (Instagram) inside "big "
    ("Max (fast) plays", "Spotify", "generic"),  # not "x (" (X) inside "max ("
    ("Website Traffic Việt Nam (Google)", "Website Traffic", "website"),
    ("Plays", "Việt Nam 🇻🇳", "generic"),
])
def test_the_platform_is_read_from_words_as_panels_write_them(name, category, platform):
    assert platform_of(service(name, category)).name == platform


@pytest.mark.parametrize("name, category, vi, en", [
    ("TikTok Follow 🇻🇳 bảo hành 30 ngày", "TikTok Follow", "https://www.tiktok.com/@tentaikhoan", "https://www.tiktok.com/@user"),
    ("YouTube Subscribers bảo hành 60 ngày", "YouTube", "https://www.youtube.com/@tenkenh", "https://www.youtube.com/@yourchannel"),
    ("Facebook Like bài viết Việt Nam", "Facebook Like", "https://www.facebook.com/tentrang/posts/123", None),
    ("Like Fanpage Việt", "Facebook", "https://www.facebook.com/tentrang", None),
    ("Tăng người theo dõi Instagram", "Instagram", "https://www.instagram.com/tentaikhoan", None),
])
def test_a_service_growing_a_profile_shows_a_profiles_link(name, category, vi, en):
    svc = service(name, category)
    assert link_example(svc, "vi").split()[-1] == vi
    if en is not None:
        assert link_example(svc, "en").split()[-1] == en
