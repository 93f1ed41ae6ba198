"""A panel's catalogue, indexed for browsing and search, and its per-account cache.

Browsing must not call the panel: the catalogue is fetched once, kept in the database (so
a restart does not refetch it) and in memory (so a click does not re-parse megabytes of
JSON), and refreshed when it is older than the configured TTL or the user asks.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from collections import OrderedDict
from dataclasses import dataclass, field, fields
from decimal import Decimal

from bot.core.platforms import Platform, platform_of
from bot.core.ports import CatalogueStore, PanelApi
from bot.folding import fold
from bot.panel import Service


def category_key(name: str) -> str:
    """A short id for a category that survives restarts and catalogue refreshes.

    Callback data carries this (never the name, which may be long or odd); a category that
    disappears simply no longer resolves, and the menu is reported out of date.
    """
    return hashlib.blake2s(name.encode("utf-8"), digest_size=5).hexdigest()


@dataclass(frozen=True)
class Category:
    key: str
    name: str
    services: tuple[Service, ...]


def platform_of_category(category: Category) -> Platform | None:
    # The category's own name first; a name like "Việt Nam 🇻🇳" falls back to its first service.
    return platform_of(None, category.name) or platform_of(category.services[0].name)


def _by_platform(categories: list[Category]) -> tuple[Category, ...]:
    groups: dict[str | None, list[Category]] = {}
    for category in categories:
        platform = platform_of_category(category)
        groups.setdefault(platform.key if platform else None, []).append(category)
    unknown = groups.pop(None, [])
    return tuple(c for group in [*groups.values(), unknown] for c in group)


@dataclass
class Catalogue:
    services: tuple[Service, ...]
    fetched_at: float
    categories: tuple[Category, ...] = field(init=False)
    _by_id: dict[int, Service] = field(init=False, repr=False)
    _by_key: dict[str, Category] = field(init=False, repr=False)
    _search_index: list[tuple[str, Service]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        grouped: dict[str, list[Service]] = {}
        for service in self.services:
            grouped.setdefault(service.category or "—", []).append(service)
        # Panels order their catalogue deliberately but often scatter a platform's categories
        # over it: keep their order within a platform, and the platforms in the order they first
        # appear; categories of no known platform come last.
        self.categories = _by_platform(
            [Category(category_key(name), name, tuple(items)) for name, items in grouped.items()]
        )
        self._by_id = {s.id: s for s in self.services}
        self._by_key = {c.key: c for c in self.categories}
        self._search_index = [(fold(f"{s.name} {s.category}"), s) for s in self.services]

    def service(self, service_id: int) -> Service | None:
        return self._by_id.get(service_id)

    def category(self, key: str) -> Category | None:
        return self._by_key.get(key)

    def category_of(self, service: Service) -> Category | None:
        return self._by_key.get(category_key(service.category or "—"))

    def categories_of(self, platform: Platform) -> tuple[Category, ...]:
        """The categories of one platform, in the catalogue's order (a pasted link's choices)."""
        return tuple(c for c in self.categories if (p := platform_of_category(c)) is not None and p.key == platform.key)

    def search(self, words: str, limit: int = 500) -> list[Service]:
        """Services whose name or category contains every word (accents and case ignored)."""
        terms = sorted(set(fold(words).split()), key=len, reverse=True)
        if not terms:
            return []
        # The longest word first narrows the catalogue fastest; a list comprehension with a
        # bare `in` is several times faster than a generator of all() over 5,000 strings.
        first = terms[0]
        found = [entry for entry in self._search_index if first in entry[0]]
        for term in terms[1:]:
            found = [entry for entry in found if term in entry[0]]
        return [service for _, service in found[:limit]]


_SERVICE_FIELDS = [f.name for f in fields(Service)]
# Above this many services the JSON is written in a worker thread: 50,000 take about 0.4 s.
_BIG_CATALOGUE = 2000


def services_to_json(services: tuple[Service, ...] | list[Service]) -> str:
    def encode(value: object) -> object:
        if isinstance(value, Decimal):
            return str(value)
        raise TypeError(type(value).__name__)

    # Shallow dicts (asdict deep-copies every field) and ASCII: one emoji anywhere makes a
    # non-ASCII str four bytes a character. For 50,000 services this is 24 MB and 0.4 s
    # instead of 58 MB and 1.7 s (bench/RESULTS.md, hostile panel).
    rows = [{name: getattr(s, name) for name in _SERVICE_FIELDS} for s in services]
    return json.dumps(rows, default=encode, ensure_ascii=True)


def services_from_json(payload: str) -> tuple[Service, ...]:
    items = json.loads(payload)
    return tuple(Service(**{**item, "rate": Decimal(item["rate"])}) for item in items)


class CatalogueCache:
    """Catalogues by account id: memory first, then the database, then the panel."""

    def __init__(self, db: CatalogueStore, ttl_seconds: float, max_services_in_memory: int = 250_000) -> None:
        self._db = db
        self._ttl = ttl_seconds
        # Bounded by services, not accounts: many users of a small panel fit; a few huge
        # catalogues do not crowd memory (about 1 KB per service once indexed).
        self._max_services = max_services_in_memory
        self._memory: OrderedDict[int, Catalogue] = OrderedDict()
        # One fetch per account at a time: users opening a stale catalogue together share it.
        self._fetching: dict[int, asyncio.Lock] = {}

    def _remember(self, account_id: int, catalogue: Catalogue) -> Catalogue:
        self._memory[account_id] = catalogue
        self._memory.move_to_end(account_id)
        total = sum(len(c.services) for c in self._memory.values())
        while total > self._max_services and len(self._memory) > 1:
            _, evicted = self._memory.popitem(last=False)
            total -= len(evicted.services)
        return catalogue

    def _fresh(self, catalogue: Catalogue) -> bool:
        return time.time() - catalogue.fetched_at < self._ttl

    async def get(self, account_id: int, api: PanelApi, *, refresh: bool = False) -> Catalogue:
        """The account's catalogue; fetched from the panel only when missing, stale or asked.

        Panel errors propagate (the caller tells the user); a stale copy is still served if
        the panel fails while refreshing it automatically, because an old price list beats
        no price list (the charge is confirmed by the panel at `add`).
        """
        lock = self._fetching.setdefault(account_id, asyncio.Lock())
        async with lock:
            return await self._get(account_id, api, refresh)

    async def _get(self, account_id: int, api: PanelApi, refresh: bool) -> Catalogue:
        if not refresh:
            cached = self._memory.get(account_id)
            if cached is None:
                stored = await self._db.load_catalogue(account_id)
                if stored is not None:
                    cached = self._remember(account_id, Catalogue(services_from_json(stored.payload), stored.fetched_at))
            if cached is not None and self._fresh(cached):
                self._memory.move_to_end(account_id)
                return cached
        else:
            cached = None
        try:
            services = tuple(await api.services())
        except Exception:
            if cached is not None:
                return cached
            raise
        catalogue = Catalogue(services, time.time())
        if len(services) > _BIG_CATALOGUE:
            payload = await asyncio.to_thread(services_to_json, services)
        else:
            payload = services_to_json(services)
        await self._db.save_catalogue(account_id, payload, catalogue.fetched_at)
        return self._remember(account_id, catalogue)

    def cached(self, account_id: int) -> Catalogue | None:
        return self._memory.get(account_id)

    async def invalidate(self, account_id: int) -> None:
        """The account's key changed: prices may differ, so fetch anew on the next look.

        The stored copy is kept but marked old, so it still serves if the panel is down.
        """
        self._memory.pop(account_id, None)
        stored = await self._db.load_catalogue(account_id)
        if stored is not None:
            await self._db.save_catalogue(account_id, stored.payload, 0.0)

    def forget(self, account_id: int) -> None:
        self._memory.pop(account_id, None)
