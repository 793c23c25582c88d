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


def run_migrations_online() -> None:
    engine = context.config.attributes["engine"]
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            render_as_batch=True,
            render_item=render_item,
            compare_type=compare_type,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


run_migrations_online()
