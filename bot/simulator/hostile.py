"""Answers of a hostile or broken panel, for testing and benchmarking what the bot survives.

Each is a `FailureKind` of `PanelSimulator.fail_next` (per action, per key, for n requests):

- "huge_body": the action is performed, then its real answer is followed by
  `sim.huge_body_bytes` of blanks: valid JSON that only a reader without a limit accepts.
- "huge_catalogue": `services` answers `sim.huge_services` small entries (about 70 bytes
  each: 200,000 of them are 14 MB, under a size limit, far over any count limit).
- "trickle": the action is performed, then its answer is sent one byte every
  `sim.trickle_seconds`.
- "nan_values", "negative_values", "wrong_types": the action is performed and its answer
  sent with every number replaced by NaN, by a negative or absurd one, or by a value of the
  wrong type (a status that is a number, a charge that is an object...).

Streamed answers are written in chunks as the client reads them, without Content-Length, so
the client cannot refuse them by their header alone and the simulator never holds them whole.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from typing import Any

from aiohttp import web

__all__ = ["DISTORTIONS", "STREAMED", "distort", "huge_catalogue_chunks", "stream"]

STREAMED = ("huge_body", "huge_catalogue", "trickle")
_CHUNK = 64 * 1024

# Field -> replacement, per distortion. Fields not listed keep their value.
_NAN: dict[str, Any] = {
    "charge": float("nan"), "balance": "NaN", "rate": float("nan"), "remains": "NaN",
    "start_count": float("inf"), "order": float("nan"), "refill": "NaN",
}  # fmt: skip
_NEGATIVE: dict[str, Any] = {
    "charge": "-2.5", "balance": "-1000", "rate": "-4", "remains": "-99999999999999999999",
    "start_count": -5, "min": "-10", "order": -1, "refill": "-1",
}  # fmt: skip
_WRONG_TYPES: dict[str, Any] = {
    "status": 5, "charge": {"amount": "2.5"}, "currency": ["VND"], "balance": {"value": 1},
    "name": {"vi": "Dịch vụ"}, "rate": [1], "remains": True, "order": [10001], "refill": {"id": 1},
}  # fmt: skip
DISTORTIONS = {"nan_values": _NAN, "negative_values": _NEGATIVE, "wrong_types": _WRONG_TYPES}


def distort(payload: Any, kind: str) -> Any:
    """The payload with the distortion's fields replaced, at any depth."""
    table = DISTORTIONS[kind]
    if isinstance(payload, list):
        return [distort(item, kind) for item in payload]
    if isinstance(payload, dict):
        return {k: table[k] if k in table else distort(v, kind) for k, v in payload.items()}
    return payload


def huge_catalogue_chunks(count: int, per_chunk: int = 1000) -> Iterator[bytes]:
    """A catalogue of `count` small valid entries, as chunks of JSON."""
    yield b"["
    for first in range(1, count + 1, per_chunk):
        entries = ",".join(
            f'{{"service":{i},"name":"S{i}","rate":"1","min":"1","max":"9"}}'
            for i in range(first, min(first + per_chunk, count + 1))
        )
        yield (("," if first > 1 else "") + entries).encode()
    yield b"]"


def _padded(answer: bytes, blanks: int) -> Iterator[bytes]:
    yield answer
    pad = b" " * _CHUNK
    while blanks > 0:
        yield pad[: min(blanks, _CHUNK)]
        blanks -= _CHUNK


async def stream(
    request: web.Request,
    kind: str,
    encoded: bytes,
    *,
    huge_body_bytes: int,
    huge_services: int,
    trickle_seconds: float,
    stopping: asyncio.Event,
) -> web.StreamResponse:
    """Send a streamed hostile answer (`encoded`: the action's real answer, as JSON); a client
    hanging up midway is what should happen, not an error."""
    response = web.StreamResponse(status=200, headers={"Content-Type": "application/json; charset=utf-8"})
    await response.prepare(request)
    with contextlib.suppress(ConnectionError):
        if kind == "huge_catalogue":
            for chunk in huge_catalogue_chunks(huge_services):
                await response.write(chunk)
        elif kind == "huge_body":
            for chunk in _padded(encoded, huge_body_bytes):
                await response.write(chunk)
        else:  # trickle
            for index in range(len(encoded)):
                await response.write(encoded[index : index + 1])
                # Wakes early when the simulator stops, so tests never wait for the trickle.
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(stopping.wait(), trickle_seconds)
                if stopping.is_set():
                    break
        await response.write_eof()
    return response
