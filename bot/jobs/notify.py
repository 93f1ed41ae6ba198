"""Telling users what the tracker found.

All of a user's untold changes go into one message (split only past Telegram's size limit),
whatever storage page they were read from. Changes the user's setting hides (final only / off)
are marked as told without a message, so switching the setting back does not replay them.

Delivery is at least once. The Bot API has no idempotency key, so a message cannot be both
never lost and never repeated across a crash: a change is marked as told only after Telegram
accepted the message that shows it, and a crash before that mark makes the next cycle send it
again. The window is kept as small as the Bot API allows: the rate limiter's queueing and its
waits after a 429 all happen before the request is sent (python-telegram-bot's AIORateLimiter
holds a request, then sends it and hands the answer straight back), and once send_message
returns, everything that message shows is marked in ONE transaction (one fsync), with nothing
else awaited in between and shielded from cancellation. So a message is repeated only if the
process dies within those milliseconds, or if Telegram accepted it but its answer never arrived
(a time-out or a dropped connection after the request went out).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from telegram.error import BadRequest, Forbidden, TelegramError

from bot.core.panels import panel_name, panel_names
from bot.i18n import Translations
from bot.panel import Balance
from bot.presentation import Texts, notification
from bot.storage import NotifyMode

log = logging.getLogger(__name__)

PAGE = 2000  # untold rows read from storage at a time
MAX_ROWS = 20_000  # untold rows held in memory at once; more users wait for another round
SEND_CONCURRENCY = 30  # the bot's rate limiter spaces the sends; this only keeps the pipe full


@dataclass
class _Changes:
    tg_id: int
    orders: list[Any] = field(default_factory=list)
    refills: list[Any] = field(default_factory=list)


@dataclass
class _Result:
    told: int = 0
    messages: int = 0


class Notifier:
    """`await notifier(stats)` tells everyone their untold changes (stats.told, stats.messages)."""

    def __init__(self, db: Any, bot: Any, i18n: Translations, *, default_language: str = "en",
                 page_size: int = PAGE, max_rows: int = MAX_ROWS) -> None:
        self._db = db
        self._bot = bot
        self._i18n = i18n
        self._default_language = default_language
        # Public so that tests can make pages small instead of storing thousands of rows.
        self.page_size = page_size
        self.max_rows = max_rows

    async def __call__(self, stats: Any) -> None:
        done: set[int] = set()
        while True:
            changes, complete = await self._gather(done)
            if changes:
                semaphore = asyncio.Semaphore(SEND_CONCURRENCY)

                async def tell(change: _Changes, semaphore: asyncio.Semaphore = semaphore) -> _Result:
                    async with semaphore:
                        try:
                            return await self._tell(change)
                        except Exception:
                            # Left untold: the next cycle tries again.
                            log.exception("could not notify user %s", change.tg_id)
                            return _Result()

                for result in await asyncio.gather(*(tell(change) for change in changes.values())):
                    stats.told += result.told
                    stats.messages += result.messages
                # Whatever failed for these users waits for the next cycle, not another round.
                done.update(changes)
            if complete:
                return

    async def _gather(self, done: set[int]) -> tuple[dict[int, _Changes], bool]:
        """Every untold change of the users not in `done`, admitting users while fewer than
        `max_rows` rows are held (a user's rows are always taken together). `complete` is
        False when some users were left for another round."""
        changes: dict[int, _Changes] = {}
        held = 0
        complete = True

        def entry_for(tg_id: int) -> _Changes | None:
            nonlocal held, complete
            if tg_id in done:
                return None
            entry = changes.get(tg_id)
            if entry is None:
                if held >= self.max_rows:
                    complete = False
                    return None
                entry = changes[tg_id] = _Changes(tg_id)
            held += 1
            return entry

        async for order in self._rows(self._db.untold_orders):
            entry = entry_for(order.tg_id)
            if entry is not None:
                entry.orders.append(order)
        async for refill in self._rows(self._db.untold_refills):
            entry = entry_for(refill.tg_id)
            if entry is not None:
                entry.refills.append(refill)
        return changes, complete

    async def _rows(self, query: Callable[..., Awaitable[list[Any]]]) -> AsyncIterator[Any]:
        after = 0
        while True:
            rows = await query(limit=self.page_size, after_pk=after)
            for row in rows:
                yield row
            if len(rows) < self.page_size:
                return
            after = rows[-1].id

    async def _tell(self, change: _Changes) -> _Result:
        result = _Result()
        user = await self._db.get_user(change.tg_id)
        if user is None or user.blocked:
            return result
        mode = NotifyMode(user.notify)
        shown_orders = [o for o in change.orders if _wanted(mode, o)]
        shown_refills = [r for r in change.refills if _wanted(mode, r)]
        await self._mark_told([o for o in change.orders if not _wanted(mode, o)],
                              [r for r in change.refills if not _wanted(mode, r)])
        if not shown_orders and not shown_refills:
            return result

        # Each message comes with exactly the orders and refills it shows: those are marked
        # as told once Telegram took it, and no others.
        panels = await panel_names(self._db, change.tg_id)
        # A refill's notice names its order's service and link.
        refill_orders = {r.id: await self._db.get_order_by_pk(change.tg_id, r.order_id) for r in shown_refills}
        tx = Texts.for_user(self._i18n, user)
        for message in notification(tx, shown_orders, shown_refills, refill_orders=refill_orders, panels=panels):
            try:
                await self._bot.send_message(change.tg_id, message.text, reply_markup=message.keyboard)
            except Forbidden as error:
                # Blocked (or deactivated): storage stops listing their orders until they are back.
                log.info("user %s cannot be messaged (%s); their orders are no longer checked", change.tg_id, error)
                await self._db.set_blocked(change.tg_id, True)
                return result
            except BadRequest as error:
                # Refused for good (the chat is gone, or the text is wrong): sending it again
                # would fail every cycle, so it counts as told.
                log.warning("notification to user %s refused by Telegram (%s); not sent again", change.tg_id, error)
            except TelegramError as error:
                # The rate limiter already waited out 429s: this is a network problem or a
                # Telegram outage. What is not marked as told is sent again next cycle (so if
                # Telegram took it and only its answer was lost, the user gets it twice).
                log.warning("notification to user %s not delivered (%s); will retry next cycle", change.tg_id, error)
                return result
            else:
                result.messages += 1
                result.told += len(message.orders) + len(message.refills)
            # The next thing awaited once Telegram answered (see the module docstring).
            await self._mark_told(message.orders, message.refills)
        return result

    async def _mark_told(self, orders: Sequence[Any], refills: Sequence[Any]) -> None:
        # The status that was read, not the current one: a change racing the message is still due.
        if not orders and not refills:
            return
        # Shielded: a cycle cancelled meanwhile (the bot stopping) still records what Telegram took.
        await asyncio.shield(self._db.mark_told(
            [(o.id, o.status) for o in orders],
            [(r.id, r.status) for r in refills],
        ))

    async def key_rejected(self, account: Any) -> bool:
        """Tell the owner that the panel refuses their key and how to set a new one.

        True when done with (told, or there is nobody to tell); False when Telegram failed
        for a passing reason and it should be tried again."""
        return await self._alert(account.tg_id, "that their key was rejected",
                                 lambda tx: tx("notify.key_rejected", panel=account.panel_url))

    async def low_balance(self, account: Any, balance: Balance, threshold: Decimal) -> bool:
        """Tell the owner that a panel's balance fell below the threshold they set (the
        low-balance watch calls this once per fall). True/False as for key_rejected."""
        currency = balance.currency or account.currency
        return await self._alert(account.tg_id, "about a low balance", lambda tx: tx(
            "notify.low_balance", panel=panel_name(account), balance=tx.money(balance.amount, currency),
            threshold=tx.money(threshold, currency),
        ))

    async def _alert(self, tg_id: int, what: str, text: Callable[[Texts], str]) -> bool:
        user = await self._db.get_user(tg_id)
        if user is not None and user.blocked:
            return True
        tx = Texts.for_user(self._i18n, user) if user is not None else Texts(self._i18n, self._default_language)
        try:
            await self._bot.send_message(tg_id, text(tx))
        except Forbidden:
            await self._db.set_blocked(tg_id, True)
        except BadRequest as error:
            log.warning("could not tell user %s %s: %s", tg_id, what, error)
        except TelegramError as error:
            log.warning("could not tell user %s %s (%s); will retry", tg_id, what, error)
            return False
        return True


def _wanted(mode: NotifyMode, row: Any) -> bool:
    if mode is NotifyMode.OFF:
        return False
    if mode is NotifyMode.FINAL:
        return bool(row.final)
    return True
