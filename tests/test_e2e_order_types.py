"""Every order type ordered through the chat, against the simulator: the form's questions one by
one (buttons for choices, Skip for optional questions), the card, one `add` with exactly the
type's parameters; and every kind of bad answer refused, in the user's language, before any
request."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest

from bot.core.forms import panel_today, render
from bot.core.forms.text import duration
from bot.i18n import Translations
from bot.presentation import Texts
from tests.conftest import TEST_KEY, button_data, order_until_confirmation
from tests.test_core_forms import BAD, CASES, SKIP
from tests.test_core_order_types import expected_params, real_answers
from tests.test_tracker_support import notifications

TRANSLATIONS = Translations.load()
SKIP_LABEL = {"en": "⏭ Skip", "vi": "⏭ Bỏ qua"}


def delay_button(lang: str, minutes: str) -> str:
    """The label of a delay's button (the subscriptions' cases answer by button, as a user would)."""
    return html.unescape(render(duration(int(minutes)), Texts(TRANSLATIONS, lang)))


def progress(lang: str, number: int) -> str:
    return TRANSLATIONS.raw(lang, "form.progress").split("{total}")[0].format(number=number)


async def answer_form(user, service_id: int, answers, lang: str = "en"):
    """/order the service and answer its questions; returns the last reply (the card)."""
    reply = await user.send(f"/order {service_id}")
    for number, (name, text) in enumerate(answers, start=1):
        assert progress(lang, number) in reply.text, (name, reply.text)
        if text is SKIP:
            reply = await user.press(SKIP_LABEL[lang])
        elif name == "delay":
            reply = await user.press(delay_button(lang, text))
        else:
            reply = await user.send(text)
    return reply


@pytest.mark.parametrize("case", sorted(CASES))
async def test_each_type_is_ordered_in_the_chat_with_its_parameters(bot, case):
    service_id, answers, params = CASES[case]
    user = await bot.onboarded(13000 + sorted(CASES).index(case), "en")
    card = await answer_form(user, service_id, real_answers(answers))
    assert "Please check your order" in card.text and "Your balance: 1,000,000 VND" in card.text
    assert "Not enough funds" not in card.text
    assert bot.sim.requests.get("add", 0) == 0

    reply = await user.press("✅ Confirm")
    assert "Order placed" in reply.text
    assert bot.sim.requests["add"] == 1
    received = bot.sim.orders[max(bot.sim.orders)]
    assert received.service_id == service_id
    assert received.params == expected_params(params)
    if "link" in params:
        assert received.link == params["link"]


def problem_fragments(lang: str, code: str) -> list[str]:
    """The literal parts of the problem's message in `lang` (between its placeholders, tags off)."""
    template = TRANSLATIONS.raw(lang, f"form.problem.{code}")
    parts = re.split(r"\{[^}]*\}", re.sub(r"</?\w+>", "", template))
    return [part.strip() for part in parts if part.strip(" .:,")]


def _real_dates(text):
    """The date-dependent bad answers, against the panel's real today."""
    today = panel_today()
    if text == "10/03/2030":  # today: not in the future
        return today.strftime("%d/%m/%Y")
    if text == "1/1/2029":
        return (today - timedelta(days=1)).strftime("%d/%m/%Y")
    return text


# One bad answer of each kind (the first of each problem code in the core's cases).
ONE_OF_EACH = list({code: (service_id, before, name, text, code) for service_id, before, name, text, code, _ in
                    reversed(BAD)}.values())


@pytest.mark.parametrize("service_id, before, name, text, code", ONE_OF_EACH, ids=[c[4] for c in ONE_OF_EACH])
async def test_each_kind_of_bad_answer_is_refused_in_vietnamese_before_any_request(bot, service_id, before, name, text,
                                                                                    code):
    user = await bot.onboarded(13100 + ONE_OF_EACH.index((service_id, before, name, text, code)), "vi")
    asked = await answer_form(user, service_id, before, "vi")
    reply = await user.send(_real_dates(text))
    for fragment in problem_fragments("vi", code):
        assert fragment in reply.text, (fragment, reply.text)
    # The same question again, under the problem; nothing sent to the panel.
    assert asked.text.splitlines()[0] in reply.text
    assert bot.sim.requests.get("add", 0) == 0


async def test_dripfeed_is_offered_at_the_quantity_and_its_card_shows_the_plan(bot):
    user = await bot.onboarded(13201, "en")
    await user.send("/order 104")
    reply = await user.send("https://facebook.com/page/posts/9")
    assert "⏭ Skip" not in user.buttons()  # the quantity is required
    reply = await user.send("500")
    assert "Drip-feed" in reply.text and "⏭ Skip" in user.buttons()
    reply = await user.send("4")
    assert "Interval between runs" in reply.text
    card = (await user.send("30")).text
    for line in ("Quantity per run: 500", "Runs: 4", "Interval: 30 min", "Total quantity: 2,000",
                 "Total charge: 120 VND", "Last run starts: in 1 h 30 min"):
        assert line in card, (line, card)
    await user.press("✅ Confirm")
    received = bot.sim.orders[max(bot.sim.orders)]
    assert received.params == {"quantity": "500", "runs": "4", "interval": "30"}


async def test_subscription_card_says_what_will_happen_and_the_charge_per_post(bot):
    user = await bot.onboarded(13202, "en")
    bot.sim.set_balance(TEST_KEY, 0)  # charged per post: no total to compare the balance with
    expiry = (panel_today() + timedelta(days=30)).strftime("%d/%m/%Y")
    card = await answer_form(user, 312, [("username", "@someone"), ("per_post", "100-200"), ("posts", "10"),
                                         ("old_posts", SKIP), ("delay", "30"), ("expiry", expiry)])
    text = card.text
    for line in ("Account: @someone", "Per new post: 100–200", "New posts: 10", "Delay: 30 min", f"Ends on: {expiry}",
                 "What will happen", "Each new post of @someone gets 100–200, starting 30 min after it is published",
                 "For the next 10 new posts", "Charge per post: < 1 VND to 2 VND", "At most 16 VND in all", "Your balance: 0 VND"):
        assert line in text, (line, text)
    assert "Existing posts" not in text and "Not enough funds" not in text


async def test_a_card_no_longer_valid_is_explained_with_edit_and_nothing_is_sent(bot):
    user = await bot.onboarded(13203, "en")
    card = (await order_until_confirmation(user, 1, "https://facebook.com/post/1", "10000")).last
    # The panel lowers the service's maximum meanwhile, and the user refreshes the catalogue.
    bot.sim.set_catalogue([{**s, "max": "5000"} if s["service"] == 1 else s for s in bot.sim.catalogue])
    await user.send("/order")
    await user.press("🔄 Refresh")
    reply = await user.press_data(card, button_data(card, "✅ Confirm"))
    assert "cannot be placed as it is" in reply.text and "above the maximum" in reply.text
    assert {"✏️ Edit", "✖️ Cancel"} <= set(user.buttons(reply.last))
    assert bot.sim.requests.get("add", 0) == 0
    reply = await user.press("✏️ Edit", message=reply.last)
    reply = await user.press("Quantity", message=reply.last)  # the answer refused is asked again alone
    assert "How many?" in reply.text and "Now: 10,000" in reply.text
    reply = await user.send("5000")
    assert "Please check your order" in reply.text and "Quantity: 5,000" in reply.text


async def test_a_new_subscriptions_first_active_is_not_news_its_changes_are(bot):
    user = await bot.onboarded(13204, "en")
    await answer_form(user, 206, [("username", "@kenh.tiktok"), ("per_post", "1k 2k"), ("posts", SKIP),
                                  ("old_posts", SKIP), ("delay", "0"), ("expiry", SKIP)])
    await user.press("✅ Confirm")
    order_id = max(bot.sim.orders)
    bot.sim.set_order_status(order_id, "Active")
    await bot.tracker.cycle()
    assert notifications(user) == []
    assert (await bot.db.get_order(13204, order_id)).status == "active"
    bot.sim.set_order_status(order_id, "Paused")
    await bot.tracker.cycle()
    [message] = notifications(user)
    assert f"Order #{order_id}" in message.plain_text
