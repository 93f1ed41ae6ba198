"""Changing an order before Confirm (issue 18), in both languages, through the real Application:
a number (or link, or comments) typed at the card, Edit one answer at a time, Order again opening
the card with the same answers (re-checked), and Telegram edits of an answer."""

from __future__ import annotations

import pytest

from bot.handlers.common import html_to_plain
from bot.i18n import Translations
from bot.presentation import Texts
from bot.storage import NewOrder
from tests.conftest import order_until_confirmation
from tests.panels_support import KEY_B, second_simulator  # noqa: F401 - a fixture
from tests.test_e2e_secrets import DELETED_LINE, FOREIGN_KEY

TRANSLATIONS = Translations.load()
LANGS = ["en", "vi"]


def say(lang: str, key: str, **values: object) -> str:
    """What the user reads for `key` (plain text, as the driver shows it)."""
    return html_to_plain(Texts(TRANSLATIONS, lang)(key, **values))


def label(lang: str, key: str) -> str:
    return TRANSLATIONS.raw(lang, key)


def number(lang: str, value: int) -> str:
    return Texts(TRANSLATIONS, lang).number(value)


def row(lang: str, field: str, value: object) -> str:
    """A card's row: `Quantity: 2,000` / `Số lượng: 2.000`."""
    shown = number(lang, value) if isinstance(value, int) else str(value)
    return say(lang, "form.card.row", label=label(lang, f"form.label.{field}"), value=shown)


def typed(user, index: int = -1):
    """The user's own messages, as sent (to edit one)."""
    return [m for m in user.transcript() if m.sender == "user"][index]


def title(lang: str) -> str:
    return say(lang, "confirm.title")


@pytest.mark.parametrize("lang", LANGS)
async def test_a_number_typed_at_the_card_changes_the_quantity(bot, lang):
    user = await bot.onboarded_fast(18100 + LANGS.index(lang), lang)
    await order_until_confirmation(user, 1, "https://facebook.com/post/1", "1000")
    for text, quantity in (("2,000", 2000), ("3.000", 3000), ("1500", 1500)):
        reply = await user.send(text)
        assert title(lang) in reply.text and row(lang, "quantity", quantity) in reply.text, (text, reply.text)
        assert say(lang, "order.changed", label=label(lang, "form.label.quantity")) in reply.text
        assert "https://facebook.com/post/1" in reply.text  # the rest is kept
    # Below the minimum: why, and the card as it was (still confirmable).
    reply = await user.send("5")
    assert say(lang, "form.problem.below_min", min=number(lang, 200), max=number(lang, 10000), step=1) in reply.text
    assert row(lang, "quantity", 1500) in reply.text and title(lang) in reply.text
    # A link replaces the link; other words are told what the card reads, never searched.
    reply = await user.send("https://facebook.com/post/2")
    assert "https://facebook.com/post/2" in reply.text and row(lang, "quantity", 1500) in reply.text
    reply = await user.send("tiktok likes")
    assert reply.text == say(lang, "order.card_hint")
    await user.press(label(lang, "button.confirm"), message=user.messages()[-2])
    order = bot.sim.orders[max(bot.sim.orders)]
    assert (order.quantity, order.link) == (1500, "https://facebook.com/post/2")
    assert bot.sim.requests["add"] == 1


@pytest.mark.parametrize("lang", LANGS)
async def test_text_typed_at_a_comments_card_replaces_the_comments(bot, lang):
    user = await bot.onboarded_fast(18110 + LANGS.index(lang), lang)
    await user.send("/order 205")
    await user.send("https://www.tiktok.com/@a/video/1")
    reply = await user.send("\n".join(f"comment {i}" for i in range(12)))
    assert title(lang) in reply.text
    reply = await user.send("\n".join(f"new {i}" for i in range(15)))
    assert say(lang, "order.changed", label=label(lang, "form.label.comments")) in reply.text
    assert "new 0" in reply.text and "comment 0" not in reply.text
    reply = await user.send("too\nfew")  # the service takes 10 lines at least: refused, card kept
    assert "new 0" in reply.text and title(lang) in reply.text
    assert say(lang, "order.not_changed", label=label(lang, "form.label.comments"), reason="").strip() in reply.text
    await user.press(label(lang, "button.confirm"))
    assert bot.sim.orders[max(bot.sim.orders)].quantity == 15


@pytest.mark.parametrize("lang", LANGS)
async def test_a_package_card_says_it_has_no_quantity(bot, lang):
    user = await bot.onboarded_fast(18120 + LANGS.index(lang), lang)
    await user.send("/order 304")
    reply = await user.send("https://instagram.com/me")
    assert title(lang) in reply.text
    reply = await user.send("1,000")
    assert reply.text == say(lang, "order.no_quantity")
    reply = await user.send("hello")
    assert reply.text == say(lang, "order.card_hint_no_quantity")
    reply = await user.send("https://instagram.com/other")  # the link can still be changed
    assert "https://instagram.com/other" in reply.text and title(lang) in reply.text
    placed = (await user.press(label(lang, "button.confirm"))).last
    reply = await user.press("🔁", message=placed)  # Order again: no quantity mentioned either
    assert say(lang, "order.again", id=max(bot.sim.orders)) in reply.text
    assert "https://instagram.com/other" in reply.text and title(lang) in reply.text


@pytest.mark.parametrize("lang", LANGS)
async def test_edit_changes_one_answer_and_keeps_the_rest(bot, lang):
    user = await bot.onboarded_fast(18130 + LANGS.index(lang), lang)
    await user.send("/order 104")  # drip-feed allowed: runs, then the interval if runs are given
    await user.send("https://facebook.com/post/7")
    await user.send("1000")
    reply = await user.press(label(lang, "button.skip"))
    assert title(lang) in reply.text

    reply = await user.press(label(lang, "button.edit"))
    assert say(lang, "order.edit_which") in reply.text
    assert user.buttons(reply.last) == [label(lang, "form.label.link"), label(lang, "form.label.quantity"),
                                        label(lang, "form.label.runs"), label(lang, "button.back_to_card")]
    reply = await user.press(label(lang, "form.label.quantity"), message=reply.last)
    assert say(lang, "order.edit_current", value=number(lang, 1000)) in reply.text
    reply = await user.send("50")  # below the minimum: asked again, nothing else lost
    assert say(lang, "order.edit_current", value=number(lang, 1000)) in reply.text
    reply = await user.send("2000")
    assert row(lang, "quantity", 2000) in reply.text and "https://facebook.com/post/7" in reply.text

    # Runs given: the interval now applies and is asked; runs skipped again: it is dropped.
    reply = await user.press(label(lang, "button.edit"))
    await user.press(label(lang, "form.label.runs"), message=reply.last)
    reply = await user.send("3")
    assert say(lang, "form.ask.interval", min=1, max=number(lang, 10080)).split("(")[0] in reply.text
    reply = await user.send("30")
    assert say(lang, "form.card.row", label=label(lang, "form.label.runs"), value=3) in reply.text
    reply = await user.press(label(lang, "button.edit"))
    await user.press(label(lang, "form.label.runs"), message=reply.last)
    reply = await user.press(label(lang, "button.skip"))
    assert label(lang, "form.label.runs") not in reply.text and label(lang, "form.label.interval") not in reply.text
    assert row(lang, "quantity", 2000) in reply.text

    # Back from a question asked again: nothing changed, the card again; then typing goes to it.
    reply = await user.press(label(lang, "button.edit"))
    reply = await user.press(label(lang, "form.label.link"), message=reply.last)
    reply = await user.press(label(lang, "button.back_to_card"), message=reply.last)
    assert say(lang, "order.edit_kept") in reply.text and title(lang) in reply.text
    assert "https://facebook.com/post/7" in reply.text and row(lang, "quantity", 2000) in reply.text
    reply = await user.send("hello")
    assert reply.text == say(lang, "order.card_hint")

    # Back from Edit's menu: the card again, in place, still the one to confirm.
    reply = await user.press(label(lang, "button.edit"))
    reply = await user.press(label(lang, "button.back_to_card"), message=reply.last)
    assert title(lang) in reply.text and row(lang, "quantity", 2000) in reply.text
    await user.press(label(lang, "button.confirm"), message=reply.last)
    order = bot.sim.orders[max(bot.sim.orders)]
    assert (order.quantity, order.link) == (2000, "https://facebook.com/post/7")
    assert bot.sim.requests["add"] == 1


@pytest.mark.parametrize("lang", LANGS)
async def test_order_again_opens_the_card_with_the_same_answers(bot, lang):
    user = await bot.onboarded_fast(18140 + LANGS.index(lang), lang)
    await user.send("/order 104")
    await user.send("https://facebook.com/post/8")
    await user.send("1000")
    await user.send("3")
    await user.send("30")
    placed = (await user.press(label(lang, "button.confirm"))).last
    first = max(bot.sim.orders)
    bot.sim.complete_order(first)  # the panel takes one running order per link

    reply = await user.press("🔁", message=placed)
    assert title(lang) in reply.text and say(lang, "order.again_quantity", id=first) in reply.text
    assert "https://facebook.com/post/8" in reply.text
    assert say(lang, "form.card.row", label=label(lang, "form.label.runs"), value=3) in reply.text
    reply = await user.send("1,200")  # ready to change, as any card
    assert say(lang, "order.changed", label=label(lang, "form.label.quantity")) in reply.text
    await user.press(label(lang, "button.confirm"))
    again = bot.sim.orders[max(bot.sim.orders)]
    assert max(bot.sim.orders) != first and again.link == "https://facebook.com/post/8"
    assert again.quantity == 3600 and (again.params.get("runs"), again.params.get("interval")) == ("3", "30")

    # The panel raised the minimum meanwhile: the quantity is asked again with the reason.
    bot.sim.set_catalogue([{**s, "min": "5000"} if s["service"] == 104 else s for s in bot.sim.catalogue])
    await user.send("/order")
    await user.press("🔄")
    reply = await user.press("🔁", message=placed)
    assert say(lang, "form.problem.below_min", min=number(lang, 5000), max=number(lang, 20000), step=1) in reply.text
    reply = await user.send("6000")
    assert title(lang) in reply.text and "https://facebook.com/post/8" in reply.text
    assert say(lang, "form.card.row", label=label(lang, "form.label.runs"), value=3) in reply.text


@pytest.mark.parametrize("lang", LANGS)
async def test_an_edited_answer_at_the_card_is_taken_other_edits_are_not(bot, lang):
    user = await bot.onboarded_fast(18150 + LANGS.index(lang), lang)
    await order_until_confirmation(user, 1, "https://facebook.com/post/1", "1000")
    reply = await user.edit(typed(user), "2.000", expect_reply=True)  # the quantity's message
    assert row(lang, "quantity", 2000) in reply.text and title(lang) in reply.text
    assert say(lang, "order.changed", label=label(lang, "form.label.quantity")) in reply.text
    reply = await user.edit(typed(user, -2), "https://facebook.com/post/3", expect_reply=True)  # the link's
    assert "https://facebook.com/post/3" in reply.text and row(lang, "quantity", 2000) in reply.text
    reply = await user.edit(typed(user, -3), "hello", expect_reply=True)  # /order 1: not an answer
    assert reply.text == say(lang, "order.edit_not_read")
    # An edit holding a key is still deleted, and changes nothing.
    reply = await user.edit(typed(user), f"3000 {FOREIGN_KEY}", expect_reply=True)
    assert DELETED_LINE in say("en", "key.deleted_order_card", service="x")
    assert say(lang, "key.deleted_order_card", service="Facebook views") in reply.text
    await user.press(label(lang, "button.confirm"))
    order = bot.sim.orders[max(bot.sim.orders)]
    assert (order.quantity, order.link) == (2000, "https://facebook.com/post/3")


@pytest.mark.parametrize("lang", LANGS)
async def test_an_edited_answer_during_the_questions_is_taken(bot, lang):
    user = await bot.onboarded_fast(18160 + LANGS.index(lang), lang)
    await user.send("/order 1")
    await user.send("https://facebook.com/post/1")
    reply = await user.edit(typed(user), "https://facebook.com/post/5", expect_reply=True)
    assert say(lang, "order.changed", label=label(lang, "form.label.link")) in reply.text
    assert say(lang, "form.ask.quantity", min=number(lang, 200), max=number(lang, 10000), note="") in reply.text
    reply = await user.edit(typed(user), "not a link", expect_reply=True)  # refused: the link stays
    assert say(lang, "form.problem.not_a_link", example="x").split(".")[0] in reply.text
    assert say(lang, "order.not_changed", label=label(lang, "form.label.link"), reason="").strip() in reply.text
    reply = await user.send("1000")
    assert "https://facebook.com/post/5" in reply.text and row(lang, "quantity", 1000) in reply.text


@pytest.mark.parametrize("lang", LANGS)
async def test_order_again_without_the_answers_uses_link_and_quantity(bot, lang):
    """An order known without its form's answers (no intent: tracked, or stored before forms)."""
    user_id = 18170 + LANGS.index(lang)
    user = await bot.onboarded_fast(user_id, lang)
    account = await bot.db.active_account(user_id)
    await bot.db.track_orders(user_id, [NewOrder(account_id=account.id, panel_order_id=777, service_id=1,
                                                 service_name="Facebook views", link="https://facebook.com/post/9",
                                                 quantity=500)])
    await user.send("/orders")
    card = await user.press("#777")
    reply = await user.press("🔁", message=card.last)
    assert title(lang) in reply.text and say(lang, "order.again_quantity", id=777) in reply.text
    assert "https://facebook.com/post/9" in reply.text and row(lang, "quantity", 500) in reply.text


@pytest.mark.parametrize("lang", LANGS)
async def test_order_again_of_another_panels_order_says_to_switch(bot_runner, second_simulator, lang):  # noqa: F811
    """Service ids are each panel's own: an order of another panel is never ordered again on the
    active one (its service 1 may be anything there)."""
    bot = await bot_runner.start(allow_private_panel_urls=True)
    user_id = 18180 + LANGS.index(lang)
    user = await bot.onboarded_fast(user_id, lang)
    await order_until_confirmation(user, 1, "https://facebook.com/post/10", "1000")
    placed = (await user.press(label(lang, "button.confirm"))).last
    await bot.db.save_account(user_id, second_simulator.url, KEY_B, "USD")  # now the active panel
    tapped = await user.press("🔁", message=placed)
    assert tapped.alert == say(lang, "send_again.other_panel") and not tapped.sent
    assert second_simulator.requests.get("services", 0) == 0 and bot.sim.requests["add"] == 1


@pytest.mark.parametrize("lang", LANGS)
async def test_a_number_typed_at_a_comments_card_keeps_the_comments(bot, lang):
    """The quantity of a comments order is its number of lines: a number typed at its card (meant
    as a quantity) is told so, and never replaces the comments with one line reading "5"."""
    user = await bot.onboarded_fast(18190 + LANGS.index(lang), lang)
    await user.send("/order 603")  # custom reviews, from 1 line
    await user.send("https://shopee.vn/product/1/2")
    await user.send("great shop\nfast delivery\nwill buy again")
    reply = await user.send("5")
    assert reply.text == say(lang, "order.quantity_is_lines", label=label(lang, "form.label.comments"))
    await user.press(label(lang, "button.confirm"), message=user.messages()[-2])
    assert bot.sim.orders[max(bot.sim.orders)].quantity == 3
