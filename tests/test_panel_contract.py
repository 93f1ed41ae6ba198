"""Contract tests: the client against the simulator, every action and every error text."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot.panel import (
    Balance,
    BadLink,
    BadRequest,
    CancelNotAllowed,
    DuplicateActiveOrder,
    InvalidKey,
    ItemError,
    NotEnoughFunds,
    OrderState,
    OrderStatus,
    PanelAccountApi,
    PanelClient,
    PanelError,
    QuantityOutOfRange,
    RefillNotAllowed,
    RefillState,
    RefillStatus,
    ServiceKind,
    UnknownOrder,
    UnknownService,
)
from bot.simulator import PanelSimulator, big_catalogue
from tests.test_panel_errors import load_error_texts


TEST_BALANCE = Decimal(1_000_000)  # the `simulator` fixture's key "test-key-alpha"
SEEN_TEXTS = load_error_texts()

FB_POST = "https://facebook.com/post/1"


async def place(api: PanelAccountApi, link: str = FB_POST, quantity: int = 1000, service: int = 1) -> int:
    return await api.add(service, link, quantity)


# --- services and balance -------------------------------------------------------------------------


async def test_services(panel_api: PanelAccountApi) -> None:
    services = await panel_api.services()
    by_id = {s.id: s for s in services}
    assert 25 <= len(services) <= 60
    first, second = by_id[1], by_id[2]
    assert (first.name, first.category, first.rate, first.min, first.max, first.refill) == (
        "Facebook views", "Facebook", Decimal("2.5"), 200, 10000, True,
    )  # fmt: skip
    assert (second.name, second.category, second.rate, second.min, second.max, second.refill) == (
        "Tiktok views", "Tiktok", Decimal(4), 10, 1500, False,
    )  # fmt: skip
    assert by_id[103].name == "Facebook Likes <b>VIP</b> & Co_fast"
    assert {s.kind for s in services} >= {ServiceKind.DEFAULT, ServiceKind.PACKAGE, ServiceKind.CUSTOM_COMMENTS}
    assert {s.kind for s in services} == set(ServiceKind) - {ServiceKind.OTHER}  # every type, each recognised
    assert any(s.step == 100 for s in services)
    assert {s.refill for s in services} == {True, False} and {s.cancel for s in services} == {True, False}
    assert any(s.description for s in services)
    assert len({s.category for s in services}) >= 6


async def test_balance(panel_api: PanelAccountApi) -> None:
    assert await panel_api.balance() == Balance(TEST_BALANCE, "VND")


async def test_balance_in_another_currency(simulator: PanelSimulator, panel_client: PanelClient) -> None:
    simulator.add_key("usd-key-0001", Decimal("12.34"), "USD")
    assert await panel_client.account(simulator.url, "usd-key-0001").balance() == Balance(Decimal("12.34"), "USD")


# --- add and status -------------------------------------------------------------------------------


async def test_order_lifecycle(simulator: PanelSimulator, panel_api: PanelAccountApi) -> None:
    order_id = await place(panel_api, quantity=1000)
    assert (await panel_api.balance()).amount == TEST_BALANCE - Decimal("2.5")

    pending = await panel_api.status(order_id)
    assert (pending.status, pending.charge, pending.remains, pending.is_final) == (
        OrderState.PENDING, Decimal("2.5"), 1000, False,
    )  # fmt: skip

    simulator.advance(simulator.pending_seconds + simulator.progress_seconds / 2)
    running = await panel_api.status(order_id)
    assert running.status is OrderState.IN_PROGRESS and 0 < running.remains < 1000
    assert running.start_count is not None and running.start_count >= 0

    simulator.advance(simulator.progress_seconds)
    done = await panel_api.status(order_id)
    assert (done.status, done.remains, done.is_final, done.raw_status) == (OrderState.COMPLETED, 0, True, "Completed")


async def test_partial_outcome_refunds_proportionally(simulator: PanelSimulator, panel_api: PanelAccountApi) -> None:
    order_id = await place(panel_api, quantity=2000)  # 5 VND
    simulator.set_order_outcome(order_id, "Partial", remains=400)
    simulator.advance(3600)
    status = await panel_api.status(order_id)
    assert (status.status, status.remains, status.charge) == (OrderState.PARTIAL, 400, Decimal(4))
    assert (await panel_api.balance()).amount == TEST_BALANCE - Decimal(4)


async def test_over_delivery_shows_negative_remains(simulator: PanelSimulator, panel_api: PanelAccountApi) -> None:
    order_id = await place(panel_api)
    simulator.complete_order(order_id, remains=-2)
    status = await panel_api.status(order_id)
    assert (status.status, status.remains) == (OrderState.COMPLETED, -2)


async def test_package_custom_comments_and_dripfeed(simulator: PanelSimulator, panel_api: PanelAccountApi) -> None:
    package = await panel_api.add(304, "https://instagram.com/someone")
    comments = await panel_api.add(105, "https://facebook.com/post/2", comments="Hay quá!\n\n  \nTuyệt vời 👍\nỦng hộ")
    drip = await panel_api.add(104, "https://facebook.com/post/3", 100, runs=3, interval=15)
    charges = {oid: (await panel_api.status(oid)).charge for oid in (package, comments, drip)}
    assert charges == {package: Decimal(95000), comments: Decimal("1.35"), drip: Decimal(18)}
    assert simulator.orders[comments].quantity == 3 and simulator.orders[drip].quantity == 300
    assert simulator.orders[drip].params == {"quantity": "100", "runs": "3", "interval": "15"}


async def test_statuses_of_250_ids_are_three_requests(simulator: PanelSimulator, panel_api: PanelAccountApi) -> None:
    mine = [await place(panel_api, link=f"https://tiktok.com/@u/video/{i}", service=2, quantity=10) for i in range(3)]
    ids = list(range(1, 248)) + mine + mine  # 250 distinct ids, duplicates dropped
    simulator.complete_order(mine[1])
    result = await panel_api.statuses(ids)
    assert simulator.status_batches == [100, 100, 50]
    assert simulator.requests["status"] == 3
    assert len(result) == 250 and list(result) == list(dict.fromkeys(ids))
    assert [result[i].status for i in mine] == [OrderState.PENDING, OrderState.COMPLETED, OrderState.PENDING]
    assert result[1] == ItemError(UnknownOrder("Incorrect order ID"))


async def test_statuses_in_list_shape_with_json_numbers(simulator: PanelSimulator, panel_api: PanelAccountApi) -> None:
    simulator.batch_as_list = True
    simulator.numbers_as_json = True
    order_id = await place(panel_api)
    result = await panel_api.statuses([order_id, 7])
    assert isinstance(result[order_id], OrderStatus) and result[order_id].charge == Decimal("2.5")
    assert result[7] == ItemError(UnknownOrder("Incorrect order ID"))
    assert (await panel_api.balance()).amount == TEST_BALANCE - Decimal("2.5")
    assert {s.id for s in await panel_api.services()} >= {1, 2}


async def test_orders_are_visible_only_to_their_key(simulator: PanelSimulator, panel_client: PanelClient) -> None:
    alpha = panel_client.account(simulator.url, "test-key-alpha")
    beta = panel_client.account(simulator.url, simulator.add_key("test-key-beta", Decimal(100)))
    order_id = await place(alpha)
    with pytest.raises(UnknownOrder):
        await beta.status(order_id)
    assert (await beta.statuses([order_id]))[order_id] == ItemError(UnknownOrder("Incorrect order ID"))
    assert (await beta.cancel([order_id]))[order_id] == ItemError(UnknownOrder("Incorrect order ID"))


# --- add errors -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("service", "link", "quantity", "extra", "cls", "text"),
    [
        (999, FB_POST, 1000, {}, UnknownService, "Incorrect service ID"),
        (1, "not a link", 1000, {}, BadLink, "Incorrect link"),
        (1, FB_POST, 100, {}, QuantityOutOfRange, "Quantity less than minimal 200"),
        (1, FB_POST, 20000, {}, QuantityOutOfRange, "Quantity more than maximum 10000"),
        (203, FB_POST, 1050, {}, QuantityOutOfRange, "Quantity must be a multiple of 100"),
        (106, FB_POST, 500, {}, BadRequest, "Incorrect request"),  # Poll without answer_number
        (1, FB_POST, 500, {"runs": 2, "interval": 5}, BadRequest, "Incorrect request"),  # no drip-feed
    ],
)
async def test_add_refusals(
    simulator: PanelSimulator,
    panel_api: PanelAccountApi,
    service: int,
    link: str,
    quantity: int,
    extra: dict[str, int],
    cls: type[PanelError],
    text: str,
) -> None:
    with pytest.raises(cls) as caught:
        await panel_api.add(service, link, quantity, **extra)
    assert caught.value.panel_text == text
    assert simulator.orders == {} and (await panel_api.balance()).amount == TEST_BALANCE


async def test_quantity_bounds_are_parsed(panel_api: PanelAccountApi) -> None:
    with pytest.raises(QuantityOutOfRange) as low:
        await panel_api.add(1, FB_POST, 199)
    with pytest.raises(QuantityOutOfRange) as high:
        await panel_api.add(2, FB_POST, 1501)
    assert (low.value.kind, low.value.bound, high.value.kind, high.value.bound) == ("min", 200, "max", 1500)


async def test_duplicate_active_order(simulator: PanelSimulator, panel_api: PanelAccountApi) -> None:
    order_id = await place(panel_api)
    with pytest.raises(DuplicateActiveOrder):
        await place(panel_api)
    simulator.complete_order(order_id)
    assert await place(panel_api) != order_id  # allowed again once the first one is done


async def test_not_enough_funds(simulator: PanelSimulator, panel_client: PanelClient) -> None:
    api = panel_client.account(simulator.url, simulator.add_key("poor-key-0001", Decimal("2.49")))
    with pytest.raises(NotEnoughFunds) as caught:
        await place(api)
    assert caught.value.panel_text == "Not enough funds on balance"


async def test_invalid_and_rejected_keys(simulator: PanelSimulator, panel_client: PanelClient) -> None:
    with pytest.raises(InvalidKey):
        await panel_client.account(simulator.url, "nobody-knows-this-key").balance()
    api = panel_client.account(simulator.url, simulator.add_key("soon-rejected-key", Decimal(10)))
    assert (await api.balance()).amount == 10
    simulator.reject_key("soon-rejected-key")
    for call in (api.balance(), api.services(), api.statuses([1, 2]), api.cancel([1]), api.add(1, FB_POST, 200)):
        with pytest.raises(InvalidKey):
            await call
    assert simulator.requests["balance"] == 3  # InvalidKey is never retried


@pytest.mark.parametrize(("text", "cls"), SEEN_TEXTS)
async def test_every_spec_error_text_over_http(
    simulator: PanelSimulator, panel_api: PanelAccountApi, text: str, cls: type[PanelError]
) -> None:
    simulator.respond_next({"error": text}, action="add")
    with pytest.raises(cls) as caught:
        await place(panel_api)
    assert caught.value.panel_text == text
    assert simulator.requests["add"] == 1


@pytest.mark.parametrize(
    ("status", "text", "cls"),
    [(400, "Incorrect link", BadLink), (403, "Forbidden", InvalidKey), (401, "Unauthenticated.", InvalidKey),
     (422, "Quantity less than minimal 200", QuantityOutOfRange), (402, "Not enough funds on balance", NotEnoughFunds)],
)  # fmt: skip
async def test_json_errors_with_http_status(
    simulator: PanelSimulator, panel_api: PanelAccountApi, status: int, text: str, cls: type[PanelError]
) -> None:
    simulator.respond_next({"error": text}, status, action="add")
    with pytest.raises(cls):
        await place(panel_api)


# --- status errors --------------------------------------------------------------------------------


async def test_status_of_unknown_order(panel_api: PanelAccountApi) -> None:
    with pytest.raises(UnknownOrder) as caught:
        await panel_api.status(424242)
    assert caught.value.panel_text == "Incorrect order ID"


# --- refill ---------------------------------------------------------------------------------------


async def test_refill_rules_and_status(simulator: PanelSimulator, panel_api: PanelAccountApi) -> None:
    order_id = await place(panel_api)  # service 1 has refill
    with pytest.raises(RefillNotAllowed) as early:
        await panel_api.refill(order_id)
    assert early.value.panel_text == "Order not eligible for refill."
    no_refill = await place(panel_api, link="https://tiktok.com/@a/video/1", service=2, quantity=100)
    simulator.complete_order(no_refill)
    with pytest.raises(RefillNotAllowed) as disabled:
        await panel_api.refill(no_refill)
    assert disabled.value.panel_text == "Refill is disabled for this service"
    with pytest.raises(UnknownOrder):
        await panel_api.refill(987654)

    simulator.complete_order(order_id)
    refill_id = await panel_api.refill(order_id)
    assert await panel_api.refill_status(refill_id) == RefillStatus(RefillState.PENDING, "Pending")
    simulator.advance(simulator.refill_pending_seconds)
    assert (await panel_api.refill_status(refill_id)).state is RefillState.IN_PROGRESS
    simulator.advance(simulator.refill_progress_seconds)
    done = await panel_api.refill_status(refill_id)
    assert (done.state, done.is_final) == (RefillState.COMPLETED, True)
    with pytest.raises(UnknownOrder) as unknown:
        await panel_api.refill_status(777)
    assert unknown.value.panel_text == "Incorrect refill ID"


async def _completed_orders(simulator: PanelSimulator, api: PanelAccountApi, count: int) -> list[int]:
    ids = [await place(api, link=f"https://facebook.com/post/r{i}") for i in range(count)]
    for order_id in ids:
        simulator.complete_order(order_id)
    return ids


async def test_refills_subpro_shape(simulator: PanelSimulator, panel_api: PanelAccountApi) -> None:
    first, second = await _completed_orders(simulator, panel_api, 2)
    result = await panel_api.refills([first, second, first])
    assert result[first] == result[second] and isinstance(result[first], int)
    assert simulator.requests["refill"] == 1


@pytest.mark.parametrize("shape", ["list", "object"])
async def test_refills_per_order_shapes(simulator: PanelSimulator, panel_api: PanelAccountApi, shape: str) -> None:
    simulator.batch_shape = shape  # type: ignore[assignment]
    done = await _completed_orders(simulator, panel_api, 2)
    pending = await place(panel_api, link="https://facebook.com/post/new")
    result = await panel_api.refills([*done, pending, 55])
    assert isinstance(result[done[0]], int) and isinstance(result[done[1]], int) and result[done[0]] != result[done[1]]
    assert result[pending] == ItemError(RefillNotAllowed("Order not eligible for refill."))
    assert result[55] == ItemError(UnknownOrder("Incorrect order ID"))


@pytest.mark.parametrize("shape", ["seed", "object"])
async def test_refill_statuses(simulator: PanelSimulator, panel_api: PanelAccountApi, shape: str) -> None:
    simulator.batch_shape = shape  # type: ignore[assignment]
    (order_id,) = await _completed_orders(simulator, panel_api, 1)
    refill_id = await panel_api.refill(order_id)
    simulator.set_refill_outcome(refill_id, "Rejected")
    simulator.advance(3600)
    result = await panel_api.refill_statuses([refill_id, 404])
    assert result[refill_id] == RefillStatus(RefillState.REJECTED, "Rejected")
    assert result[404] == ItemError(UnknownOrder("Incorrect refill ID"))


# --- cancel ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("shape", ["seed", "object"])
async def test_cancel(simulator: PanelSimulator, panel_api: PanelAccountApi, shape: str) -> None:
    simulator.batch_shape = shape  # type: ignore[assignment]
    cancellable = await panel_api.add(101, "https://facebook.com/post/c1", 1000)  # 12.5 VND
    not_cancellable = await place(panel_api)  # service 1: no cancel
    finished = await panel_api.add(101, "https://facebook.com/post/c2", 1000)
    simulator.complete_order(finished)
    result = await panel_api.cancel([cancellable, not_cancellable, finished, 31337])
    assert result == {
        cancellable: True,
        not_cancellable: ItemError(CancelNotAllowed("Order cannot be cancelled")),
        finished: ItemError(CancelNotAllowed("Order cannot be cancelled")),
        31337: ItemError(UnknownOrder("Incorrect order ID")),
    }
    status = await panel_api.status(cancellable)
    assert (status.status, status.charge) == (OrderState.CANCELED, Decimal(0))
    # Only the two orders that ran are paid for; the cancelled one was refunded in full.
    assert (await panel_api.balance()).amount == TEST_BALANCE - Decimal("2.5") - Decimal("12.5")


async def test_whole_answer_item_error_applies_to_each_id(
    simulator: PanelSimulator, panel_api: PanelAccountApi
) -> None:
    simulator.respond_next({"error": "Refill is disabled for this service"}, action="refill")
    result = await panel_api.refills([1, 2])
    assert result == {i: ItemError(RefillNotAllowed("Refill is disabled for this service")) for i in (1, 2)}


async def test_bom_before_every_answer(simulator: PanelSimulator, panel_api: PanelAccountApi) -> None:
    simulator.utf8_bom = True
    assert len(await panel_api.services()) > 2
    assert (await panel_api.balance()).currency == "VND"


async def test_ids_are_validated_before_sending(simulator: PanelSimulator, panel_api: PanelAccountApi) -> None:
    with pytest.raises(ValueError):
        await panel_api.statuses([1, 0])
    with pytest.raises(TypeError):
        await panel_api.cancel([1.5])  # type: ignore[list-item]
    assert await panel_api.statuses([]) == {}
    assert simulator.requests["status"] == 0


async def test_big_catalogue(panel_client: PanelClient) -> None:
    sim = PanelSimulator(big_catalogue(1500, seed=5), speed=0)
    sim.add_key("bench-key-001", Decimal(1))
    async with sim:
        services = await panel_client.account(sim.url, "bench-key-001").services()
    assert len(services) == 1500 and len({s.category for s in services}) == 30


async def test_extra_order_parameters(simulator: PanelSimulator, panel_api: PanelAccountApi) -> None:
    order_id = await panel_api.add(106, FB_POST, 500, answer_number=2)  # Poll
    assert simulator.orders[order_id].params == {"quantity": "500", "answer_number": "2"}
    with pytest.raises(ValueError):
        await panel_api.add(1, FB_POST, 500, key="other")
