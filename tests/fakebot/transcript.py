"""A readable transcript of one chat, for people to review (docs/transcripts/).

    recorder = TranscriptRecorder(user, replacements={sim.url: "https://panel.example"})
    recorder.heading("Onboarding")
    await recorder.send("/start")
    await recorder.press("✅ Confirm")
    await recorder.meanwhile("The panel completes the order.", bot.tracker.cycle())
    text = recorder.render()

The driver acts as the user; after each step the recorder reads the fake server's log of Bot
API calls (`FakeBotApi.calls`) for this chat since the step began, so the transcript shows what
the bot really did, in order: messages sent (text as Telegram shows it, bold/italic/code marked
Markdown-style, inline keyboards as `[button] [button]` lines), edits (marked as edits of an
earlier message, by its number in the chat), deletions, and callback answers that show a toast
or an alert. Callback data is never printed (it may hold random tokens); chat actions
("typing…") and silent callback answers are left out as noise.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Iterable, Mapping
from typing import Any

from tests.fakebot.driver import FakeUser, Reply, find_button
from tests.fakebot.html import Entity
from tests.fakebot.model import ApiCall, ChatMessage
from tests.fakebot.text import prepare_text

# The transcript's own words (who did what), in the language of the chat it records.
WORDS: dict[str, dict[str, str]] = {
    "en": {"you": "You", "bot": "Bot", "tap": "tap [{button}] on #{id}", "edits": "✏️ edits #{id}",
           "no_buttons": "(no buttons)", "changes_buttons": "✏️ changes the buttons of #{id}",
           "removes_buttons": "✏️ removes the buttons of #{id}", "deletes_yours": "🗑 deletes your message #{id}",
           "deletes_its": "🗑 deletes its message #{id}", "alert": "alert (a box to close)",
           "toast": "toast (disappears by itself)", "picture": "a picture", "file": "a file, {name}"},
    "vi": {"you": "Bạn", "bot": "Bot", "tap": "bấm [{button}] ở #{id}", "edits": "✏️ sửa #{id}",
           "no_buttons": "(không còn nút)", "changes_buttons": "✏️ đổi các nút của #{id}",
           "removes_buttons": "✏️ gỡ các nút của #{id}", "deletes_yours": "🗑 xoá tin nhắn #{id} của bạn",
           "deletes_its": "🗑 xoá tin nhắn #{id} của bot", "alert": "hộp thông báo (phải bấm đóng)",
           "toast": "thông báo nhanh (tự ẩn)", "picture": "một ảnh", "file": "một tệp, {name}"},
}

# Markdown-style marks for the entities a reader should notice; others are shown plain.
_MARKS = {"bold": "**", "italic": "_", "code": "`", "underline": "__", "strikethrough": "~~", "spoiler": "||"}


class TranscriptRecorder:
    """Drives one FakeUser and writes down every step as Markdown.

    `replacements`: exact strings replaced everywhere in the output (e.g. the simulator's URL
    with its random port); `patterns`: (regex, replacement) pairs applied after them (e.g.
    times of day, which depend on when the test runs).
    """

    def __init__(self, user: FakeUser, *, replacements: Mapping[str, str] | None = None,
                 patterns: Iterable[tuple[str, str]] = (), language: str = "en") -> None:
        self.user = user
        self.words = WORDS[language]
        self.fake = user.fake
        self.replacements = dict(replacements or {})
        self.patterns = [(re.compile(pattern), replacement) for pattern, replacement in patterns]
        self.lines: list[str] = []

    # ---- steps -----------------------------------------------------------------------------------

    def heading(self, title: str, note: str = "") -> None:
        """A section of the transcript (## title), with an optional line of explanation."""
        self.lines += ["", f"## {title}", ""]
        if note:
            self.lines += [f"_{note}_", ""]

    async def send(self, text: str, *, shown: str | None = None, **options: Any) -> Reply:
        """The user sends `text` (written as `shown` when given, e.g. for a secret key)."""
        start = len(self.fake.calls)
        message_id = self.user.chat.next_message_id
        self._user_line(f"#{message_id}", self._clean(shown if shown is not None else text))
        reply = await self.user.send(text, **options)
        self._record_calls(start)
        return reply

    async def press(self, button_text: str, *, message: ChatMessage | None = None, **options: Any) -> Reply:
        """The user taps a button (found as `FakeUser.press` finds it) and the bot answers."""
        target = message if message is not None else self._last_keyboard_message()
        button = find_button(target, button_text)
        start = len(self.fake.calls)
        self._user_line(self.words["tap"].format(button=self._clean(button["text"]), id=target.message_id))
        reply = await self.user.press(button["text"], message=target, **options)
        self._record_calls(start)
        return reply

    async def meanwhile(self, what: str, action: Awaitable[Any]) -> Any:
        """Something happens outside the chat (the panel completes an order, the tracker runs):
        noted in the transcript, then everything the bot did in the chat meanwhile."""
        start = len(self.fake.calls)
        self.lines += [f"_⏱ {what}_", ""]
        result = await action
        self._record_calls(start)
        return result

    def live_buttons(self, title: str, note: str = "") -> None:
        """A closing section: every message still showing buttons (an old one can still be
        tapped, so a reader should see which are left)."""
        self.heading(title, note)
        for message in self.user.messages():
            if message.reply_markup:
                rows = " / ".join("  ".join(f"[{self._clean(text)}]" for text in row) for row in message.button_rows)
                self.lines.append(f"- #{message.message_id}: {rows}")
        self.lines.append("")

    def render(self, title: str, intro: str = "") -> str:
        head = [f"# {title}", ""]
        if intro:
            head += [intro, ""]
        text = "\n".join(head + self.lines).rstrip() + "\n"
        return re.sub(r"\n{3,}", "\n\n", text)

    # ---- reading the call log --------------------------------------------------------------------

    def _record_calls(self, start: int) -> None:
        for call in self.fake.calls[start:]:
            if call.ok and call.chat_id == self.user.chat_id:
                self._record_call(call)

    def _record_call(self, call: ApiCall) -> None:
        params, method, w = call.params, call.method, self.words
        bot = f"**{w['bot']}**"
        if method == "sendMessage":
            body = self._text(params.get("text"), params.get("parse_mode"), params.get("entities"))
            self._bot_block(f"{bot} #{call.result['message_id']}:", body, params.get("reply_markup"))
        elif method in ("sendPhoto", "sendDocument"):
            what = w["picture"] if method == "sendPhoto" else w["file"].format(name=call.result["document"].get("file_name", ""))
            body = self._text(params.get("caption"), params.get("parse_mode"), params.get("caption_entities"))
            self._bot_block(f"{bot} #{call.result['message_id']} ({what}):", body, params.get("reply_markup"))
        elif method == "editMessageText":
            body = self._text(params.get("text"), params.get("parse_mode"), params.get("entities"))
            self._bot_block(f"{bot} {w['edits'].format(id=params['message_id'])}:", body, params.get("reply_markup"),
                            no_keyboard=w["no_buttons"])
        elif method == "editMessageReplyMarkup":
            markup = params.get("reply_markup")
            if _inline_rows(markup):
                self._bot_block(f"{bot} {w['changes_buttons'].format(id=params['message_id'])}:", "", markup)
            else:
                self.lines += [f"{bot} {w['removes_buttons'].format(id=params['message_id'])}", ""]
        elif method == "deleteMessage":
            message = self.user.chat.find(int(params["message_id"]))
            whose = "deletes_yours" if message is not None and not message.is_bot else "deletes_its"
            self.lines += [f"{bot} {w[whose].format(id=params['message_id'])}", ""]
        elif method == "answerCallbackQuery" and params.get("text"):
            kind = w["alert"] if params.get("show_alert") else w["toast"]
            self.lines += [f"{bot} 💬 {kind}: “{self._clean(str(params['text']))}”", ""]

    # ---- rendering -------------------------------------------------------------------------------

    def _user_line(self, what: str, text: str | None = None) -> None:
        you = f"**{self.words['you']}**"
        if text is None:
            self.lines += [f"{you} {what}", ""]
        elif "\n" in text or "`" in text:
            self.lines += [f"{you} {what}:", "", *_fence(text), ""]
        else:
            self.lines += [f"{you} {what}: `{text}`", ""]

    def _bot_block(self, head: str, body: str, markup: Any, no_keyboard: str = "") -> None:
        shown = body.splitlines() if body else []
        rows = _inline_rows(markup)
        if rows:
            if shown:
                shown.append("")
            shown += ["  ".join(f"[{self._clean(button['text'])}]" for button in row) for row in rows]
        elif no_keyboard and body:
            shown += ["", no_keyboard]
        keyboard = _reply_keyboard(markup)
        if keyboard is not None:
            shown += ["", "keyboard under the text box:" if keyboard else "(keyboard under the text box removed)"]
            shown += ["  ".join(f"[{self._clean(text)}]" for text in row) for row in keyboard]
        self.lines += [head, "", *_fence("\n".join(shown)), ""]

    def _text(self, text: Any, parse_mode: Any, entities: Any) -> str:
        if not text:
            return ""
        formatted = prepare_text(str(text), parse_mode, entities, strict_ampersand=self.fake.strict_ampersand)
        return self._clean(_marked(formatted.text, formatted.entities))

    def _clean(self, text: str) -> str:
        for old, new in self.replacements.items():
            text = text.replace(old, new)
        for pattern, replacement in self.patterns:
            text = pattern.sub(replacement, text)
        return text

    def _last_keyboard_message(self) -> ChatMessage:
        for message in reversed(self.user.messages()):
            if message.reply_markup:
                return message
        raise AssertionError("no bot message with an inline keyboard\n" + self.fake.format_transcript(self.user.chat_id))


def _marked(text: str, entities: Iterable[Entity]) -> str:
    """`text` with Markdown-style marks around bold, italic, code…; a link as [text](url) when
    the url differs from the text shown. Nested entities get nested marks."""
    spans: list[tuple[int, int, str, str]] = []  # start, end, opening, closing; in entity order
    for entity in entities:
        mark = _MARKS.get(entity.type)
        if mark:
            spans.append((entity.start, entity.end, mark, mark))
        elif entity.type == "text_link" and entity.url and entity.url != text[entity.start:entity.end]:
            spans.append((entity.start, entity.end, "[", f"]({entity.url})"))
    # Outer spans open first (the longest, then the earlier entity); inner ones close first
    # (opened last: the later start, then the later entity).
    opens = sorted(range(len(spans)), key=lambda i: (spans[i][0], -spans[i][1], i))
    closes = sorted(range(len(spans)), key=lambda i: (spans[i][1], -spans[i][0], -i))
    out: list[str] = []
    for position in range(len(text) + 1):
        out += [spans[i][3] for i in closes if spans[i][1] == position]
        out += [spans[i][2] for i in opens if spans[i][0] == position]
        if position < len(text):
            out.append(text[position])
    return "".join(out)


def _fence(text: str) -> list[str]:
    """A fenced block: the text exactly as shown (line breaks kept, nothing read as Markdown)."""
    fence = "````" if "```" in text else "```"
    return [fence, *text.splitlines(), fence]


def _inline_rows(markup: Any) -> list[list[dict[str, Any]]]:
    if isinstance(markup, dict):
        return list(markup.get("inline_keyboard") or [])
    return []


def _reply_keyboard(markup: Any) -> list[list[str]] | None:
    """Rows of the custom keyboard sent with a message, [] when it removes it, None if neither."""
    if not isinstance(markup, dict):
        return None
    if markup.get("remove_keyboard"):
        return []
    if "keyboard" in markup:
        return [[button if isinstance(button, str) else button.get("text", "") for button in row]
                for row in markup["keyboard"]]
    return None
