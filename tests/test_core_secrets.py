"""Finding keys in what users type: keys anywhere, but not the ids in links or order numbers."""

import pytest

from bot.core.secrets import choose_key, find_keys, looks_like_key

KEY = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"


@pytest.mark.parametrize("typed", [
    KEY,
    f"/services {KEY}",
    f"/status {KEY} 123",
    f"my key is {KEY} thanks",
    f"my key is {KEY}.",
    f"key={KEY}",
    f"«{KEY}»",
    f"(key: {KEY})",
    f"api_key_{KEY}",
    f"https://panel.example/api/v2?action=balance&key={KEY}",
    f"panel.example/api/v2?api_key={KEY}&action=services",
    f"https://{KEY}.example.com/",
    f"{KEY}https://example.com/x",
    "123e4567-e89b-12d3-a456-426614174000",
])
def test_keys_are_found_anywhere(typed):
    assert len(find_keys(typed)) == 1


@pytest.mark.parametrize("typed", [
    "https://www.youtube.com/watch?v=dQw4w9WgXcQ&list=PLx0sYbCqOb8TBPRdmBHs5Iftvv9TPboYG",
    "see https://www.tiktok.com/@someone/video/7234567890123456789?_r=1&_t=8fAbCdEf1234567890abcdEF now",
    "https://www.facebook.com/permalink.php?story_fbid=pfbid02aBcDeF1234GhIjKl5678MnOpQr9012StUv&id=100012345678901",
    "drive.google.com/file/d/1aBcD3fGhIjK1mNoPqRsTuVwXyZ12345/view",
    "www.instagram.com/p/CxYz1234AbCdEfGhIjKlMnOp5678/",
    "http://[::1]:99999/x/0a1b2c3d",
    "/status 123456789012345678 987654321098765432",
    "12345678901234567890123456789012",
    "#1234 #5678",
    "@some_user_name_2024_official",
    "tiktok views 1000",
    "IMG_20240101_123456789.jpg",
    "",
])
def test_links_order_ids_and_words_are_not_keys(typed):
    assert find_keys(typed) == []


def test_the_users_own_keys_are_found_whatever_their_shape():
    own = ("test-key-alpha", "short")
    assert find_keys("is test-key-alpha right?", own) == ["test-key-alpha"]
    assert find_keys("https://panel.example/?x=test-key-alpha", own) == ["test-key-alpha"]
    assert find_keys("a short word", own) == []  # too short to be told from words
    assert find_keys(f"{KEY} and test-key-alpha", own) == [KEY, "test-key-alpha"]


def test_the_key_step_takes_the_one_key_of_a_sentence():
    assert choose_key(f"my key is {KEY} thanks", find_keys(f"my key is {KEY} thanks")) == KEY
    assert choose_key(f"  {KEY}\n", [KEY]) == KEY
    assert choose_key("sk_live.abc+def/ghi=", []) == "sk_live.abc+def/ghi="  # one word: as typed
    two = f"{KEY} {KEY[::-1]}"
    assert choose_key(two, find_keys(two)) == two  # which one? refused as malformed


def test_looks_like_key_is_about_the_whole_text():
    assert looks_like_key(f"  {KEY} ")
    assert not looks_like_key(f"key {KEY}")
    assert not looks_like_key("abcdefghijklmnopqrstuvwxyz")
