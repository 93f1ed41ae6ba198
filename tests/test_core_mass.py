"""Mass order text: the website's format read line by line, checked against the catalogue, and
collected from several messages (Telegram splits long texts) without breaking lines."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot.core.catalogue import Catalogue
from bot.core.mass import (
    MAX_LINES,
    Collected,
    Problem,
    TooManyLines,
    join_chunks,
    preview_text,
)
from bot.panel.parsing import parse_services
from bot.simulator.catalogue import default_catalogue

CATALOGUE = Catalogue(tuple(parse_services(default_catalogue())), 0.0)


def problems(preview) -> list[tuple[int, Problem, dict]]:
    return [(p.line_no, p.code, p.values) for p in preview.problems]


def orders(preview) -> list[tuple[int, int, str, int | None]]:
    return [(v.line_no, v.service.id, v.link, v.quantity) for v in preview.valid]


def test_lines_in_the_websites_format_with_spaces_blank_lines_and_packages():
    text = (
        "1|https://facebook.com/post/1|1000\n"
        "\n"
        "  2 | https://tiktok.com/@a/video/1 |  500  \n"
        "\r\n"
        "304|https://instagram.com/shop\n"  # a Package: no quantity
        "404 | https://youtube.com/c/x | 1\n"  # a Package: quantity 1
        "101|facebook.com/page|1.5k\n"  # a bare domain; the quantity as people type it
    )
    preview = preview_text(text, CATALOGUE, "VND")
    assert problems(preview) == []
    assert orders(preview) == [
        (1, 1, "https://facebook.com/post/1", 1000),
        (3, 2, "https://tiktok.com/@a/video/1", 500),
        (5, 304, "https://instagram.com/shop", None),
        (6, 404, "https://youtube.com/c/x", None),
        (7, 101, "https://facebook.com/page", 1500),
    ]
    # Rate per 1000 for Default, the price of one package for a Package; exact Decimals.
    assert [v.charge for v in preview.valid] == [Decimal("2.5"), Decimal(2), Decimal(95000), Decimal(1500000),
                                                 Decimal("18.75")]
    assert preview.total == Decimal("1595023.25")
    assert isinstance(preview.total, Decimal)
    assert preview.lines == 5
    assert preview.shortfall(Decimal(2_000_000)) is None
    assert preview.shortfall(Decimal(1_000_000)) == Decimal("595023.25")
    assert preview.shortfall(None) is None


def test_every_kind_of_bad_line_gets_its_reason_and_its_values():
    text = "\n".join([
        "1|https://facebook.com/post/1|1000",  # 1 fine
        "hello there",  # 2 not the format
        "1|https://facebook.com/post/2",  # 3 a Default line without quantity
        "999|https://facebook.com/post/3|1000",  # 4 no such service
        "105|https://facebook.com/post/4|10",  # 5 Custom Comments: order it on its own
        "106|https://facebook.com/post/5|100",  # 6 Poll: order it on its own
        "1|not a link|1000",  # 7
        "1|https://facebook.com/post/6|lots",  # 8
        "1|https://facebook.com/post/7|100",  # 9 below 200
        "1|https://facebook.com/post/8|20000",  # 10 above 10000
        "203|https://tiktok.com/v/1|1050",  # 11 not a multiple of 100
        "304|https://instagram.com/shop|2",  # 12 a package twice
        "1 | https://facebook.com/post/1 | 1000",  # 13 line 1 again
        "1|https://facebook.com/post/1|2000",  # 14 same link, other quantity: a line of its own
        "x|https://facebook.com/post/9|1000",  # 15 no service id
        "1|https://facebook.com/post/9|1000|extra",  # 16 a fourth field
        "1||1000",  # 17 no link
    ])
    preview = preview_text(text, CATALOGUE, "VND")
    assert [line for line, *_ in orders(preview)] == [1, 14]
    assert problems(preview) == [
        (2, Problem.FORMAT, {}),
        (3, Problem.QUANTITY_MISSING, {"min": 200, "max": 10000}),
        (4, Problem.UNKNOWN_SERVICE, {"id": 999}),
        (5, Problem.UNSUPPORTED_TYPE, {"id": 105, "type": "Custom Comments"}),
        (6, Problem.UNSUPPORTED_TYPE, {"id": 106, "type": "Poll"}),
        (7, Problem.BAD_LINK, {}),
        (8, Problem.BAD_QUANTITY, {}),
        (9, Problem.BELOW_MIN, {"min": 200}),
        (10, Problem.ABOVE_MAX, {"max": 10000}),
        (11, Problem.NOT_STEP, {"step": 100}),
        (12, Problem.PACKAGE_QUANTITY, {}),
        (13, Problem.DUPLICATE, {"first": 1}),
        (15, Problem.FORMAT, {}),
        (16, Problem.FORMAT, {}),
        (17, Problem.FORMAT, {}),
    ]
    assert preview.problems[0].excerpt == "hello there"
    long = preview_text("1|https://facebook.com/" + "x" * 600 + "|1000", CATALOGUE, "VND").problems[0]
    assert long.code is Problem.BAD_LINK and len(long.excerpt) == 60 and long.excerpt.endswith("…")


def fifty_lines_five_bad() -> tuple[str, dict[int, Problem]]:
    """50 lines for service 1 (each its own link), five of them bad in different ways."""
    lines = [f"1|https://facebook.com/post/{n}|{200 + n}" for n in range(1, 51)]
    bad = {7: Problem.BELOW_MIN, 13: Problem.UNKNOWN_SERVICE, 21: Problem.BAD_LINK, 34: Problem.DUPLICATE,
           50: Problem.UNSUPPORTED_TYPE}
    lines[6] = "1|https://facebook.com/post/7|150"
    lines[12] = "777|https://facebook.com/post/13|300"
    lines[20] = "1|htp:/facebook|300"
    lines[33] = lines[2]
    lines[49] = "105|https://facebook.com/post/50|10"
    return "\n".join(lines), bad


def test_a_50_line_batch_with_5_bad_lines_has_45_valid_ones():
    text, bad = fifty_lines_five_bad()
    preview = preview_text(text, CATALOGUE, "VND")
    assert len(preview.valid) == 45
    assert {p.line_no: p.code for p in preview.problems} == bad
    assert preview.problems[3].values == {"first": 3}
    assert [v.line_no for v in preview.valid] == [n for n in range(1, 51) if n not in bad]
    assert preview.total == sum((Decimal("2.5") * (200 + n) / 1000 for n in range(1, 51) if n not in bad), Decimal(0))


def test_a_batch_takes_at_most_1000_lines():
    lines = [f"1|https://facebook.com/post/{n}|1000" for n in range(MAX_LINES)]
    assert len(preview_text("\n".join(lines) + "\n\n\n", CATALOGUE, "VND").valid) == MAX_LINES
    with pytest.raises(TooManyLines) as raised:
        preview_text("\n".join(lines + ["1|https://facebook.com/one-more|1000"]), CATALOGUE, "VND")
    assert raised.value.count == MAX_LINES + 1

    collected = Collected()
    assert collected.add("\n".join(lines[:600]))
    assert not collected.add("\n".join(lines[600:] + ["1|https://facebook.com/one-more|1000"]))
    assert collected.line_count == 600  # the refused message is not kept
    assert collected.add("\n".join(lines[600:]))
    assert collected.line_count == MAX_LINES
    assert Collected.from_dict(collected.as_dict()).text == collected.text
    assert Collected.from_dict({"chunks": "junk"}).chunks == [] and Collected.from_dict(None).chunks == []


def telegram_split(text: str, at: int) -> list[str]:
    """Two messages as Telegram delivers a text cut at `at`: each trimmed at both ends."""
    return [text[:at].strip(), text[at:].strip()]


@pytest.mark.parametrize("sep", ["|", " | "])
def test_a_line_cut_anywhere_by_a_split_is_read_as_one_line(sep):
    lines = ["1{0}https://facebook.com/post/1{0}1000", "304{0}https://instagram.com/shop",
             "2{0}tiktok.com/@abc/video/123{0}500", "101{0}@some_page{0}1.5k", "203{0}https://tiktok.com/v/9{0}1100"]
    text = "\n".join(line.format(sep) for line in lines)
    whole = orders(preview_text(text, CATALOGUE, "VND"))
    assert len(whole) == 5
    for at in range(1, len(text)):
        chunks = [c for c in telegram_split(text, at) if c]
        assert orders(preview_text(join_chunks(chunks), CATALOGUE, "VND")) == whole, (at, chunks)


def test_chunks_from_several_messages():
    # A client that keeps the newline where it cut, and lists sent as separate messages.
    assert join_chunks(["1|https://a.com/x|100\n", "2|https://b.com/y|200"]) == \
        "1|https://a.com/x|100\n\n2|https://b.com/y|200"
    assert join_chunks(["1|https://a.com/x|100", "2|https://b.com/y|200", "3|https://c.com|5"]) == \
        "1|https://a.com/x|100\n2|https://b.com/y|200\n3|https://c.com|5"
    # Cut inside a quantity, inside a link, before the last field.
    assert join_chunks(["1|https://a.com/x|10", "00\n2|https://b.com/y|200"]) == \
        "1|https://a.com/x|1000\n2|https://b.com/y|200"
    assert join_chunks(["1|https://a.co", "m/x|100"]) == "1|https://a.com/x|100"
    assert join_chunks(["1 | https://a.com/x", "| 100"]) == "1 | https://a.com/x| 100"
    # Two bad pieces that do not make a line together stay apart (each is reported).
    assert join_chunks(["hello", "world"]) == "hello\nworld"
    assert join_chunks([]) == "" and join_chunks(["", "1|https://a.com|5"]) == "1|https://a.com|5"


def test_a_long_list_split_into_4096_character_messages_reads_the_same():
    lines = [f"{1 if n % 2 else 2} | https://facebook.com/groups/some-long-group-name/posts/{n:012d} | {200 + n}"
             for n in range(300)]
    text = "\n".join(lines)
    assert len(text) > 3 * 4096
    whole = orders(preview_text(text, CATALOGUE, "VND"))
    for offset in range(0, 120, 7):  # the cuts fall in different places of the lines
        cuts = list(range(4096 - offset, len(text), 4096 - offset))
        pieces = [text[a:b].strip() for a, b in zip([0, *cuts], [*cuts, len(text)])]
        collected = Collected()
        for piece in pieces:
            assert collected.add(piece)
        assert orders(preview_text(collected.text, CATALOGUE, "VND")) == whole


def test_every_problem_refusal_and_stop_reason_has_its_text_in_both_languages():
    from bot.i18n import LANGUAGES, Translations
    from bot.jobs.mass import STOPPING_CODES
    from bot.panel import errors

    i18n = Translations.load()
    refusals = {cls.code for cls in (errors.BadLink, errors.BadRequest, errors.DuplicateActiveOrder, errors.InvalidKey,
                                     errors.NotEnoughFunds, errors.QuantityOutOfRange, errors.UnknownService,
                                     errors.UnrecognisedError, errors.PanelUnavailable, errors.RateLimited)}
    stops = {"user", "rate_limited", "panel_unavailable", *STOPPING_CODES}
    text = "\n".join(["1|https://facebook.com/post/1|1000", "hello", "1|https://facebook.com/post/2", "999|x.com|5",
                      "105|https://facebook.com/c|10", "1|not a link|1000", "1|https://facebook.com/p|lots",
                      "1|https://facebook.com/p|100", "1|https://facebook.com/p|20000", "203|https://t.co/v|1050",
                      "304|https://instagram.com/shop|2", "1|https://facebook.com/post/1|1000"])
    preview = preview_text(text, CATALOGUE, "VND")
    assert {p.code for p in preview.problems} == set(Problem)
    for lang in LANGUAGES:
        keys = i18n.keys(lang)
        assert {f"mass.refused.{code}" for code in refusals} <= keys
        assert {f"mass.stop_reason.{reason}" for reason in stops} <= keys
        for problem in preview.problems:
            shown = i18n.t(lang, f"mass.problem.{problem.code}", **problem.values)
            assert "{" not in shown and shown != f"mass.problem.{problem.code}", (lang, problem)
