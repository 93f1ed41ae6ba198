"""Settings for the panels users add: ALLOW_PRIVATE_PANEL_URLS and PANEL_URLS_ALLOWED."""

import pytest

from bot.config import ConfigError, load_settings

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0"


def settings(**env: str):
    return load_settings({"TELEGRAM_BOT_TOKEN": TOKEN, **env})


def test_by_default_any_public_panel_url_and_no_private_one():
    defaults = settings()
    assert defaults.allow_private_panel_urls is False
    assert defaults.panel_urls_allowed is None


@pytest.mark.parametrize(("raw", "value"), [("true", True), ("TRUE", True), ("1", True), ("yes", True),
                                            ("false", False), ("0", False), ("off", False), ("", False)])
def test_allow_private_panel_urls(raw, value):
    assert settings(ALLOW_PRIVATE_PANEL_URLS=raw).allow_private_panel_urls is value


def test_allow_private_panel_urls_must_be_a_boolean():
    with pytest.raises(ConfigError, match="^ALLOW_PRIVATE_PANEL_URLS must be true or false$"):
        settings(ALLOW_PRIVATE_PANEL_URLS="maybe")


def test_panel_urls_allowed_lists_urls_and_hosts_or_only_the_default():
    assert settings(PANEL_URLS_ALLOWED="default").panel_urls_allowed == ()
    assert settings(PANEL_URLS_ALLOWED=" Default ").panel_urls_allowed == ()
    listed = settings(PANEL_URLS_ALLOWED="https://one.example/api/v2/, two.example,,default")
    assert listed.panel_urls_allowed == ("https://one.example/api/v2", "two.example")
    assert settings(PANEL_URLS_ALLOWED=" , ").panel_urls_allowed is None


@pytest.mark.parametrize("raw", ["ftp://one.example/", "one.example/api/v2", "https://one.example/api?key=x",
                                 "user@one.example", "one example",
                                 "https://one.example:99999/api"])
def test_a_malformed_panel_urls_allowed_names_the_setting(raw):
    with pytest.raises(ConfigError, match="^PANEL_URLS_ALLOWED must list"):
        settings(PANEL_URLS_ALLOWED=raw)
