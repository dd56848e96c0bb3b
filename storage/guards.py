"""Database-level guards that keep ledger transfers and entries append-only.

Why: the application never updates or deletes a posted movement, and the database should refuse
it too, whoever connects (hordak enforces its leg invariants with triggers the same way). Accounts
are *not* guarded: their balance and chain head change by design (and a CHECK keeps balances of
non-negative accounts ≥ 0). The Alembic migration runs ``POSTGRES_GUARDS`` / ``SQLITE_GUARDS`` (or
``apply_guards``) after creating the tables, and ``drop_guards`` on downgrade.

On PostgreSQL there are also deferred constraint triggers, checked at COMMIT: every transfer has
exactly two entries, on its source (−points) and destination (+points). SQLite has no deferred
triggers; there ``ledger.verify`` is the check.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import text

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

APPEND_ONLY_TABLES = ("ledger_transfers", "ledger_entries")
"""Tables whose rows are never updated or deleted."""

POSTGRES_GUARDS: list[str] = [
    """
    CREATE OR REPLACE FUNCTION ledger_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'ledger: % on % refused (append-only; post a reversing transfer instead)',
            TG_OP, TG_TABLE_NAME USING ERRCODE = 'raise_exception';
    END
    $$
    """,
    """
    CREATE OR REPLACE FUNCTION ledger_assert_transfer(tid bigint) RETURNS void LANGUAGE plpgsql AS $$
    DECLARE
        t ledger_transfers%ROWTYPE;
        n bigint;
        ok_src bigint;
        ok_dst bigint;
    BEGIN
        SELECT * INTO t FROM ledger_transfers WHERE id = tid;
        SELECT count(*),
               count(*) FILTER (WHERE account_id = t.source_account_id AND amount = -t.points),
               count(*) FILTER (WHERE account_id = t.dest_account_id AND amount = t.points)
          INTO n, ok_src, ok_dst
          FROM ledger_entries WHERE transfer_id = tid;
        IF n <> 2 OR ok_src <> 1 OR ok_dst <> 1 THEN
            RAISE EXCEPTION 'ledger: transfer % must have one -% entry on account % and one +% entry '
                'on account % (it has % entries)', tid, t.points, t.source_account_id, t.points,
                t.dest_account_id, n USING ERRCODE = 'check_violation';
        END IF;
    END
    $$
    """,
    """
    CREATE OR REPLACE FUNCTION ledger_check_transfer() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM ledger_assert_transfer(NEW.id);
        RETURN NULL;
    END
    $$
    """,
    """
    CREATE OR REPLACE FUNCTION ledger_check_entry() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM ledger_assert_transfer(NEW.transfer_id);
        RETURN NULL;
    END
    $$
    """,
]
_CHECKS = {"ledger_transfers": "ledger_check_transfer", "ledger_entries": "ledger_check_entry"}
for _table in APPEND_ONLY_TABLES:
    POSTGRES_GUARDS += [
        f"DROP TRIGGER IF EXISTS {_table}_append_only ON {_table}",
        f"CREATE TRIGGER {_table}_append_only BEFORE UPDATE OR DELETE ON {_table} "
        f"FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change()",
        f"DROP TRIGGER IF EXISTS {_table}_no_truncate ON {_table}",
        f"CREATE TRIGGER {_table}_no_truncate BEFORE TRUNCATE ON {_table} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change()",
        f"DROP TRIGGER IF EXISTS {_table}_balanced ON {_table}",
        f"CREATE CONSTRAINT TRIGGER {_table}_balanced AFTER INSERT ON {_table} "
        f"DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION {_CHECKS[_table]}()",
    ]
"""DDL, one statement per item, safe to run again (functions replaced, triggers recreated)."""

POSTGRES_DROP_GUARDS: list[str] = [
    stmt
    for _table in APPEND_ONLY_TABLES
    for stmt in (
        f"DROP TRIGGER IF EXISTS {_table}_append_only ON {_table}",
        f"DROP TRIGGER IF EXISTS {_table}_no_truncate ON {_table}",
        f"DROP TRIGGER IF EXISTS {_table}_balanced ON {_table}",
    )
] + [
    "DROP FUNCTION IF EXISTS ledger_refuse_change()",
    "DROP FUNCTION IF EXISTS ledger_check_transfer()",
    "DROP FUNCTION IF EXISTS ledger_check_entry()",
    "DROP FUNCTION IF EXISTS ledger_assert_transfer(bigint)",
]
"""DDL that removes ``POSTGRES_GUARDS`` (migration downgrade; tests that tamper on purpose)."""

SQLITE_GUARDS: list[str] = [
    f"CREATE TRIGGER IF NOT EXISTS {_table}_no_{op.lower()} BEFORE {op} ON {_table} "
    f"BEGIN SELECT RAISE(ABORT, 'ledger: {op} on {_table} refused (append-only)'); END"
    for _table in APPEND_ONLY_TABLES
    for op in ("UPDATE", "DELETE")
]
"""SQLite triggers refusing UPDATE and DELETE of transfers and entries."""

SQLITE_DROP_GUARDS: list[str] = [
    f"DROP TRIGGER IF EXISTS {_table}_no_{op.lower()}"
    for _table in APPEND_ONLY_TABLES
    for op in ("UPDATE", "DELETE")
]
"""DDL that removes ``SQLITE_GUARDS``."""


def _pick(connection: Connection, postgres: list[str], sqlite: list[str]) -> list[str]:
    name = connection.dialect.name
    if name == "postgresql":
        return postgres
    if name == "sqlite":
        return sqlite
    raise NotImplementedError(f"No ledger guards for dialect {name!r}")


def apply_guards(connection: Connection) -> None:
    """Install the append-only guards for this connection's dialect (idempotent).

    Runs inside the caller's transaction (``with engine.begin() as conn`` or Alembic's ``op.get_bind()``).
    """
    for stmt in _pick(connection, POSTGRES_GUARDS, SQLITE_GUARDS):
        connection.execute(text(stmt))


def drop_guards(connection: Connection) -> None:
    """Remove the guards installed by ``apply_guards`` (idempotent)."""
    for stmt in _pick(connection, POSTGRES_DROP_GUARDS, SQLITE_DROP_GUARDS):
        connection.execute(text(stmt))
