"""Functions the shop keeps inside PostgreSQL (SQLite has none: it runs the same steps in Python).

Each function is a versioned file in shop/redemptions/sql/ (``redeem_v1.sql``): a change is a
new file and a migration that installs it, so older migrations keep installing what they always
did. The newest versions are installed by ``Base.metadata.create_all`` (tests, benchmarks) and by
the migrations (``kiosk init``).
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Connection

SQL_DIR = Path(__file__).resolve().parent / "sql"

# function name -> the file of its current version
CURRENT = {"shop_redeem": "redeem_v2.sql"}


def source(filename: str) -> str:
    return (SQL_DIR / filename).read_text(encoding="utf-8")


def _run(connection: Connection, sql: str) -> None:
    # The DBAPI cursor, without parameters: the function bodies hold '%' and ':' that a driver
    # or SQLAlchemy's text() would take for placeholders.
    cursor = connection.connection.cursor()
    try:
        cursor.execute(sql)
    finally:
        cursor.close()


def install(connection: Connection, filename: str | None = None) -> None:
    """Create or replace one function version (default: every current one). PostgreSQL only."""
    if connection.dialect.name != "postgresql":
        return
    for name in [filename] if filename else CURRENT.values():
        _run(connection, source(name))


def drop(connection: Connection, name: str | None = None) -> None:
    if connection.dialect.name != "postgresql":
        return
    for function in [name] if name else CURRENT:
        _run(connection, f"DROP FUNCTION IF EXISTS {function}")
