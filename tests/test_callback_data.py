"""The typed callback data: round trips, the 64-byte limit, garbage, and every kind registered."""

from __future__ import annotations

import dataclasses
from typing import Annotated, Literal, get_args, get_origin, get_type_hints

import pytest
from telegram.ext import CallbackQueryHandler, ConversationHandler

from bot import callback_data as cb
from bot.callback_data import Button, Flag, Pattern, button

KINDS = list(cb.kinds())
# The longest values of the fields that are neither ids nor tokens (Pattern fields), and of the
# fields whose longest value no button ever carries (a page of /orders beyond 10 digits).
LONGEST = {
    (cb.History, "filter"): "a" + "9" * 18 + "~" + "ấ" * 5 + "~/ #x",  # 40 bytes
    (cb.History, "page"): 10**10 - 1,
    (cb.History, "words"): "abc123",
    (cb.TimezonePick, "zone"): "America/Argentina/ComodRivadavia",
    (cb.LinkCategory, "nonce"): "abc123",
    (cb.LinkCategory, "key"): "0123456789",
    (cb.EditField, "field"): "a" * 20,  # a form field's name
}


def samples(kind: type[Button]) -> list[Button]:
    """Instances of `kind` with the longest values its fields allow (flags both ways)."""
    hints = get_type_hints(kind, include_extras=True)
    plain, flags = {}, []
    for field in dataclasses.fields(kind):
        hint = hints[field.name]
        if (kind, field.name) in LONGEST:
            plain[field.name] = LONGEST[kind, field.name]
        elif get_origin(hint) is Annotated and any(isinstance(x, Pattern) for x in get_args(hint)):
            raise AssertionError(f"{kind.__name__}.{field.name}: add its longest value to LONGEST")
        elif get_origin(hint) is Annotated:
            flags.append(field.name)
        elif hint is int:
            plain[field.name] = 2**63 - 1
        elif hint is str:
            plain[field.name] = "A_z-9" * 6 + "xy"  # 32 characters
        elif get_origin(hint) is Literal:
            plain[field.name] = get_args(hint)[-1]
    out = [kind(**plain)]
    out += [kind(**plain, **{name: True}) for name in flags]
    return out


def test_the_kinds_are_the_bots_and_their_prefixes_unique():
    assert len(KINDS) == 67
    prefixes = [kind.prefix for kind in KINDS]
    assert len(set(prefixes)) == len(prefixes)


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.__name__)
def test_round_trip_within_64_bytes_and_its_pattern_matches(kind):
    for pressed in samples(kind):
        data = pressed.pack()
        assert len(data.encode()) <= 64
        assert kind.pattern.match(data)
        assert kind.parse(data) == pressed
        # No other kind reads it: each button has exactly one handler.
        assert [k for k in KINDS if k.parse(data) is not None] == [kind]


def test_the_wire_format_is_the_one_older_messages_carry():
    assert cb.Categories(0).pack() == "cs:0"
    assert cb.CategoryPage("ffffffffff", 2).pack() == "c:ffffffffff:2"
    assert cb.Orders(3, refresh=True).pack() == "ol:3:r"
    assert cb.OrderCard(12).pack() == "oc:12"
    assert cb.Quantity("AbC-_9xyz012", 1000).pack() == "q:AbC-_9xyz012:1000"
    assert cb.MainMenu().pack() == "m"
    assert cb.Notify("final").pack() == "nt:final"
    assert cb.OrderCard.parse("oc:12:r") == cb.OrderCard(12, refresh=True)
    assert cb.DeleteDataSure.parse("dy") == cb.DeleteDataSure()


@pytest.mark.parametrize("data", [
    None, "", "m:", "m:1", "xx:1", "oc", "oc:", "oc:-1", "oc:1.5", "oc:１２", "oc:12:x", "oc:12:r:r",
    "oc:99999999999999999999", "oc:9223372036854775808", "la:fr", "nt:ALL", "cf:a b", "cf:a:b",
    "cf:" + "a" * 33, "sp:3", "q:token", "c:key", "ol:0:R", " m", "m ", "m\n",
])
def test_garbage_parses_as_no_button(data):
    assert [k for k in KINDS if k.parse(data) is not None] == []


def test_what_does_not_fit_fails_where_the_button_is_built():
    with pytest.raises(ValueError, match="does not fit"):
        cb.Confirm("a:b").pack()
    with pytest.raises(ValueError, match="does not fit"):
        cb.Language("fr").pack()  # type: ignore[arg-type]

    @button("zz")
    class Wide(Button):  # a kind whose fields may add up to more than Telegram takes
        a: str
        b: str

    with pytest.raises(ValueError, match="longer than 64 bytes"):
        Wide("a" * 32, "b" * 32).pack()
    assert Wide("a", "b").pack() == "zz:a:b"
    assert Wide not in list(cb.kinds())  # the bot's kinds only


def test_unsupported_field_types_are_refused_when_declared():
    with pytest.raises(TypeError, match="unsupported"):
        @button("zf")
        class Odd(Button):
            x: float
    assert isinstance(Flag("r"), str)
    with pytest.raises(TypeError, match="must not match"):
        @button("zg")
        class Greedy(Button):
            x: Annotated[str, Pattern(".{1,9}")]  # would swallow the fields after it


def test_text_fields_carry_a_filter_and_a_zone_name():
    assert cb.History("a~tiktok like/x #5", 2).pack() == "hl:a~tiktok like/x #5:2:-"
    assert cb.History.parse("hl:c12~xem:0:ab12cd:r") == cb.History("c12~xem", 0, "ab12cd", refresh=True)
    assert cb.TimezonePick("Etc/GMT-7").pack() == "tzp:Etc/GMT-7"
    assert cb.History.parse("hl:a:b:0:-") is None and cb.TimezonePick.parse("tzp:Asia/Ho Chi") is None


def _callback_handlers(app):
    for handlers in app.handlers.values():
        for handler in handlers:
            if isinstance(handler, ConversationHandler):
                yield from handler.entry_points
                for state_handlers in handler.states.values():
                    yield from state_handlers
            else:
                yield handler


async def test_every_kind_has_exactly_one_handler(bot):
    patterns = [h.pattern for h in _callback_handlers(bot.app) if isinstance(h, CallbackQueryHandler) and h.pattern]
    assert sorted(p.pattern for p in patterns) == sorted(kind.pattern.pattern for kind in KINDS)
