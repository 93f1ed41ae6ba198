"""Users, panel accounts and the catalogue cache."""

from __future__ import annotations

import pytest

from bot.storage import NotFoundError, NotifyMode


URL_A = "https://a.example/api/v2"
URL_B = "https://b.example/api/v2"


async def test_ensure_user_creates_once_and_keeps_choices(db, clock) -> None:
    assert await db.get_user(10) is None
    user = await db.ensure_user(10, "vi")
    assert (user.tg_id, user.language, user.notify, user.blocked, user.created_at) == (
        10, "vi", NotifyMode.ALL, False, clock.now
    )  # fmt: skip

    assert await db.set_language(10, "en") is True
    assert await db.set_notify(10, "final") is True
    clock.advance(60)
    again = await db.ensure_user(10, "vi")  # the default applies to new users only
    assert (again.language, again.notify, again.created_at) == ("en", NotifyMode.FINAL, user.created_at)
    assert await db.set_language(11, "en") is False  # no such user

    with pytest.raises(ValueError):
        await db.set_notify(10, "sometimes")


async def test_set_blocked_reports_only_changes(db) -> None:
    await db.ensure_user(10, "en")
    assert await db.set_blocked(10, True) is True
    assert await db.set_blocked(10, True) is False
    assert (await db.get_user(10)).blocked is True
    assert await db.set_blocked(10, False) is True


async def test_accounts_one_active_and_upsert_per_panel(db) -> None:
    await db.ensure_user(1, "en")
    first = await db.save_account(1, URL_A, "key-a-1", "USD", label="main")
    second = await db.save_account(1, URL_B, "key-b", None)
    assert second.active and not (await db.get_account(1, first.id)).active
    assert [a.id for a in await db.accounts(1)] == [first.id, second.id]
    assert [a.id for a in await db.accounts(1) if a.active] == [second.id]

    assert await db.set_account_paused(first.id, True) is True
    assert await db.set_account_paused(first.id, True) is False  # the owner is told once
    replaced = await db.save_account(1, URL_A, "key-a-2", None)
    assert replaced.id == first.id
    assert (replaced.api_key, replaced.currency, replaced.label) == ("key-a-2", "USD", "main")
    assert replaced.active and not replaced.paused
    assert (await db.active_account(1)).id == first.id
    assert len(await db.accounts(1)) == 2

    assert await db.set_account_currency(1, first.id, "VND") is True
    assert (await db.active_account(1)).currency == "VND"


async def test_save_account_needs_a_registered_user(db) -> None:
    with pytest.raises(NotFoundError):
        await db.save_account(99, URL_A, "key", None)


async def test_catalogue_cache_per_account(db, make_account) -> None:
    a = await make_account(1, panel_url=URL_A)
    b = await make_account(1, panel_url=URL_B)
    assert await db.load_catalogue(a.id) is None
    await db.save_catalogue(a.id, '[{"service": 1}]', 100.0)
    await db.save_catalogue(a.id, '[{"service": 2, "name": "Lượt thích 👍 <b>"}]', 200.0)
    cached = await db.load_catalogue(a.id)
    assert (cached.payload, cached.fetched_at) == ('[{"service": 2, "name": "Lượt thích 👍 <b>"}]', 200.0)
    assert await db.load_catalogue(b.id) is None

    await db.delete_user_data(1)
    assert await db.load_catalogue(a.id) is None
    with pytest.raises(NotFoundError):
        await db.save_catalogue(a.id, "[]", 300.0)
