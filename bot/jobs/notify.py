"""Telling users what the tracker found: one message per user per cycle, marked as told only
after Telegram accepted it."""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict

from telegram.error import BadRequest, Forbidden, TelegramError

from bot.handlers import views
from bot.handlers.views import Texts

log = logging.getLogger(__name__)

PAGE = 2000
SEND_CONCURRENCY = 30  # the rate limiter spaces them; this just keeps the pipe full

FINAL_ORDER = {"completed", "partial", "canceled"}
FINAL_REFILL = {"completed", "rejected", "error"}


class Notifier:
    def __init__(self, db, bot, i18n) -> None:
        self._db = db
        self._bot = bot
        self._i18n = i18n

    async def __call__(self, stats) -> None:
        after_order = after_refill = 0
        while True:
            orders = await self._db.untold_orders(limit=PAGE, after_pk=after_order)
            refills = await self._db.untold_refills(limit=PAGE, after_pk=after_refill)
            if not orders and not refills:
                return
            if orders:
                after_order = orders[-1].id
            if refills:
                after_refill = refills[-1].id
            by_user: dict[int, tuple[list, list]] = defaultdict(lambda: ([], []))
            for order in orders:
                by_user[order.tg_id][0].append(order)
            for refill in refills:
                by_user[refill.tg_id][1].append(refill)
            semaphore = asyncio.Semaphore(SEND_CONCURRENCY)

            async def tell(tg_id: int, items: tuple[list, list]) -> int:
                async with semaphore:
                    return await self._tell_user(tg_id, *items)

            sent = await asyncio.gather(*(tell(tg_id, items) for tg_id, items in by_user.items()))
            stats.messages += sum(sent)
            if len(orders) < PAGE and len(refills) < PAGE:
                return

    async def _tell_user(self, tg_id: int, orders: list, refills: list) -> int:
        user = await self._db.get_user(tg_id)
        if user is None:
            return 0
        mode = str(getattr(user.notify, "value", user.notify))
        if mode == "off":
            tell_orders, tell_refills = [], []
        elif mode == "final":
            tell_orders = [o for o in orders if (o.status or "").lower() in FINAL_ORDER]
            tell_refills = [r for r in refills if (r.status or "").lower() in FINAL_REFILL]
        else:
            tell_orders, tell_refills = orders, refills
        sent = 0
        if tell_orders or tell_refills:
            tx = Texts(self._i18n, user.language)
            try:
                for text, keyboard in views.notification(tx, tell_orders, tell_refills):
                    await self._bot.send_message(tg_id, text, reply_markup=keyboard)
                    sent += 1
            except Forbidden:
                log.info("user %s blocked the bot; their orders are no longer checked", tg_id)
                await self._db.set_blocked(tg_id, True)
                return sent
            except BadRequest as error:
                # The chat is gone (deleted account): telling again would fail forever.
                log.warning("cannot notify user %s: %s", tg_id, error)
            except TelegramError as error:
                log.warning("notification to user %s not delivered, will retry next cycle: %s", tg_id, error)
                return sent
        # Everything shown, or silenced by the user's setting, is now told.
        for order in orders:
            await self._db.mark_order_told(order.id, order.status)
        for refill in refills:
            await self._db.mark_refill_told(refill.id, refill.status)
        return sent
