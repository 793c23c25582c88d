"""Migration 0003 builds exactly the stock tables of shop/models_stock.py, and goes down again.

(tests/shop/test_migrations.py checks the whole line of migrations once it has one head.)"""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from shop import schema
from shop.models import Base

from ..conftest import new_backend

INDEXED = {"redemptions", "print_jobs"}  # 0003 adds a day-close index to each
STOCK_TABLES = {
    "receiving_docs",
    "receiving_lines",
    "stocktakes",
    "stocktake_lines",
    "redemption_windows",
    "product_limits",
    "household_limit_usage",
    "limit_charges",
    "void_bookings",
    "day_closes",
}


def _stock_diff(engine):
    def include(obj, name, type_, reflected, compare_to):
        table = name if type_ == "table" else getattr(getattr(obj, "table", None), "name", None)
        if type_ == "unique_constraint" and "idempotency_key" in obj.columns:
            return False  # made per village by 0014 (tests/shop/test_migrations.py checks it)
        return table in STOCK_TABLES | INDEXED

    with engine.connect() as conn:
        ctx = MigrationContext.configure(
            conn,
            opts={
                "compare_type": True,
                "target_metadata": Base.metadata,
                "include_object": include,
            },
        )
        return compare_metadata(ctx, Base.metadata)


def test_migration_0003_matches_the_stock_models_and_runs_down_and_up(backend_name, tmp_path):
    backend = new_backend(backend_name, tmp_path, create=False)
    try:
        schema.upgrade(backend.engine, "0003")
        assert set(inspect(backend.engine).get_table_names()) >= STOCK_TABLES
        assert _stock_diff(backend.engine) == []
        schema.downgrade(backend.engine, "0001")
        assert not STOCK_TABLES & set(inspect(backend.engine).get_table_names())
        indexes = {i["name"] for i in inspect(backend.engine).get_indexes("redemptions")}
        assert "ix_redemptions_kiosk_id_created_at" not in indexes
        schema.upgrade(backend.engine, "0003")
        assert _stock_diff(backend.engine) == []
    finally:
        backend.dispose()
