"""A hostile or broken panel, end to end: the user learns clearly what happened, other users
are served meanwhile, and nothing impossible is shown or stored as if it were real."""

import asyncio

from tests.conftest import TEST_KEY, button_data, order_until_confirmation

OTHER_KEY = "test-key-omega"


def balance_requests(sim, key):
    return sum(1 for _, action, sent_key in sim.request_log if action == "balance" and sent_key == key)


async def test_a_trickling_panel_holds_its_user_only_until_the_timeout(bot_runner):
    bot = await bot_runner.start(panel_timeout_seconds=3.0)
    slow = await bot.onboarded(1401, "en")
    bot.sim.add_key(OTHER_KEY, 777, "VND")
    other = await bot.onboarded(1402, "vi", key=OTHER_KEY)
    bot.sim.trickle_seconds = 1.0  # a ~20-byte answer: 20 s if the bot waited for all of it
    bot.sim.fail_next(100, "trickle", key=TEST_KEY)
    loop = asyncio.get_running_loop()
    began = loop.time()
    asked = bot.sim.requests["balance"]
    waiting = asyncio.create_task(slow.send("/balance", timeout=20))
    while bot.sim.requests["balance"] == asked:  # the slow user's request is at the panel
        await bot.fake.wait_changed(0.05)

    reply = await other.send("/balance")
    assert "Số dư của bạn: 777 VND" in reply.text
    assert not waiting.done()  # served while the first user still waits on the panel

    reply = await waiting
    waited = loop.time() - began
    assert "The panel is not answering right now" in reply.text
    # The timeout bounds the whole wait, retries included (it was 4.5 x, one per attempt).
    assert waited < 2 * 3.0
    assert balance_requests(bot.sim, TEST_KEY) == 2  # the key check at onboarding, then one: no retry
    await bot_runner.stop()
    bot.fake.assert_clean()


async def test_too_large_answers_are_refused_with_a_clear_message(bot_runner):
    bot = await bot_runner.start(panel_max_services=300, panel_max_answer_mb=0.05)
    user = await bot.onboarded(1403, "en")
    account = await bot.db.active_account(1403)
    bot.sim.huge_services = 1000
    bot.sim.fail_next(1, "huge_catalogue")
    reply = await user.send("/services")
    assert "The panel sent an answer far larger than any panel should" in reply.text
    assert await bot.db.load_catalogue(account.id) is None  # nothing of it kept
    assert bot.deps.catalogues.cached(account.id) is None

    bot.sim.huge_body_bytes = 200_000  # over 0.05 MB
    bot.sim.fail_next(1, "huge_body", action="balance")
    reply = await user.send("/balance")
    assert "far larger than any panel should" in reply.text and "1,000,000" not in reply.text

    reply = await user.send("/services")  # the panel behaves again: so does everything
    assert f"The panel has {len(bot.sim.services)} services in" in reply.text
    await bot_runner.stop()
    bot.fake.assert_clean()


async def test_impossible_values_are_never_shown_or_stored_as_real(bot):
    user = await bot.onboarded(1404, "en")
    card = (await order_until_confirmation(user)).last
    await user.press_data(card, button_data(card, "✅ Confirm"))
    order_id = max(bot.sim.orders)
    stored = await bot.db.get_order(1404, order_id)

    bot.sim.fail_next(1, "negative_values", action="status")
    reply = await user.send(f"/status {order_id} 99")
    assert f"#{order_id}: the panel's answer could not be read" in reply.text
    assert "#99: the panel knows no such order" in reply.text  # the rest of the batch still reads
    assert "99,999" not in reply.text and "-2.5" not in reply.text and "“”" not in reply.text

    bot.sim.fail_next(1, "nan_values", action="status")
    reply = await user.send(f"/status {order_id}")
    assert "could not be read" in reply.text and "NaN" not in reply.text and "nan" not in reply.text

    told = len(user.messages())
    bot.sim.fail_next(1, "wrong_types", action="status")
    await bot.tracker.cycle()
    assert await bot.db.get_order(1404, order_id) == stored  # nothing impossible was stored
    assert len(user.messages()) == told  # nor told

    vi_user = await bot.onboarded(1405, "vi")
    bot.sim.fail_next(1, "nan_values", action="balance")
    reply = await vi_user.send("/balance")
    assert "Không đọc được phản hồi của panel" in reply.text and "NaN" not in reply.text
