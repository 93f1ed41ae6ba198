"""Several panels per user: adding one, naming, removing and switching; every panel's balance at
once; the low-balance alert.

Adding a panel is the key step of onboarding for any API v2 URL: the URL is checked against the
operator's rules and resolved (bot.panel.urls), the key is checked with one `balance` call to
that URL, and only then stored (encrypted) for exactly that URL. The same variable carries the
URL from the check to the call to storage, so a key is only ever sent to, and kept for, the URL
it was entered for; storage keys accounts by (user, URL) and the client binds one key to one URL.

Refusals that are not the panel's own errors raise `PanelRefused` with a code; its `text_key`
is the locale key that explains it. Panel errors (InvalidKey, PanelUnavailable…) propagate as
they do everywhere else.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from yarl import URL

from bot.core.ordering import parse_quantity
from bot.core.ports import PanelApi, PanelConnector, PanelStore
from bot.core.secrets import is_well_formed_key
from bot.panel import Balance, PanelError, PanelUnavailable, UrlRefused
from bot.panel.parsing import parse_decimal
from bot.storage.models import Account, AccountBalance

log = logging.getLogger(__name__)

MAX_PANELS_PER_USER = 10  # each panel costs requests in every tracker and low-balance round
LABEL_MAX = 32  # a name fits on a button next to the balance
_LABEL_JUNK_RE = re.compile(r"[\x00-\x1f\x7f<>]")
_THOUSANDS_DOTS_RE = re.compile(r"\d{1,3}(?:\.\d{3})+")
_CURRENCY_RE = re.compile(r"(?i)^\s*(?:[$€₫đ]|vn[dđ]|usd)|(?:[$€₫đ]|vn[dđ]|usd)\s*$")


class PanelRefused(Exception):
    """Not done, for a reason the user can fix: `code` (see `text_key`)."""

    def __init__(self, code: str) -> None:
        self.code = code
        super().__init__(f"panel refused: {code}")

    @property
    def text_key(self) -> str:
        """The locale key explaining the refusal."""
        return _TEXT_KEYS.get(self.code, f"panels.refused.{self.code}")


# Codes with a text of their own elsewhere; every other code has "panels.refused.<code>".
_TEXT_KEYS = {"malformed_key": "key.malformed"}


@dataclass(frozen=True, slots=True)
class PanelAdded:
    account: Account  # stored, active
    balance: Balance  # the answer that proved the key


@dataclass(frozen=True, slots=True)
class PanelBalance:
    """One panel's line of "every balance": a fresh answer, or the error and what was known."""

    account: Account
    known: AccountBalance  # stored state; after a fresh answer, that answer
    error: PanelError | None = None

    @property
    def fresh(self) -> bool:
        return self.error is None


def panel_name(account: Account) -> str:
    """What the user calls the panel: the name they gave it, else its host."""
    return account.label or panel_host(account.panel_url)


async def panel_names(db: PanelStore, tg_id: int) -> dict[int, str]:
    """The name of each of the user's panels by account id when they have several (orders and
    notifications then say which panel an order is on); empty with one, whose texts stay as
    they were."""
    accounts = await db.accounts(tg_id)
    return {account.id: panel_name(account) for account in accounts} if len(accounts) > 1 else {}


def panel_host(panel_url: str) -> str:
    try:
        return URL(panel_url).host or panel_url
    except ValueError:
        return panel_url


# --- adding, naming, removing, switching ------------------------------------------------------


async def check_panel_url(panel: PanelConnector, text: str) -> str:
    """The URL step: the normalized URL if the user may add it (PanelRefused otherwise). Asked
    before the key, so that the user is not asked for a key the bot would never send."""
    try:
        return await panel.check_url(text)
    except UrlRefused as refused:
        raise PanelRefused(refused.reason.value) from None


async def add_panel(db: PanelStore, panel: PanelConnector, tg_id: int, url_text: str, key: str,
                    *, label: str | None = None) -> PanelAdded:
    """Check the URL (again: DNS may have changed since the URL step) and the key, then store the
    account, active. The same URL with a new key replaces the key of that panel.

    Raises PanelRefused (URL refused, malformed key, too many panels), InvalidKey or another
    PanelError from the balance call; nothing is stored then. The user must exist (ensure_user).
    """
    if not is_well_formed_key(key):
        raise PanelRefused("malformed_key")
    url = await check_panel_url(panel, url_text)
    others = [account for account in await db.accounts(tg_id) if account.panel_url != url]
    if len(others) >= MAX_PANELS_PER_USER:
        raise PanelRefused("too_many_panels")
    return await save_checked_key(db, panel, tg_id, url, key, label=clean_label(label) if label else None)


async def save_checked_key(db: PanelStore, panel: PanelConnector, tg_id: int, url: str, key: str,
                           *, label: str | None = None) -> PanelAdded:
    """Check `key` with one balance call to `url` (a URL the caller has vetted: the operator's
    own panel, or one add_panel checked), then store it for that URL, active. InvalidKey or
    another PanelError from the call: nothing is stored."""
    balance = await panel.account(url, key).balance()
    account = await db.save_account(tg_id, url, key, balance.currency, label)
    await db.record_balance(tg_id, account.id, balance.amount, balance.currency)
    return PanelAdded(account, balance)


def clean_label(text: str) -> str | None:
    """A panel's name as typed: one line, no markup characters, at most LABEL_MAX characters.
    Empty means no name (the host is shown). Raises PanelRefused("bad_label") if too long."""
    label = " ".join(_LABEL_JUNK_RE.sub(" ", text).split())
    if len(label) > LABEL_MAX:
        raise PanelRefused("bad_label")
    return label or None


async def rename_panel(db: PanelStore, tg_id: int, account_id: int, text: str) -> bool:
    """False if the account is not this user's (or was removed)."""
    return await db.rename_account(tg_id, account_id, clean_label(text))


async def remove_panel(db: PanelStore, tg_id: int, account_id: int) -> bool:
    """Forget the panel's key; its orders stay in the history, no longer tracked. If it was the
    active panel, the newest other one becomes active. False if not this user's."""
    return await db.remove_account(tg_id, account_id)


async def switch_panel(db: PanelStore, tg_id: int, account_id: int) -> bool:
    """Make this panel the active one (catalogue, ordering, /orders…). False if not this user's."""
    return await db.set_active_account(tg_id, account_id)


# --- balances --------------------------------------------------------------------------------


async def all_balances(db: PanelStore, panel: PanelConnector, tg_id: int, *, timeout: float) -> list[PanelBalance]:
    """Every panel's balance, asked concurrently, each within `timeout` seconds: a panel that
    fails or is slow gets its error (and its last known balance) without holding up the others.
    Fresh answers are stored."""
    stored = await db.account_balances(tg_id)
    return list(await asyncio.gather(*(_one_balance(db, panel, account, known, timeout) for account, known in stored)))


async def read_balance(db: PanelStore, api: PanelApi, account: Account) -> Balance:
    """The account's balance now (one call), remembered like every balance read, with the
    currency the panel states. Panel errors propagate (InvalidKey: the key was revoked)."""
    balance = await api.balance()
    await db.record_balance(account.tg_id, account.id, balance.amount, balance.currency)
    return balance


async def balance_if_known(db: PanelStore, api: PanelApi, account: Account) -> tuple[Decimal | None, str | None]:
    """For a card that is useful without it (confirmation, mass preview, an unknown order): the
    balance now and its currency, or None and the currency known when the panel fails."""
    try:
        balance = await read_balance(db, api, account)
    except PanelError as error:
        log.info("balance of account %s not read: %s", account.id, error.code)
        return None, account.currency
    return balance.amount, balance.currency or account.currency


async def _one_balance(db: PanelStore, panel: PanelConnector, account: Account, known: AccountBalance,
                       timeout: float) -> PanelBalance:
    try:
        async with asyncio.timeout(timeout):
            balance = await panel.account(account.panel_url, account.api_key).balance()
    except TimeoutError:
        return PanelBalance(account, known, PanelUnavailable(reason="timeout"))
    except PanelError as error:
        return PanelBalance(account, known, error)
    fresh = await db.record_balance(account.tg_id, account.id, balance.amount, balance.currency)
    return PanelBalance(account, fresh or known)


# --- low-balance alert -----------------------------------------------------------------------


def parse_threshold(text: str) -> Decimal:
    """An amount as people type it (500000, 500.000, 500,000, 500k, 2.5, 0,5; a currency around it
    is ignored). Raises PanelRefused("bad_threshold") unless it is a positive number."""
    raw = _CURRENCY_RE.sub("", text).strip()
    if _THOUSANDS_DOTS_RE.fullmatch(raw):  # "500.000": Vietnamese thousands, not a decimal point
        raw = raw.replace(".", "")
    whole = parse_quantity(raw)  # also "500k", "1 000 000"
    amount = Decimal(whole) if whole is not None else parse_decimal(raw)
    if amount is None or amount <= 0 or amount >= Decimal(10) ** 15:
        raise PanelRefused("bad_threshold")
    return amount


async def set_low_balance(db: PanelStore, tg_id: int, account_id: int, threshold: Decimal | None) -> bool:
    """Alert when the panel's balance falls below `threshold` (None: no alert)."""
    if threshold is not None and (not threshold.is_finite() or threshold <= 0):
        raise PanelRefused("bad_threshold")
    return await db.set_low_balance(tg_id, account_id, threshold)


class LowBalanceStep(StrEnum):
    """What one low-balance check did."""

    NO_ALERT = "no_alert"  # no threshold, or at or above it and nothing to reset
    TOLD = "told"  # fell below: the owner was told
    ALREADY_TOLD = "already_told"  # still below: told before, not again
    NOT_TOLD = "not_told"  # fell below, but telling failed: tried again at the next check
    RECOVERED = "recovered"  # back at or above after an alert: the next fall is told


async def check_low_balance(db: PanelStore, known: AccountBalance, amount: Decimal,
                            tell: Callable[[], Awaitable[bool]]) -> LowBalanceStep:
    """Given a fresh balance of an account whose stored state is `known`: tell the owner once when
    it falls below the threshold (`tell()` returns False when telling failed for a passing
    reason), and again only after it has recovered.

    The told flag is claimed before telling, so two checks at once tell once; it is released if
    telling failed, so the next check tries again.
    """
    threshold = known.threshold
    if threshold is None or amount >= threshold:
        if known.told_low and await db.set_low_balance_told(known.account_id, False):
            return LowBalanceStep.RECOVERED
        return LowBalanceStep.NO_ALERT
    if known.told_low or not await db.set_low_balance_told(known.account_id, True):
        return LowBalanceStep.ALREADY_TOLD
    try:
        told = await tell()
    except Exception:
        await db.set_low_balance_told(known.account_id, False)
        raise
    if told:
        return LowBalanceStep.TOLD
    await db.set_low_balance_told(known.account_id, False)
    return LowBalanceStep.NOT_TOLD

