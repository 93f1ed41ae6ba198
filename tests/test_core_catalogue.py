"""The catalogue: grouping, search, stable short ids, and the cache in front of the panel."""

import asyncio

from bot.core.catalogue import Catalogue, CatalogueCache, category_key, fold


async def test_catalogue_groups_searches_and_keeps_short_stable_keys(panel_api):
    services = await panel_api.services()
    catalogue = Catalogue(tuple(services), 0.0)
    names = [c.name for c in catalogue.categories]
    # Grouped by platform, in the order the panel first shows each platform, the panel's order within one.
    assert names[:7] == ["Facebook", "Facebook Like", "Facebook Follow", "Facebook Share", "Facebook Comment",
                         "Facebook Khác", "Tiktok"]
    assert names[7:13] == ["TikTok Follow", "TikTok Like", "TikTok View", "TikTok Live", "TikTok Comment", "TikTok Auto"]
    assert names.index("Instagram Auto") < names.index("YouTube Views")
    assert names[-1] == "Website Traffic"  # no known platform: last
    assert all(len(c.key) == 10 for c in catalogue.categories)
    assert category_key("Facebook Like") == catalogue.category(category_key("Facebook Like")).key
    assert {s.id for s in catalogue.search("binh LUAN yeu cau")} == {105}
    assert {s.id for s in catalogue.search("tiktok follow")} == {201}
    assert catalogue.search("   ") == []
    assert fold("Đánh giá Lượt") == "danh gia luot"


async def test_cache_serves_from_memory_then_database_and_refetches_when_stale(db, make_account, simulator, panel_api):
    account = await make_account(42, panel_url=simulator.url)
    cache = CatalogueCache(db, ttl_seconds=3600)
    first = await cache.get(account.id, panel_api)
    await cache.get(account.id, panel_api)
    assert simulator.requests["services"] == 1

    # A restart: a new cache reads the stored copy, not the panel.
    restarted = CatalogueCache(db, ttl_seconds=3600)
    again = await restarted.get(account.id, panel_api)
    assert simulator.requests["services"] == 1 and again.services == first.services

    # Users opening a stale catalogue at once share one fetch.
    await restarted.invalidate(account.id)
    await asyncio.gather(*(restarted.get(account.id, panel_api) for _ in range(5)))
    assert simulator.requests["services"] == 2

    # The panel down while refreshing: the old copy still serves.
    await restarted.invalidate(account.id)
    simulator.fail_next(10, "html_500")
    served = await restarted.get(account.id, panel_api)
    assert served.services == first.services


async def test_memory_is_bounded_by_services_not_accounts(db, make_account, simulator, panel_api):
    accounts = [await make_account(100 + i, panel_url=simulator.url) for i in range(3)]
    size = len(await panel_api.services())
    cache = CatalogueCache(db, ttl_seconds=3600, max_services_in_memory=2 * size)
    for account in accounts:
        await cache.get(account.id, panel_api)
    assert cache.cached(accounts[0].id) is None  # the oldest made room
    assert cache.cached(accounts[1].id) is not None and cache.cached(accounts[2].id) is not None
