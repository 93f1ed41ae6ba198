"""Telegram HTML parsing and text rules of the fake Bot API (no server needed)."""

from __future__ import annotations

import pytest

from tests.fakebot.errors import ApiError
from tests.fakebot.text import prepare_text

PREFIX = "Bad Request: can't parse entities: "


def refusal(text: str, parse_mode: str | None = "HTML") -> str:
    with pytest.raises(ApiError) as caught:
        prepare_text(text, parse_mode)
    assert caught.value.error_code == 400
    return caught.value.description


@pytest.mark.parametrize(
    ("text", "detail"),
    [
        ("Hello <foo>x</foo>", 'Unsupported start tag "foo" at byte offset 6'),
        ("line<br>next", 'Unsupported start tag "br" at byte offset 4'),
        ("<b><i>x</b></i>", 'Unmatched end tag at byte offset 7, expected "</i>", found "</b>"'),
        ("<b>never closed", 'Can\'t find end tag corresponding to start tag "b"'),
        ("done</b>", "Unexpected end tag at byte offset 4"),
        ("1 < 2", 'Unsupported start tag "" at byte offset 2'),
        ("a<b", "Unclosed start tag at byte offset 1"),
        ("I <3 you", 'Unsupported start tag "3" at byte offset 2'),
        ("Tom & Jerry", "Character entity expected at byte offset 4"),
        ("price&nbsp;100", "Character entity expected at byte offset 5"),
        ("<span>x</span>", 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
        ('<a href="https://x.io"/>', 'Empty attribute name in the tag "a" at byte offset 0'),
        ("<b/>", 'Unsupported start tag "b/" at byte offset 0'),
        ("<tg-emoji>x</tg-emoji>", "Invalid custom emoji identifier specified"),
    ],
)
def test_invalid_html_is_refused_with_telegrams_wording(text: str, detail: str) -> None:
    assert refusal(text) == PREFIX + detail


@pytest.mark.parametrize(
    ("text", "offset"),
    [
        ("Xin chào <x>", 10),  # "à" is 2 bytes in UTF-8
        ("Số dư: 1.000 ₫ <x>", 20),  # "ố", "ư" 3 bytes each, "₫" 3 bytes
        ("🎉 <x>", 5),  # an emoji is 4 bytes
        ("Đơn hàng 🚀🚀 xong <x>", 26),
    ],
)
def test_byte_offsets_count_utf8_bytes_of_the_original_text(text: str, offset: int) -> None:
    assert offset == len(text[: text.index("<x>")].encode())
    assert refusal(text) == PREFIX + f'Unsupported start tag "x" at byte offset {offset}'


def test_supported_entities_become_plain_text_and_entities() -> None:
    formatted = prepare_text(
        "<b>B</b><strong>S</strong><i>I</i><em>E</em><u>U</u><ins>N</ins><s>S</s><strike>K</strike>"
        '<del>D</del><tg-spoiler>P</tg-spoiler><span class="tg-spoiler">Q</span><code>c</code>'
        '<pre><code class="language-python">p</code></pre><blockquote>q</blockquote>'
        '<blockquote expandable>x</blockquote><tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>'
        "&lt;&gt;&amp;&quot;&#65;&#x42;",
        "HTML",
    )
    assert formatted.text == "BSIEUNSKDPQcpqx👍<>&\"AB"
    assert [(e["type"], e["offset"], e["length"]) for e in formatted.entities_json()] == [
        ("bold", 0, 1), ("bold", 1, 1), ("italic", 2, 1), ("italic", 3, 1), ("underline", 4, 1),
        ("underline", 5, 1), ("strikethrough", 6, 1), ("strikethrough", 7, 1), ("strikethrough", 8, 1),
        ("spoiler", 9, 1), ("spoiler", 10, 1), ("code", 11, 1), ("pre", 12, 1), ("blockquote", 13, 1),
        ("expandable_blockquote", 14, 1), ("custom_emoji", 15, 2),
    ]
    assert formatted.entities_json()[12]["language"] == "python"


def test_nested_message_with_a_link_has_utf16_offsets() -> None:
    formatted = prepare_text(
        '🎉 <b>Đơn #42 <i>đã xong</i></b>\nXem <a href="https://panel.example/orders?id=42&amp;x=1">tại đây</a>',
        "HTML",
    )
    assert formatted.text == "🎉 Đơn #42 đã xong\nXem tại đây"
    assert formatted.entities_json() == [
        {"type": "bold", "offset": 3, "length": 15},  # the emoji is 2 UTF-16 units
        {"type": "italic", "offset": 11, "length": 7},
        {"type": "text_link", "offset": 23, "length": 7, "url": "https://panel.example/orders?id=42&x=1"},
    ]


def test_upper_case_tags_and_bare_closing_tag_are_accepted_like_telegram() -> None:
    assert prepare_text("<B>x</b> <i>y</>", "HTML").text == "x y"


def test_ampersand_leniency_can_be_switched_back_to_telegrams() -> None:
    assert prepare_text("Tom & Jerry &nbsp;", "HTML", strict_ampersand=False).text == "Tom & Jerry &nbsp;"


def test_plain_text_is_not_parsed() -> None:
    assert prepare_text("1 < 2 & <b>", None).text == "1 < 2 & <b>"


def test_length_limit_counts_characters_after_parsing_and_trimming() -> None:
    assert len(prepare_text("<b>" + "a" * 4096 + "</b>", "HTML").text) == 4096
    assert len(prepare_text("&amp;" * 4096, "HTML").text) == 4096
    assert len(prepare_text("\n  " + "🎉" * 4096 + "  \n", None).text) == 4096
    assert refusal("a" * 4097, None) == "Bad Request: message is too long"
    assert refusal("<i>" + "ư" * 4097 + "</i>") == "Bad Request: message is too long"


def test_empty_and_blank_texts() -> None:
    assert refusal("", None) == "Bad Request: message text is empty"
    assert refusal(" \n\t ", None) == "Bad Request: message must be non-empty"
    assert refusal("<b> </b>") == "Bad Request: message must be non-empty"


def test_trimming_keeps_entity_offsets_right() -> None:
    formatted = prepare_text("\n\n  hi <b>there</b>  \n", "HTML")
    assert formatted.text == "hi there"
    assert formatted.entities_json() == [{"type": "bold", "offset": 3, "length": 5}]


def test_unknown_parse_mode_is_refused() -> None:
    assert refusal("x", "Textile") == "Bad Request: unsupported parse_mode"


@pytest.mark.parametrize(
    ("text", "detail"),
    [
        ("Số dư: 1.000 ₫", "Character '.' is reserved and must be escaped with the preceding '\\'"),
        ("Done!", "Character '!' is reserved and must be escaped with the preceding '\\'"),
        ("a - b", "Character '-' is reserved and must be escaped with the preceding '\\'"),
        ("x > y", "Character '>' is reserved and must be escaped with the preceding '\\'"),
        ("🎉 *bold", "Can't find end of Bold entity at byte offset 5"),
        ("snake_case", "Can't find end of Italic entity at byte offset 5"),
        ("[site](https://x.io", "Can't find end of a URL at byte offset 7"),
    ],
)
def test_invalid_markdown_v2_is_refused_with_telegrams_wording(text: str, detail: str) -> None:
    assert refusal(text, "MarkdownV2") == PREFIX + detail


def test_valid_markdown_v2() -> None:
    formatted = prepare_text(
        "*Đơn* _\\#42_ __u__ ~s~ ||sp|| `a.b` [xem](https://x.io/a\\)b) ```python\nprint(1)\n``` 1\\.000\\!",
        "MarkdownV2",
    )
    assert formatted.text == "Đơn #42 u s sp a.b xem print(1)\n 1.000!"
    assert [(e["type"], e["offset"], e["length"]) for e in formatted.entities_json()] == [
        ("bold", 0, 3), ("italic", 4, 3), ("underline", 8, 1), ("strikethrough", 10, 1), ("spoiler", 12, 2),
        ("code", 15, 3), ("text_link", 19, 3), ("pre", 23, 9),
    ]
    assert formatted.entities_json()[6]["url"] == "https://x.io/a)b"
    assert prepare_text(">quote\n>more\nafter", "MarkdownV2").entities_json() == [
        {"type": "blockquote", "offset": 0, "length": 11}  # the newline ending it included
    ]
