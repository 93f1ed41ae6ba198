"""An order type's form as data, and the generic steps that fill it in.

A form is a list of fields; a conversation needs only four calls, whatever the type:

    ask = form.next_ask(service, values)          # the next question, or None: show the card
    result = form.answer(service, values, ask.field.name, text)   # new values, or a Problem
    values = form.skip(service, values, name)     # an optional field left out (or a Problem)
    card = form.card(service, values, currency)   # what the confirmation card shows

`values` is a plain dict (field name -> str, int, list or None for a skipped field): it is
kept in `user_data` and in the order intent's snapshot as it is. `form.check` re-reads every
stored value with the same rules before `add`; `form.add_params` gives the parameters to send.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from bot.core.forms.inputs import Choice, Context, HandleInput, Input, Problem
from bot.core.forms.text import Joined, Localizer, Money, Msg, Value, duration, render
from bot.panel import Service, ServiceKind

__all__ = ["Ask", "Card", "CardRow", "DripFeed", "Field", "OrderForm", "panel_today"]

Values = Mapping[str, Any]
When = Callable[[Service, Values], bool]

# The calendar of the panels this bot serves (subpro.vn and its peers are in Vietnam): an
# expiry date is a day of theirs.
PANEL_TZ = timezone(timedelta(hours=7))


def panel_today() -> date:
    return datetime.now(PANEL_TZ).date()


@dataclass(frozen=True)
class Field:
    """One question of a form.

    `param` is the `add` parameter the answer fills (a pair for a min-max range; None for a
    value that is not sent). `prompt`, `example` and `label` are locale keys: the question, an
    example fitting the service's platform, and the name on the card. `when` limits the
    field to some services or answers (drip-feed runs only where the service allows it).
    """

    name: str
    input: Input
    param: str | tuple[str, str] | None
    prompt: str
    example: str
    label: str
    optional: bool = False
    when: When | None = None

    def applies(self, service: Service, values: Values) -> bool:
        return self.when is None or self.when(service, values)

    def params(self, value: Any) -> dict[str, str | int]:
        if self.param is None or value is None:
            return {}
        if isinstance(self.param, tuple):
            return dict(zip(self.param, value, strict=True))
        return {self.param: self.input.param(value)}

    def keys(self) -> set[str]:
        return {self.prompt, self.example, self.label}


@dataclass(frozen=True)
class Ask:
    """The next question: its text, an example, the buttons it offers, and whether Skip is one."""

    field: Field
    prompt: Msg
    example: Msg
    choices: tuple[Choice, ...]
    skippable: bool
    number: int  # 1-based position among the questions of this service
    total: int  # the questions known so far (drip-feed's interval joins once runs are given)

    @property
    def progress(self) -> Msg:
        return Msg("form.progress", {"number": self.number, "total": self.total})


@dataclass(frozen=True)
class CardRow:
    label: str  # locale key
    value: Value


@dataclass(frozen=True)
class Card:
    """A confirmation card's order part: labelled rows, then notes (what will happen).

    `charge` is the total to compare with the balance (None when it is only known per post).
    """

    rows: tuple[CardRow, ...]
    notes: tuple[Msg, ...]
    charge: Decimal | None

    def lines(self, tx: Localizer) -> list[str]:
        """Telegram HTML lines, every value escaped."""
        rows = [render(Msg("form.card.row", {"label": Msg(row.label), "value": row.value}), tx) for row in self.rows]
        return rows + [render(note, tx) for note in self.notes]

    def keys(self) -> set[str]:
        found = {"form.card.row"} if self.rows else set()
        for row in self.rows:
            found.add(row.label)
            if isinstance(row.value, (Msg, Joined)):
                found |= row.value.keys()
        for note in self.notes:
            found |= note.keys()
        return found


@dataclass(frozen=True)
class DripFeed:
    """An order delivered in `runs` parts of `quantity`, `interval` minutes apart."""

    quantity: int
    runs: int
    interval: int

    @property
    def total_quantity(self) -> int:
        return self.quantity * self.runs

    @property
    def last_run_after(self) -> int:
        """Minutes from placing the order until the last run should start."""
        return self.interval * (self.runs - 1)


# (form, service, values, currency, rows of the given values) -> (rows, notes) of the card.
CardExtras = Callable[["OrderForm", Service, Values, "str | None", list[CardRow]], tuple[list[CardRow], list[Msg]]]


@dataclass(frozen=True)
class OrderForm:
    """The form of one order type (`ServiceKind`)."""

    kind: ServiceKind
    fields: tuple[Field, ...]
    # The field whose line count is the quantity (comments, usernames), if any.
    quantity_from: str | None = None
    # Where the order points, as stored with it and shown in /orders: a link, or the
    # subscription's username.
    target: str = "link"
    # Rows and notes a type adds to its card (drip-feed plan, what a subscription will do).
    extras: CardExtras | None = None

    # --- the conversation ---------------------------------------------------------------------

    def field(self, name: str) -> Field | None:
        return next((f for f in self.fields if f.name == name), None)

    def fields_for(self, service: Service, values: Values) -> list[Field]:
        """The questions this service asks, given the answers so far."""
        return [f for f in self.fields if f.applies(service, values)]

    def next_field(self, service: Service, values: Values) -> Field | None:
        return next((f for f in self.fields_for(service, values) if f.name not in values), None)

    def next_ask(self, service: Service, values: Values, *, today: date | None = None) -> Ask | None:
        """The next question to ask, or None when every question has its answer."""
        current = self.next_field(service, values)
        return None if current is None else self.ask_for(service, values, current.name, today=today)

    def ask_for(self, service: Service, values: Values, name: str, *, today: date | None = None) -> Ask | None:
        """Question `name` (asked anew to change its answer); None when it does not apply."""
        current = self.field(name)
        if current is None or not current.applies(service, values):
            return None
        ctx = Context(service, values, today or panel_today())
        fields = self.fields_for(service, values)
        return Ask(
            field=current,
            prompt=Msg(current.prompt, current.input.prompt_values(ctx)),
            example=Msg(current.example, current.input.example_values(ctx)),
            choices=current.input.choices(ctx),
            skippable=current.optional,
            number=fields.index(current) + 1,
            total=len(fields),
        )

    def answer(self, service: Service, values: Values, name: str, text: str, *,
               today: date | None = None) -> dict[str, Any] | Problem:
        """`values` with the answer `text` to field `name`, or why it is refused."""
        current = self.field(name)
        if current is None or not current.applies(service, values):
            return Problem("missing", {"field": name})
        value = current.input.read(text, Context(service, values, today or panel_today()))
        if isinstance(value, Problem):
            return value
        updated = {**values, name: value}
        return self._forget_inapplicable(service, updated)

    def skip(self, service: Service, values: Values, name: str) -> dict[str, Any] | Problem:
        current = self.field(name)
        if current is None or not current.optional:
            return Problem("required")
        return self._forget_inapplicable(service, {**values, name: None})

    def clear(self, values: Values, name: str) -> dict[str, Any]:
        """`values` without field `name` and those after it (to ask them again)."""
        names = [f.name for f in self.fields]
        later = set(names[names.index(name):]) if name in names else {name}
        return {k: v for k, v in values.items() if k not in later}

    def display(self, service: Service, values: Values, name: str, *, today: date | None = None) -> Value | None:
        """Field `name`'s answer as its card row shows it; None when it has none."""
        current = self.field(name)
        if current is None or values.get(name) is None:
            return None
        return current.input.display(values[name], Context(service, values, today or panel_today()))

    def _forget_inapplicable(self, service: Service, values: dict[str, Any]) -> dict[str, Any]:
        # An answer can make a later field moot (drip-feed skipped: no interval).
        keep = {f.name for f in self.fields_for(service, values)}
        return {k: v for k, v in values.items() if k in keep or self.field(k) is None}

    def check(self, service: Service, values: Values, *, today: date | None = None) -> Problem | None:
        """None when `values` is a complete, valid answer for this service (re-read with the
        same rules), else the first problem; `missing` names an unanswered field."""
        found = self.first_problem(service, values, today=today)
        return found[1] if found is not None else None

    def first_problem(self, service: Service, values: Values, *,
                      today: date | None = None) -> tuple[str, Problem] | None:
        """`check`'s problem with the name of the field it is about (to ask that question again)."""
        ctx = Context(service, values, today or panel_today())
        for current in self.fields_for(service, values):
            value = values.get(current.name)
            if value is None:
                if not current.optional:  # an optional question never asked is not sent
                    return current.name, Problem("missing", {"field": current.name})
                continue
            reread = current.input.read(current.input.as_text(value), ctx)
            if isinstance(reread, Problem):
                return current.name, reread
        return None

    # --- what the order is ----------------------------------------------------------------------

    def add_params(self, service: Service, values: Values) -> dict[str, str | int]:
        """The parameters of `add` besides key, action and service."""
        params: dict[str, str | int] = {}
        for current in self.fields_for(service, values):
            params.update(current.params(values.get(current.name)))
        return params

    def quantity(self, service: Service, values: Values) -> int | None:
        """The quantity per run: typed, or counted from a list; None for packages and subscriptions."""
        if self.quantity_from is not None:
            source = self.field(self.quantity_from)
            value = values.get(self.quantity_from)
            return source.input.count(value) if source is not None and value is not None else None
        quantity = values.get("quantity")
        return quantity if isinstance(quantity, int) and not isinstance(quantity, bool) else None

    def dripfeed(self, service: Service, values: Values) -> DripFeed | None:
        quantity, runs, interval = self.quantity(service, values), values.get("runs"), values.get("interval")
        if quantity is None or not isinstance(runs, int) or not isinstance(interval, int):
            return None
        return DripFeed(quantity, runs, interval)

    def total_quantity(self, service: Service, values: Values) -> int | None:
        plan = self.dripfeed(service, values)
        return plan.total_quantity if plan is not None else self.quantity(service, values)

    def charge(self, service: Service, values: Values) -> Decimal | None:
        """What the panel takes for the whole order: rate x quantity / 1000 (x runs), or the
        price of a package; None when it is charged per post (subscriptions)."""
        if self.kind is ServiceKind.SUBSCRIPTIONS:
            return None
        plan = self.dripfeed(service, values)
        if plan is not None:
            return service.charge_for(plan.quantity, plan.runs).normalize()
        return service.charge_for(self.quantity(service, values) or 1).normalize()

    def target_of(self, values: Values) -> str | None:
        """Where the order points, as /orders shows it: the link, or @username."""
        value = values.get(self.target)
        if not value:
            return None
        target = self.field(self.target)
        return "@" + str(value) if target is not None and isinstance(target.input, HandleInput) else str(value)

    def card(self, service: Service, values: Values, currency: str | None, *, today: date | None = None) -> Card:
        """The rows of every given value (shortened, escaped when rendered), the type's own rows
        and notes, and the charge."""
        ctx = Context(service, values, today or panel_today())
        rows = [
            CardRow(f.label, f.input.display(values[f.name], ctx))
            for f in self.fields_for(service, values)
            if values.get(f.name) is not None
        ]
        notes: list[Msg] = []
        if self.extras is not None:
            rows, notes = self.extras(self, service, values, currency, rows)
        charge = self.charge(service, values)
        if charge is not None:
            label = "form.label.total_charge" if self.dripfeed(service, values) else "form.label.charge"
            rows.append(CardRow(label, Money(charge, currency)))
        return Card(tuple(rows), tuple(notes), charge)

    def keys(self) -> set[str]:
        """Every locale key the fields name."""
        found: set[str] = set()
        for current in self.fields:
            found |= current.keys()
        return found


def dripfeed_rows(form: OrderForm, service: Service, values: Values, currency: str | None,
                  rows: list[CardRow]) -> tuple[list[CardRow], list[Msg]]:
    """Quantity per run, runs, interval, total quantity and when the last run should start
    (the charge row, added by the card, is then the total)."""
    plan = form.dripfeed(service, values)
    if plan is None:
        return rows, []
    per_run = [CardRow("form.label.quantity_per_run", r.value) if r.label == "form.label.quantity" else r for r in rows]
    return per_run + [
        CardRow("form.label.total_quantity", plan.total_quantity),
        CardRow("form.label.last_run", Msg("form.value.after", {"duration": duration(plan.last_run_after)})),
    ], []
