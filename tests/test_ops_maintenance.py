"""Maintenance mode: who is turned away, and that the flag survives a restart."""

from __future__ import annotations

from telegram import CallbackQuery, Chat, ChatMemberBanned, ChatMemberMember, ChatMemberUpdated, Message, Update, User

from bot.ops.maintenance import Maintenance

ADMIN = 42
PERSON = User(7, "Ann", is_bot=False)
CHAT = Chat(7, "private")


def message(text: str, user: User = PERSON) -> Update:
    return Update(1, message=Message(1, 0, CHAT, from_user=user, text=text))


def tap(user: User = PERSON) -> Update:
    msg = Message(1, 0, CHAT, from_user=User(99, "bot", is_bot=True), text="menu")
    return Update(2, callback_query=CallbackQuery("q", user, "ci", message=msg, data="menu"))


def blocked() -> Update:
    bot = User(99, "bot", is_bot=True)
    change = ChatMemberUpdated(CHAT, PERSON, 0, ChatMemberMember(bot), ChatMemberBanned(bot, until_date=None))
    return Update(3, my_chat_member=change)


async def test_only_users_are_turned_away_and_only_while_it_is_on(db):
    maintenance = Maintenance(db, admin_ids={ADMIN})
    await maintenance.load()
    assert not maintenance.turns_away(message("/orders"))

    await maintenance.set(True, by=ADMIN)
    assert maintenance.turns_away(message("/orders"))
    assert maintenance.turns_away(message("hello"))
    assert maintenance.turns_away(tap())
    for allowed in ("/start", "/help", "/START", "/help@smm_panel_test_bot", "/start payload"):
        assert not maintenance.turns_away(message(allowed)), allowed
    assert not maintenance.turns_away(message("/orders", user=User(ADMIN, "Op", is_bot=False)))
    assert not maintenance.turns_away(tap(user=User(ADMIN, "Op", is_bot=False)))
    assert not maintenance.turns_away(blocked())

    # Stored: a restarted bot is still in maintenance.
    again = Maintenance(db, admin_ids={ADMIN})
    assert (await again.load()).on and again.turns_away(message("/orders"))
    await again.set(False, by=ADMIN)
    assert not again.turns_away(message("/orders"))
