"""Forward-only schema migrations, numbered 1..N, tracked in `PRAGMA user_version`.

Never edit a step that has shipped: add a new one. Each step runs in its own transaction
together with the version bump, so a crash leaves the database at a whole version.

Ownership is enforced by the schema itself: orders, refills and intents reference their
account through (account id, Telegram user id), so a row can never point at another user's
account even if a caller passes a guessed id.
"""

from __future__ import annotations

from dataclasses import dataclass

from .connection import Connection, Session
from .errors import SchemaTooNewError


@dataclass(frozen=True)
class Migration:
    version: int
    summary: str
    statements: tuple[str, ...]


_V1_CORE = Migration(
    1,
    "core tables: users, panel accounts, catalogue cache, order intents, orders, refills",
    (
        """CREATE TABLE meta (
            key   TEXT PRIMARY KEY,
            value TEXT NOT NULL
        )""",
        """CREATE TABLE users (
            tg_id      INTEGER PRIMARY KEY,
            language   TEXT    NOT NULL,
            notify     TEXT    NOT NULL DEFAULT 'all' CHECK (notify IN ('all', 'final', 'off')),
            blocked    INTEGER NOT NULL DEFAULT 0 CHECK (blocked IN (0, 1)),
            created_at REAL    NOT NULL
        )""",
        """CREATE TABLE accounts (
            id          INTEGER PRIMARY KEY,
            tg_id       INTEGER NOT NULL REFERENCES users (tg_id) ON DELETE CASCADE,
            panel_url   TEXT    NOT NULL,
            api_key_enc TEXT    NOT NULL,
            currency    TEXT,
            label       TEXT,
            active      INTEGER NOT NULL DEFAULT 0 CHECK (active IN (0, 1)),
            paused      INTEGER NOT NULL DEFAULT 0 CHECK (paused IN (0, 1)),
            created_at  REAL    NOT NULL,
            UNIQUE (tg_id, panel_url),
            UNIQUE (id, tg_id)
        )""",
        "CREATE UNIQUE INDEX accounts_one_active ON accounts (tg_id) WHERE active = 1",
        """CREATE TABLE catalogue_cache (
            account_id INTEGER PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
            payload    TEXT NOT NULL,
            fetched_at REAL NOT NULL
        )""",
        """CREATE TABLE intents (
            tg_id          INTEGER NOT NULL,
            token          TEXT    NOT NULL,
            account_id     INTEGER NOT NULL,
            state          TEXT    NOT NULL
                CHECK (state IN ('submitting', 'placed', 'failed', 'unknown')),
            panel_order_id INTEGER,
            request        TEXT    NOT NULL,
            error_code     TEXT,
            created_at     REAL    NOT NULL,
            updated_at     REAL    NOT NULL,
            PRIMARY KEY (tg_id, token),
            FOREIGN KEY (account_id, tg_id) REFERENCES accounts (id, tg_id) ON DELETE CASCADE
        )""",
        """CREATE TABLE orders (
            id              INTEGER PRIMARY KEY,
            tg_id           INTEGER NOT NULL,
            account_id      INTEGER NOT NULL,
            panel_order_id  INTEGER NOT NULL,
            service_id      INTEGER,
            service_name    TEXT,
            service_type    TEXT,
            link            TEXT,
            quantity        INTEGER,
            expected_charge TEXT,
            currency        TEXT,
            refill_allowed  INTEGER NOT NULL DEFAULT 0 CHECK (refill_allowed IN (0, 1)),
            cancel_allowed  INTEGER NOT NULL DEFAULT 0 CHECK (cancel_allowed IN (0, 1)),
            status          TEXT,
            charge          TEXT,
            start_count     INTEGER,
            remains         INTEGER,
            checked_at      REAL,
            told_status     TEXT,
            final           INTEGER NOT NULL DEFAULT 0 CHECK (final IN (0, 1)),
            created_at      REAL    NOT NULL,
            UNIQUE (account_id, panel_order_id),
            UNIQUE (id, account_id, tg_id),
            FOREIGN KEY (account_id, tg_id) REFERENCES accounts (id, tg_id) ON DELETE CASCADE
        )""",
        """CREATE TABLE refills (
            id          INTEGER PRIMARY KEY,
            tg_id       INTEGER NOT NULL,
            account_id  INTEGER NOT NULL,
            order_id    INTEGER NOT NULL,
            refill_id   INTEGER NOT NULL,
            status      TEXT,
            checked_at  REAL,
            told_status TEXT,
            final       INTEGER NOT NULL DEFAULT 0 CHECK (final IN (0, 1)),
            created_at  REAL    NOT NULL,
            UNIQUE (account_id, refill_id),
            FOREIGN KEY (order_id, account_id, tg_id)
                REFERENCES orders (id, account_id, tg_id) ON DELETE CASCADE
        )""",
    ),
)

_V2_INDEXES = Migration(
    2,
    "indexes for the tracker (open and not-yet-told rows) and for a user's order list",
    (
        # Partial indexes: the tracker only ever walks rows that are not final / not told,
        # so these stay small however many finished orders pile up.
        "CREATE INDEX orders_open ON orders (account_id, id) WHERE final = 0",
        "CREATE INDEX orders_untold ON orders (id) WHERE status IS NOT told_status",
        "CREATE INDEX orders_by_user ON orders (tg_id, id)",
        "CREATE INDEX refills_open ON refills (account_id, id) WHERE final = 0",
        "CREATE INDEX refills_untold ON refills (id) WHERE status IS NOT told_status",
        "CREATE INDEX refills_by_order ON refills (order_id)",
    ),
)

_V3_PERSISTENCE = Migration(
    3,
    "tables for python-telegram-bot persistence (user/chat/bot data, callback data, conversations)",
    (
        "CREATE TABLE ptb_user_data (user_id INTEGER PRIMARY KEY, data TEXT NOT NULL)",
        "CREATE TABLE ptb_chat_data (chat_id INTEGER PRIMARY KEY, data TEXT NOT NULL)",
        "CREATE TABLE ptb_bot_data (id INTEGER PRIMARY KEY CHECK (id = 1), data TEXT NOT NULL)",
        "CREATE TABLE ptb_callback_data (id INTEGER PRIMARY KEY CHECK (id = 1), data TEXT NOT NULL)",
        """CREATE TABLE ptb_conversations (
            name  TEXT NOT NULL,
            key   TEXT NOT NULL,  -- JSON array: the conversation key tuple
            state TEXT NOT NULL,  -- JSON (bot.storage.codec)
            PRIMARY KEY (name, key)
        )""",
    ),
)

_V4_ORDER_REQUESTS = Migration(
    4,
    "refill and cancel requests, claimed before they are sent (at most one live per order and kind)",
    (
        # Keyed by the panel's order id, not orders.id: orders made on the website can be
        # refilled without being tracked. `finished`: an accepted refill reached a final status.
        """CREATE TABLE order_requests (
            id             INTEGER PRIMARY KEY,
            tg_id          INTEGER NOT NULL,
            account_id     INTEGER NOT NULL,
            kind           TEXT    NOT NULL CHECK (kind IN ('refill', 'cancel')),
            panel_order_id INTEGER NOT NULL,
            state          TEXT    NOT NULL CHECK (state IN ('submitting', 'accepted', 'refused', 'unknown')),
            refill_id      INTEGER,
            finished       INTEGER NOT NULL DEFAULT 0 CHECK (finished IN (0, 1)),
            error_code     TEXT,
            created_at     REAL    NOT NULL,
            updated_at     REAL    NOT NULL,
            FOREIGN KEY (account_id, tg_id) REFERENCES accounts (id, tg_id) ON DELETE CASCADE
        )""",
        # The claim rule itself: two live requests for one order and kind cannot both exist,
        # whatever process or coroutine inserts them. Keep in step with claims._LIVE.
        """CREATE UNIQUE INDEX order_requests_live ON order_requests (account_id, kind, panel_order_id)
           WHERE state IN ('submitting', 'unknown') OR (state = 'accepted' AND finished = 0)""",
        "CREATE INDEX order_requests_by_order ON order_requests (account_id, kind, panel_order_id, id)",
    ),
)

# Versions 5-8 are reserved for features being built in parallel in this release (mass orders,
# several panels, order history, operations): each fills in its own step. A step left empty
# only bumps the version.

_V5_MASS_ORDERS = Migration(
    5,
    "mass orders: a batch of lines, each placed once through its own order intent",
    (
        # A batch is checked (preview), then confirmed (running) and placed in the background
        # until it is done or stopped. Counters are kept with the batch so that a progress
        # card needs no count over its lines. `finished_at`: set once, by whoever reports it.
        # `card_message_id`: the chat message showing its progress (edited, even after a restart).
        # AUTOINCREMENT: an id is never reused after a batch is deleted, since its lines' intent
        # tokens (m<batch>-<line>) outlive it.
        """CREATE TABLE mass_batches (
            id           INTEGER PRIMARY KEY AUTOINCREMENT,
            tg_id        INTEGER NOT NULL,
            account_id   INTEGER NOT NULL,
            state        TEXT    NOT NULL CHECK (state IN ('preview', 'running', 'stopped', 'done')),
            stop_reason  TEXT,
            retry_of     INTEGER,
            card_message_id INTEGER,
            currency     TEXT,
            total_charge TEXT,
            lines        INTEGER NOT NULL,
            placed       INTEGER NOT NULL DEFAULT 0,
            refused      INTEGER NOT NULL DEFAULT 0,
            unknown      INTEGER NOT NULL DEFAULT 0,
            stopped      INTEGER NOT NULL DEFAULT 0,
            created_at   REAL    NOT NULL,
            updated_at   REAL    NOT NULL,
            finished_at  REAL,
            UNIQUE (id, tg_id),
            FOREIGN KEY (account_id, tg_id) REFERENCES accounts (id, tg_id) ON DELETE CASCADE
        )""",
        "CREATE INDEX mass_batches_running ON mass_batches (account_id, id) WHERE state = 'running'",
        "CREATE INDEX mass_batches_by_user ON mass_batches (tg_id, id)",
        # One row per valid line; `line_no` is its number in the text the user sent. A line
        # leaves 'pending' only in the transaction that claims its order intent (token
        # m<batch>-<line>), so it is sent at most once; 'sending' is a claimed line whose
        # outcome is not stored yet, settled from its intent after a crash.
        """CREATE TABLE mass_lines (
            batch_id       INTEGER NOT NULL,
            line_no        INTEGER NOT NULL,
            tg_id          INTEGER NOT NULL,
            service_id     INTEGER NOT NULL,
            link           TEXT    NOT NULL,
            quantity       INTEGER,
            charge         TEXT,
            request        TEXT    NOT NULL,
            state          TEXT    NOT NULL
                CHECK (state IN ('pending', 'sending', 'placed', 'refused', 'unknown', 'stopped')),
            panel_order_id INTEGER,
            error_code     TEXT,
            error_text     TEXT,
            updated_at     REAL    NOT NULL,
            PRIMARY KEY (batch_id, line_no),
            FOREIGN KEY (batch_id, tg_id) REFERENCES mass_batches (id, tg_id) ON DELETE CASCADE
        ) WITHOUT ROWID""",
    ),
)

_V6_PANELS = Migration(
    6,
    "several panels per user: removed accounts kept for history, last known balance, low-balance alert",
    (
        # A removed account keeps its row (so its orders stay in the user's history) but loses
        # its key; `paused` is set with it, which every tracker query already filters on.
        "ALTER TABLE accounts ADD COLUMN removed_at REAL",
        # The last balance the panel answered (Decimal text, in accounts.currency) and when.
        "ALTER TABLE accounts ADD COLUMN balance TEXT",
        "ALTER TABLE accounts ADD COLUMN balance_at REAL",
        # Alert below this balance (Decimal text; NULL: no alert). `low_balance_told`: the owner
        # was told it fell below; cleared once it is back at or above, so the next fall is told.
        "ALTER TABLE accounts ADD COLUMN low_balance TEXT",
        "ALTER TABLE accounts ADD COLUMN low_balance_told INTEGER NOT NULL DEFAULT 0 CHECK (low_balance_told IN (0, 1))",
        "CREATE INDEX accounts_low_balance ON accounts (id) WHERE low_balance IS NOT NULL AND removed_at IS NULL",
    ),
)

_V7_ORDER_HISTORY = Migration(
    7,
    "order history: the user's time zone, folded search text of orders, indexes for filters and sums",
    (
        # NULL: the default of the user's language (bot.i18n.user_timezone), so users who never
        # chose one follow their language and nothing needs backfilling.
        "ALTER TABLE users ADD COLUMN timezone TEXT",
        # Service name and link folded (bot.folding.fold) for accent-insensitive search. NULL:
        # not computed yet (rows of older builds, details filled in later); storage/history.py
        # computes it before a search reads it.
        "ALTER TABLE orders ADD COLUMN search_text TEXT",
        "CREATE INDEX orders_unsearchable ON orders (tg_id) WHERE search_text IS NULL",
        # /orders filters: by status (completed, partial, canceled), running ones, by panel.
        "CREATE INDEX orders_by_user_status ON orders (tg_id, status, id)",
        "CREATE INDEX orders_by_user_running ON orders (tg_id, id) WHERE final = 0",
        "CREATE INDEX orders_by_user_account ON orders (tg_id, account_id, id)",
        # The warning before Confirm: a running order for the same link.
        "CREATE INDEX orders_running_link ON orders (tg_id, link) WHERE final = 0",
        # /spending: the orders of the last 30 days.
        "CREATE INDEX orders_by_user_created ON orders (tg_id, created_at)",
    ),
)

_V8_OPERATIONS = Migration(
    8,
    "operations: last seen, announcements setting, broadcasts and their recipients",
    (
        # Written in batches about once a minute (bot/ops/activity.py), never once per update.
        "ALTER TABLE users ADD COLUMN last_seen REAL",
        # Operators' broadcasts reach users who have not turned announcements off in Settings.
        "ALTER TABLE users ADD COLUMN announcements INTEGER NOT NULL DEFAULT 1 CHECK (announcements IN (0, 1))",
        "CREATE INDEX users_last_seen ON users (last_seen) WHERE last_seen IS NOT NULL",
        """CREATE TABLE broadcasts (
            id          INTEGER PRIMARY KEY,
            created_by  INTEGER NOT NULL,
            chat_id     INTEGER NOT NULL,  -- where its progress is shown (the operator's chat)
            message_id  INTEGER,           -- the message showing its progress, once there is one
            text        TEXT    NOT NULL,
            entities    TEXT,              -- JSON list of Bot API MessageEntity, or NULL
            state       TEXT    NOT NULL DEFAULT 'running' CHECK (state IN ('running', 'done', 'cancelled')),
            created_at  REAL    NOT NULL,
            finished_at REAL
        )""",
        # At most one broadcast runs at a time: the pace is shared with everything the bot sends.
        "CREATE UNIQUE INDEX broadcasts_one_running ON broadcasts (state) WHERE state = 'running'",
        # One row per recipient, claimed ('sending') before its message is sent and settled right
        # after: a restart resumes with the 'pending' ones and never sends to a user twice.
        # Cascades: "delete my data" removes a user's rows here too.
        """CREATE TABLE broadcast_recipients (
            broadcast_id INTEGER NOT NULL REFERENCES broadcasts (id) ON DELETE CASCADE,
            tg_id        INTEGER NOT NULL REFERENCES users (tg_id) ON DELETE CASCADE,
            state        TEXT    NOT NULL DEFAULT 'pending' CHECK (state IN (
                'pending', 'sending', 'delivered', 'blocked', 'failed', 'skipped', 'unknown')),
            updated_at   REAL,
            PRIMARY KEY (broadcast_id, tg_id)
        ) WITHOUT ROWID""",
        "CREATE INDEX broadcast_recipients_by_user ON broadcast_recipients (tg_id)",
    ),
)

MIGRATIONS: tuple[Migration, ...] = (
    _V1_CORE,
    _V2_INDEXES,
    _V3_PERSISTENCE,
    _V4_ORDER_REQUESTS,
    _V5_MASS_ORDERS,
    _V6_PANELS,
    _V7_ORDER_HISTORY,
    _V8_OPERATIONS,
)
LATEST_VERSION = MIGRATIONS[-1].version

assert [m.version for m in MIGRATIONS] == list(range(1, len(MIGRATIONS) + 1)), "migrations must be 1..N"


async def _user_version(session: Session) -> int:
    return int(await session.scalar("PRAGMA user_version"))


async def schema_version(conn: Connection) -> int:
    async with conn.reading() as session:
        return await _user_version(session)


async def migrate(conn: Connection, target: int = LATEST_VERSION) -> int:
    """Apply every step above the current version up to `target`; returns the version reached.

    `target` below the latest is for tests that build databases as older builds left them.
    """
    current = await schema_version(conn)
    if current > LATEST_VERSION:
        raise SchemaTooNewError(
            f"the database at {conn.path} has schema version {current}, but this build of the bot "
            f"only knows versions up to {LATEST_VERSION}: run a newer build"
        )
    for migration in MIGRATIONS:
        if migration.version > target:
            break
        async with conn.transaction() as session:
            # Re-read inside the write lock: another process may have migrated meanwhile.
            if await _user_version(session) >= migration.version:
                continue
            for statement in migration.statements:
                await session.execute(statement)
            await session.execute(f"PRAGMA user_version = {migration.version}")
    return await schema_version(conn)
