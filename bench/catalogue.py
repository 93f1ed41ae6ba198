"""4. Catalogue: 5,000 services in 100 categories; time to render a page from the cache.

In process, no Telegram: what a tap costs once the catalogue is in memory. A category page
is `Catalogue.category(key)` + `views.category_page`; a search is `Catalogue.search(words)` +
`views.search_page`, as the handlers call them. For context it also times what a cache miss
costs (building the index, and loading the stored JSON), which every tap pays when more
accounts are active than the in-memory cache holds (CatalogueCache max_services_in_memory).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable

from bench.common import percentile, verdict
from bot.core.catalogue import Catalogue, services_from_json, services_to_json
from bot import presentation as views
from bot.presentation import Texts
from bot.i18n import Translations
from bot.panel.parsing import parse_services
from bot.simulator import big_catalogue

SERVICES = 5000
TARGET_MS = 5.0
NONCE = "a1b2c3"  # what the handler remembers the words by (secrets.token_hex(3))
SEARCHES = ["facebook", "tiktok like", "luot xem", "lượt xem", "vip", "instagram follow", "youtube đánh giá",
            "telegram member", "no_drop", "🇻🇳", "shopee theo doi", "website", "spotify view", "x comment",
            "threads reaction", "view 12", "nhanh", "real", "xyz nothing"]


def timed(action: Callable[[], object], runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        began = time.perf_counter()
        action()
        samples.append(time.perf_counter() - began)
    return samples


def row(name: str, samples: list[float]) -> str:
    p = [percentile(samples, q) * 1000 for q in (50, 99)]
    return f"| {name} | {len(samples):,} | {p[0]:.2f} ms | {p[1]:.2f} ms | {max(samples) * 1000:.2f} ms |"


async def run(quick: bool) -> dict:
    runs = 500 if quick else 5000
    rng = random.Random(5)
    services = tuple(parse_services(big_catalogue(SERVICES, seed=3)))
    catalogue = Catalogue(services, time.time())
    tx = Texts(Translations.load(), "vi")

    def category_page() -> None:
        category = catalogue.category(rng.choice(catalogue.categories).key)
        pages = -(-len(category.services) // views.SERVICES_PER_PAGE)
        views.category_page(tx, category, rng.randrange(pages), "VND")

    def search() -> None:
        words = rng.choice(SEARCHES)
        views.search_page(tx, words, catalogue.search(words), 0, "VND", nonce=NONCE)

    payload = services_to_json(services)
    results = {
        "category page": timed(category_page, runs),
        "search": timed(search, runs),
        "categories list": timed(lambda: views.categories_page(tx, catalogue, rng.randrange(10)), runs),
        "cache miss: build the index": timed(lambda: Catalogue(services, time.time()), 5 if quick else 20),
        "cache miss: load stored JSON + index": timed(
            lambda: Catalogue(services_from_json(payload), time.time()), 5 if quick else 20),
    }
    lines = [
        f"{len(services):,} services in {len(catalogue.categories)} categories; "
        f"stored JSON {len(payload) / 1e6:.1f} MB",
        "| operation | runs | p50 | p99 | max |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for name, samples in results.items():
        lines.append(row(name, samples))
        print("  " + lines[-1], flush=True)
    targets = []
    for name in ("category page", "search"):
        p99 = percentile(results[name], 99) * 1000
        targets.append(f"{name} p99 {p99:.2f} ms (target <= {TARGET_MS:g} ms): {verdict(p99 <= TARGET_MS)}")
    return {"table": lines, "targets": targets, "problems": []}
