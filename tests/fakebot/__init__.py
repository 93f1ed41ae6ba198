"""A strict fake Telegram Bot API server and a user driver for end-to-end tests.

See server.py (FakeBotApi), driver.py (FakeUser, Reply, running_application) and fixtures.py
(the `fake_bot` fixture).
"""

from tests.fakebot.driver import FakeUser, Reply, find_button, running_application
from tests.fakebot.errors import ApiError
from tests.fakebot.html import Entity, HtmlParseError, parse_html
from tests.fakebot.limits import Clock, FloodSettings
from tests.fakebot.model import (
    ApiCall,
    CallbackQueryRecord,
    ChatMessage,
    ChatRecord,
    MessageVersion,
    QueuedUpdate,
    Rejection,
    UserRecord,
)
from tests.fakebot.server import DEFAULT_TOKEN, FakeBotApi
from tests.fakebot.text import FormattedText, prepare_text

__all__ = [
    "ApiCall", "ApiError", "CallbackQueryRecord", "ChatMessage", "ChatRecord", "Clock", "DEFAULT_TOKEN",
    "Entity", "FakeBotApi", "FakeUser", "FloodSettings", "FormattedText", "HtmlParseError",
    "MessageVersion", "QueuedUpdate", "Rejection", "Reply", "UserRecord", "find_button", "parse_html",
    "prepare_text", "running_application",
]
