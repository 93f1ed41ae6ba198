async def test_typed_at_comments_card(bot):
    user = await bot.onboarded_fast(19991, "en")
    await user.send("/order 603")
    await user.send("https://shopee.vn/product/1/2")
    r = await user.send("great shop\nfast delivery\nwill buy again")
    print("CARD:", r.text)
    r = await user.send("5")
    print("AFTER 5:", r.text)
    r = await user.send("ok thanks")
    print("AFTER ok:", r.text)
    assert False
