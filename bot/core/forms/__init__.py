"""Order forms: what each order type asks, as data, and the generic steps that fill one in.

    form = form_for(service)                   # None: a type this bot does not know
    ask = form.next_ask(service, values)       # Ask | None (None: every answer given)
    values = form.answer(service, values, ask.field.name, text)   # dict | Problem
    values = form.skip(service, values, name)  # optional fields only
    card = form.card(service, values, currency)                   # Card: rows, notes, charge
    form.check(service, values) / form.add_params(service, values)

Texts are `Msg` (locale key + values), rendered by the presentation with its `Texts`.
"""

from bot.core.forms.form import Ask, Card, CardRow, DripFeed, Field, OrderForm, panel_today
from bot.core.forms.inputs import PROBLEM_CODES, Choice, Problem
from bot.core.forms.platform import Platform, platform_of
from bot.core.forms.text import Joined, Localizer, Money, Msg, Value, render, shorten
from bot.core.forms.types import DELAYS, FORMS, MAX_INTERVAL, MAX_RUNS, form_for, locale_keys

__all__ = [
    "DELAYS",
    "FORMS",
    "MAX_INTERVAL",
    "MAX_RUNS",
    "PROBLEM_CODES",
    "Ask",
    "Card",
    "CardRow",
    "Choice",
    "DripFeed",
    "Field",
    "Joined",
    "Localizer",
    "Money",
    "Msg",
    "OrderForm",
    "Platform",
    "Problem",
    "Value",
    "form_for",
    "locale_keys",
    "panel_today",
    "platform_of",
    "render",
    "shorten",
]
