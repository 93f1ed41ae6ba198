"""Panel URLs users add: what is refused and why, when added and again at connect time."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest
from aiohttp.resolver import ThreadedResolver

from bot.panel import PanelAddressRefused, PanelClient, RefusalReason, UrlPolicy, UrlRefused
from bot.panel.urls import GuardedResolver, check_url, is_public_address, normalize_panel_url
from tests.panel_fixtures import TEST_KEY, make_test_client
from tests.panels_support import KEY_B, PUBLIC_IP, FakeResolver, second_simulator  # noqa: F401 (fixture)


@pytest.mark.parametrize("address", [
    "127.0.0.1", "127.8.9.10", "::1",  # loopback
    "10.1.2.3", "172.16.0.1", "172.31.255.254", "192.168.1.1", "fc00::1", "fd12:3456::1",  # private
    "169.254.169.254", "fe80::1", "fe80::1%eth0",  # link-local (the cloud metadata service)
    "224.0.0.1", "239.255.255.250", "ff02::1", "ff0e::1",  # multicast
    "240.0.0.1", "255.255.255.255",  # reserved, broadcast
    "0.0.0.0", "::", "0.1.2.3",  # unspecified, "this network"
    "100.64.0.1",  # carrier-grade NAT (shared address space)
    "192.0.2.1", "198.51.100.7", "203.0.113.9", "2001:db8::1", "198.18.0.1",  # documentation, benchmarks
    "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:169.254.169.254",  # IPv4-mapped IPv6
    "::127.0.0.1",  # IPv4-compatible (deprecated)
    "2002:7f00:1::", "2002:c0a8:101::",  # 6to4 of 127.0.0.1 and 192.168.1.1
    "2001:0:4136:e378:8000:63bf:3fff:fdd2",  # Teredo
    "fec0::1",  # site-local (deprecated)
    "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
    "not an address", "",
])
def test_every_non_public_address_class_is_refused(address):
    assert not is_public_address(address)


@pytest.mark.parametrize("address", [
    "8.8.8.8", "1.1.1.1", PUBLIC_IP, "2606:4700::1111", "2a00:1450:4001:80b::200e",
    "::ffff:8.8.8.8", "2002:808:808::",  # IPv4-mapped and 6to4 of a public address
])
def test_public_addresses_pass(address):
    assert is_public_address(address)


@pytest.mark.parametrize(("typed", "normalized"), [
    ("https://panel.example/api/v2", "https://panel.example/api/v2"),
    ("  HTTPS://Panel.Example/api/v2/  ", "https://panel.example/api/v2"),
    ("panel.example/api/v2", "https://panel.example/api/v2"),  # the scheme people leave out
    ("panel.example:8443/api/v2", "https://panel.example:8443/api/v2"),
    ("http://panel.example/api/v2#top", "http://panel.example/api/v2"),
    ("https://panel.example:443/api/v2", "https://panel.example/api/v2"),
    ("https://bảngđiềukhiển.vn/api/v2", "https://xn--bngiukhin-sgb1834foka4a.vn/api/v2"),
    ("http://[2606:4700::1111]:8080/api", "http://[2606:4700::1111]:8080/api"),
])
def test_urls_are_normalized(typed, normalized):
    assert normalize_panel_url(typed) == normalized


@pytest.mark.parametrize(("typed", "reason"), [
    ("ftp://panel.example/api/v2", RefusalReason.NOT_HTTP),
    ("file:///etc/passwd", RefusalReason.NOT_HTTP),
    ("javascript:alert(1)", RefusalReason.NOT_HTTP),
    ("gopher://panel.example:70/", RefusalReason.NOT_HTTP),
    ("http:///api/v2", RefusalReason.NO_HOST),
    ("https://", RefusalReason.NO_HOST),
    ("", RefusalReason.BAD_URL),
    ("https://panel .example/api", RefusalReason.BAD_URL),
    ("https://panel.example:99999/api", RefusalReason.BAD_URL),
    ("https://panel.example:port/api", RefusalReason.BAD_URL),
    ("https://user:secret@panel.example/api/v2", RefusalReason.BAD_URL),
    ("https://good.example@evil.example/api/v2", RefusalReason.BAD_URL),
    ("https://panel.example/api/v2?key=0a1b2c3d4e5f60718293a4b5c6d7e8f9", RefusalReason.BAD_URL),
    ("http://127.1/api", RefusalReason.BAD_URL),  # numeric forms the C resolver maps to 127.0.0.1
    ("http://2130706433/api", RefusalReason.BAD_URL),
    ("http://0x7f.0.0.1/api", RefusalReason.BAD_URL),
    ("https://" + "a" * 600 + ".example/", RefusalReason.BAD_URL),
])
def test_malformed_urls_are_refused_with_a_reason(typed, reason):
    with pytest.raises(UrlRefused) as refused:
        normalize_panel_url(typed)
    assert refused.value.reason is reason
    assert "secret" not in str(refused.value) and "0a1b2c3d" not in str(refused.value)


DEFAULT = "https://subpro.vn/api/v2"
STRICT = UrlPolicy.build(DEFAULT)


async def check(text: str, policy: UrlPolicy = STRICT, resolver: FakeResolver | None = None) -> str:
    return await check_url(text, policy, resolver or FakeResolver(), timeout=1.0)


async def refusal(text: str, policy: UrlPolicy = STRICT, resolver: FakeResolver | None = None) -> RefusalReason:
    with pytest.raises(UrlRefused) as refused:
        await check(text, policy, resolver)
    return refused.value.reason


@pytest.mark.parametrize("url", [
    "http://127.0.0.1/api/v2", "http://[::1]:8080/api/v2", "http://10.0.0.7/api/v2",
    "http://169.254.169.254/latest/meta-data", "http://[::ffff:127.0.0.1]/api", "http://0.0.0.0:6379/",
    "http://[fe80::1%25eth0]/api", "http://224.0.0.251/",
])
async def test_ip_literals_outside_the_internet_are_refused(url):
    assert await refusal(url) is RefusalReason.PRIVATE_ADDRESS
    assert await check(url, UrlPolicy.build(DEFAULT, allow_private=True)) == normalize_panel_url(url)


async def test_host_names_are_judged_by_every_address_they_resolve_to():
    resolver = FakeResolver({
        "panel.example": [PUBLIC_IP, "2606:4700::1111"],
        "inside.example": ["192.168.1.20"],
        "both.example": [PUBLIC_IP, "10.0.0.5"],  # the connector might pick either
        "mapped.example": ["::ffff:127.0.0.1"],
    })
    assert await check("panel.example/api/v2", resolver=resolver) == "https://panel.example/api/v2"
    for name in ("inside.example", "both.example", "mapped.example"):
        assert await refusal(f"https://{name}/api/v2", resolver=resolver) is RefusalReason.PRIVATE_ADDRESS
    assert await refusal("https://nowhere.example/api/v2", resolver=resolver) is RefusalReason.UNRESOLVABLE
    allowing = UrlPolicy.build(DEFAULT, allow_private=True)
    assert await check("https://inside.example/api/v2", allowing, resolver) == "https://inside.example/api/v2"


async def test_localhost_is_refused_through_the_real_resolver():
    resolver = ThreadedResolver()
    try:
        reason = await refusal("http://localhost:8765/api/v2", resolver=resolver)  # type: ignore[arg-type]
    finally:
        await resolver.close()
    assert reason is RefusalReason.PRIVATE_ADDRESS


async def test_a_resolver_that_does_not_answer_is_unresolvable_within_the_time_out():
    class Hanging(FakeResolver):
        async def resolve(self, host, port=0, family=0):
            await asyncio.sleep(30)

    started = asyncio.get_running_loop().time()
    with pytest.raises(UrlRefused) as refused:
        await check_url("https://slow.example/api/v2", STRICT, Hanging(), timeout=0.2)
    assert refused.value.reason is RefusalReason.UNRESOLVABLE
    assert asyncio.get_running_loop().time() - started < 2


async def test_the_operator_can_allow_only_some_urls_or_only_the_default():
    resolver = FakeResolver({name: [PUBLIC_IP] for name in ("one.example", "api.two.example", "three.example")})
    only_default = UrlPolicy.build(DEFAULT, allowed=())
    assert await check("subpro.vn/api/v2/", only_default, resolver) == DEFAULT
    assert await refusal("https://one.example/api/v2", only_default, resolver) is RefusalReason.NOT_ALLOWED_BY_OPERATOR

    listed = UrlPolicy.build(DEFAULT, allowed=("https://one.example/api/v2", "api.two.example"))
    assert await check("https://one.example/api/v2/", listed, resolver) == "https://one.example/api/v2"
    assert await refusal("https://one.example/api/v3", listed, resolver) is RefusalReason.NOT_ALLOWED_BY_OPERATOR
    assert await check("http://API.two.example:8080/x", listed, resolver) == "http://api.two.example:8080/x"
    assert await refusal("https://three.example/api/v2", listed, resolver) is RefusalReason.NOT_ALLOWED_BY_OPERATOR
    assert await check(DEFAULT, listed, resolver) == DEFAULT
    assert resolver.asked.count("three.example") == 0  # refused before any lookup


async def test_the_default_url_is_trusted_as_configured_even_on_loopback(simulator):
    policy = UrlPolicy.build(simulator.url)
    port = simulator.url.split(":")[2].split("/")[0]
    assert await check(simulator.url, policy) == simulator.url
    assert await check(f"http://127.0.0.1:{port}/api/v2/", policy) == simulator.url
    # Its origin only: another port of the same host, or the same port under another name, is not.
    assert await refusal("http://127.0.0.1:22/api/v2", policy) is RefusalReason.PRIVATE_ADDRESS
    resolver = FakeResolver({"localhost": ["127.0.0.1"]})
    assert await refusal(f"http://localhost:{port}/api/v2", policy, resolver) is RefusalReason.PRIVATE_ADDRESS


async def test_guarded_resolver_keeps_only_public_addresses_of_guarded_origins():
    inner = FakeResolver({"both.example": ["10.0.0.5", PUBLIC_IP], "local.example": ["127.0.0.1"]})
    guarded = GuardedResolver(inner, UrlPolicy.build("http://local.example:8765/api/v2"))
    assert [r["host"] for r in await guarded.resolve("both.example", 443)] == [PUBLIC_IP]
    assert [r["host"] for r in await guarded.resolve("local.example", 8765)] == ["127.0.0.1"]  # the default
    with pytest.raises(OSError):
        await guarded.resolve("local.example", 22)  # the default's host, another port
    open_policy = GuardedResolver(inner, UrlPolicy.build(None, allow_private=True))
    assert [r["host"] for r in await open_policy.resolve("local.example", 22)] == ["127.0.0.1"]


# --- at connect time ---------------------------------------------------------------------------


def rebinding_client(default_url: str, resolver: FakeResolver, *, allow_private: bool = False) -> PanelClient:
    return make_test_client(url_policy=UrlPolicy.build(default_url, allow_private=allow_private),  # type: ignore[arg-type]
                            resolver=resolver)  # type: ignore[arg-type]


async def test_a_name_that_resolves_elsewhere_at_connect_time_is_refused_before_sending(simulator, second_simulator):
    """Checked when added (a public address), then the DNS answer changes to loopback, where the
    second simulator listens: no request reaches it, and none is retried."""
    port = second_simulator.url.split(":")[2].split("/")[0]
    url = f"http://rebind.example:{port}/api/v2"
    resolver = FakeResolver({"rebind.example": [PUBLIC_IP]})
    async with rebinding_client(simulator.url, resolver) as client:
        assert await client.check_url(url) == url
        resolver.answers["rebind.example"] = ["127.0.0.1"]
        with pytest.raises(PanelAddressRefused):
            await client.account(url, KEY_B).balance()
        with pytest.raises(PanelAddressRefused):  # an order is never "maybe placed" then
            await client.account(url, KEY_B).add(1, "https://facebook.com/post/1", 100)
        assert resolver.asked.count("rebind.example") == 3  # once each: no retry of a refusal
        # The operator's own panel (loopback too) is reached through the same client.
        assert (await client.account(simulator.url, TEST_KEY).balance()).amount == Decimal(1_000_000)
    assert sum(second_simulator.requests.values()) == 0

    async with rebinding_client(simulator.url, resolver, allow_private=True) as client:
        assert (await client.account(url, KEY_B).balance()).amount == Decimal(250)
    assert second_simulator.requests["balance"] == 1


async def test_an_ip_literal_is_checked_at_connect_time_too(simulator, second_simulator):
    """aiohttp connects to IP literals without a lookup: a stored loopback URL (added while the
    operator allowed it, say) is refused at the request."""
    async with rebinding_client(simulator.url, FakeResolver()) as client:
        with pytest.raises(PanelAddressRefused) as refused:
            await client.account(second_simulator.url, KEY_B).balance()
        assert refused.value.code == "address_refused" and KEY_B not in str(refused.value)
        assert (await client.account(simulator.url, TEST_KEY).balance()).currency == "VND"
    assert sum(second_simulator.requests.values()) == 0
