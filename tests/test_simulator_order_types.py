"""The simulator checks each order type's `add` parameters the way panels do: a missing or
malformed one is refused with a panel's own text, nothing is placed and nothing is charged."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from bot.panel import PanelAccountApi, PanelError, QuantityOutOfRange
from bot.simulator import PanelSimulator
from bot.simulator.ordertypes import panel_today
from tests.panel_fixtures import TEST_BALANCE

IG = "https://www.instagram.com/p/AbC123/"
FB = "https://facebook.com/page/posts/1"
TG = "https://t.me/nhomcuatoi"
LATER = (panel_today() + timedelta(days=10)).strftime("%d/%m/%Y")
PAST = (panel_today() - timedelta(days=1)).strftime("%d/%m/%Y")
SUB = {"username": "someone", "min": 100, "max": 200, "delay": 30}


@pytest.mark.parametrize("service, link, quantity, extra, text", [
    (104, FB, 100, {"runs": 1, "interval": 5}, "Incorrect request"),  # drip-feed needs 2 runs or more
    (104, FB, 100, {"runs": 3}, "Incorrect request"),  # no interval
    (108, FB, None, {}, "Incorrect request"),  # a comments package without comments
    (105, FB, None, {"comments": " \n "}, "Incorrect request"),
    (305, IG, None, {}, "neworder.error.usernames"),
    (305, IG, None, {"usernames": "good_one\nnot a name"}, "neworder.error.usernames"),
    (305, IG, None, {"usernames": "a\nb"}, "Quantity less than minimal 10"),  # the list is the quantity
    (306, IG, 100, {"usernames": "a"}, "neworder.error.hashtags"),
    (306, IG, 100, {"hashtags": "#a"}, "neworder.error.usernames"),
    (307, IG, 100, {"hashtag": "two words"}, "neworder.error.hashtag"),
    (308, IG, 100, {}, "neworder.error.username"),
    (309, IG, 100, {"media": "@not_a_post"}, "neworder.error.media"),
    (310, IG, 20, {}, "neworder.error.username"),
    (311, IG, None, {"username": "author"}, "Incorrect request"),  # replies without comments
    (311, IG, None, {"comments": "hi"}, "neworder.error.username"),
    (504, TG, 100, {"answer_number": 0}, "Incorrect request"),
    (504, TG, 100, {}, "Incorrect request"),
    (802, "https://shop.vn", 1000, {}, "neworder.error.keywords"),
    (505, TG, 100, {"groups": "not a group!"}, "neworder.error.groups"),
    (312, None, None, {**SUB, "delay": 7}, "Incorrect request"),  # not an allowed delay
    (312, None, None, {k: v for k, v in SUB.items() if k != "delay"}, "Incorrect request"),
    (312, None, None, {k: v for k, v in SUB.items() if k != "username"}, "neworder.error.username"),
    (312, None, None, {**SUB, "min": 300}, "Incorrect request"),  # min above max
    (312, None, None, {**SUB, "min": 10}, "Quantity less than minimal 50"),
    (312, None, None, {**SUB, "expiry": PAST}, "Incorrect request"),
    (312, None, None, {**SUB, "expiry": "2030-01-01"}, "Incorrect request"),
    (312, None, None, {**SUB, "posts": 0}, "Incorrect request"),
])  # fmt: skip
async def test_bad_parameters_are_refused_like_panels_do(simulator: PanelSimulator, panel_api: PanelAccountApi,
                                                         service, link, quantity, extra, text) -> None:
    with pytest.raises(PanelError) as caught:
        await panel_api.add(service, link, quantity, **extra)
    assert caught.value.panel_text == text
    assert simulator.orders == {} and (await panel_api.balance()).amount == TEST_BALANCE


async def test_subscription_parameters_are_recorded_and_its_posts_charged(simulator: PanelSimulator,
                                                                          panel_api: PanelAccountApi) -> None:
    order_id = await panel_api.add(312, None, None, **SUB, posts=3, old_posts=2, expiry=LATER)
    order = simulator.orders[order_id]
    assert order.params == {"username": "someone", "min": "100", "max": "200", "delay": "30", "posts": "3",
                            "old_posts": "2", "expiry": LATER}
    assert (order.link, order.status, order.posts) == ("@someone", "Active", 2)  # the old posts at once
    simulator.advance(simulator.progress_seconds)
    assert (simulator.order(order_id).status, simulator.order(order_id).posts) == ("Active", 3)
    # One live subscription per account followed, like one order per link.
    with pytest.raises(PanelError) as caught:
        await panel_api.add(312, None, None, **SUB)
    assert "active order" in caught.value.panel_text
    simulator.advance(10 * simulator.progress_seconds)
    assert (simulator.order(order_id).status, simulator.order(order_id).posts) == ("Completed", 5)
    assert simulator.orders[order_id].charge == Decimal(8)  # 5 posts x 200 at 8 per 1000
    assert (await panel_api.balance()).amount == TEST_BALANCE - 8


async def test_a_subscription_pauses_when_the_balance_runs_out(simulator: PanelSimulator,
                                                               panel_api: PanelAccountApi) -> None:
    simulator.set_balance("test-key-alpha", 2)  # 8 per 1000 x 200 = 1.6 a post: one post only
    order_id = await panel_api.add(312, None, None, **SUB)
    simulator.advance(2 * simulator.progress_seconds)
    assert (simulator.order(order_id).status, simulator.order(order_id).posts) == ("Paused", 1)
    simulator.set_balance("test-key-alpha", 100)
    simulator.advance(0)
    assert (simulator.order(order_id).status, simulator.order(order_id).posts) == ("Active", 2)


async def test_quantity_of_a_list_type_is_its_lines(simulator: PanelSimulator, panel_api: PanelAccountApi) -> None:
    with pytest.raises(QuantityOutOfRange):
        await panel_api.add(311, IG, None, username="a", comments="\n".join(f"c{i}" for i in range(501)))
    order_id = await panel_api.add(311, IG, None, username="a", comments="one\ntwo\n\nthree")
    order = simulator.orders[order_id]
    assert (order.quantity, order.charge) == (3, Decimal("2.7"))  # 900 per 1000 x 3
