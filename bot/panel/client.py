"""Async client for SMM panel API v2 (subpro.vn and compatible panels).

One `PanelClient` per process owns one pooled aiohttp session; `client.account(url, key)`
returns a cheap bound `PanelAccountApi` per user. Read-only actions retry transient failures
with exponential backoff and full jitter; `add`, `refill` and `cancel` are sent exactly once
because the API has no idempotency key.

A panel that misbehaves cannot exhaust the bot. `total_timeout` bounds the whole of one
public call (every attempt, back-off and chunk included), so a panel trickling its answer
is cut at that deadline. Answers are read as a stream and refused beyond a size per action
(`max_catalogue_bytes` for `services`, `max_answer_bytes` for the rest); a catalogue of
more than `max_services` entries is refused too, and read one entry at a time so that the
refusal comes before the excess costs memory. Impossible values are reported as
UnreadableAnswer (see bot.panel.parsing), their raw value logged, never shown.

The API key travels only in the POST body. It is never logged, never put in an exception
message, and is scrubbed from any panel text we keep or log.
"""

from __future__ import annotations

import asyncio
import enum
import logging
import random
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from email.utils import parsedate_to_datetime
from types import TracebackType
from typing import Any, TypeVar

import aiohttp
from aiohttp.abc import AbstractResolver
from aiohttp.resolver import DefaultResolver

from bot.panel.errors import (
    AnswerTooLarge,
    CancelNotAllowed,
    InvalidKey,
    OutcomeUnknown,
    PanelAddressRefused,
    PanelError,
    PanelUnavailable,
    RateLimited,
    RefillNotAllowed,
    UnknownOrder,
    UnreadableAnswer,
    UnrecognisedError,
    classify_error_text,
)
from bot.panel.models import Balance, ItemError, OrderStatus, RefillStatus, Service
from bot.panel.parsing import (
    MalformedAnswer,
    NotJson,
    TooManyServices,
    decode_body,
    error_text,
    parse_add,
    parse_balance,
    parse_cancel_batch,
    parse_order_status,
    parse_refill_batch,
    parse_refill_state,
    parse_refill_status_batch,
    parse_services,
    parse_statuses_batch,
    read_services_body,
    starts_array,
)
from bot.panel.urls import TRUST_ALL, AddressRefused, GuardedResolver, UrlPolicy, check_url, refuse_literal

__all__ = ["MAX_IDS_PER_REQUEST", "PanelAccountApi", "PanelClient"]

log = logging.getLogger("bot.panel")

MAX_IDS_PER_REQUEST = 100
DEFAULT_USER_AGENT = "smm-panel-bot/0.1 (+telegram)"
MB = 1024 * 1024
# Real answers: a catalogue of 5,000 services is a few MB; anything else is a few KB (a
# status batch of 100 orders about 10 KB). The limits leave ample room above that.
DEFAULT_MAX_CATALOGUE_BYTES = 20 * MB
DEFAULT_MAX_ANSWER_BYTES = 1 * MB
DEFAULT_MAX_SERVICES = 50_000
_READ_CHUNK = 64 * 1024
# Waiting longer than this inside one user-facing call is worse than reporting RateLimited.
_MAX_RETRY_AFTER_WAIT = 10.0
_MAX_BACKOFF = 8.0
_UNEXPECTED = "unexpected answer"
_NO_JSON = "no JSON answer"
_MASK = "***"

T = TypeVar("T")


class _Kind(enum.Enum):
    READ = "read"  # safe to repeat: retried
    ADD = "add"  # places an order: never retried, lost answers are OutcomeUnknown
    WRITE = "write"  # refill / cancel: never retried, lost answers are PanelUnavailable


def _retry_after_seconds(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return max(0.0, when.timestamp() - time.time())


_NOT_JSON = object()
_ARRAY = object()  # a catalogue body that is an array: read entry by entry, not decoded whole
# Answers bigger than this (catalogues of big panels: megabytes) are decoded and parsed in a
# worker thread so that other users' updates keep flowing meanwhile.
_BIG_BODY_BYTES = 256 * 1024


async def _decode(body: bytes | bytearray) -> Any:
    try:
        if len(body) > _BIG_BODY_BYTES:
            return await asyncio.to_thread(decode_body, body)
        return decode_body(body)
    except NotJson:
        return _NOT_JSON


class _TooLarge(Exception):
    """Raised inside `_post` when an answer passes its size limit; carries the HTTP status."""

    def __init__(self, status: int) -> None:
        self.status = status
        super().__init__(status)


def _unique_ids(ids: Iterable[int | str]) -> list[int]:
    unique: dict[int, None] = {}
    for raw in ids:
        if isinstance(raw, bool) or not isinstance(raw, (int, str)):
            raise TypeError("ids must be whole numbers")
        value = int(raw)
        if value <= 0:
            raise ValueError("ids must be positive")
        unique.setdefault(value, None)
    return list(unique)


class _Catalogue:
    """Services already read from an array body (see `PanelAccountApi._read_catalogue`)."""

    __slots__ = ("services",)

    def __init__(self, services: list[Service]) -> None:
        self.services = services


def _chunks(ids: Sequence[int], size: int) -> list[Sequence[int]]:
    return [ids[i : i + size] for i in range(0, len(ids), size)]


class PanelClient:
    """Process-wide owner of the HTTP session. Use `account(url, key)` for calls.

    `url_policy` decides which addresses requests may reach (see bot.panel.urls): the bot
    passes the operator's rules, under which only its default panel may be on a private
    address. The default, TRUST_ALL, filters nothing: for tools and tests that only talk to
    URLs they were configured with. `resolver` replaces aiohttp's default DNS resolver (tests).
    """

    def __init__(
        self,
        *,
        connect_timeout: float = 10,
        total_timeout: float = 30,
        read_retries: int = 3,
        backoff_base: float = 0.5,
        user_agent: str = DEFAULT_USER_AGENT,
        max_answer_bytes: int = DEFAULT_MAX_ANSWER_BYTES,
        max_catalogue_bytes: int = DEFAULT_MAX_CATALOGUE_BYTES,
        max_services: int = DEFAULT_MAX_SERVICES,
        url_policy: UrlPolicy = TRUST_ALL,
        resolver: AbstractResolver | None = None,
        observer: Callable[[str, str], None] | None = None,
    ) -> None:
        if min(max_answer_bytes, max_catalogue_bytes, max_services) < 1:
            raise ValueError("answer limits must be positive")
        self.connect_timeout = connect_timeout
        self.total_timeout = total_timeout
        self.max_answer_bytes = int(max_answer_bytes)
        self.max_catalogue_bytes = int(max_catalogue_bytes)
        self.max_services = int(max_services)
        self.read_retries = max(0, read_retries)
        self.backoff_base = backoff_base
        self.user_agent = user_agent
        self.url_policy = url_policy
        self._resolver = resolver
        self._guarded: GuardedResolver | None = None
        # Told (action, result) after every request: "ok" or the error's code (for metrics).
        self.observer = observer
        self._session: aiohttp.ClientSession | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def __repr__(self) -> str:
        return f"PanelClient(total_timeout={self.total_timeout}, read_retries={self.read_retries})"

    async def __aenter__(self) -> PanelClient:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    async def close(self) -> None:
        session, self._session = self._session, None
        guarded, self._guarded = self._guarded, None
        if session is not None and not session.closed:
            await session.close()
        if guarded is not None:  # the connector closes only resolvers it made itself
            await guarded.close()

    def account(self, url: str, key: str) -> PanelAccountApi:
        return PanelAccountApi(self, url, key)

    async def check_url(self, text: str) -> str:
        """The normalized panel URL a user typed, if `url_policy` lets users add it (resolved with
        the resolver requests use); raises bot.panel.urls.UrlRefused otherwise."""
        self._get_session()
        assert self._guarded is not None
        return await check_url(text, self.url_policy, self._guarded.inner, timeout=self.connect_timeout)

    def _get_session(self) -> aiohttp.ClientSession:
        # Created lazily: an aiohttp session must be born inside the loop that uses it.
        loop = asyncio.get_running_loop()
        if self._session is not None and not self._session.closed:
            if self._loop is not loop:
                raise RuntimeError("PanelClient is bound to another event loop; create one per loop")
            return self._session
        timeout = aiohttp.ClientTimeout(
            total=self.total_timeout, connect=self.connect_timeout, sock_connect=self.connect_timeout
        )
        if self._guarded is None:
            self._guarded = GuardedResolver(self._resolver or DefaultResolver(), self.url_policy)
        # Every lookup goes through the policy at connect time, whatever was checked when the URL
        # was added: a DNS answer that changed since then cannot reach a private address.
        connector = aiohttp.TCPConnector(limit=100, limit_per_host=20, ttl_dns_cache=300, resolver=self._guarded)
        self._session = aiohttp.ClientSession(
            timeout=timeout,
            headers={"User-Agent": self.user_agent, "Accept": "application/json"},
            connector=connector,
        )
        self._loop = loop
        return self._session

    def deadline(self) -> float:
        """When a public call starting now must have ended (event-loop time)."""
        return asyncio.get_running_loop().time() + self.total_timeout

    async def _post(self, url: str, form: Mapping[str, str], limit: int) -> tuple[int, float | None, bytearray]:
        """(HTTP status, Retry-After seconds, body). Transport errors propagate as aiohttp's;
        a body over `limit` bytes raises _TooLarge as soon as it is known (by Content-Length,
        or by counting), without reading further."""
        session = self._get_session()
        # IP literals never reach the resolver: checked here (AddressRefused, nothing sent).
        refuse_literal(url, self.url_policy)
        # Redirects are refused: a 307/308 would resend the key to wherever it points.
        async with session.post(url, data=dict(form), allow_redirects=False) as response:
            if response.content_length is not None and response.content_length > limit:
                raise _TooLarge(response.status)
            body = bytearray()
            async for chunk in response.content.iter_chunked(_READ_CHUNK):
                body += chunk
                if len(body) > limit:
                    raise _TooLarge(response.status)  # leaving the block drops the connection
            return response.status, _retry_after_seconds(response.headers.get("Retry-After")), body

    def _backoff(self, attempt: int) -> float:
        # Full jitter: spreads retries of many users hitting one panel at the same moment.
        return random.uniform(0, min(_MAX_BACKOFF, self.backoff_base * (2**attempt)))


class PanelAccountApi:
    """The API as seen with one key. Cheap to create; shares the client's session."""

    __slots__ = ("_client", "_key", "url")

    def __init__(self, client: PanelClient, url: str, key: str) -> None:
        self._client = client
        self.url = url
        self._key = key

    def __repr__(self) -> str:
        return f"PanelAccountApi(url={self.url!r}, key={_MASK})"

    # --- public actions ----------------------------------------------------------------------

    async def services(self) -> list[Service]:
        """The catalogue. More than the client's `max_services` entries: AnswerTooLarge."""
        limit = self._client.max_services
        data = await self._call("services", {}, _Kind.READ)
        if isinstance(data, _Catalogue):
            return data.services
        try:
            if isinstance(data, Mapping):  # {"services": [...]} or keyed by id: may be big
                return await asyncio.to_thread(parse_services, data, limit)
            return parse_services(data, limit)
        except TooManyServices:
            raise AnswerTooLarge(200, limit=limit, unit="services") from None
        except MalformedAnswer as problem:
            raise self._unreadable("services", problem) from None

    async def add(
        self,
        service_id: int,
        link: str | None,
        quantity: int | None = None,
        *,
        comments: str | None = None,
        runs: int | None = None,
        interval: int | None = None,
        **extra: Any,
    ) -> int:
        """Place an order; returns the panel's order id. Never retried (see OutcomeUnknown).

        `extra` carries other order types' parameters (answer_number, usernames, groups...);
        a None value (a subscription's link) is not sent.
        """
        if {"key", "action"} & extra.keys():
            raise ValueError("'key' and 'action' are set by the client")
        params: dict[str, Any] = {"service": service_id, "link": link, "quantity": quantity}
        params.update(comments=comments, runs=runs, interval=interval, **extra)
        form = {name: str(value) for name, value in params.items() if value is not None}
        data = await self._call("add", form, _Kind.ADD)
        return self._parsed("add", parse_add, data, _Kind.ADD)

    async def status(self, order_id: int) -> OrderStatus:
        (order_id,) = _unique_ids([order_id])
        data = await self._call("status", {"order": str(order_id)}, _Kind.READ, id_count=1)
        if isinstance(data, Mapping) and "status" not in data and str(order_id) in data:
            data = data[str(order_id)]  # a panel answering `order=` in the batch shape
            text = error_text(data)
            if text is not None:
                raise self._classify(text)
        return self._parsed("status", parse_order_status, data, _Kind.READ)

    async def statuses(self, ids: Iterable[int]) -> dict[int, OrderStatus | ItemError]:
        return await self._batch("status", "orders", ids, _Kind.READ, parse_statuses_batch)

    async def balance(self) -> Balance:
        data = await self._call("balance", {}, _Kind.READ)
        return self._parsed("balance", parse_balance, data, _Kind.READ)

    async def refill(self, order_id: int) -> int:
        (order_id,) = _unique_ids([order_id])
        data = await self._call("refill", {"order": str(order_id)}, _Kind.WRITE, id_count=1)
        parsed = self._parsed("refill", lambda d: parse_refill_batch(d, [order_id], self._classify), data, _Kind.WRITE)
        return self._single(parsed, order_id)

    async def refills(self, ids: Iterable[int]) -> dict[int, int | ItemError]:
        return await self._batch("refill", "orders", ids, _Kind.WRITE, parse_refill_batch)

    async def refill_status(self, refill_id: int) -> RefillStatus:
        (refill_id,) = _unique_ids([refill_id])
        data = await self._call("refill_status", {"refill": str(refill_id)}, _Kind.READ, id_count=1)
        if isinstance(data, Mapping) and "status" in data:
            status = data["status"]
            text = error_text(status)
            if text is not None:
                raise self._classify(text)
            if isinstance(status, str):
                return RefillStatus(state=parse_refill_state(status), raw=status.strip())
        parsed = self._parsed(
            "refill_status", lambda d: parse_refill_status_batch(d, [refill_id], self._classify), data, _Kind.READ
        )
        return self._single(parsed, refill_id)

    async def refill_statuses(self, ids: Iterable[int]) -> dict[int, RefillStatus | ItemError]:
        return await self._batch("refill_status", "refills", ids, _Kind.READ, parse_refill_status_batch)

    async def cancel(self, ids: Iterable[int]) -> dict[int, bool | ItemError]:
        return await self._batch("cancel", "orders", ids, _Kind.WRITE, parse_cancel_batch)

    # --- plumbing ------------------------------------------------------------------------------

    def _scrub(self, text: str) -> str:
        return text.replace(self._key, _MASK) if len(self._key) >= 4 else text

    def _classify(self, text: str) -> PanelError:
        return classify_error_text(self._scrub(text))

    def _unreadable(self, action: str, problem: MalformedAnswer) -> UnreadableAnswer:
        # The raw value helps whoever runs the bot to tell the panel what is wrong; the user
        # only learns that the answer could not be read.
        log.info("panel %s: unreadable answer (%s)", action, self._scrub(str(problem)))
        return UnreadableAnswer(200, reason=problem.what)

    def _parsed(self, action: str, parse: Callable[[Any], T], data: Any, kind: _Kind) -> T:
        try:
            result = parse(data)
        except MalformedAnswer as problem:
            error = self._unreadable(action, problem)
            if kind is _Kind.ADD:
                raise OutcomeUnknown(200, reason=_UNEXPECTED) from None
            raise error from None
        if isinstance(result, Mapping):
            self._log_unreadable_items(action, result)
        return result

    def _log_unreadable_items(self, action: str, results: Mapping[int, Any]) -> None:
        bad = [(i, r.error) for i, r in results.items() if isinstance(r, ItemError) and isinstance(r.error, UnreadableAnswer)]
        if bad:
            item_id, error = bad[0]
            raw = f": {self._scrub(error.raw)}" if error.raw else ""
            log.info("panel %s: %d of %d answers unreadable; the first, id %s: %s%s",
                     action, len(bad), len(results), item_id, error.reason, raw)

    def _single(self, results: Mapping[int, T | ItemError], item_id: int) -> T:
        result = results[item_id]
        if isinstance(result, ItemError):
            raise result.error
        return result

    async def _batch(
        self,
        action: str,
        id_param: str,
        ids: Iterable[int],
        kind: _Kind,
        parse: Callable[[Any, Sequence[int], Callable[[str], PanelError]], dict[int, Any]],
    ) -> dict[int, Any]:
        """Deduplicate, send chunks of at most 100 ids one after another, merge the answers.

        A chunk that fails as a whole (panel unavailable, unrecognised error) marks its ids with
        ItemError so that other chunks' results survive; if every chunk failed the first error
        is raised. Errors about the key are raised at once.
        """
        unique = _unique_ids(ids)
        results: dict[int, Any] = {}
        failures: list[PanelError] = []
        chunks = _chunks(unique, MAX_IDS_PER_REQUEST)
        deadline = self._client.deadline()  # one for all chunks: the user waits for all of them
        for chunk in chunks:
            try:
                form = {id_param: ",".join(map(str, chunk))}
                data = await self._call(action, form, kind, id_count=len(chunk), deadline=deadline)
                # The lambda runs right here, inside this iteration: it cannot see a later chunk.
                results.update(self._parsed(action, lambda d: parse(d, chunk, self._classify), data, kind))  # noqa: B023
            except (UnknownOrder, RefillNotAllowed, CancelNotAllowed) as exc:
                # A whole-answer error that is about the orders applies to each of them.
                results.update({i: ItemError(exc) for i in chunk})
            except (PanelUnavailable, UnrecognisedError) as exc:
                failures.append(exc)
                results.update({i: ItemError(exc) for i in chunk})
        if chunks and len(failures) == len(chunks):
            raise failures[0]
        return {i: results[i] for i in unique}

    async def _call(
        self, action: str, params: Mapping[str, str], kind: _Kind, *, id_count: int = 0, deadline: float | None = None
    ) -> Any:
        """The action's decoded answer (checked for errors), retried for reads until `deadline`
        (default: the client's total_timeout from now)."""
        loop = asyncio.get_running_loop()
        deadline = self._client.deadline() if deadline is None else deadline
        attempts = 1 + (self._client.read_retries if kind is _Kind.READ else 0)
        for attempt in range(attempts):
            try:
                return await self._once(action, params, kind, id_count, deadline)
            except PanelUnavailable as exc:
                # An address refused by the URL policy would be refused again: not retried either.
                final = isinstance(exc, (UnreadableAnswer, AnswerTooLarge, PanelAddressRefused))
                if kind is not _Kind.READ or attempt + 1 >= attempts or final or exc.reason == _UNEXPECTED:
                    raise
                delay = self._client._backoff(attempt)
                if isinstance(exc, RateLimited) and exc.retry_after is not None:
                    if exc.retry_after > _MAX_RETRY_AFTER_WAIT:
                        raise
                    delay = max(delay, exc.retry_after)
                if loop.time() + delay >= deadline:
                    raise  # no time left for another attempt: the user has waited enough
                log.debug("panel %s: attempt %d failed (%s), retrying in %.2f s", action, attempt + 1, exc.code, delay)
                await asyncio.sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover

    async def _once(self, action: str, params: Mapping[str, str], kind: _Kind, id_count: int, deadline: float) -> Any:
        observer = self._client.observer
        if observer is None:
            return await self._request(action, params, kind, id_count, deadline)
        try:
            data = await self._request(action, params, kind, id_count, deadline)
        except PanelError as exc:
            observer(action, exc.code)
            raise
        observer(action, "ok")
        return data

    async def _request(self, action: str, params: Mapping[str, str], kind: _Kind, id_count: int, deadline: float) -> Any:
        form = {**params, "key": self._key, "action": action}
        catalogue = action == "services"
        limit = self._client.max_catalogue_bytes if catalogue else self._client.max_answer_bytes
        started = time.monotonic()
        try:
            # The deadline covers connecting, sending and every byte of the answer: a panel
            # trickling its answer byte by byte is cut here.
            async with asyncio.timeout_at(deadline):
                status, retry_after, body = await self._client._post(self.url, form, limit)
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            elapsed = (time.monotonic() - started) * 1000
            log.debug("panel %s ids=%d -> %s after %.0f ms", action, id_count, type(exc).__name__, elapsed)
            raise self._transport_error(exc, kind) from None
        except _TooLarge as big:
            log.info("panel %s: answer over %d bytes (HTTP %d); not read further", action, limit, big.status)
            if kind is _Kind.ADD:
                raise OutcomeUnknown(big.status, reason="answer too large") from None  # may be placed
            raise AnswerTooLarge(big.status, limit=limit) from None
        elapsed = (time.monotonic() - started) * 1000
        log.debug("panel %s ids=%d -> HTTP %d, %d bytes in %.0f ms", action, id_count, status, len(body), elapsed)
        if catalogue and starts_array(body):
            self._interpret(status, retry_after, _ARRAY, kind)  # raises for an error status
            return await self._read_catalogue(body)
        data = await _decode(body)
        return self._interpret(status, retry_after, data, kind)

    async def _read_catalogue(self, body: bytearray) -> _Catalogue:
        limit = self._client.max_services
        try:
            if len(body) > _BIG_BODY_BYTES:
                services, skipped, first_skipped = await asyncio.to_thread(read_services_body, body, limit)
            else:
                services, skipped, first_skipped = read_services_body(body, limit)
        except NotJson:
            raise PanelUnavailable(200, reason=_NO_JSON) from None  # a cut answer: worth a retry
        except TooManyServices:
            log.info("panel services: more than %d services; refused", limit)
            raise AnswerTooLarge(200, limit=limit, unit="services") from None
        except MalformedAnswer as problem:
            raise self._unreadable("services", problem) from None
        if skipped:
            log.info("panel services: %d unreadable entries skipped; the first: %s",
                     skipped, self._scrub(str(first_skipped)))
        return _Catalogue(services)

    @staticmethod
    def _transport_error(exc: BaseException, kind: _Kind) -> PanelError:
        # Only the exception's class name travels on: aiohttp messages may quote the request.
        if isinstance(exc, AddressRefused) or isinstance(getattr(exc, "os_error", None), AddressRefused):
            return PanelAddressRefused()  # refused before connecting: nothing was sent
        never_sent = isinstance(exc, (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError))
        is_timeout = isinstance(exc, asyncio.TimeoutError)
        reason = "timeout" if is_timeout and not never_sent else type(exc).__name__
        if kind is _Kind.ADD and not never_sent:
            return OutcomeUnknown(None, reason=reason)
        return PanelUnavailable(None, reason=reason)

    def _interpret(self, status: int, retry_after: float | None, data: Any, kind: _Kind) -> Any:
        """`data` if the answer is a usable one, else the matching PanelError raised."""
        if data is _NOT_JSON:
            if status == 429:
                raise RateLimited(retry_after)
            # A 5xx or a 2xx without JSON after `add` may hide a placed order; a 4xx page
            # (Cloudflare block, wrong URL) means the panel never processed it.
            if kind is _Kind.ADD and (status >= 500 or status < 400):
                raise OutcomeUnknown(status, reason=_NO_JSON)
            raise PanelUnavailable(status, reason=_NO_JSON)
        text = error_text(data)
        if status == 429:
            raise RateLimited(retry_after, self._scrub(text) if text else None)
        error = self._classify(text) if text is not None else None
        if isinstance(error, UnreadableAnswer):
            if status < 500:
                # An error marked without words ({"error": true}): after `add` the order may
                # or may not exist; after anything else the answer is just unreadable.
                log.info("panel answered an error without text (HTTP %d)", status)
                if kind is _Kind.ADD:
                    raise OutcomeUnknown(status, reason=_UNEXPECTED)
                raise UnreadableAnswer(status, reason=error.reason)
            error = None  # a 5xx without words: as a 5xx without a JSON error, below
        if error is not None:
            if isinstance(error, UnrecognisedError):
                if status >= 500:
                    if kind is _Kind.ADD:
                        raise OutcomeUnknown(status, reason="server error")
                    raise PanelUnavailable(status, error.panel_text)
                if status in (401, 403):
                    raise InvalidKey(error.panel_text)
            raise error
        if status >= 400:
            if kind is _Kind.ADD and status >= 500:
                raise OutcomeUnknown(status, reason="server error")
            raise PanelUnavailable(status, reason=_UNEXPECTED if status < 500 else None)
        return data
