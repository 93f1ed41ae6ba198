"""Turning what a user typed into an order, and placing it exactly once.

`add` has no idempotency key on any panel: sending it twice charges twice. So an order
intent is stored (and claimed atomically) before the request leaves, and a second tap, an
old confirmation card or a restart finds the intent instead of sending again.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from enum import Enum
from typing import Any

from bot.core.forms import FORMS, CardRow, OrderForm, Problem, form_for, panel_today
from bot.core.forms.inputs import Context
from bot.core.forms.reading import (  # noqa: F401  (the chat flow reads answers with these)
    MAX_LINK_LENGTH as MAX_LINK_LENGTH,  # "as": an explicit re-export (mypy --strict)
)
from bot.core.forms.reading import (
    QuantityProblem as QuantityProblem,
)
from bot.core.forms.reading import (
    check_quantity as check_quantity,
)
from bot.core.forms.reading import (
    clean_link as clean_link,
)
from bot.core.forms.reading import (
    comment_lines as comment_lines,
)
from bot.core.forms.reading import (
    parse_quantity as parse_quantity,
)
from bot.core.ports import IntentStore, PanelApi
from bot.panel import OutcomeUnknown, PanelError, Service, ServiceKind
from bot.storage import Intent, IntentState, NewOrder, Order

log = logging.getLogger(__name__)


class OrderKind(str, Enum):
    """The three simple kinds, for what still reads orders by them (mass orders, the snapshot's
    `kind`, the uncertain card). The chat asks every type through its form (`bot.core.forms`);
    types beyond these three are UNSUPPORTED here only."""

    DEFAULT = "default"  # link + quantity
    PACKAGE = "package"  # link only
    COMMENTS = "comments"  # link + one comment per line
    UNSUPPORTED = "unsupported"  # shown, but ordered on the panel's website


_KINDS = {
    ServiceKind.DEFAULT: OrderKind.DEFAULT,
    ServiceKind.PACKAGE: OrderKind.PACKAGE,
    ServiceKind.CUSTOM_COMMENTS: OrderKind.COMMENTS,
    ServiceKind.CUSTOM_COMMENTS_PACKAGE: OrderKind.COMMENTS,
}


def order_kind(service: Service) -> OrderKind:
    return _KINDS.get(service.kind, OrderKind.UNSUPPORTED)


def charge_for(service: Service, quantity: int | None) -> Decimal:
    """What the panel will take: rate per 1000 items, or the price of one package."""
    return service.charge_for(quantity or 1).normalize()


@dataclass
class Draft:
    """An order being put together; lives in the user's persisted `user_data`.

    `values` holds the form's answers (`bot.core.forms`), JSON-safe; `link`, `quantity` and
    `comments` mirror them for the code that reads those (and drafts of the older flow, which
    set only those three, are read as the same answers: `form_values`).
    """

    service_id: int
    service_name: str
    service_type: str
    account_id: int
    link: str | None = None
    quantity: int | None = None
    comments: str | None = None
    token: str = field(default_factory=lambda: secrets.token_urlsafe(9))
    # The balance shown on the confirmation card: kept with the order as evidence, should
    # its outcome be unknown.
    balance: Decimal | None = None
    balance_currency: str | None = None
    values: dict[str, Any] = field(default_factory=dict)
    # The question being asked again from the card's Edit (its other answers are kept), if any.
    editing: str | None = None
    # The message that answered each question (field name -> message id): a Telegram edit of one
    # of them answers that question again.
    answered: dict[str, int] = field(default_factory=dict)
    # The chat message holding the draft's live keyboard (its current question, or its card):
    # taken off when the next one is sent, so that only the current step has buttons.
    prompt_id: int | None = None
    # The name of the panel the order goes to, on its card: for users of several panels only.
    panel: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Draft:
        known = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})

    def renew_token(self) -> None:
        """A new confirmation card gets a new token, so edits never reuse a claimed one."""
        self.token = secrets.token_urlsafe(9)

    def set_values(self, form: OrderForm, service: Service, values: dict[str, Any]) -> None:
        """Keep the form's answers, and mirror what every order has (where it points, how many)."""
        self.values = dict(values)
        self.link = form.target_of(values)
        self.quantity = form.quantity(service, values)
        comments = values.get("comments")
        self.comments = "\n".join(comments) if isinstance(comments, list) else None

    def form_values(self) -> dict[str, Any]:
        """The answers as the form reads them: `values`, or for a draft of the older flow its
        link, quantity and comments."""
        if self.values:
            return dict(self.values)
        answers: dict[str, Any] = {}
        if self.link is not None:
            answers["link"] = self.link
        if self.quantity is not None:
            answers["quantity"] = self.quantity
        if self.comments:
            answers["comments"] = comment_lines(self.comments)
        return answers


_CHAT_STATE = ("prompt_id", "answered", "editing")  # Draft fields about the chat, not the order


def order_snapshot(draft: Draft, service: Service, currency: str | None) -> dict[str, Any]:
    """What an order intent keeps of the order: enough to show it, to store it once its panel id
    is known (`order_of_snapshot`), or to order it again, without the catalogue."""
    form = form_for(service)
    values = draft.form_values()
    return {
        # Not where the chat stood (the card's message, the messages that answered, a question
        # being asked again): a draft made again from this would act on those old messages.
        **{k: v for k, v in draft.as_dict().items() if k not in _CHAT_STATE},
        "values": values,
        "kind": order_kind(service).value,
        "form": service.kind.value,
        "charge": form.charge(service, values) if form is not None else charge_for(service, draft.quantity),
        "total_quantity": form.total_quantity(service, values) if form is not None else draft.quantity,
        "currency": currency,
        "refill": service.refill,
        "cancel": service.cancel,
    }


def order_details(snapshot: dict[str, Any]) -> list[CardRow]:
    """The answers of a placed order its card shows besides the link and quantity it already
    has (a drip-feed's runs and interval, the comments, a subscription's posts and delay...),
    read from the snapshot its intent kept, without the catalogue. Empty for a Default order or
    an unreadable snapshot."""
    values = snapshot.get("values")
    try:
        form = FORMS.get(ServiceKind(snapshot.get("form")))
    except ValueError:
        form = None
    if form is None or not isinstance(values, dict):
        return []
    # Only what displaying needs: the service as it was when ordered (`applies` reads its flags).
    service = Service(id=int(snapshot.get("service_id") or 0), name=str(snapshot.get("service_name") or ""),
                      type=str(snapshot.get("service_type") or ""), category="", rate=Decimal(0), min=0, max=0,
                      dripfeed="runs" in values)
    ctx = Context(service, values, panel_today())
    shown = {form.target, "quantity"}
    rows = []
    for current in form.fields_for(service, values):
        if current.name in shown or values.get(current.name) is None:
            continue
        try:
            rows.append(CardRow(current.label, current.input.display(values[current.name], ctx)))
        except (TypeError, ValueError):  # a snapshot written by another version: leave the row out
            continue
    return rows


async def answers_of_order(db: IntentStore, tg_id: int, order: Order, form: OrderForm) -> dict[str, Any]:
    """The answers `order` was placed with, to order it again: its intent's snapshot (an order
    placed through this bot, for the same service), else its link and quantity (the rest is
    asked). Only the answers `form` has a question for."""
    intent = await db.placed_intent(tg_id, order.account_id, order.panel_order_id)
    values = intent.request.get("values") if intent is not None else None
    if isinstance(values, dict) and intent is not None and intent.request.get("service_id") == order.service_id:
        return {k: v for k, v in values.items() if form.field(k) is not None}
    answers: dict[str, Any] = {}
    if order.link and form.target == "link":
        answers["link"] = order.link
    if order.quantity and form.field("quantity") is not None:
        answers["quantity"] = order.quantity
    return answers


def order_of_snapshot(snapshot: dict[str, Any], order_id: int) -> NewOrder:
    """The order to store for an intent placed as panel order `order_id`."""
    # Drip-feed: the order delivers quantity x runs (older snapshots have only `quantity`).
    quantity = snapshot["total_quantity"] if "total_quantity" in snapshot else snapshot.get("quantity")
    return NewOrder(
        account_id=snapshot["account_id"],
        panel_order_id=order_id,
        service_id=snapshot.get("service_id"),
        service_name=snapshot.get("service_name"),
        service_type=snapshot.get("service_type"),
        link=snapshot.get("link") or "",
        quantity=quantity,
        expected_charge=snapshot.get("charge"),
        currency=snapshot.get("currency"),
        refill_allowed=bool(snapshot.get("refill")),
        cancel_allowed=bool(snapshot.get("cancel")),
    )


# Why an `add` got no definite answer, kept with the intent (error_code) to tell the user.
REASON_TIMEOUT = "timeout"  # no answer within the deadline
REASON_CONNECTION = "connection"  # the connection was cut before the answer arrived
REASON_SERVER_ERROR = "http_"  # + the HTTP status of a server error (http_502)
REASON_UNREADABLE = "unreadable"  # an answer came, but not one that can be read
REASON_STOPPED = "stopped"  # the bot was stopped while sending
REASON_INTERNAL = "internal"  # an error in the bot while sending


def unknown_reason(error: BaseException) -> str:
    """The reason code for an `add` that ended without a definite answer with `error`."""
    if isinstance(error, asyncio.CancelledError):
        return REASON_STOPPED
    if not isinstance(error, OutcomeUnknown):
        return REASON_INTERNAL
    status = error.http_status
    if status is None:
        return REASON_TIMEOUT if error.reason == "timeout" else REASON_CONNECTION
    if status >= 500:
        return f"{REASON_SERVER_ERROR}{int(status)}"
    return REASON_UNREADABLE


class Outcome(str, Enum):
    PLACED = "placed"  # we placed it now
    ALREADY_PLACED = "already_placed"  # a tap on a card whose order exists
    IN_FLIGHT = "in_flight"  # another tap is placing it right now
    FAILED = "failed"  # the panel said no; nothing was charged
    UNKNOWN = "unknown"  # we cannot tell whether the panel placed it
    INVALID = "invalid"  # the draft is not a complete, valid order (`problem`); nothing was sent


@dataclass
class PlaceResult:
    outcome: Outcome
    order: Order | None = None  # the stored order when placed
    panel_order_id: int | None = None
    error: PanelError | None = None
    owned: bool = True  # this call claimed the order (False: another tap or an earlier card did)
    problem: Problem | None = None  # INVALID: what is missing or no longer valid


async def place_order(db: IntentStore, api: PanelApi, tg_id: int, draft: Draft, service: Service, currency: str | None,
                      *, before_sending: Callable[[], Awaitable[object]] | None = None,
                      wait_for_other_tap: float = 5.0) -> PlaceResult:
    """Place `draft` at most once, whatever is tapped twice or fails on the way.

    `before_sending` runs once this call owns the order (e.g. to say "placing…"); a call that
    does not own it returns what became of the order instead (ALREADY_PLACED / IN_FLIGHT /
    UNKNOWN), waiting up to `wait_for_other_tap` seconds for a concurrent tap to finish.
    """
    form = form_for(service)
    values = draft.form_values()
    problem = Problem("unsupported") if form is None else form.check(service, values)
    if form is None or problem is not None:
        # Never send what the panel would refuse or misread (a missing answer, an expiry now
        # past, a type the bot cannot order). A card already placed still says so.
        existing = await db.get_intent(tg_id, draft.token)
        if existing is not None and existing.state is not IntentState.FAILED:
            return await _report_existing(db, tg_id, draft.token, existing, wait_for_other_tap)
        return PlaceResult(Outcome.INVALID, owned=False, problem=problem)
    # Everything that can fail is done before the claim: once claimed, only `add` remains.
    params: dict[str, Any] = form.add_params(service, values)
    link, quantity = params.pop("link", None), params.pop("quantity", None)

    request = order_snapshot(draft, service, currency)
    claim = await db.begin_intent(tg_id, draft.account_id, draft.token, request)
    if not claim.claimed:
        return await _report_existing(db, tg_id, draft.token, claim.intent, wait_for_other_tap)
    if before_sending is not None:
        try:
            await before_sending()
        except Exception:  # cosmetic (a "placing…" toast): it must not strand the claim
            log.warning("before_sending failed; placing the order anyway", exc_info=True)

    try:
        order_id = await api.add(service.id, link, quantity, **params)
    except OutcomeUnknown as exc:
        await db.intent_unknown(tg_id, draft.token, unknown_reason(exc))
        return PlaceResult(Outcome.UNKNOWN, error=exc)
    except PanelError as exc:
        await db.intent_failed(tg_id, draft.token, exc.code)
        return PlaceResult(Outcome.FAILED, error=exc)
    except BaseException as exc:
        # Anything else (a bug, a cancelled task) after the claim: we cannot know whether the
        # request left, so the intent must not be retried as if it had failed.
        await asyncio.shield(db.intent_unknown(tg_id, draft.token, unknown_reason(exc)))
        raise

    try:
        order = await db.intent_placed(tg_id, draft.token, order_id, order_of_snapshot(request, order_id))
    except Exception:
        # The panel took the order and charged for it: whatever failed here, the user must
        # learn its number rather than order again.
        log.exception("order %s was placed but could not be stored", order_id)
        return PlaceResult(Outcome.PLACED, panel_order_id=order_id)
    return PlaceResult(Outcome.PLACED, order=order, panel_order_id=order_id)


async def _report_existing(db: IntentStore, tg_id: int, token: str, intent: Intent, wait: float) -> PlaceResult:
    # Two taps at the same moment: the other one is sending the order; wait briefly for it
    # so this tap can answer with the order number instead of a vague "in progress".
    deadline = asyncio.get_running_loop().time() + wait
    while intent.state is IntentState.SUBMITTING and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.1)
        fresh = await db.get_intent(tg_id, token)
        if fresh is None:  # the user deleted their data meanwhile
            break
        intent = fresh
    if intent.state is IntentState.PLACED:
        return PlaceResult(Outcome.ALREADY_PLACED, panel_order_id=intent.panel_order_id, owned=False)
    if intent.state is IntentState.UNKNOWN:
        return PlaceResult(Outcome.UNKNOWN, owned=False)
    if intent.state is IntentState.FAILED:
        return PlaceResult(Outcome.FAILED, owned=False)
    return PlaceResult(Outcome.IN_FLIGHT, owned=False)
