"""The Alembic migrations build exactly the models' schema, and go down and up again."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from shop import schema
from shop.models import Base

from ..conftest import new_backend


def _diff(engine):
    with engine.connect() as conn:
        ctx = MigrationContext.configure(
            conn, opts={"compare_type": True, "target_metadata": Base.metadata}
        )
        return compare_metadata(ctx, Base.metadata)


def test_migrations_match_the_models_and_run_down_and_up(backend_name, tmp_path):
    backend = new_backend(backend_name, tmp_path, create=False)
    try:
        schema.upgrade(backend.engine)
        heads = ScriptDirectory.from_config(schema.alembic_config(backend.engine)).get_heads()
        assert len(heads) == 1, f"migrations must form one line, found heads {heads}"
        assert schema.current_revision(backend.engine) == heads[0]
        assert _diff(backend.engine) == []
        schema.downgrade(backend.engine, "base")
        tables = set(inspect(backend.engine).get_table_names()) - {"alembic_version"}
        assert tables == set()
        schema.upgrade(backend.engine)
        assert set(inspect(backend.engine).get_table_names()) >= set(Base.metadata.tables)
    finally:
        backend.dispose()
