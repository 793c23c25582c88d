"""Alembic environment: the engine comes from the caller (shop.schema), never from a file."""

from alembic import context
from sqlalchemy import DateTime

from shop.models import Base, UTCDateTime


def render_item(type_, obj, autogen_context):
    # Migrations hold plain types; UTCDateTime is DateTime(timezone=True) on disk.
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def compare_type(context, inspected_column, metadata_column, inspected_type, metadata_type):
    if isinstance(metadata_type, UTCDateTime):
        return not isinstance(inspected_type, DateTime)
    return None


def _sqlite_pragma(connection, pragma: str) -> None:
    """A PRAGMA on the driver's connection, outside any transaction: SQLite ignores
    `foreign_keys` inside one. The engine runs sqlite3 in autocommit mode (shop.db), so this
    opens none."""
    connection.connection.driver_connection.execute(f"PRAGMA {pragma}")


def _check_foreign_keys(connection) -> None:
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        raise RuntimeError(f"the migration broke foreign keys: {broken[:5]}")


def run_migrations_online() -> None:
    engine = context.config.attributes["engine"]
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # Batch mode rebuilds a table (copy, drop, rename); with foreign keys on, dropping a
            # table that others refer to would fail or cascade. Off for the migration, checked
            # before the commit, on again for whoever gets this pooled connection next.
            connection.rollback()
            _sqlite_pragma(connection, "foreign_keys=OFF")
        try:
            context.configure(
                connection=connection,
                target_metadata=Base.metadata,
                render_as_batch=True,
                render_item=render_item,
                compare_type=compare_type,
            )
            with context.begin_transaction():
                context.run_migrations()
                if sqlite:
                    _check_foreign_keys(connection)
            connection.commit()
        finally:
            if sqlite:
                connection.rollback()
                _sqlite_pragma(connection, "foreign_keys=ON")


run_migrations_online()
