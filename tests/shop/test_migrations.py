"""The Alembic migrations build exactly the models' schema, and go down and up again."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from shop import schema
from shop.models import Base
from shop.redemptions import dbfunctions

from ..conftest import new_backend


def _diff(engine):
    with engine.connect() as conn:
        ctx = MigrationContext.configure(
            conn, opts={"compare_type": True, "target_metadata": Base.metadata}
        )
        return compare_metadata(ctx, Base.metadata)


def _functions(engine) -> set[str]:
    """The shop's own server functions in the schema the engine works in (PostgreSQL only)."""
    if engine.dialect.name != "postgresql":
        return set()
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT p.proname FROM pg_proc p "
                "WHERE p.pronamespace = current_schema()::regnamespace"
            )
        )
        return {name for (name,) in rows}


def _expected_functions(backend_name: str) -> set[str]:
    return set(dbfunctions.CURRENT) if backend_name == "postgres" else set()


@pytest.mark.postgres
def test_migrations_and_create_all_install_the_same_function_source(pg_available, tmp_path):
    """`kiosk init` (the migrations) and create_all (tests, benchmarks) run the same SQL."""
    if not pg_available:
        pytest.skip("PostgreSQL not reachable")
    migrated = new_backend("postgres", tmp_path, create=False)
    created = new_backend("postgres", tmp_path)
    try:
        schema.upgrade(migrated.engine)
        sources = []
        for backend in (migrated, created):
            with backend.engine.connect() as conn:
                sources.append(
                    conn.execute(
                        text(
                            "SELECT prosrc FROM pg_proc "
                            "WHERE proname = 'shop_redeem' "
                            "AND pronamespace = current_schema()::regnamespace"
                        )
                    ).scalar_one()
                )
        assert sources[0] == sources[1]
        assert "UPDATE households" in sources[0]
    finally:
        migrated.dispose()
        created.dispose()


def test_migrations_match_the_models_and_run_down_and_up(backend_name, tmp_path):
    backend = new_backend(backend_name, tmp_path, create=False)
    try:
        schema.upgrade(backend.engine)
        heads = ScriptDirectory.from_config(schema.alembic_config(backend.engine)).get_heads()
        assert len(heads) == 1, f"migrations must form one line, found heads {heads}"
        assert schema.current_revision(backend.engine) == heads[0]
        assert _diff(backend.engine) == []
        assert _functions(backend.engine) == _expected_functions(backend_name)
        schema.downgrade(backend.engine, "base")
        tables = set(inspect(backend.engine).get_table_names()) - {"alembic_version"}
        assert tables == set()
        assert _functions(backend.engine) == set()
        schema.upgrade(backend.engine)
        assert set(inspect(backend.engine).get_table_names()) >= set(Base.metadata.tables)
    finally:
        backend.dispose()
