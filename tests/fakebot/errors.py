"""The error a Bot API method answers with, in Telegram's shape."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """A refused request: HTTP status = error_code, body {"ok": false, ...}."""

    def __init__(self, error_code: int, description: str, *, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.retry_after = retry_after

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"ok": False, "error_code": self.error_code, "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def too_many_requests(retry_after: int) -> ApiError:
    return ApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after=retry_after)


def bad_request(message: str) -> ApiError:
    return ApiError(400, f"Bad Request: {message}")
