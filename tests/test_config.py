"""Settings: defaults, clear one-line errors with exit code 2, no secret in a message."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0"
ROOT = Path(__file__).resolve().parent.parent


def test_defaults():
    settings = load_settings({"TELEGRAM_BOT_TOKEN": TOKEN})
    assert settings.panel_api_url == "https://subpro.vn/api/v2"
    assert settings.telegram_api_base_url == "https://api.telegram.org"
    assert settings.bot_base_url == "https://api.telegram.org/bot"
    assert str(settings.database_path) == "data/bot.sqlite3"
    assert settings.default_language == "vi"
    assert settings.track_interval_seconds == 60
    assert TOKEN not in repr(settings)


@pytest.mark.parametrize("value", [
    "https://api.telegram.org/bot", "https://api.telegram.org/bot/", " https://api.telegram.org/ ",
])
def test_bot_api_base_url_accepts_python_telegram_bots_bot_suffix(value):
    settings = load_settings({"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": value})
    assert settings.bot_base_url == "https://api.telegram.org/bot"
    assert settings.bot_base_file_url == "https://api.telegram.org/file/bot"


def test_bot_api_base_url_holding_the_token_is_refused_without_echoing_it():
    with pytest.raises(ConfigError) as caught:
        load_settings({"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": f"https://api.telegram.org/bot{TOKEN}"})
    assert "TELEGRAM_API_BASE_URL" in str(caught.value)
    assert TOKEN not in str(caught.value)


def test_panel_answer_limits():
    defaults = load_settings({"TELEGRAM_BOT_TOKEN": TOKEN})
    assert defaults.panel_answer_limits == {
        "max_catalogue_bytes": 20 * 1024 * 1024, "max_answer_bytes": 1024 * 1024, "max_services": 50_000,
    }
    settings = load_settings({"TELEGRAM_BOT_TOKEN": TOKEN, "PANEL_MAX_CATALOGUE_MB": "2.5",
                              "PANEL_MAX_ANSWER_MB": "0.25", "PANEL_MAX_SERVICES": "9000"})
    assert settings.panel_answer_limits == {
        "max_catalogue_bytes": 2_621_440, "max_answer_bytes": 262_144, "max_services": 9000,
    }


def test_every_setting_is_documented_in_env_example_and_readme():
    documented = (ROOT / ".env.example").read_text()
    readme = (ROOT / "README.md").read_text()
    for name in ("PANEL_MAX_CATALOGUE_MB", "PANEL_MAX_ANSWER_MB", "PANEL_MAX_SERVICES", "PANEL_TIMEOUT_SECONDS"):
        assert f"\n{name}=" in documented and f"| `{name}` |" in readme, name


@pytest.mark.parametrize("env, names", [
    ({}, "TELEGRAM_BOT_TOKEN"),
    ({"TELEGRAM_BOT_TOKEN": "not-a-token"}, "TELEGRAM_BOT_TOKEN"),
    ({"TELEGRAM_BOT_TOKEN": TOKEN, "DEFAULT_LANGUAGE": "fr"}, "DEFAULT_LANGUAGE"),
    ({"TELEGRAM_BOT_TOKEN": TOKEN, "PANEL_API_URL": "subpro.vn"}, "PANEL_API_URL"),
    ({"TELEGRAM_BOT_TOKEN": TOKEN, "TRACK_INTERVAL_SECONDS": "soon"}, "TRACK_INTERVAL_SECONDS"),
    ({"TELEGRAM_BOT_TOKEN": TOKEN, "LOG_LEVEL": "LOUD"}, "LOG_LEVEL"),
    ({"TELEGRAM_BOT_TOKEN": TOKEN, "PANEL_MAX_CATALOGUE_MB": "0"}, "PANEL_MAX_CATALOGUE_MB"),
    ({"TELEGRAM_BOT_TOKEN": TOKEN, "PANEL_MAX_ANSWER_MB": "big"}, "PANEL_MAX_ANSWER_MB"),
    ({"TELEGRAM_BOT_TOKEN": TOKEN, "PANEL_MAX_ANSWER_MB": "nan"}, "PANEL_MAX_ANSWER_MB"),
    ({"TELEGRAM_BOT_TOKEN": TOKEN, "PANEL_MAX_SERVICES": "1.5"}, "PANEL_MAX_SERVICES"),
    ({"TELEGRAM_BOT_TOKEN": TOKEN, "PANEL_MAX_SERVICES": "0"}, "PANEL_MAX_SERVICES"),
])
def test_bad_settings_name_the_setting(env, names):
    with pytest.raises(ConfigError) as caught:
        load_settings(env)
    assert names in str(caught.value)


def _run_bot(env_overrides: dict, cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "PANEL_", "DATABASE_", "ENCRYPTION_"))}
    env.update(env_overrides)
    return subprocess.run([sys.executable, "-m", "bot"], cwd=cwd, env=env, capture_output=True, text=True, timeout=60)


def test_missing_token_exits_2_with_one_clear_line(tmp_path):
    result = _run_bot({"TELEGRAM_BOT_TOKEN": "", "PYTHONPATH": str(ROOT)}, tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "TELEGRAM_BOT_TOKEN" in result.stderr
    assert "Traceback" not in result.stderr


def test_malformed_value_exits_2_without_echoing_secrets(tmp_path):
    result = _run_bot({"TELEGRAM_BOT_TOKEN": TOKEN, "PANEL_API_URL": "nope", "PYTHONPATH": str(ROOT)}, tmp_path)
    assert result.returncode == 2
    assert "PANEL_API_URL" in result.stderr
    assert TOKEN not in result.stderr + result.stdout


def test_operations_settings():
    settings = load_settings({
        "TELEGRAM_BOT_TOKEN": TOKEN, "WEBHOOK_URL": "https://bot.example.com/telegram",
        "WEBHOOK_LISTEN": "0.0.0.0:8443", "WEBHOOK_SECRET": "s3cret_-value", "HEALTH_LISTEN": "[::1]:9100",
        "ADMIN_IDS": "123456789, 987654321",
    })
    assert settings.webhook_url == "https://bot.example.com/telegram"
    assert settings.webhook_listen == ("0.0.0.0", 8443)
    assert settings.health_listen == ("::1", 9100)
    assert settings.admin_ids == {123456789, 987654321}
    assert "s3cret_-value" not in repr(settings)
    defaults = load_settings({"TELEGRAM_BOT_TOKEN": TOKEN})
    assert defaults.webhook_url is None and defaults.webhook_listen == ("127.0.0.1", 8080)
    assert defaults.health_listen is None and defaults.webhook_secret is None and defaults.admin_ids == frozenset()
    # A self-hosted Bot API server may call plain http.
    local = load_settings({"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": "http://127.0.0.1:8081",
                           "WEBHOOK_URL": "http://127.0.0.1:8080/hook"})
    assert local.webhook_url == "http://127.0.0.1:8080/hook"


@pytest.mark.parametrize("env, name", [
    ({"WEBHOOK_URL": "http://bot.example.com/hook"}, "WEBHOOK_URL"),  # Telegram calls https only
    ({"WEBHOOK_URL": "bot.example.com"}, "WEBHOOK_URL"),
    ({"WEBHOOK_URL": f"https://bot.example.com/{TOKEN}"}, "WEBHOOK_URL"),
    ({"WEBHOOK_LISTEN": "8080"}, "WEBHOOK_LISTEN"),
    ({"WEBHOOK_LISTEN": "127.0.0.1:99999"}, "WEBHOOK_LISTEN"),
    ({"HEALTH_LISTEN": "localhost"}, "HEALTH_LISTEN"),
    ({"WEBHOOK_SECRET": "has spaces in it"}, "WEBHOOK_SECRET"),
    ({"ADMIN_IDS": "@operator"}, "ADMIN_IDS"),
])
def test_bad_operations_settings_name_the_setting(env, name):
    with pytest.raises(ConfigError) as caught:
        load_settings({"TELEGRAM_BOT_TOKEN": TOKEN, **env})
    assert name in str(caught.value)
    assert TOKEN not in str(caught.value)
    if "WEBHOOK_SECRET" in env:
        assert env["WEBHOOK_SECRET"] not in str(caught.value)
