"""Secrets never reach a log line, even at DEBUG."""

import logging
import sys

from bot.logs import RedactSecrets, setup_logging


def test_redaction_of_registered_secrets_and_token_shapes():
    redactor = RedactSecrets()
    redactor.add("my-api-key-1234567890")
    redactor.add("short")  # too short to be a secret: ignored, or ordinary words would vanish
    text = redactor.redact("key=my-api-key-1234567890 url=https://api.telegram.org/bot123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0/getMe short")
    assert "my-api-key-1234567890" not in text
    assert "AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0" not in text
    assert text.endswith("short")


def test_exception_text_is_redacted_too():
    redactor = RedactSecrets()
    redactor.add("secret-value-123456789")
    try:
        raise RuntimeError("failed with secret-value-123456789")
    except RuntimeError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "oops %s", ("secret-value-123456789",), sys.exc_info())
    redactor.filter(record)
    assert "secret-value-123456789" not in record.getMessage()
    assert "secret-value-123456789" not in record.exc_text


def test_library_loggers_never_log_updates_even_at_debug():
    setup_logging("DEBUG")
    try:
        assert logging.getLogger("telegram").getEffectiveLevel() >= logging.INFO
        assert logging.getLogger("httpx").getEffectiveLevel() >= logging.WARNING
        assert logging.getLogger("bot").getEffectiveLevel() == logging.DEBUG
    finally:
        logging.getLogger().handlers[:] = []
        logging.getLogger().setLevel(logging.WARNING)
