"""Engines and sessions with the ledger's database guarantees.

SQLite: WAL, synchronous=FULL, foreign_keys=ON, and every transaction opened with
BEGIN IMMEDIATE (SQLAlchemy's pysqlite recipe), so two writers never both read a balance and
then both write it. Read-only work uses `read_engine(engine)`, which opens a plain deferred
BEGIN so lookups never wait for the write lock. PostgreSQL: READ COMMITTED, which is correct
because every debit is a guarded UPDATE whose row count is checked.
"""

from __future__ import annotations

import contextlib
import os
import select
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from typing import TypeVar

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, DisconnectionError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from shop.errors import DomainError

SQLITE_BUSY_TIMEOUT_S = 30
# A long import (roster, opening balances, awards) runs as short transactions with a pause
# between them, so a kiosk's confirm waits for one batch at most (finding 12: one 12,000-row
# transaction held SQLite's write lock for 49 s). The pause is longer than SQLite's longest
# busy-wait sleep (100 ms), so a confirm that is waiting always sees the lock free once.
IMPORT_BATCH_S = 0.2
IMPORT_PAUSE_S = 0.12
IMPORT_FIRST_BATCH = 50
IMPORT_MAX_BATCH = 2_000
T = TypeVar("T")
R = TypeVar("R")


def make_engine(url: str, **kwargs) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        _private_file(parsed.database)
        engine = create_engine(
            url,
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S, "check_same_thread": False},
            **kwargs,
        )
        _harden_sqlite(engine)
        return engine
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        url = parsed.set(drivername="postgresql+psycopg")
    engine = create_engine(url, **kwargs)
    _drop_dead_connections(engine)
    return engine


def _private_file(path: str | None) -> None:
    """The shop's database is readable by its owner only (0600): households, balances, hashes.
    SQLite makes its -wal and -shm files with the database file's permissions."""
    if not path or path == ":memory:" or path.startswith("file:"):
        return
    with contextlib.suppress(OSError):
        if not os.path.exists(path):
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        elif os.stat(path).st_mode & 0o077:
            os.chmod(path, 0o600)


def _drop_dead_connections(engine: Engine) -> None:
    """Never hand out a connection the server has closed (a restart, an idle timeout, a kill).

    The server says goodbye before it closes a connection, so a dead idle connection has
    something to read; a live idle one has nothing. Checking the socket costs no round trip,
    where SQLAlchemy's pre-ping would add one (a SELECT 1) to every unit of work."""

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection, _record, _proxy):
        if dbapi_connection.closed or _has_input(dbapi_connection.fileno()):
            # The pool throws this connection away and checks out a fresh one.
            raise DisconnectionError("the server closed this connection")


def _has_input(fd: int) -> bool:
    readable, _, _ = select.select([fd], [], [], 0)
    return bool(readable)


def _harden_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Let SQLAlchemy's "begin" event emit BEGIN itself (pysqlite would defer it).
        dbapi_connection.isolation_level = None
        cur = dbapi_connection.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        if conn.get_execution_options().get("kiosk_readonly"):
            conn.exec_driver_sql("BEGIN")
        else:
            conn.exec_driver_sql("BEGIN IMMEDIATE")


def read_engine(engine: Engine) -> Engine:
    """The same pool, but transactions that only read (no write lock on SQLite)."""
    return engine.execution_options(kiosk_readonly=True)


def is_sqlite(engine_or_session) -> bool:
    bind = (
        engine_or_session.get_bind()
        if isinstance(engine_or_session, Session)
        else engine_or_session
    )
    return bind.dialect.name == "sqlite"


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def is_connection_error(exc: BaseException) -> bool:
    """True when the database could not be reached (not when a statement was refused)."""
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    if isinstance(exc, OperationalError):
        text = str(exc.orig).lower()
        return any(
            s in text
            for s in (
                "connection",
                "could not connect",
                "server closed",
                "unable to open",
                "terminating",
            )
        )
    return False


STORAGE_ERRORS = (
    "database or disk is full",  # SQLite, a full disk
    "readonly database",  # SQLite, a read-only file or folder
    "disk i/o error",
    "no space left on device",  # PostgreSQL
    "read-only transaction",  # PostgreSQL, a standby or default_transaction_read_only
)


def is_storage_error(exc: BaseException) -> bool:
    """True when the database could not write for want of disk (not when a value was refused)."""
    if isinstance(exc, (OperationalError, DBAPIError)):
        text = str(getattr(exc, "orig", exc)).lower()
        return any(s in text for s in STORAGE_ERRORS)
    return False


def apply_in_batches(
    open_unit: Callable[[], AbstractContextManager[Session]],
    items: Sequence[T],
    apply: Callable[[Session, Sequence[T]], R],
    *,
    batch_s: float = IMPORT_BATCH_S,
    pause_s: float = IMPORT_PAUSE_S,
) -> list[R]:
    """`apply` over `items` in consecutive batches, each its own unit of work (`open_unit`,
    e.g. the web's `writing` or `lambda: unit_of_work(writer)`), sized from the last batch's
    pace to take about `batch_s`, with `pause_s` between them for the shop's sales.

    Each batch commits: a failure leaves the earlier batches in, so an import applied this way
    must be safe to run again (rows already in are skipped), and the caller checks the whole
    file before the first batch. Returns what `apply` returned for each batch."""
    done: list[R] = []
    size, start = IMPORT_FIRST_BATCH, 0
    while start < len(items):
        batch = items[start : start + size]
        began = time.monotonic()
        with open_unit() as session:
            done.append(apply(session, batch))
        took = max(time.monotonic() - began, 1e-6)
        start += len(batch)
        size = max(1, min(IMPORT_MAX_BATCH, int(len(batch) * batch_s / took)))
        if start < len(items) and pause_s:
            time.sleep(pause_s)
    return done


@contextlib.contextmanager
def unit_of_work(factory: sessionmaker[Session], scope=None) -> Iterator[Session]:
    """The edge's transaction: commit on success, roll back on any error.

    `scope` (a shop.scope.Scope) confines every statement of the unit to the caller's villages.

    A lost database connection becomes DomainError('database_unavailable') so every screen and
    API can show the same plain message; nothing half-written survives the rollback.
    """
    session = factory()
    if scope is not None:
        from shop.scope import bind

        bind(session, scope)
    try:
        yield session
        session.commit()
    except DomainError:
        session.rollback()
        raise
    except (OperationalError, DBAPIError) as exc:
        with contextlib.suppress(Exception):
            session.rollback()
        if is_connection_error(exc):
            raise DomainError("database_unavailable", str(exc.orig)) from exc
        if is_storage_error(exc):
            raise DomainError("storage_unavailable", str(exc.orig)) from exc
        if "database is locked" in str(exc.orig).lower():  # SQLite's wait ran out (finding 12)
            raise DomainError("database_busy", str(exc.orig)) from exc
        raise
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
