"""The form of every order type panels sell, as data (parameters: the spec's table of `add`).

Adding a type is adding a description here (and its ServiceKind spelling in bot/panel/models.py).
"""

from __future__ import annotations

from bot.core.forms.form import CardRow, Field, OrderForm, Values, dripfeed_rows
from bot.core.forms.inputs import (
    COMMENT,
    GROUP,
    HASHTAG,
    KEYWORD,
    PROBLEM_CODES,
    USERNAME,
    VALUE_KEYS,
    ChoiceInput,
    DateInput,
    HandleInput,
    HashtagInput,
    LinesInput,
    LinkInput,
    NumberInput,
    QuantityInput,
    RangeInput,
)
from bot.core.forms.platform import LINK_WORD_KEYS, Page
from bot.core.forms.text import Money, Msg, duration
from bot.panel import Service, ServiceKind

__all__ = ["DELAYS", "FORMS", "MAX_INTERVAL", "MAX_RUNS", "NOTE_KEYS", "form_for", "locale_keys"]

MAX_RUNS = 1000
MAX_INTERVAL = 7 * 24 * 60  # a week between runs, in minutes
MAX_ANSWER_NUMBER = 100
MAX_POSTS = 10_000
# A subscription's allowed delays (minutes after a post is published), as panels list them.
DELAYS = (0, 5, 10, 15, 30, 60, 90, 120, 150, 180, 210, 240, 270, 300, 360, 420, 480, 540, 600)


def _link(prompt: str = "form.ask.link", example: Page = "link") -> Field:
    return Field("link", LinkInput(example=example), "link", prompt, "form.example.link", "form.label.link")


LINK = _link()
QUANTITY = Field("quantity", QuantityInput(), "quantity", "form.ask.quantity", "form.example.quantity",
                 "form.label.quantity")
# Drip-feed: offered after the quantity where the service allows it; skipping it orders at once.
RUNS = Field("runs", NumberInput(2, MAX_RUNS), "runs", "form.ask.runs", "form.example.runs", "form.label.runs",
             optional=True, when=lambda service, values: service.dripfeed)
INTERVAL = Field("interval", NumberInput(1, MAX_INTERVAL, minutes=True), "interval", "form.ask.interval",
                 "form.example.interval", "form.label.interval",
                 when=lambda service, values: service.dripfeed and bool(values.get("runs")))
COMMENTS = Field("comments", LinesInput(COMMENT, counted=True), "comments", "form.ask.comments",
                 "form.example.comments", "form.label.comments")
USERNAMES = Field("usernames", LinesInput(USERNAME), "usernames", "form.ask.usernames", "form.example.usernames",
                  "form.label.usernames")
COMMENT_AUTHOR = Field("username", HandleInput(), "username", "form.ask.comment_author", "form.example.username",
                       "form.label.comment_author")
COMMENT_POST = _link("form.ask.link_comment", "post")


def _subscription_notes(form: OrderForm, service: Service, values: Values, currency: str | None,
                        rows: list[CardRow]) -> tuple[list[CardRow], list[Msg]]:
    """What a subscription will do, in words, and what each post costs."""
    per_post = values.get("per_post")
    if not (isinstance(per_post, list) and len(per_post) == 2):
        return rows, []
    low, high = int(per_post[0]), int(per_post[1])
    delay = int(values.get("delay") or 0)
    name = "@" + str(values.get("username") or "")
    notes = [Msg("form.sub.title")]
    if delay:
        notes.append(Msg("form.sub.each_post", {"username": name, "low": low, "high": high, "delay": duration(delay)}))
    else:
        notes.append(Msg("form.sub.each_post_now", {"username": name, "low": low, "high": high}))
    posts, old_posts, expiry = values.get("posts"), values.get("old_posts"), values.get("expiry")
    notes.append(Msg("form.sub.posts", {"count": posts}) if posts else Msg("form.sub.posts_unlimited"))
    if old_posts:
        notes.append(Msg("form.sub.old_posts", {"count": old_posts}))
    notes.append(Msg("form.sub.expiry", {"date": expiry}) if expiry else Msg("form.sub.no_expiry"))
    notes.append(Msg("form.sub.charge_per_post", {
        "low": Money(service.charge_for(low).normalize(), currency),
        "high": Money(service.charge_for(high).normalize(), currency),
    }))
    if posts:
        most = service.charge_for(high * (int(posts) + int(old_posts or 0))).normalize()
        notes.append(Msg("form.sub.charge_at_most", {"total": Money(most, currency)}))
    return rows, notes


NOTE_KEYS = (
    "form.sub.title", "form.sub.each_post", "form.sub.each_post_now", "form.sub.posts", "form.sub.posts_unlimited",
    "form.sub.old_posts", "form.sub.expiry", "form.sub.no_expiry", "form.sub.charge_per_post",
    "form.sub.charge_at_most", "form.card.row", "form.label.charge", "form.label.total_charge",
    "form.label.quantity_per_run", "form.label.total_quantity", "form.label.last_run", "form.value.after",
    "form.value.step_note",
)  # fmt: skip


FORMS: dict[ServiceKind, OrderForm] = {
    form.kind: form
    for form in (
        OrderForm(ServiceKind.DEFAULT, (LINK, QUANTITY, RUNS, INTERVAL), extras=dripfeed_rows),
        OrderForm(ServiceKind.PACKAGE, (LINK,)),
        OrderForm(ServiceKind.CUSTOM_COMMENTS, (LINK, COMMENTS), quantity_from="comments"),
        OrderForm(ServiceKind.CUSTOM_COMMENTS_PACKAGE,
                  (LINK, Field("comments", LinesInput(COMMENT), "comments", "form.ask.comments_package",
                               "form.example.comments", "form.label.comments")),
                  quantity_from="comments"),
        OrderForm(ServiceKind.MENTIONS_CUSTOM_LIST,
                  (LINK, Field("usernames", LinesInput(USERNAME, counted=True), "usernames", "form.ask.mention_list",
                               "form.example.usernames", "form.label.usernames")),
                  quantity_from="usernames"),
        OrderForm(ServiceKind.MENTIONS_WITH_HASHTAGS,
                  (LINK, QUANTITY, USERNAMES,
                   Field("hashtags", LinesInput(HASHTAG), "hashtags", "form.ask.hashtags", "form.example.hashtags",
                         "form.label.hashtags"))),
        OrderForm(ServiceKind.MENTIONS_HASHTAG,
                  (LINK, QUANTITY, Field("hashtag", HashtagInput(), "hashtag", "form.ask.hashtag",
                                         "form.example.hashtag", "form.label.hashtag"))),
        OrderForm(ServiceKind.MENTIONS_USER_FOLLOWERS,
                  (LINK, QUANTITY, Field("username", HandleInput(), "username", "form.ask.followers_of",
                                         "form.example.username", "form.label.followers_of"))),
        OrderForm(ServiceKind.MENTIONS_MEDIA_LIKERS,
                  (LINK, QUANTITY, Field("media", LinkInput(url_only=True, example="post"), "media", "form.ask.media",
                                         "form.example.link", "form.label.media"))),
        OrderForm(ServiceKind.COMMENT_LIKES, (COMMENT_POST, QUANTITY, COMMENT_AUTHOR)),
        OrderForm(ServiceKind.COMMENT_REPLIES, (COMMENT_POST, COMMENT_AUTHOR, COMMENTS), quantity_from="comments"),
        OrderForm(ServiceKind.POLL,
                  (_link("form.ask.link_poll", "post"), QUANTITY,
                   Field("answer_number", NumberInput(1, MAX_ANSWER_NUMBER), "answer_number", "form.ask.answer_number",
                         "form.example.answer_number", "form.label.answer_number"))),
        OrderForm(ServiceKind.SEO,
                  (_link("form.ask.link_website"), QUANTITY,
                   Field("keywords", LinesInput(KEYWORD), "keywords", "form.ask.keywords", "form.example.keywords",
                         "form.label.keywords"))),
        OrderForm(ServiceKind.INVITES_FROM_GROUPS,
                  (_link("form.ask.link_invite", "group"), QUANTITY,
                   Field("groups", LinesInput(GROUP), "groups", "form.ask.groups", "form.example.groups",
                         "form.label.groups"))),
        OrderForm(ServiceKind.SUBSCRIPTIONS,
                  (Field("username", HandleInput(), "username", "form.ask.sub_username", "form.example.sub_username",
                         "form.label.sub_username"),
                   Field("per_post", RangeInput(), ("min", "max"), "form.ask.sub_range", "form.example.sub_range",
                         "form.label.sub_range"),
                   Field("posts", NumberInput(1, MAX_POSTS), "posts", "form.ask.sub_posts", "form.example.sub_posts",
                         "form.label.sub_posts", optional=True),
                   Field("old_posts", NumberInput(1, MAX_POSTS), "old_posts", "form.ask.sub_old_posts",
                         "form.example.sub_old_posts", "form.label.sub_old_posts", optional=True),
                   Field("delay", ChoiceInput(DELAYS), "delay", "form.ask.sub_delay", "form.example.sub_delay",
                         "form.label.sub_delay"),
                   Field("expiry", DateInput(), "expiry", "form.ask.sub_expiry", "form.example.sub_expiry",
                         "form.label.sub_expiry", optional=True)),
                  target="username", extras=_subscription_notes),
    )
}


def form_for(service: Service) -> OrderForm | None:
    """The form of the service's type; None for a type this bot does not know."""
    return FORMS.get(service.kind)


def locale_keys() -> set[str]:
    """Every locale key the forms can show (prompts, examples, labels, problems, values, notes)."""
    found: set[str] = set(NOTE_KEYS) | set(VALUE_KEYS) | {f"form.problem.{code}" for code in PROBLEM_CODES} | LINK_WORD_KEYS
    for form in FORMS.values():
        found |= form.keys()
    return found

