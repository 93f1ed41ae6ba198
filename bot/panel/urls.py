"""Which panel URLs users may add, and which addresses a request to one may reach.

A user-added panel URL is a request the bot makes on the user's behalf, from inside the
operator's network, with whatever the user typed as the host: without a check, "my panel" could
be the operator's router, a cloud metadata service (169.254.169.254) or a database on loopback.

So a URL a user adds must be http(s) with a host, may be restricted by the operator
(PANEL_URLS_ALLOWED), and its host must resolve to public addresses only. A check when the URL
is added is not enough: DNS answers change (rebinding), so the same rule is applied again at
connect time, to the addresses the connection actually uses (`GuardedResolver` for host names,
`refuse_literal` for IP literals, which aiohttp never sends to a resolver).

The operator's own PANEL_API_URL is trusted as configured (it may be a simulator on loopback):
requests to its origin (host and port) are not filtered. ALLOW_PRIVATE_PANEL_URLS=true lifts
the address rule for everyone (tests, self-hosters whose panel is on their LAN).

Refusals carry a `RefusalReason` code so the user is told what is wrong, in their language.
"""

from __future__ import annotations

import asyncio
import functools
import ipaddress
import re
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from aiohttp.abc import AbstractResolver, ResolveResult
from yarl import URL

__all__ = [
    "TRUST_ALL",
    "AddressRefused",
    "GuardedResolver",
    "RefusalReason",
    "UrlPolicy",
    "UrlRefused",
    "check_url",
    "is_public_address",
    "normalize_panel_url",
    "refuse_literal",
]

MAX_URL_LENGTH = 512
_HAS_SCHEME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
# "javascript:…", "mailto:…", "data:…": a scheme without "//". "panel.example:8080/api" is a host
# and a port, read as https below.
_OTHER_SCHEME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:(?!\d)")
# Numeric hosts that are no canonical IP (127.1, 2130706433, 0x7f.0.0.1): the C resolver maps
# them onto addresses, aiohttp refuses them at connect time; refused here as malformed.
_NUMERIC_HOST_RE = re.compile(r"^(?:0x[0-9a-f]*|\d+)(?:\.(?:0x[0-9a-f]*|\d*)){0,3}\.?$", re.IGNORECASE)


class RefusalReason(StrEnum):
    NOT_HTTP = "not_http"  # another scheme (ftp:, javascript:, file:…)
    NO_HOST = "no_host"
    BAD_URL = "bad_url"  # malformed: spaces, port, user:password@, a query, too long
    NOT_ALLOWED_BY_OPERATOR = "not_allowed_by_operator"  # PANEL_URLS_ALLOWED
    UNRESOLVABLE = "unresolvable"  # the host name has no address (or DNS did not answer in time)
    PRIVATE_ADDRESS = "private_address"  # loopback, private, link-local, multicast, reserved…


class UrlRefused(Exception):
    """A panel URL a user may not add. The message holds the reason code, never the URL."""

    def __init__(self, reason: RefusalReason) -> None:
        self.reason = reason
        super().__init__(f"panel URL refused: {reason.value}")


class AddressRefused(OSError):
    """At connect time: the host of a user-added panel URL resolves to no public address.

    An OSError, so that aiohttp treats it as a failed lookup: nothing is sent.
    """

    def __init__(self, host: str) -> None:
        super().__init__(f"panel host {host!r} has no public address")


def is_public_address(address: str) -> bool:
    """True only for a global unicast address. IPv4 carried inside IPv6 (mapped ::ffff:a.b.c.d,
    6to4 2002::/16) is judged by that IPv4 address."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone ("fe80::1%eth0")
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        elif ip.sixtofour is not None:
            ip = ip.sixtofour
        elif ip.teredo is not None or ip.is_site_local:
            return False
    # is_global alone is not enough: Python counts multicast (224/4, ff00::/8) as global.
    return ip.is_global and not (
        ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast
        or ip.is_reserved or ip.is_unspecified
    )  # fmt: skip


def normalize_panel_url(text: str) -> str:
    """The canonical form of a panel API URL as typed by a user (https:// assumed without a
    scheme; host lower-cased, IDN as punycode; no fragment, no trailing slash).

    Raises UrlRefused(NOT_HTTP / NO_HOST / BAD_URL).
    """
    text = text.strip()
    if not text or len(text) > MAX_URL_LENGTH or any(c.isspace() or not c.isprintable() for c in text):
        raise UrlRefused(RefusalReason.BAD_URL)
    if not _HAS_SCHEME_RE.match(text):
        if _OTHER_SCHEME_RE.match(text):
            raise UrlRefused(RefusalReason.NOT_HTTP)
        text = "https://" + text
    try:
        url = URL(text)  # a malformed port or host raises here
    except (ValueError, TypeError):
        raise UrlRefused(RefusalReason.BAD_URL) from None
    if url.scheme not in ("http", "https"):
        raise UrlRefused(RefusalReason.NOT_HTTP)
    host = url.raw_host
    if not host:
        raise UrlRefused(RefusalReason.NO_HOST)
    # Credentials would travel as basic auth (and "user@host" misleads the eye); a query is
    # where a pasted key would sit, in clear, in the stored URL. The key goes in the body.
    if url.user is not None or url.password is not None or url.query_string:
        raise UrlRefused(RefusalReason.BAD_URL)
    if _NUMERIC_HOST_RE.match(host) and _ip(host) is None:
        raise UrlRefused(RefusalReason.BAD_URL)
    url = url.with_fragment(None)
    return str(url).rstrip("/")


def _ip(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return None


@functools.lru_cache(maxsize=64)
def _normalized(url: str | None) -> str | None:
    """The operator's default URL as a user's URL is normalized (None if it cannot be)."""
    try:
        return None if url is None else normalize_panel_url(url)
    except UrlRefused:
        return None


@functools.lru_cache(maxsize=4096)
def _origin(url: str) -> tuple[str, int]:
    """(host as the connector sees it, port) of an http(s) URL."""
    parsed = URL(url)
    return (parsed.raw_host or "").rstrip(".").lower(), parsed.port or 0


@dataclass(frozen=True)
class UrlPolicy:
    """The operator's rules for panel URLs (see the module docstring).

    `allowed_urls` None: any URL (subject to the address rule); otherwise only the default
    URL, these URLs, and URLs on `allowed_hosts`.
    """

    default_url: str | None = None
    allow_private: bool = False
    allowed_urls: frozenset[str] | None = None
    allowed_hosts: frozenset[str] = frozenset()

    @classmethod
    def build(cls, default_url: str | None, *, allowed: Iterable[str] | None = None,
              allow_private: bool = False) -> UrlPolicy:
        """From settings: `allowed` holds URLs (with "://") and host names; None allows any URL,
        an empty list only `default_url`."""
        if allowed is None:
            return cls(default_url, allow_private)
        urls, hosts = set(), set()
        for entry in allowed:
            if "://" in entry:
                urls.add(normalize_panel_url(entry))
            else:
                hosts.add(_origin(normalize_panel_url(entry))[0])
        return cls(default_url, allow_private, frozenset(urls), frozenset(hosts))

    def trusted(self, host: str, port: int) -> bool:
        """Requests to the default panel's origin are not filtered: the operator chose it."""
        return self.default_url is not None and (host.rstrip(".").lower(), port) == _origin(self.default_url)

    def permits(self, url: str) -> bool:
        """The operator allows users to add this (normalized) URL."""
        if self.allowed_urls is None or url in self.allowed_urls or url == _normalized(self.default_url):
            return True
        return _origin(url)[0] in self.allowed_hosts

    def guards(self, host: str, port: int) -> bool:
        """Connections to this origin must reach public addresses only."""
        return not self.allow_private and not self.trusted(host, port)


# No rule at all: for tools and tests that only talk to URLs they were configured with.
TRUST_ALL = UrlPolicy(allow_private=True)


async def check_url(text: str, policy: UrlPolicy, resolver: AbstractResolver, *, timeout: float) -> str:
    """The normalized URL if a user may add it; raises UrlRefused otherwise.

    The host is resolved (within `timeout` seconds) with the resolver the client connects
    with, and every address must be public unless the policy says otherwise.
    """
    url = normalize_panel_url(text)
    if not policy.permits(url):
        raise UrlRefused(RefusalReason.NOT_ALLOWED_BY_OPERATOR)
    if policy.default_url is not None and url == _normalized(policy.default_url):
        # Stored as configured: one account per panel, whatever the user's spelling.
        return policy.default_url
    host, port = _origin(url)
    if policy.trusted(host, port):
        return url
    literal = _ip(host)
    if literal is not None:
        addresses = [str(literal)]
    else:
        try:
            async with asyncio.timeout(timeout):
                results = await resolver.resolve(host, port, family=socket.AF_UNSPEC)
        except (OSError, TimeoutError):
            raise UrlRefused(RefusalReason.UNRESOLVABLE) from None
        addresses = [result["host"] for result in results]
        if not addresses:
            raise UrlRefused(RefusalReason.UNRESOLVABLE)
    # Every address, not just one: the connector may pick any of them.
    if policy.guards(host, port) and not all(is_public_address(a) for a in addresses):
        raise UrlRefused(RefusalReason.PRIVATE_ADDRESS)
    return url


def refuse_literal(url: str, policy: UrlPolicy) -> None:
    """At connect time, for a URL whose host is an IP literal (aiohttp connects to those without
    asking the resolver): raises AddressRefused unless the policy lets the request through."""
    host, port = _origin(url)
    if _ip(host) is not None and policy.guards(host, port) and not is_public_address(host):
        raise AddressRefused(host)


class GuardedResolver(AbstractResolver):
    """Wraps the resolver a connector would use and drops non-public addresses for guarded
    origins; with none left the lookup fails (AddressRefused), so no connection is made.

    aiohttp caches what this returns (ttl_dns_cache) under (host, port), the same key the
    decision is made on, so a cached answer was filtered too.
    """

    def __init__(self, inner: AbstractResolver, policy: UrlPolicy) -> None:
        self.inner = inner
        self._policy = policy

    async def resolve(self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET) -> list[ResolveResult]:
        results = await self.inner.resolve(host, port, family)
        if not self._policy.guards(host, port):
            return results
        public = [result for result in results if is_public_address(result["host"])]
        if not public:
            raise AddressRefused(host)
        return public

    async def close(self) -> None:
        await self.inner.close()
