"""Ids typed by users: every word is either an id or answered as "not an order id"."""

from bot.core.ids import MAX_ID, parse_ids, split_ids


def test_words_that_are_no_ids_are_kept_once_in_order():
    typed = split_ids("abc 5, 12x;0 #7 5 abc -4 ² # 99999999999999999999999")
    assert typed.ids == [5, 7]
    assert typed.invalid == ["abc", "12x", "0", "-4", "²", "#", "99999999999999999999999"]
    assert split_ids(f"{MAX_ID} #{MAX_ID}").ids == [MAX_ID]


def test_nothing_typed_is_neither_ids_nor_words():
    typed = split_ids("  , ;  ")
    assert typed.ids == [] and typed.invalid == []


def test_limits_apply_to_ids_and_words_separately():
    typed = split_ids(" ".join(f"{i} w{i}" for i in range(1, 20)), limit=5)
    assert typed.ids == [1, 2, 3, 4, 5] and typed.invalid == ["w1", "w2", "w3", "w4", "w5"]
    assert parse_ids("1 2 3 4", limit=2) == [1, 2]
