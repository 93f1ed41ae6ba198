"""Every order type's form (bot/core/forms): what it asks, the `add` parameters good answers
give, the problem each bad answer gets (before any request), and what its card shows."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import ClassVar

import pytest

from bot.core.forms import DELAYS, FORMS, OrderForm, Problem, form_for, locale_keys, render
from bot.core.forms.platform import example_link
from bot.core.ordering import Draft
from bot.presentation import Texts
from bot.i18n import LANGUAGES, Translations
from bot.panel import Service, ServiceKind
from bot.panel.parsing import parse_services
from bot.simulator import default_catalogue
from bot.storage import codec

TODAY = date(2030, 3, 10)
SKIP = object()
SERVICES = {s.id: s for s in parse_services(default_catalogue())}
IG_POST = "https://www.instagram.com/p/AbC123/"


def fmt(day: date) -> str:
    return day.strftime("%d/%m/%Y")


# Per type: the service (from the simulator's catalogue), the answers in the order the form
# asks them, and the `add` parameters they must give.
CASES = {
    "default": (1, [("link", "https://facebook.com/page/posts/1"), ("quantity", "1.000")],
                {"link": "https://facebook.com/page/posts/1", "quantity": 1000}),
    "default_no_dripfeed_asked": (2, [("link", "https://www.tiktok.com/@u/video/1"), ("quantity", "1k")],
                                  {"link": "https://www.tiktok.com/@u/video/1", "quantity": 1000}),
    "dripfeed": (104, [("link", "facebook.com/page/posts/9"), ("quantity", "500"), ("runs", "4"), ("interval", "30")],
                 {"link": "https://facebook.com/page/posts/9", "quantity": 500, "runs": 4, "interval": 30}),
    "dripfeed_skipped": (104, [("link", "https://facebook.com/p/2"), ("quantity", "500"), ("runs", SKIP)],
                         {"link": "https://facebook.com/p/2", "quantity": 500}),
    "package": (304, [("link", "https://www.instagram.com/someone")], {"link": "https://www.instagram.com/someone"}),
    "custom_comments": (105, [("link", "https://facebook.com/p/3"), ("comments", "Hay quá!\n\n  Ủng hộ bạn ❤️ \n")],
                        {"link": "https://facebook.com/p/3", "comments": "Hay quá!\nỦng hộ bạn ❤️"}),
    "custom_comments_package": (108, [("link", "https://facebook.com/p/4"), ("comments", "một\nhai\nba")],
                                {"link": "https://facebook.com/p/4", "comments": "một\nhai\nba"}),
    "mentions_custom_list": (305, [("link", IG_POST), ("usernames", "\n".join(f"@user_{i}" for i in range(12)))],
                             {"link": IG_POST, "usernames": "\n".join(f"user_{i}" for i in range(12))}),
    "mentions_with_hashtags": (306, [("link", IG_POST), ("quantity", "200"),
                                     ("usernames", "@a.b\nhttps://www.instagram.com/c_d/"), ("hashtags", "#dulich\nẩm_thực")],
                               {"link": IG_POST, "quantity": 200, "usernames": "a.b\nc_d", "hashtags": "#dulich\n#ẩm_thực"}),
    "mentions_hashtag": (307, [("link", IG_POST), ("quantity", "100"), ("hashtag", "#dulich")],
                         {"link": IG_POST, "quantity": 100, "hashtag": "dulich"}),
    "mentions_user_followers": (308, [("link", IG_POST), ("quantity", "100"), ("username", "@someone")],
                                {"link": IG_POST, "quantity": 100, "username": "someone"}),
    "mentions_media_likers": (309, [("link", IG_POST), ("quantity", "100"), ("media", "https://www.instagram.com/p/XyZ/")],
                              {"link": IG_POST, "quantity": 100, "media": "https://www.instagram.com/p/XyZ/"}),
    "comment_likes": (310, [("link", IG_POST), ("quantity", "20"), ("username", "the.author")],
                      {"link": IG_POST, "quantity": 20, "username": "the.author"}),
    "comment_likes_lower_case_type": (405, [("link", "https://www.youtube.com/watch?v=x1"), ("quantity", "50"),
                                            ("username", "@kenh-cua-toi")],
                                      {"link": "https://www.youtube.com/watch?v=x1", "quantity": 50,
                                       "username": "kenh-cua-toi"}),
    "comment_replies": (311, [("link", IG_POST), ("username", "@author"), ("comments", "Cảm ơn bạn!\nChuẩn luôn")],
                        {"link": IG_POST, "username": "author", "comments": "Cảm ơn bạn!\nChuẩn luôn"}),
    "poll": (504, [("link", "https://t.me/kenh/12"), ("quantity", "100"), ("answer_number", "2")],
             {"link": "https://t.me/kenh/12", "quantity": 100, "answer_number": 2}),
    "seo": (802, [("link", "https://shop.example.vn"), ("quantity", "1k"), ("keywords", "giày chạy bộ\nmua giày")],
            {"link": "https://shop.example.vn", "quantity": 1000, "keywords": "giày chạy bộ\nmua giày"}),
    "invites_from_groups": (505, [("link", "https://t.me/nhomcuatoi"), ("quantity", "100"),
                                  ("groups", "https://t.me/nhom1\n@nhom_hai")],
                            {"link": "https://t.me/nhomcuatoi", "quantity": 100, "groups": "https://t.me/nhom1\n@nhom_hai"}),
    "subscriptions": (312, [("username", "https://www.instagram.com/someone/"), ("per_post", "100 - 200"),
                            ("posts", "10"), ("old_posts", SKIP), ("delay", "30"), ("expiry", fmt(TODAY + timedelta(30)))],
                      {"username": "someone", "min": 100, "max": 200, "posts": 10, "delay": 30,
                       "expiry": fmt(TODAY + timedelta(30))}),
    "subscriptions_minimal": (206, [("username", "@kenh.tiktok"), ("per_post", "1k 2k"), ("posts", SKIP),
                                    ("old_posts", "3"), ("delay", "0"), ("expiry", SKIP)],
                              {"username": "kenh.tiktok", "min": 1000, "max": 2000, "old_posts": 3, "delay": 0}),
}  # fmt: skip


def fill(service: Service, answers) -> dict:
    """Answer the form the way a conversation does: ask, answer or skip, until nothing is asked."""
    form = form_for(service)
    values: dict = {}
    for name, text in answers:
        ask = form.next_ask(service, values, today=TODAY)
        assert ask is not None and ask.field.name == name
        result = form.skip(service, values, name) if text is SKIP else form.answer(service, values, name, text, today=TODAY)
        assert not isinstance(result, Problem), (name, result)
        values = result
    assert form.next_ask(service, values, today=TODAY) is None
    return values


@pytest.mark.parametrize("case", sorted(CASES))
def test_good_answers_give_the_exact_add_parameters(case):
    service_id, answers, params = CASES[case]
    service = SERVICES[service_id]
    form = form_for(service)
    values = fill(service, answers)
    assert form.check(service, values, today=TODAY) is None
    assert form.add_params(service, values) == params
    # JSON-safe: what user_data and the intent's snapshot keep reads back the same.
    assert codec.loads(codec.dumps(values)) == values


def test_every_order_type_has_a_form_and_a_case():
    assert set(FORMS) == set(ServiceKind) - {ServiceKind.OTHER}
    covered = {SERVICES[service_id].kind for service_id, _, _ in CASES.values()}
    assert covered == set(FORMS)
    assert form_for(Service(9, "x", "Mentions", "", Decimal(1), 1, 10)) is None  # a type nobody described


@pytest.mark.parametrize("spelling, kind", [
    ("Default", ServiceKind.DEFAULT), ("custom_comments", ServiceKind.CUSTOM_COMMENTS),
    ("Custom Comments Package", ServiceKind.CUSTOM_COMMENTS_PACKAGE),
    ("MENTIONS CUSTOM LIST", ServiceKind.MENTIONS_CUSTOM_LIST), ("Mentions with hashtags", ServiceKind.MENTIONS_WITH_HASHTAGS),
    ("Mentions-Hashtag", ServiceKind.MENTIONS_HASHTAG), ("mentions user followers", ServiceKind.MENTIONS_USER_FOLLOWERS),
    ("Mentions Media Likers ", ServiceKind.MENTIONS_MEDIA_LIKERS), ("Comment likes", ServiceKind.COMMENT_LIKES),
    ("Comments Likes", ServiceKind.COMMENT_LIKES),
    ("Comment Replies", ServiceKind.COMMENT_REPLIES), ("poll", ServiceKind.POLL), ("Seo", ServiceKind.SEO),
    ("Invites From Groups", ServiceKind.INVITES_FROM_GROUPS), ("Subscription", ServiceKind.SUBSCRIPTIONS),
    ("Subscriptions", ServiceKind.SUBSCRIPTIONS), ("Something new", ServiceKind.OTHER),
])  # fmt: skip
def test_types_are_recognised_whatever_the_spelling(spelling, kind):
    assert Service(1, "x", spelling, "", Decimal(1), 1, 10).kind is kind


def at(service_id: int, *answers) -> tuple[Service, dict]:
    """The service and the values after `answers` (all good)."""
    service = SERVICES[service_id]
    return service, fill_partial(service, answers)


def fill_partial(service: Service, answers) -> dict:
    form = form_for(service)
    values: dict = {}
    for name, text in answers:
        values = form.skip(service, values, name) if text is SKIP else form.answer(service, values, name, text, today=TODAY)
        assert not isinstance(values, Problem)
    return values


LINK = ("link", "https://facebook.com/p/1")
IG_LINK = ("link", IG_POST)
Q100 = ("quantity", "100")
TOO_LONG = "x" * 2201

# (service, answers before, field, bad text, problem code, values the message gets)
BAD = [
    (1, [], "link", "not a link!", "not_a_link", {"example": example_link("https://www.facebook.com/{page}/posts/123")}),
    (309, [IG_LINK, Q100], "media", "@someone", "not_a_url", None),
    (1, [LINK], "quantity", "abc", "not_a_number", {"example": 200}),
    (1, [LINK], "quantity", "100", "below_min", {"min": 200, "max": 10000, "step": 1}),
    (1, [LINK], "quantity", "20000", "above_max", {"min": 200, "max": 10000, "step": 1}),
    (203, [("link", "https://www.tiktok.com/@u/video/1")], "quantity", "1050", "not_step", {"step": 100, "example": 1000}),
    (104, [LINK, Q100], "runs", "1", "below_min", {"min": 2, "max": 1000, "step": 1}),
    (104, [LINK, Q100], "runs", "5000", "above_max", None),
    (104, [LINK, Q100], "runs", "hai", "not_a_number", None),
    (104, [LINK, Q100, ("runs", "3")], "interval", "0", "below_min", {"min": 1, "max": 10080, "step": 1}),
    (104, [LINK, Q100, ("runs", "3")], "interval", "99999", "above_max", None),
    (105, [LINK], "comments", " \n \n", "empty_list", None),
    (105, [LINK], "comments", "\n".join(f"c{i}" for i in range(501)), "too_many_lines", {"count": 501, "min": 1, "max": 500}),
    (105, [LINK], "comments", "ok\n" + TOO_LONG, "line_too_long", {"line": 2, "max": 2200}),
    (305, [IG_LINK], "usernames", "@a\n@b\n@c", "too_few_lines", {"count": 3, "min": 10, "max": 5000}),
    (306, [IG_LINK, Q100], "usernames", "@a\n@b\n@A", "duplicate_line", {"line": 3, "text": "@A"}),
    (306, [IG_LINK, Q100], "usernames", "@good\nnot a name", "bad_username", {"line": 2, "text": "not a name"}),
    (306, [IG_LINK, Q100, ("usernames", "@a")], "hashtags", "#ok\n#not ok", "bad_hashtag", {"line": 2, "text": "#not ok"}),
    (505, [("link", "https://t.me/g"), Q100], "groups", "https://t.me/g1\nnhóm của tôi", "bad_group", None),
    (308, [IG_LINK, Q100], "username", "two words", "not_a_username", {"text": "two words"}),
    (308, [IG_LINK, Q100], "username", "https://www.instagram.com/p/AbC123/", "not_a_username", None),
    (307, [IG_LINK, Q100], "hashtag", "#du lich", "not_a_hashtag", None),
    (504, [("link", "https://t.me/k/1"), Q100], "answer_number", "0", "below_min", None),
    (504, [("link", "https://t.me/k/1"), Q100], "answer_number", "101", "above_max", None),
    (504, [("link", "https://t.me/k/1"), Q100], "answer_number", "the second", "not_a_number", None),
    (802, [("link", "https://a.vn"), ("quantity", "1000")], "keywords", "", "empty_list", None),
    (312, [("username", "@x")], "per_post", "100", "not_a_range", {"low": 50, "high": 100}),
    (312, [("username", "@x")], "per_post", "300-200", "min_above_max", {"low": 300, "high": 200}),
    (312, [("username", "@x")], "per_post", "10-200", "below_min", {"min": 50, "max": 10000, "step": 1}),
    (312, [("username", "@x")], "per_post", "100-20000", "above_max", None),
    (312, [("username", "@x"), ("per_post", "50-60")], "posts", "0", "below_min", None),
    (312, [("username", "@x"), ("per_post", "50-60"), ("posts", SKIP), ("old_posts", SKIP)], "delay", "7",
     "not_a_choice", None),
    (312, [("username", "@x"), ("per_post", "50-60"), ("posts", SKIP), ("old_posts", SKIP), ("delay", "5")], "expiry",
     "31/02/2030", "not_a_date", {"example": "09/04/2030"}),
    (312, [("username", "@x"), ("per_post", "50-60"), ("posts", SKIP), ("old_posts", SKIP), ("delay", "5")], "expiry",
     "next month", "not_a_date", None),
    (312, [("username", "@x"), ("per_post", "50-60"), ("posts", SKIP), ("old_posts", SKIP), ("delay", "5")], "expiry",
     "10/03/2030", "past_date", {"date": "10/03/2030", "first": "11/03/2030"}),
    (312, [("username", "@x"), ("per_post", "50-60"), ("posts", SKIP), ("old_posts", SKIP), ("delay", "5")], "expiry",
     "1/1/2029", "past_date", None),
    (312, [("username", "@x"), ("per_post", "50-60"), ("posts", SKIP), ("old_posts", SKIP), ("delay", "5")], "expiry",
     "01/01/2205", "too_far", None),
]  # fmt: skip


@pytest.mark.parametrize("service_id, before, name, text, code, message_values", BAD)
def test_each_bad_answer_gets_its_problem(service_id, before, name, text, code, message_values):
    service, values = at(service_id, *before)
    form = form_for(service)
    assert form.next_field(service, values).name == name
    result = form.answer(service, values, name, text, today=TODAY)
    assert isinstance(result, Problem), result
    assert result.code == code
    if message_values is not None:
        assert dict(result.values) == message_values
    # A refused answer leaves the form where it was: the same question comes again.
    assert form.next_field(service, values).name == name


def test_required_fields_cannot_be_skipped_and_optional_ones_can():
    service = SERVICES[104]
    form = form_for(service)
    assert form.skip(service, {}, "link") == Problem("required")
    values = fill_partial(service, [LINK, Q100])
    ask = form.next_ask(service, values, today=TODAY)
    assert (ask.field.name, ask.skippable) == ("runs", True)
    skipped = form.skip(service, values, "runs")
    assert skipped == {**values, "runs": None}
    assert form.next_ask(service, skipped, today=TODAY) is None  # no interval without runs


def test_dripfeed_is_offered_only_where_the_service_allows_it():
    plain, drip = SERVICES[1], SERVICES[104]
    assert not plain.dripfeed and drip.dripfeed
    assert [f.name for f in form_for(plain).fields_for(plain, {})] == ["link", "quantity"]
    assert [f.name for f in form_for(drip).fields_for(drip, {})] == ["link", "quantity", "runs"]
    # A draft carrying drip-feed answers for a service that no longer allows it sends none.
    values = {"link": "https://facebook.com/p/1", "quantity": 1000, "runs": 3, "interval": 10}
    assert form_for(plain).add_params(plain, values) == {"link": "https://facebook.com/p/1", "quantity": 1000}


def test_dripfeed_card_totals():
    service = SERVICES[104]  # 60 per 1000
    form = form_for(service)
    values = fill(service, CASES["dripfeed"][1])
    plan = form.dripfeed(service, values)
    assert (plan.quantity, plan.runs, plan.interval, plan.total_quantity, plan.last_run_after) == (500, 4, 30, 2000, 90)
    assert form.charge(service, values) == Decimal(120)  # 60 x 500 / 1000 x 4
    assert form.total_quantity(service, values) == 2000
    card = form.card(service, values, "VND", today=TODAY)
    assert card.charge == Decimal(120)
    lines = card.lines(texts("en"))
    assert lines == [
        "Link: https://facebook.com/page/posts/9",
        "Quantity per run: 500",
        "Runs: 4",
        "Interval: 30 min",
        "Total quantity: 2,000",
        "Last run starts: in 1 h 30 min",
        "Total charge: 120 VND",
    ]
    assert card.lines(texts("vi"))[5] == "Lần chạy cuối: 1 giờ 30 phút nữa"


def test_subscription_card_says_what_will_happen_and_the_charge_per_post():
    service = SERVICES[312]  # 8 per 1000
    form = form_for(service)
    values = fill(service, CASES["subscriptions"][1])
    card = form.card(service, values, "USD", today=TODAY)
    assert card.charge is None  # charged per post
    assert form.charge(service, values) is None
    text = "\n".join(card.lines(texts("en")))
    assert "Account: @someone" in text and "Per new post: 100–200" in text
    assert "Each new post of @someone gets 100–200, starting 30 min after it is published." in text
    assert "For the next 10 new posts." in text
    assert f"Ends on {fmt(TODAY + timedelta(30))}." in text
    assert "Charge per post: 0.80 USD to 1.60 USD" in text  # 8 x 100 / 1000 to 8 x 200 / 1000
    assert "At most 16.00 USD in all." in text  # 10 posts x 1.60
    unlimited = fill(SERVICES[206], CASES["subscriptions_minimal"][1])
    text = "\n".join(form.card(SERVICES[206], unlimited, "USD", today=TODAY).lines(texts("vi")))
    assert "ngay khi đăng" in text and "mọi bài mới" in text and "Thêm 3 bài đã đăng gần nhất" in text
    assert "Không có ngày hết hạn" in text and "Tổng tối đa" not in text


def test_subscription_delay_is_offered_as_buttons_of_the_allowed_values():
    service, values = at(312, ("username", "@x"), ("per_post", "50-60"), ("posts", SKIP), ("old_posts", SKIP))
    ask = form_for(service).next_ask(service, values, today=TODAY)
    assert ask.field.name == "delay" and not ask.skippable
    assert tuple(choice.value for choice in ask.choices) == DELAYS
    tx = texts("vi")
    labels = [render_value(choice.label, tx) for choice in ask.choices]
    assert labels[:3] == ["ngay", "5 phút", "10 phút"] and labels[-1] == "10 giờ"
    # A button sends its value back as the answer.
    assert form_for(service).answer(service, values, "delay", str(ask.choices[5].value))["delay"] == 60


def test_quantity_prompt_offers_the_limits_and_a_platform_example():
    service, values = at(2, ("link", "https://www.tiktok.com/@u/video/1"))
    ask = form_for(service).next_ask(service, values, today=TODAY)
    assert [c.value for c in ask.choices] == [10, 1500]
    assert ask.prompt.render(texts("en")) == "🔢 How many? Send a number from <b>10</b> to <b>1,500</b>."
    link_ask = form_for(service).next_ask(service, {}, today=TODAY)
    assert "tiktok.com" in link_ask.example.render(texts("en"))
    assert "t.me" in form_for(SERVICES[505]).next_ask(SERVICES[505], {}, today=TODAY).example.render(texts("vi"))
    stepped = SERVICES[203]
    prompt = form_for(stepped).next_ask(stepped, {"link": "https://t.me/x"}, today=TODAY).prompt.render(texts("vi"))
    assert prompt.endswith("Chỉ nhận bội số của 100.")


def test_card_values_are_shortened_and_escaped():
    service = SERVICES[105]
    form = form_for(service)
    comments = "\n".join(["<b>bold</b> & co"] + [f"bình luận số {i} " + "rất dài " * 10 for i in range(30)])
    values = fill(service, [("link", "https://facebook.com/p/<x>&y"), ("comments", comments)])
    lines = form.card(service, values, "VND", today=TODAY).lines(texts("vi"))
    assert lines[0] == "Link: https://facebook.com/p/&lt;x&gt;&amp;y"
    assert lines[1].startswith("Bình luận: 31 dòng: &lt;b&gt;bold&lt;/b&gt; &amp; co | bình luận số 0")
    assert lines[1].endswith("…") and len(lines[1]) < 250
    assert "<b>" not in "".join(lines)


def test_one_line_is_not_called_lines():
    service = SERVICES[603]
    values = fill(service, [("link", "https://shopee.vn/product/1/2"), ("comments", "great shop")])
    card = form_for(service).card(service, values, "VND", today=TODAY)
    assert "Comments: 1 line: great shop" in card.lines(texts("en"))
    assert "Bình luận: 1 dòng: great shop" in card.lines(texts("vi"))
    values = fill(service, [("link", "https://shopee.vn/product/1/2"), ("comments", "a\nb")])
    assert "Comments: 2 lines: a | b" in form_for(service).card(service, values, "VND", today=TODAY).lines(texts("en"))


def test_check_rereads_stored_values_with_the_same_rules():
    service = SERVICES[312]
    form = form_for(service)
    values = fill(service, CASES["subscriptions"][1])
    assert form.check(service, values, today=TODAY) is None
    later = TODAY + timedelta(days=40)  # the expiry has passed since the card was shown
    assert form.check(service, values, today=later).code == "past_date"
    assert form.check(service, {k: v for k, v in values.items() if k != "delay"}, today=TODAY).code == "missing"
    poll = SERVICES[504]
    assert form_for(poll).check(poll, {"link": "https://t.me/k/1", "quantity": 100}).values == {"field": "answer_number"}
    # Optional questions never answered are simply not sent.
    assert form.check(service, {k: v for k, v in values.items() if k != "old_posts"}, today=TODAY) is None


def test_draft_carries_the_values_and_mirrors_what_every_order_has():
    service = SERVICES[312]
    form = form_for(service)
    values = fill(service, CASES["subscriptions"][1])
    draft = Draft(service_id=service.id, service_name=service.name, service_type=service.type, account_id=1)
    draft.set_values(form, service, values)
    assert (draft.link, draft.quantity, draft.comments) == ("@someone", None, None)
    again = Draft.from_dict(codec.loads(codec.dumps(draft.as_dict())))
    assert again == draft and again.form_values()["per_post"] == [100, 200]
    comments = SERVICES[105]
    draft = Draft(service_id=105, service_name="c", service_type="Custom Comments", account_id=1)
    draft.set_values(form_for(comments), comments, fill(comments, CASES["custom_comments"][1]))
    assert (draft.quantity, draft.comments) == (2, "Hay quá!\nỦng hộ bạn ❤️")
    # A draft of the older flow (link, quantity, comments only) reads as the same answers.
    old = Draft(service_id=105, service_name="c", service_type="Custom Comments", account_id=1,
                link="https://facebook.com/p/3", quantity=2, comments="Hay quá!\nỦng hộ bạn ❤️")
    assert form_for(comments).add_params(comments, old.form_values()) == CASES["custom_comments"][2]
    assert Draft.from_dict({**old.as_dict(), "field_of_a_newer_build": 1}) == old


# --- texts --------------------------------------------------------------------------------------


class Recording(Texts):
    """Texts that remember every key rendered."""

    seen: ClassVar[set] = set()

    def __call__(self, key, **values):
        Recording.seen.add(key)
        return super().__call__(key, **values)


_I18N = Translations.load()


def texts(lang: str) -> Texts:
    return Recording(_I18N, lang)


def render_value(value, tx) -> str:
    return render(value, tx)


def test_every_key_the_forms_name_exists_in_both_languages():
    keys = locale_keys()
    assert len(keys) > 100
    for lang in LANGUAGES:
        missing = sorted(keys - _I18N.keys(lang))
        assert not missing, (lang, missing)
    assert {"status.active", "status.paused", "status.expired"} <= _I18N.keys("en") & _I18N.keys("vi")


def test_everything_a_form_renders_uses_known_keys_within_telegram_limits():
    """Ask every question, refuse every bad answer and render every card in both languages:
    each key rendered is one `locale_keys()` lists (so the catalogue check above covers it)."""
    from tests.fakebot.html import parse_html

    Recording.seen = set()
    for lang in LANGUAGES:
        tx = texts(lang)
        for service_id, answers, _ in CASES.values():
            service = SERVICES[service_id]
            form: OrderForm = form_for(service)
            values: dict = {}
            for name, text in answers:
                ask = form.next_ask(service, values, today=TODAY)
                for part in (ask.prompt, ask.example, ask.progress):
                    parse_html(part.render(tx))
                for choice in ask.choices:
                    assert len(render_value(choice.label, tx)) <= 48
                values = form.skip(service, values, name) if text is SKIP else form.answer(
                    service, values, name, text, today=TODAY)
            card = form.card(service, values, "VND", today=TODAY)
            text = "\n".join(card.lines(tx))
            parse_html(text)
            assert len(text) < 2000
        for service_id, before, name, bad, _, _ in BAD:
            service, values = at(service_id, *before)
            problem = form_for(service).answer(service, values, name, bad, today=TODAY)
            parse_html(problem.msg.render(tx))
    assert Recording.seen <= locale_keys()
    assert {f"form.problem.{c}" for c in ("below_min", "not_a_date", "past_date", "too_many_lines")} <= Recording.seen
