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


def _check_names(engine, table: str) -> set[str]:
    return {c["name"] for c in inspect(engine).get_check_constraints(table)}


def test_0007_lets_balances_below_zero_and_its_downgrade_refuses_while_any_is(
    backend_name, tmp_path
):
    """0007 drops the non-negative CHECKs from a database with data in it (on SQLite a table
    rebuild with foreign keys off and checked before the commit); going back down puts them back,
    but refuses while a deduction has left a balance below zero."""
    from shop import points
    from shop.db import session_factory, unit_of_work
    from shop.models import Household

    backend = new_backend(backend_name, tmp_path, create=False)
    try:
        schema.upgrade(backend.engine, "0006")
        assert "ck_households_balance_not_negative" in _check_names(backend.engine, "households")
        # Rows as the older schema holds them (raw SQL: the models may be newer than 0006).
        with backend.engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO villages (code, name, created_at) "
                    "VALUES ('V-MIG', '迁移村', CURRENT_TIMESTAMP)"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO households (village_id, number, head_name, group_name, members,"
                    " status, balance, pin_failures, is_pin_locked, created_at)"
                    " SELECT id, '01-001', '王秀英', '', 1, 'active', 5, 0, FALSE,"
                    " CURRENT_TIMESTAMP FROM villages"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO ledger_heads (village_id, seq, head_hash, prev_hash)"
                    " SELECT id, 0, :genesis, :genesis FROM villages"
                ),
                {"genesis": "0" * 64},
            )
            home_id = conn.execute(text("SELECT id FROM households")).scalar_one()
        schema.upgrade(backend.engine, "0007")
        assert "ck_households_balance_not_negative" not in _check_names(
            backend.engine, "households"
        )
        assert "ck_points_entries_balance_after_not_negative" not in _check_names(
            backend.engine, "points_entries"
        )
        assert "ck_households_pin_failures_not_negative" in _check_names(
            backend.engine, "households"
        )
        with backend.engine.connect() as conn:
            assert conn.execute(text("SELECT balance FROM households")).scalar_one() == 5
            if backend_name == "sqlite":
                assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
                assert conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall() == []
        schema.downgrade(backend.engine, "0006")  # every balance at or above zero: it may
        assert "ck_households_balance_not_negative" in _check_names(backend.engine, "households")
        with pytest.raises(Exception, match="(?i)check"), backend.engine.begin() as conn:
            conn.execute(text("UPDATE households SET balance = -1"))
        schema.upgrade(backend.engine)
        with unit_of_work(session_factory(backend.engine)) as s:
            points.award_points(s, s.get(Household, home_id), delta=-20, actor="t")
        with pytest.raises(RuntimeError, match="below zero"):
            schema.downgrade(backend.engine, "0006")
        assert "ck_households_balance_not_negative" not in _check_names(
            backend.engine, "households"
        )
        with backend.engine.connect() as conn:
            assert conn.execute(text("SELECT balance FROM households")).scalar_one() == -15
    finally:
        backend.dispose()
