"""Onboarding: the key is asked for, deleted from the chat, checked, stored encrypted."""

from tests.conftest import TEST_KEY


async def test_bad_key_then_good_key_in_english(bot):
    user = bot.user(701, "en", first_name="Ann")
    reply = await user.send("/start")
    assert "send me your panel API key" in reply.text

    reply = await user.send("wrong-key-1234567890")
    assert "invalid" in reply.text
    assert "/cancel" not in reply.text  # no step to leave: /cancel would say there is nothing to cancel
    # The message holding the key is gone from the chat.
    typed = [m for m in user.transcript() if m.sender == "user" and m.text == "wrong-key-1234567890"]
    assert typed and typed[0].deleted

    reply = await user.send(TEST_KEY)
    assert "Key checked and saved" in reply.text
    assert "1,000,000 VND" in reply.text
    assert all(m.deleted for m in user.transcript() if m.sender == "user" and m.text == TEST_KEY)
    # The main menu follows.
    assert "📦 My orders" in user.buttons()
    # Stored, for this user, with the currency the panel reported.
    account = await bot.db.active_account(701)
    assert account.currency == "VND" and account.panel_url == bot.sim.url


async def test_onboarding_in_vietnamese(bot):
    user = bot.user(702, "vi")
    reply = await user.send("/start")
    assert "API key" in reply.text and "Xin chào" in reply.text
    reply = await user.send("khong co khoang trang nao ca")
    assert "không giống API key" in reply.text and "/cancel" not in reply.text
    reply = await user.send(TEST_KEY)
    assert "Số dư của bạn: <b>1.000.000 VND</b>" in reply.last.text


async def test_a_key_sent_in_a_group_is_ignored(bot):
    member = bot.user(703, "en", chat_type="group", chat_id=-100777)
    await member.send("/start")
    reply = await member.send("abcdef0123456789abcdef0123456789")
    # Not read as a key: the panel was never asked, nothing was stored, and the user is warned.
    assert bot.sim.requests.get("balance", 0) == 0
    assert await bot.db.active_account(703) is None
    assert "Never post keys in a group" in reply.text


async def test_a_panel_that_is_down_while_checking_the_key_is_explained(bot):
    user = bot.user(704, "en")
    await user.send("/start")
    bot.sim.fail_next(10, "html_503_cloudflare")
    # The client retries a read a few times before giving up (the send waits for all of it);
    # its back-off, random and up to seconds, is the panel client tests' business: short here.
    bot.deps.panel.backoff_base = 0.01
    reply = await user.send(TEST_KEY)
    assert "could not check the key" in reply.text
    assert bot.sim.requests["balance"] > 1  # retried
    assert await bot.db.active_account(704) is None
    bot.sim.clear_failures()
    reply = await user.send(TEST_KEY)
    assert "Key checked and saved" in reply.text


async def test_balance(bot):
    user = await bot.onboarded(705, "en")  # the chat helper other tests can use
    reply = await user.send("/balance")
    assert "Your balance: 1,000,000 VND" in reply.text
    reply = await user.press("🏠 Menu")
    reply = await user.press("💰 Balance")
    assert "1,000,000 VND" in reply.text
