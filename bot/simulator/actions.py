"""The API v2 actions of the simulated panel: request parameters in, JSON answer out.

Answer shapes and error texts follow the seed (subpro.vn); `batch_shape` switches batch
answers to the list or object shapes other panels use, `numbers_as_json` sends numbers as
JSON numbers instead of strings.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any, Literal

from bot.simulator.ordertypes import Refused, TypeRules, line_count, rules_for, whole
from bot.simulator.state import FINAL_ORDER_STATES, PanelState, SimAccount, SimOrder, SimService, money

__all__ = ["ERRORS", "BatchShape", "PanelActions"]

BatchShape = Literal["seed", "list", "object"]
MAX_IDS = 100

# The panel's own texts (seed and spec).
ERRORS = {
    "key": "Invalid API key",
    "request": "Incorrect request",
    "order": "Incorrect order ID",
    "refill_id": "Incorrect refill ID",
    "funds": "Not enough funds on balance",
    "min": "Quantity less than minimal {0}",
    "max": "Quantity more than maximum {0}",
    "step": "Quantity must be a multiple of {0}",
    "service": "Incorrect service ID",
    "link": "Incorrect link",
    "active": "You have active order with this link. Please wait until order being completed.",
    "refill_disabled": "Refill is disabled for this service",
    "refill_not_eligible": "Order not eligible for refill.",
    "cancel": "Order cannot be cancelled",
}

_LINK_RE = re.compile(r"^(https?://[^\s/]+\.[^\s]+|@?[A-Za-z0-9_.]{3,})$")


class _Refused(Exception):
    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


def _whole(value: str | None) -> int | None:
    if value is None or not re.fullmatch(r"\s*-?\d+\s*", value):
        return None
    return int(value)


def _ident(raw: str) -> int | str:
    return int(raw) if raw.isdigit() else raw


def _id_list(raw: str) -> list[str]:
    return [part.strip() for part in raw.split(",") if part.strip()]


class PanelActions(PanelState):
    numbers_as_json: bool = False
    batch_shape: BatchShape = "seed"

    @property
    def batch_as_list(self) -> bool:
        return self.batch_shape == "list"

    @batch_as_list.setter
    def batch_as_list(self, value: bool) -> None:
        self.batch_shape = "list" if value else "seed"

    # --- formatting -----------------------------------------------------------------------------

    def _num(self, value: Decimal | int) -> Any:
        """A number the way the panel writes it: "2.5" by default, 2.5 with numbers_as_json."""
        if isinstance(value, Decimal):
            text = format(money(value).normalize(), "f")
            if self.numbers_as_json:
                return int(text) if re.fullmatch(r"-?\d+", text) else Decimal(text)
            return text
        return value if self.numbers_as_json else str(value)

    def _service_entry(self, entry: dict[str, Any]) -> dict[str, Any]:
        if not self.numbers_as_json:
            return entry
        converted = dict(entry)
        for name in ("rate", "min", "max", "step"):
            if isinstance(converted.get(name), str):
                number = Decimal(converted[name])
                converted[name] = int(number) if number == number.to_integral_value() else number
        return converted

    # --- dispatch -------------------------------------------------------------------------------

    def answer(self, params: Mapping[str, str]) -> Any:
        """The JSON answer (HTTP 200, like the seed panel) for one request."""
        self.tick()
        account = self.account_for(params.get("key"))
        if account is None:
            return {"error": ERRORS["key"]}
        handler: Callable[[SimAccount, Mapping[str, str]], Any] | None = {
            "services": self._services,
            "add": self._add,
            "status": self._status,
            "balance": self._balance,
            "refill": self._refill,
            "refill_status": self._refill_status,
            "cancel": self._cancel,
        }.get(params.get("action", ""))
        if handler is None:
            return {"error": ERRORS["request"]}
        try:
            return handler(account, params)
        except _Refused as refused:
            return {"error": refused.text}

    def _services(self, account: SimAccount, params: Mapping[str, str]) -> Any:
        return [self._service_entry(entry) for entry in self.catalogue]

    def _balance(self, account: SimAccount, params: Mapping[str, str]) -> Any:
        return {"balance": self._num(account.balance), "currency": account.currency}

    # --- add --------------------------------------------------------------------------------------

    def _add(self, account: SimAccount, params: Mapping[str, str]) -> Any:
        service_id = _whole(params.get("service"))
        service = self.services.get(service_id) if service_id is not None else None
        if service is None:
            raise _Refused(ERRORS["service"])
        rules = rules_for(service.type)
        if rules is None:
            raise _Refused(ERRORS["request"])
        link = (params.get("link") or "").strip()
        if rules.link and not _LINK_RE.match(link):
            raise _Refused(ERRORS["link"])
        try:
            rules.check(params)
        except Refused as refused:
            raise _Refused(refused.text) from None
        if rules.subscription:
            return self._add_subscription(account, service, params)
        quantity, charge = self._quantity_and_charge(service, rules, params)
        if any(o.link == link and not o.is_final for o in self.orders.values() if o.key == account.key):
            raise _Refused(ERRORS["active"])
        if charge > account.balance:
            raise _Refused(ERRORS["funds"])
        extra = {k: v for k, v in params.items() if k not in ("key", "action", "service", "link")}
        order = self.create_order(account, service, link, quantity, charge, extra)
        return {"order": order.id}

    def _add_subscription(self, account: SimAccount, service: SimService, params: Mapping[str, str]) -> Any:
        low, high = whole(params.get("min")) or 0, whole(params.get("max")) or 0
        if low > high:
            raise _Refused(ERRORS["request"])
        if low < service.min:
            raise _Refused(ERRORS["min"].format(service.min))
        if high > service.max:
            raise _Refused(ERRORS["max"].format(service.max))
        username = (params.get("username") or "").strip().lstrip("@")
        target = "@" + username  # one live subscription per account followed, like one order per link
        if any(o.link == target and not o.is_final for o in self.orders.values() if o.key == account.key):
            raise _Refused(ERRORS["active"])
        # Charged per post as posts come; the balance must cover at least the first one.
        if money(service.rate * high / 1000) > account.balance:
            raise _Refused(ERRORS["funds"])
        extra = {k: v for k, v in params.items() if k not in ("key", "action", "service")}
        return {"order": self.create_subscription(account, service, target, extra).id}

    def _quantity_and_charge(self, service: SimService, rules: TypeRules,
                             params: Mapping[str, str]) -> tuple[int, Decimal]:
        if rules.quantity == "package":
            quantity = 1
        elif rules.quantity == "given":
            raw_quantity = params.get("quantity")
            given = _whole(raw_quantity) if raw_quantity not in (None, "") else 0
            if given is None:
                raise _Refused(ERRORS["request"])
            quantity = given
        else:  # the lines of a list are the quantity (comments, usernames)
            quantity = line_count(params, rules.quantity)
        if not service.per_package:
            if quantity < service.min:
                raise _Refused(ERRORS["min"].format(service.min))
            if quantity > service.max:
                raise _Refused(ERRORS["max"].format(service.max))
            if service.step and quantity % service.step:
                raise _Refused(ERRORS["step"].format(service.step))
        runs = self._runs(service, params)
        total = quantity * runs
        if service.per_package:
            return total, money(service.rate)
        return total, money(service.rate * total / 1000)

    @staticmethod
    def _runs(service: SimService, params: Mapping[str, str]) -> int:
        if params.get("runs") in (None, "") and params.get("interval") in (None, ""):
            return 1
        runs, interval = _whole(params.get("runs")), _whole(params.get("interval"))
        if not service.dripfeed or not runs or runs < 2 or not interval or interval < 1:
            raise _Refused(ERRORS["request"])
        return runs

    # --- status -----------------------------------------------------------------------------------

    def _own_order(self, account: SimAccount, raw_id: str | None) -> SimOrder:
        order_id = _whole(raw_id)
        order = self.orders.get(order_id) if order_id is not None else None
        if order is None or order.key != account.key:
            raise _Refused(ERRORS["order"])  # other keys' orders do not exist for this one
        return order

    def _status_body(self, order: SimOrder) -> dict[str, Any]:
        if order.subscription:
            # A subscription's own answer: its state and the posts served, no start count.
            return {"charge": self._num(order.charge), "status": order.status, "posts": self._num(order.posts)}
        pending = order.status == "Pending"
        return {
            "charge": self._num(order.charge),
            "start_count": self._num(0 if pending else order.start_count),
            "status": order.status,
            "remains": self._num(order.remains),
        }

    def _status(self, account: SimAccount, params: Mapping[str, str]) -> Any:
        if params.get("order") is not None:
            self.on_status_batch(1)
            return self._status_body(self._own_order(account, params["order"]))
        ids = self._ids(params, "orders")
        self.on_status_batch(len(ids))
        return self._batch(ids, "order", lambda raw: self._status_body(self._own_order(account, raw)))

    def on_status_batch(self, count: int) -> None:
        """Hook for counters (the server records batch sizes)."""

    def _ids(self, params: Mapping[str, str], name: str) -> list[str]:
        ids = _id_list(params.get(name) or "")
        if not ids or len(ids) > MAX_IDS:
            raise _Refused(ERRORS["request"])
        return ids

    def _batch(self, ids: list[str], id_field: str, read: Callable[[str], Any]) -> Any:
        """One answer per id in the configured shape; errors stay per id."""
        answers: list[tuple[str, Any]] = []
        for raw in ids:
            try:
                answers.append((raw, read(raw)))
            except _Refused as refused:
                answers.append((raw, {"error": refused.text}))
        if self.batch_shape == "list":
            return [{id_field: _ident(raw), **value} for raw, value in answers]
        return dict(answers)

    @staticmethod
    def _nested_list(ids: list[str], id_field: str, value_field: str, read: Callable[[str], Any]) -> list[Any]:
        """Other panels' list shape: `[{"order": 1, "refill": 5}, {"order": 3, "refill": {"error": ...}}]`."""
        items = []
        for raw in ids:
            try:
                value = read(raw)
            except _Refused as refused:
                value = {"error": refused.text}
            items.append({id_field: _ident(raw), value_field: value})
        return items

    # --- refill -----------------------------------------------------------------------------------

    def _refillable(self, account: SimAccount, raw_id: str) -> SimOrder:
        order = self._own_order(account, raw_id)
        if not self.services[order.service_id].refill:
            raise _Refused(ERRORS["refill_disabled"])
        if order.status not in ("Completed", "Partial"):
            raise _Refused(ERRORS["refill_not_eligible"])
        return order

    def _refill(self, account: SimAccount, params: Mapping[str, str]) -> Any:
        if params.get("order") is not None:
            order = self._refillable(account, params["order"])
            return {"refill": self._num(self.create_refill(account, [order.id]).id)}
        ids = self._ids(params, "orders")
        if self.batch_shape == "seed":
            # subpro.vn: one refill id for the whole request, covering the eligible orders.
            eligible, first_error = [], None
            for raw in ids:
                try:
                    eligible.append(self._refillable(account, raw).id)
                except _Refused as refused:
                    first_error = first_error or refused.text
            if not eligible:
                raise _Refused(first_error or ERRORS["order"])
            return {"refill": self._num(self.create_refill(account, eligible).id)}

        def one(raw: str) -> int:
            return self.create_refill(account, [self._refillable(account, raw).id]).id

        if self.batch_shape == "list":
            return self._nested_list(ids, "order", "refill", one)
        return self._batch(ids, "order", lambda raw: {"refill": one(raw)})

    def _refill_status_text(self, account: SimAccount, raw_id: str | None) -> str:
        refill_id = _whole(raw_id)
        refill = self.refills.get(refill_id) if refill_id is not None else None
        if refill is None or refill.key != account.key:
            raise _Refused(ERRORS["refill_id"])
        return refill.status

    def _refill_status(self, account: SimAccount, params: Mapping[str, str]) -> Any:
        if params.get("refill") is not None:
            return {"status": self._refill_status_text(account, params["refill"])}
        ids = self._ids(params, "refills")

        def status_of(raw: str) -> str:
            return self._refill_status_text(account, raw)

        if self.batch_shape == "object":
            return self._batch(ids, "refill", lambda raw: {"status": status_of(raw)})
        return self._nested_list(ids, "refill", "status", status_of)  # the seed's shape is a list

    # --- cancel -----------------------------------------------------------------------------------

    def _cancel_one(self, account: SimAccount, raw_id: str) -> None:
        order = self._own_order(account, raw_id)
        if not self.services[order.service_id].cancel or order.status in FINAL_ORDER_STATES:
            raise _Refused(ERRORS["cancel"])
        if order.status == "Pending" or order.subscription:
            self.set_order_status(order.id, "Canceled")
        else:  # already delivering: what was delivered stays, the rest is refunded
            self.set_order_status(order.id, "Partial", remains=order.remains)

    def _cancel(self, account: SimAccount, params: Mapping[str, str]) -> Any:
        ids = self._ids(params, "orders") if params.get("orders") is not None else [params.get("order") or ""]

        def one(raw: str) -> int:
            self._cancel_one(account, raw)
            return 1

        if self.batch_shape == "object":
            return self._batch(ids, "order", lambda raw: {"cancel": one(raw)})
        return self._nested_list(ids, "order", "cancel", one)  # other panels' shape: a list
