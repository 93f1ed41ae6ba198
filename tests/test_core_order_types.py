"""Each order type placed by the core (`place_order`) against the real simulator over loopback,
with a real database: the panel receives exactly the type's parameters, in one `add`; what is
incomplete or no longer valid is refused before any request."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from bot.core.forms import form_for, panel_today
from bot.core.ordering import Draft, Outcome, place_order
from bot.core.tracking import store_status
from bot.core.uncertain import UncertainOrder, draft_again
from bot import presentation as views
from bot.presentation import Texts
from bot.i18n import Translations
from bot.panel import OrderState, PanelAccountApi, Service
from bot.simulator import PanelSimulator
from bot.storage import Database, IntentState
from tests.panel_fixtures import TEST_BALANCE, TEST_KEY
from tests.test_core_forms import CASES, SKIP

TG_ID = 4242


def real_answers(answers):
    """The case's answers with its expiry moved to 30 days from the panel's real today."""
    expiry = (panel_today() + timedelta(days=30)).strftime("%d/%m/%Y")
    return [(name, expiry if name == "expiry" and text is not SKIP else text) for name, text in answers]


def expected_params(params: dict) -> dict:
    """The parameters as the simulator records them: strings, without key/action/service/link."""
    expiry = (panel_today() + timedelta(days=30)).strftime("%d/%m/%Y")
    return {k: (expiry if k == "expiry" else str(v)) for k, v in params.items() if k != "link"}


async def service_of(api: PanelAccountApi, service_id: int) -> Service:
    return next(s for s in await api.services() if s.id == service_id)


def draft_for(service: Service, account_id: int, answers) -> Draft:
    form = form_for(service)
    values: dict = {}
    for name, text in answers:
        ask = form.next_ask(service, values)
        assert ask is not None and ask.field.name == name
        values = form.skip(service, values, name) if text is SKIP else form.answer(service, values, name, text)
        assert isinstance(values, dict), values
    draft = Draft(service_id=service.id, service_name=service.name, service_type=service.type, account_id=account_id)
    draft.set_values(form, service, values)
    return draft


@pytest.fixture
async def account(make_account, simulator: PanelSimulator):
    return await make_account(TG_ID, panel_url=simulator.url, api_key=TEST_KEY, currency="VND")


@pytest.mark.parametrize("case", sorted(CASES))
async def test_each_type_is_placed_once_with_its_parameters(case, simulator: PanelSimulator, panel_api: PanelAccountApi,
                                                            db: Database, account) -> None:
    service_id, answers, params = CASES[case]
    service = await service_of(panel_api, service_id)
    form = form_for(service)
    draft = draft_for(service, account.id, real_answers(answers))

    result = await place_order(db, panel_api, TG_ID, draft, service, "VND")

    assert result.outcome is Outcome.PLACED, result
    assert simulator.requests["add"] == 1
    received = simulator.orders[result.panel_order_id]
    assert received.params == expected_params(params)
    stored = await db.get_order_by_pk(TG_ID, result.order.id)
    values = draft.form_values()
    if "link" in params:
        assert received.link == stored.link == params["link"]
    else:  # a subscription has no link: the order points at the account followed
        assert received.link == stored.link == "@" + params["username"]
    assert stored.quantity == form.total_quantity(service, values)
    charge = form.charge(service, values)
    if charge is None:
        assert stored.expected_charge is None
    else:  # what the bot showed is what the panel took
        assert received.charge == charge == stored.expected_charge
        assert (await panel_api.balance()).amount == TEST_BALANCE - charge

    # A second tap on the same card sends nothing.
    again = await place_order(db, panel_api, TG_ID, draft, service, "VND")
    assert (again.outcome, again.panel_order_id, simulator.requests["add"]) == (Outcome.ALREADY_PLACED, result.panel_order_id, 1)


async def test_dripfeed_order_charges_every_run(simulator: PanelSimulator, panel_api: PanelAccountApi, db: Database,
                                                account) -> None:
    service = await service_of(panel_api, 104)  # 60 per 1000, drip-feed allowed
    draft = draft_for(service, account.id, CASES["dripfeed"][1])
    result = await place_order(db, panel_api, TG_ID, draft, service, "VND")
    order = simulator.orders[result.panel_order_id]
    assert (order.quantity, order.charge) == (2000, Decimal(120))  # 500 x 4 runs; 60 x 500 / 1000 x 4
    assert (result.order.quantity, result.order.expected_charge) == (2000, Decimal(120))


@pytest.mark.parametrize("service_id, values, code", [
    (504, {"link": "https://t.me/k/1", "quantity": 100}, "missing"),  # a Poll without its answer
    (312, {"username": "x", "per_post": [100, 200], "delay": 30, "expiry": "01/01/2020"}, "past_date"),
    (305, {"link": "https://www.instagram.com/p/A/", "usernames": ["a", "b"]}, "too_few_lines"),
    (104, {"link": "https://facebook.com/p/1", "quantity": 500, "runs": 4}, "missing"),  # runs without interval
    (1, {"link": "https://facebook.com/p/1", "quantity": 50}, "below_min"),  # the service's minimum rose
])  # fmt: skip
async def test_what_is_not_a_valid_order_is_refused_before_any_request(service_id, values, code, simulator, panel_api,
                                                                       db: Database, account) -> None:
    service = await service_of(panel_api, service_id)
    draft = Draft(service_id=service.id, service_name=service.name, service_type=service.type, account_id=account.id,
                  values=values)
    result = await place_order(db, panel_api, TG_ID, draft, service, "VND")
    assert (result.outcome, result.problem.code, result.owned) == (Outcome.INVALID, code, False)
    assert simulator.requests["add"] == 0 and simulator.orders == {}
    assert await db.get_intent(TG_ID, draft.token) is None  # nothing claimed: the card can be fixed and sent


async def test_a_type_the_bot_does_not_know_is_never_sent(simulator: PanelSimulator, panel_api: PanelAccountApi,
                                                          db: Database, account) -> None:
    service = Service(id=1, name="?", type="Mentions", category="", rate=Decimal(1), min=1, max=10)
    draft = Draft(service_id=1, service_name="?", service_type="Mentions", account_id=account.id,
                  link="https://facebook.com/p/1", quantity=5)
    result = await place_order(db, panel_api, TG_ID, draft, service, "VND")
    assert (result.outcome, result.problem.code, simulator.requests["add"]) == (Outcome.INVALID, "unsupported", 0)


async def test_an_older_flow_draft_is_placed_as_before(simulator: PanelSimulator, panel_api: PanelAccountApi,
                                                       db: Database, account) -> None:
    """Drafts with only link/quantity/comments (the current chat flow, persisted drafts) still work."""
    service = await service_of(panel_api, 105)
    draft = Draft(service_id=105, service_name=service.name, service_type=service.type, account_id=account.id,
                  link="https://facebook.com/p/7", quantity=2, comments="một\nhai")
    result = await place_order(db, panel_api, TG_ID, draft, service, "VND")
    assert result.outcome is Outcome.PLACED
    assert simulator.orders[result.panel_order_id].params == {"comments": "một\nhai"}
    assert result.order.quantity == 2


async def test_an_unknown_outcome_keeps_the_answers_to_order_again(simulator: PanelSimulator, panel_api: PanelAccountApi,
                                                                   db: Database, account) -> None:
    service = await service_of(panel_api, 312)
    draft = draft_for(service, account.id, real_answers(CASES["subscriptions"][1]))
    simulator.fail_next(1, "drop", action="add")  # placed, but the answer never arrives
    result = await place_order(db, panel_api, TG_ID, draft, service, "VND")
    assert result.outcome is Outcome.UNKNOWN and simulator.requests["add"] == 1
    intent = await db.get_intent(TG_ID, draft.token)
    assert intent.state is IntentState.UNKNOWN
    item = UncertainOrder.from_intent(intent)
    assert item.link == "@someone"
    again = draft_again(item, account.id)
    assert again.values == draft.values and again.token != draft.token
    assert form_for(service).add_params(service, again.form_values()) == form_for(service).add_params(service, draft.values)


async def test_subscription_states_are_read_stored_and_named(simulator: PanelSimulator, panel_api: PanelAccountApi,
                                                             db: Database, account) -> None:
    service = await service_of(panel_api, 312)  # 8 per 1000
    answers = [("username", "@someone"), ("per_post", "100-200"), ("posts", "2"), ("old_posts", "1"), ("delay", "0"),
               ("expiry", SKIP)]
    result = await place_order(db, panel_api, TG_ID, draft_for(service, account.id, answers), service, "VND")
    order_id = result.panel_order_id

    status = await panel_api.status(order_id)
    assert (status.status, status.is_final, status.posts) == (OrderState.ACTIVE, False, 1)  # the old post, at once
    assert status.charge == Decimal("1.6")  # one post of at most 200 at 8 per 1000
    assert await store_status(db, TG_ID, result.order, status)
    stored = await db.get_order_by_pk(TG_ID, result.order.id)
    assert (stored.status, stored.final) == ("active", False)
    en, vi = Texts(Translations.load(), "en"), Texts(Translations.load(), "vi")
    assert views.status_name(en, stored.status) == "🔁 Active"
    assert views.status_name(vi, stored.status) == "🔁 Đang hoạt động"

    simulator.set_order_status(order_id, "Paused")
    assert (await panel_api.status(order_id)).status is OrderState.PAUSED
    simulator.orders[order_id].forced = False  # time moves it again
    simulator.advance(2 * simulator.progress_seconds)
    done = await panel_api.status(order_id)
    assert (done.status, done.is_final, done.posts) == (OrderState.COMPLETED, True, 3)
    assert await store_status(db, TG_ID, stored, done)
    assert (await db.get_order_by_pk(TG_ID, result.order.id)).final


async def test_a_subscription_expires_and_can_be_cancelled_without_refund(simulator: PanelSimulator,
                                                                          panel_api: PanelAccountApi,
                                                                          db: Database, account) -> None:
    service = await service_of(panel_api, 206)
    tomorrow = (panel_today() + timedelta(days=1)).strftime("%d/%m/%Y")
    answers = [("username", "@kenh"), ("per_post", "100-100"), ("posts", SKIP), ("old_posts", SKIP), ("delay", "5"),
               ("expiry", tomorrow)]
    first = await place_order(db, panel_api, TG_ID, draft_for(service, account.id, answers), service, "VND")
    assert (await panel_api.status(first.panel_order_id)).status is OrderState.ACTIVE
    simulator.advance(2 * 86400)
    expired = await panel_api.status(first.panel_order_id)
    assert (expired.status, expired.is_final, expired.raw_status) == (OrderState.EXPIRED, True, "Expired")
    tv = Texts(Translations.load(), "vi")
    assert views.status_name(tv, expired.status.value) == "⌛ Đã hết hạn"

    service = await service_of(panel_api, 312)  # one that can be cancelled
    answers[1] = ("per_post", "100-200")
    second = await place_order(db, panel_api, TG_ID, draft_for(service, account.id, answers), service, "VND")
    simulator.advance(simulator.progress_seconds)  # one post served and charged
    balance = (await panel_api.balance()).amount
    assert (await panel_api.cancel([second.panel_order_id]))[second.panel_order_id] is True
    cancelled = await panel_api.status(second.panel_order_id)
    assert (cancelled.status, cancelled.is_final) == (OrderState.CANCELED, True)
    assert (await panel_api.balance()).amount == balance  # what was served stays paid
