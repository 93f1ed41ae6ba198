"""`PanelSimulator`: the simulated panel behind a real aiohttp server at `/api/v2`.

Adds to the panel's books (`PanelState`) and actions (`PanelActions`): the HTTP front,
request counters, and misbehaviour on demand (`fail_next`, per action and per key) for
resilience tests, hostile answers included (see bot.simulator.hostile).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections import Counter, deque
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal, get_args

from aiohttp import web

from bot.simulator import hostile
from bot.simulator.actions import PanelActions

__all__ = ["FailureKind", "PanelSimulator"]

log = logging.getLogger("bot.simulator")

FailureKind = Literal[
    "html_500", "html_503_cloudflare", "http_429", "empty_body", "slow", "drop",
    # Hostile answers (bot.simulator.hostile):
    "huge_body", "huge_catalogue", "trickle", "nan_values", "negative_values", "wrong_types",
]  # fmt: skip
API_PATH = "/api/v2"
REQUEST_LOG_SIZE = 10_000  # bounded: the simulator can run for days as a demo panel

_HTML_500 = (
    "<!DOCTYPE html><html><head><title>500 Internal Server Error</title></head>"
    "<body><h1>Internal Server Error</h1><p>The server encountered an internal error.</p></body></html>"
)
_HTML_CLOUDFLARE = (
    "<!DOCTYPE html><html lang=\"en-US\"><head><title>Just a moment...</title>"
    "<meta http-equiv=\"refresh\" content=\"5\"></head><body><div class=\"cf-browser-verification\">"
    "<h1>subpro.vn</h1><p>Checking if the site connection is secure</p>"
    "<p>Error 503 Service Temporarily Unavailable &middot; Cloudflare Ray ID: 7f00c0ffee000000</p>"
    "</div></body></html>"
)


@dataclass(frozen=True)
class _Canned:
    status: int
    body: bytes
    content_type: str
    headers: dict[str, str]


@dataclass
class _Failure:
    remaining: int
    kind: FailureKind | None  # None: answer `canned` instead
    action: str | None
    canned: _Canned | None = None
    key: str | None = None  # only requests with this API key


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)  # only with numbers_as_json; short decimals survive float round trips
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


class PanelSimulator(PanelActions):
    """A panel speaking API v2 for tests, demos and benchmarks.

    `await sim.start(port=0)` sets `sim.url`; control time with `advance()`, outcomes with
    `set_order_outcome()`/`set_order_status()`, misbehaviour with `fail_next()`.
    """

    def __init__(
        self,
        catalogue: list[dict[str, Any]] | None = None,
        speed: float = 1.0,
        *,
        seed: int | None = None,
        slow_seconds: float = 1.0,
        retry_after: int | None = 1,
        pending_seconds: float = 5.0,
        progress_seconds: float = 60.0,
        refill_pending_seconds: float = 5.0,
        refill_progress_seconds: float = 30.0,
    ) -> None:
        super().__init__(
            catalogue,
            speed,
            seed=seed,
            pending_seconds=pending_seconds,
            progress_seconds=progress_seconds,
            refill_pending_seconds=refill_pending_seconds,
            refill_progress_seconds=refill_progress_seconds,
        )
        self.url = ""
        self.slow_seconds = slow_seconds
        # Sizes and pace of the hostile answers (see bot.simulator.hostile).
        self.huge_body_bytes = 50 * 1024 * 1024
        self.huge_services = 200_000
        self.trickle_seconds = 1.0
        self.retry_after = retry_after  # Retry-After header of "http_429"; None sends none
        self.utf8_bom = False  # prefix every JSON answer with a UTF-8 BOM, like some PHP panels
        self.requests: Counter[str] = Counter()
        self.status_batches: list[int] = []
        # The latest requests as the panel saw them: (monotonic time, action, key).
        self.request_log: deque[tuple[float, str, str]] = deque(maxlen=REQUEST_LOG_SIZE)
        self._failures: list[_Failure] = []
        self._runner: web.AppRunner | None = None
        self._stopping = asyncio.Event()

    # --- lifecycle ------------------------------------------------------------------------------

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        app = web.Application()
        app.router.add_route("*", API_PATH, self._handle)
        app.router.add_route("*", API_PATH + "/", self._handle)
        # No access log: GET requests would write the key into it.
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.25)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        bound_host, bound_port = self._runner.addresses[0][:2]
        shown_host = f"[{bound_host}]" if ":" in bound_host else bound_host
        self.url = f"http://{shown_host}:{bound_port}{API_PATH}"
        return self.url

    async def stop(self) -> None:
        runner, self._runner = self._runner, None
        if runner is not None:
            self._stopping.set()
            await runner.cleanup()
            self._stopping = asyncio.Event()

    async def __aenter__(self) -> PanelSimulator:
        if self._runner is None:
            await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    # --- misbehaviour ---------------------------------------------------------------------------

    def fail_next(
        self, n: int = 1, kind: FailureKind = "html_500", *, action: str | None = None, key: str | None = None
    ) -> None:
        """Misbehave on the next `n` requests (of `action` only, with `key` only, if given).

        "slow" and "drop" still perform the action (an `add` IS placed) before delaying the
        answer by `slow_seconds` or closing the connection without answering; so do the
        hostile kinds but "huge_catalogue" (see bot.simulator.hostile).
        """
        if kind not in get_args(FailureKind):
            raise ValueError(f"unknown failure kind {kind!r}")
        self._failures.append(_Failure(n, kind, action, key=key))

    def respond_next(
        self,
        body: Any,
        status: int = 200,
        *,
        headers: dict[str, str] | None = None,
        action: str | None = None,
        n: int = 1,
        key: str | None = None,
    ) -> None:
        """Answer the next `n` requests (of `action`, with `key`) with this exact answer, without acting.

        `body`: bytes/str are sent as they are, anything else as JSON. For answers the seed
        panel never gives (other panels' error texts, odd shapes, 403/422 JSON errors...).
        """
        if isinstance(body, (bytes, str)):
            raw = body.encode("utf-8") if isinstance(body, str) else body
            looks_json = raw.lstrip(b"\xef\xbb\xbf \r\n").startswith((b"{", b"["))
            content_type = "application/json" if looks_json else "text/html"
        else:
            raw = json.dumps(body, ensure_ascii=False, default=_json_default).encode("utf-8")
            content_type = "application/json"
        canned = _Canned(status, raw, content_type, headers or {})
        self._failures.append(_Failure(n, None, action, canned=canned, key=key))

    def clear_failures(self) -> None:
        self._failures.clear()

    def _take_failure(self, action: str, key: str) -> _Failure | None:
        for failure in self._failures:
            if failure.kind == "huge_catalogue" and action != "services":
                continue  # only a catalogue can be a huge catalogue: other actions answer as usual
            if failure.remaining > 0 and failure.action in (None, action) and failure.key in (None, key):
                failure.remaining -= 1
                return failure
        return None

    # --- HTTP -----------------------------------------------------------------------------------

    def on_status_batch(self, count: int) -> None:
        self.status_batches.append(count)

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        params: dict[str, str] = dict(request.query)
        if request.method == "POST":
            params.update({k: v for k, v in (await request.post()).items() if isinstance(v, str)})
        action = params.get("action", "")
        self.requests[action] += 1
        self.request_log.append((time.monotonic(), action, params.get("key", "")))
        taken = self._take_failure(action, params.get("key", ""))
        if taken is not None and taken.canned is not None:
            canned = taken.canned
            return web.Response(
                status=canned.status, body=canned.body, headers={"Content-Type": canned.content_type, **canned.headers}
            )
        failure = taken.kind if taken is not None else None
        if failure == "html_500":
            return web.Response(status=500, text=_HTML_500, content_type="text/html")
        if failure == "html_503_cloudflare":
            headers = {"Server": "cloudflare", "CF-RAY": "7f00c0ffee000000-SIN"}
            return web.Response(status=503, text=_HTML_CLOUDFLARE, content_type="text/html", headers=headers)
        if failure == "http_429":
            headers = {"Retry-After": str(self.retry_after)} if self.retry_after is not None else {}
            return self._json({"error": "Too many requests"}, status=429, headers=headers)
        if failure == "empty_body":
            return web.Response(status=200, body=b"", content_type="text/html")
        if failure == "huge_catalogue":
            return await self._stream(request, failure, b"")
        payload = self.answer(params)
        if failure in hostile.DISTORTIONS:
            payload = hostile.distort(payload, failure)
        if failure in hostile.STREAMED:
            return await self._stream(request, failure, self._encode(payload))
        if failure == "slow":
            # Wakes early when the simulator stops, so tests do not wait for slow answers.
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self.slow_seconds)
        if failure == "drop":
            # The action happened; the client never hears about it.
            if request.transport is not None:
                request.transport.abort()
            raise asyncio.CancelledError
        return self._json(payload)

    async def _stream(self, request: web.Request, kind: str, encoded: bytes) -> web.StreamResponse:
        return await hostile.stream(
            request, kind, encoded, huge_body_bytes=self.huge_body_bytes, huge_services=self.huge_services,
            trickle_seconds=self.trickle_seconds, stopping=self._stopping,
        )  # fmt: skip

    def _encode(self, payload: Any) -> bytes:
        body = json.dumps(payload, ensure_ascii=False, default=_json_default).encode("utf-8")
        return b"\xef\xbb\xbf" + body if self.utf8_bom else body

    def _json(self, payload: Any, *, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
        body = self._encode(payload)
        return web.Response(
            status=status, body=body, content_type="application/json", charset="utf-8", headers=headers
        )
