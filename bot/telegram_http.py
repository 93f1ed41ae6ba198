"""python-telegram-bot's requests to the Bot API over aiohttp instead of httpx.

The bot already depends on aiohttp for the panel. Its HTTP parser is written in C, while
httpx parses in pure Python (h11) over anyio; in the order-flow benchmark python-telegram-bot's
httpx stack was the largest single cost per update (bench/RESULTS.md). python-telegram-bot
documents `BaseRequest` as the way to plug in another HTTP library: this is that plug.

Behaviour kept from HTTPXRequest (telegram/request/_httpxrequest.py):
- the four time-outs, each `None` for "wait for ever" and `DEFAULT_NONE` for the instance's
  default, with `media_write_timeout` as the default write time-out of uploads:
  pool (waiting for a free connection, with HTTPXRequest's message), connect, write (per write
  to the socket) and read (per read from the socket, once the request is sent);
- parameters form-encoded (byte for byte as httpx encodes them), or multipart/form-data with
  the fields first and then the files when there are files;
- the status and body handed back as they are: python-telegram-bot maps statuses to its errors;
- `TimedOut` for time-outs and `NetworkError` for the other failures of the connection;
- redirects not followed (a redirect would resend the token elsewhere);
- the same TLS trust (httpx's context: certifi, or SSL_CERT_FILE / SSL_CERT_DIR) and proxies
  from the environment (HTTP(S)_PROXY, NO_PROXY; read once per host, ~/.netrc not at all).

One thing differs on purpose: HTTPXRequest chains the httpx error as `__cause__`; aiohttp's
errors carry the URL, which holds the bot token, in their text and attributes. So the errors
raised here carry no aiohttp error at all (neither `__cause__` nor `__context__`), and their
text is aiohttp's with the token cut out.
"""

from __future__ import annotations

import asyncio
import functools
import io
import re
import ssl
import urllib.request
from typing import Any
from urllib.parse import urlencode, urlsplit

import aiohttp
import httpx
from aiohttp import hdrs
from aiohttp.abc import AbstractStreamWriter
from aiohttp.payload import BytesPayload, Payload, get_payload
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput, UploadFileDict
from telegram.error import NetworkError, TelegramError, TimedOut
from telegram.request import BaseRequest, RequestData

# HTTPXRequest's text for a pool time-out, so that logs read the same with either transport.
POOL_TIMEOUT_MESSAGE = (
    "Pool timeout: All connections in the connection pool are occupied. "
    "Request was *not* sent to Telegram. Consider adjusting the connection "
    "pool size or the pool timeout."
)
# httpx's default keep-alive expiry; aiohttp would keep idle connections for 15 s.
_KEEPALIVE_SECONDS = 5.0
# Bot API URLs are <base>/bot<TOKEN>/<method> and <base>/file/bot<TOKEN>/<path>.
_TOKEN_IN_PATH = re.compile(r"/(?:file/)?bot([^/?#\s'\"]+)")
# Anything shaped like a bot token, wherever it shows up (a custom base_url may put it elsewhere).
_TOKEN_SHAPE = re.compile(r"\d{5,}:[A-Za-z0-9_-]{20,}")
_NO_CONTENT_TYPE = (hdrs.CONTENT_TYPE,)
_FORM_TYPE = "application/x-www-form-urlencoded"


class AiohttpRequest(BaseRequest):
    """A Bot API connection pool on aiohttp; one instance per kind of call, like HTTPXRequest
    (python-telegram-bot keeps one for getUpdates and one for everything else)."""

    __slots__ = (
        "_connect_timeout",
        "_media_write_timeout",
        "_pool_size",
        "_pool_timeout",
        "_proxies",
        "_read_timeout",
        "_session",
        "_slots",
        "_write_timeout",
    )

    def __init__(
        self,
        connection_pool_size: int = 256,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
        *,
        media_write_timeout: float | None = 20.0,
    ) -> None:
        # The same positional order as HTTPXRequest, so either can be swapped for the other.
        self._pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._media_write_timeout = media_write_timeout
        self._session: aiohttp.ClientSession | None = None
        self._slots: asyncio.Semaphore | None = None
        self._proxies: dict[tuple[str, str], str | None] = {}

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        if self._session is not None and not self._session.closed:
            return
        connector = aiohttp.TCPConnector(
            limit=self._pool_size,
            limit_per_host=self._pool_size,
            keepalive_timeout=_KEEPALIVE_SECONDS,
            ssl=_tls_context(),
        )
        self._session = aiohttp.ClientSession(
            connector=connector,
            headers={hdrs.USER_AGENT: self.USER_AGENT},
            # Not trust_env: with it aiohttp reads ~/.netrc in a worker thread on every request
            # (a fifth of the bot's CPU in the order-flow benchmark, and a queue behind the
            # default executor). Proxies from the environment are read once instead (_proxy_for).
            trust_env=False,
            # Bodies are handed over decompressed, as httpx's `Response.content` is.
            auto_decompress=True,
            raise_for_status=False,
        )
        # The pool: aiohttp's connector has no time-out of its own for waiting on a free
        # connection (its `connect` one also covers connecting), so the wait is held here.
        self._slots = asyncio.Semaphore(self._pool_size)

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        session, slots = self._session, self._slots
        if session is None or session.closed or slots is None:
            raise RuntimeError("This AiohttpRequest is not initialized!")

        files = request_data.multipart_data if request_data else None
        if isinstance(read_timeout, DefaultValue):
            read_timeout = self._read_timeout
        if isinstance(connect_timeout, DefaultValue):
            connect_timeout = self._connect_timeout
        if isinstance(pool_timeout, DefaultValue):
            pool_timeout = self._pool_timeout
        if isinstance(write_timeout, DefaultValue):
            write_timeout = self._media_write_timeout if files else self._write_timeout

        try:
            async with asyncio.timeout(pool_timeout):
                await slots.acquire()
        except TimeoutError:
            raise TimedOut(POOL_TIMEOUT_MESSAGE) from None

        failure: TelegramError
        try:
            body = _body(request_data, files, write_timeout)
            # aiohttp's sock_read clock starts once the request is written and restarts with
            # every read: httpx's read time-out. Its `connect` covers DNS, TCP and TLS.
            timeout = aiohttp.ClientTimeout(
                total=None, connect=connect_timeout, sock_connect=connect_timeout, sock_read=read_timeout
            )
            async with session.request(
                method,
                url,
                data=body,
                timeout=timeout,
                allow_redirects=False,
                proxy=self._proxy_for(url),
                # Without parameters httpx sends no Content-Type; aiohttp would add one.
                skip_auto_headers=_NO_CONTENT_TYPE if body is None else None,
            ) as response:
                return response.status, await response.read()
        except TimeoutError as error:  # aiohttp's ServerTimeoutError is one too
            failure = TimedOut(f"Timed out ({_describe(error, url)})")
        except aiohttp.ClientError as error:
            failure = NetworkError(_describe(error, url))
        finally:
            slots.release()
        # Raised here, outside the `except` blocks, so that Python does not attach the aiohttp
        # error as `__context__`: `raise ... from None` only hides it from tracebacks.
        raise failure


    def _proxy_for(self, url: str) -> str | None:
        """The proxy HTTP(S)_PROXY / NO_PROXY name for this URL's host, as httpx picks it;
        read from the environment once per host."""
        parts = urlsplit(url)
        key = (parts.scheme, parts.hostname or "")
        if key not in self._proxies:
            proxies = urllib.request.getproxies_environment()
            proxy = proxies.get(parts.scheme)
            # typeshed lacks this undocumented CPython function (in urllib.request on every platform).
            if proxy and urllib.request.proxy_bypass_environment(key[1], proxies):  # type: ignore[attr-defined]
                proxy = None
            self._proxies[key] = proxy
        return self._proxies[key]


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """httpx's own TLS context (certifi's CAs, or SSL_CERT_FILE / SSL_CERT_DIR), made once:
    loading the CAs takes some 25 ms."""
    return httpx.create_ssl_context()


class _WriteTimeout:
    """For aiohttp payloads: every write to the socket must finish within the write time-out,
    as with httpx (aiohttp has no write time-out of its own). aiohttp calls `write` or
    `write_with_length` depending on its version; either gets the timed writer, once."""

    _write_timeout: float | None

    async def write(self, writer: AbstractStreamWriter, *args: Any) -> None:
        await super().write(_timed(writer, self._write_timeout), *args)  # type: ignore[misc]

    async def write_with_length(self, writer: AbstractStreamWriter, content_length: int | None) -> None:
        await super().write_with_length(  # type: ignore[misc]
            _timed(writer, self._write_timeout), content_length
        )


class _TimedForm(_WriteTimeout, BytesPayload):
    def __init__(self, fields: dict[str, str], write_timeout: float | None) -> None:
        # urlencode as httpx (and aiohttp.FormData) apply it: the same bytes.
        super().__init__(urlencode(fields, doseq=True).encode(), content_type=_FORM_TYPE)
        self._write_timeout = write_timeout


class _TimedMultipart(_WriteTimeout, aiohttp.MultipartWriter):
    def __init__(self, write_timeout: float | None) -> None:
        super().__init__("form-data")
        self._write_timeout = write_timeout


def _timed(writer: AbstractStreamWriter, timeout: float | None) -> AbstractStreamWriter:
    if timeout is None or isinstance(writer, _TimedWriter):
        return writer
    return _TimedWriter(writer, timeout)  # type: ignore[return-value]


class _TimedWriter:
    """aiohttp's stream writer, with a time limit on each write (which waits while the
    socket's buffer is full)."""

    def __init__(self, writer: AbstractStreamWriter, timeout: float) -> None:
        self._writer = writer
        self._timeout = timeout

    async def write(self, chunk: Any) -> None:
        try:
            async with asyncio.timeout(self._timeout):
                await self._writer.write(chunk)
        except TimeoutError:
            # Drop the connection at once, as httpx does: a closed asyncio transport would
            # otherwise keep the unsent part of the body in memory until the peer reads it.
            # (The transport lets go of the socket only on the next turn of the loop, after
            # aiohttp has recorded this time-out as the request's failure.)
            transport = getattr(self._writer, "transport", None)
            if transport is not None:
                transport.abort()
            raise TimeoutError(f"no write to the socket for {self._timeout} s") from None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._writer, name)


def _body(
    request_data: RequestData | None, files: UploadFileDict | None, write_timeout: float | None
) -> Payload | None:
    if request_data is None:
        return None
    fields = request_data.json_parameters
    if not files:
        # Without parameters, no body at all (as httpx sends it).
        return _TimedForm(fields, write_timeout) if fields else None
    form = _TimedMultipart(write_timeout)
    for name, value in fields.items():
        _add_part(form, name, value)
    for name, (filename, content, mimetype) in files.items():
        if not isinstance(content, bytes):
            # A file handle (InputFile(..., read_file_handle=False)): httpx reads it from its
            # start and leaves it open; aiohttp would read it from where it is, then close it.
            if hasattr(content, "seek"):
                try:
                    content.seek(0)
                except io.UnsupportedOperation:
                    pass
            content = content.read()
        _add_part(form, name, content, filename=filename, content_type=mimetype)
    return form


def _add_part(
    form: aiohttp.MultipartWriter,
    name: str,
    value: str | bytes,
    *,
    filename: str | None = None,
    content_type: str | None = None,
) -> None:
    """One part, as aiohttp.FormData builds it, with names left in UTF-8 as httpx sends them
    (FormData's default would percent-encode a file name such as "Đơn hàng.txt")."""
    # Without a type, aiohttp labels text "text/plain; charset=utf-8" (httpx sends no type):
    # the Bot API reads such parts as plain fields.
    part = get_payload(value, content_type=content_type) if content_type else get_payload(value)
    params = {"name": name} if filename is None else {"name": name, "filename": filename}
    part.set_content_disposition("form-data", quote_fields=False, **params)
    # multipart/form-data parts carry no Content-Length (RFC 7578 4.8); aiohttp insists.
    part.headers.popall(hdrs.CONTENT_LENGTH, None)
    form.append_payload(part)


def _describe(error: BaseException, url: str) -> str:
    """`aiohttp.<Error>: <text>` like HTTPXRequest's `httpx.<Error>: <text>`, without the token."""
    kind = type(error).__name__
    if type(error).__module__.startswith("aiohttp"):
        kind = f"aiohttp.{kind}"
    text = _redact(str(error), url)
    return f"{kind}: {text}" if text else kind


def _redact(text: str, url: str) -> str:
    tokens = set(_TOKEN_IN_PATH.findall(url)) | set(_TOKEN_SHAPE.findall(url))
    for token in sorted(tokens, key=len, reverse=True):
        text = text.replace(token, "<token>")
    return _TOKEN_SHAPE.sub("<token>", text)
