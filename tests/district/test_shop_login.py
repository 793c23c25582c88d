"""A shop box's own PostgreSQL login reaches its village and nothing else, whatever SQL it sends
(row-level security, shop/regions/shop_access.py): it cannot read, change, delete or write
another village's households, journal, receipts or stock, nor see the role map; the services
still redeem for its own village through it; the district's (owner's) connection sees all."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError

from shop import households, points, redemptions, regions, schema, scope, stock
from shop.db import make_engine, session_factory, unit_of_work
from shop.models import Household
from shop.regions import shop_access
from tests.conftest import PG_URL, new_backend

pytestmark = pytest.mark.postgres


@pytest.fixture
def district_db(pg_available, tmp_path):
    if not pg_available:
        pytest.skip("PostgreSQL not reachable (required in CI)")
    backend = new_backend("postgres", tmp_path, create=False)
    schema.upgrade(backend.engine)
    role = f"shop_{uuid.uuid4().hex[:10]}"
    with unit_of_work(session_factory(backend.engine)) as s:
        made = {}
        for key in ("a", "b"):
            village = regions.create_village(s, f"R{key.upper()}{uuid.uuid4().hex[:6]}", f"{key}村")
            kiosk = regions.create_kiosk(s, village, f"K{key}{uuid.uuid4().hex[:6]}", "1号机")
            home = households.create_household(s, village, "01-001", f"{key}户主", actor="t")
            points.award_points(s, home, delta=100, actor="t", memo="opening")
            product = stock.create_product(s, village, "P1", f"{key}肥皂", 5, unit="块")
            stock.receive_stock(s, product, 20, actor="t", source="区财政预算")
            redemptions.redeem(
                s, home, {"P1": 1}, kiosk=kiosk, idempotency_key=f"rls-{key}-00001", actor="t"
            )
            made[key] = {"village": village.id, "home": home.id, "kiosk": kiosk.code}
    with backend.engine.begin() as conn:
        shop_access.create_shop_login(conn, made["a"]["village"], role, "a-long-password-1")
    url = backend.url.replace("postgres@", f"{role}:a-long-password-1@", 1)
    assert url != backend.url and PG_URL in backend.url
    shop_engine = make_engine(url)
    yield backend, shop_engine, made
    shop_engine.dispose()
    backend.dispose()
    admin = create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'DROP OWNED BY "{role}"'))
        conn.execute(text(f'DROP ROLE "{role}"'))
    admin.dispose()


def test_a_shop_login_reads_only_its_village(district_db):
    backend, shop, made = district_db
    a, b = made["a"], made["b"]
    with shop.connect() as conn:
        for table in (
            "villages",
            "households",
            "journal",
            "redemptions",
            "products",
            "kiosks",
            "passbooks",
            "ledger_heads",
        ):
            seen = conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
            with backend.engine.connect() as owner:
                column = "id" if table == "villages" else "village_id"
                mine = owner.execute(
                    text(f"SELECT count(*) FROM {table} WHERE {column} = :v"), {"v": a["village"]}
                ).scalar_one()
            assert seen == mine, table
        for table in ("points_entries", "stock_moves", "redemption_lines"):
            names = conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
            assert names >= 1, table
        assert (
            conn.execute(
                text("SELECT count(*) FROM points_entries WHERE household_id = :h"),
                {"h": b["home"]},
            ).scalar_one()
            == 0
        )
        assert (
            conn.execute(
                text("SELECT head_name FROM households WHERE id = :h"), {"h": b["home"]}
            ).first()
            is None
        )
    with shop.connect() as conn, pytest.raises(DBAPIError):
        conn.execute(text("SELECT * FROM shop_roles"))


def test_a_shop_login_changes_and_writes_nothing_of_another_village(district_db):
    backend, shop, made = district_db
    a, b = made["a"], made["b"]
    with backend.engine.connect() as owner:
        b_lines = (
            owner.execute(
                text(
                    "SELECT l.id FROM redemption_lines l"
                    " JOIN redemptions r ON r.id = l.redemption_id WHERE r.village_id = :v"
                ),
                {"v": b["village"]},
            )
            .scalars()
            .all()
        )
        a_journal = owner.execute(
            text("SELECT max(id) FROM journal WHERE village_id = :v"), {"v": a["village"]}
        ).scalar_one()
    assert b_lines
    with shop.begin() as conn:
        assert (
            conn.execute(
                text("UPDATE households SET balance = 0 WHERE id = :h"), {"h": b["home"]}
            ).rowcount
            == 0
        )
        assert (
            conn.execute(
                text("DELETE FROM redemption_lines WHERE id = ANY(:ids)"), {"ids": list(b_lines)}
            ).rowcount
            == 0
        )
    attempts = [
        (
            "INSERT INTO households (village_id, number, head_name, group_name, members,"
            " status, balance, pin_failures, is_pin_locked, created_at)"
            " VALUES (:v, '99-999', 'x', '', 1, 'active', 0, 0, false, now())",
            {"v": b["village"]},
        ),
        (
            "INSERT INTO points_entries (journal_id, household_id, delta, balance_after)"
            " VALUES (:j, :h, 1000, 1095)",
            {"j": a_journal, "h": b["home"]},
        ),
        ("UPDATE households SET village_id = :v", {"v": b["village"]}),
    ]
    for sql, values in attempts:
        with shop.begin() as conn, pytest.raises(DBAPIError) as refused:
            conn.execute(text(sql), values)
        assert "row-level security" in str(refused.value), sql
    with backend.engine.connect() as owner:
        balance = owner.execute(
            text("SELECT balance FROM households WHERE id = :h"), {"h": b["home"]}
        ).scalar_one()
        lines = owner.execute(
            text("SELECT count(*) FROM redemption_lines WHERE id = ANY(:ids)"),
            {"ids": list(b_lines)},
        ).scalar_one()
    assert (balance, lines) == (95, len(b_lines))


def test_the_services_redeem_for_its_own_village_through_the_shop_login(district_db):
    _backend, shop, made = district_db
    a = made["a"]
    with unit_of_work(session_factory(shop)) as s:
        scope.bind(s, scope.Scope.of([a["village"]]))
        home = s.get(Household, a["home"])
        kiosk = regions.get_kiosk(s, a["kiosk"])
        receipt = redemptions.redeem(
            s, home, {"P1": 2}, kiosk=kiosk, idempotency_key="rls-a-00002", actor="t"
        )
        assert receipt.total == 10
    with unit_of_work(session_factory(shop)) as s:
        assert s.get(Household, a["home"]).balance == 85
        assert s.get(Household, made["b"]["home"]) is None


def test_a_shop_login_reads_its_districts_catalogue_and_changes_none_of_it(district_db):
    backend, shop, made = district_db
    from shop.models import Village
    from shop.points import district_catalog

    with unit_of_work(session_factory(backend.engine)) as s:
        own = s.get(Village, made["a"]["village"]).region.district
        far = regions.create_district(s, f"F{uuid.uuid4().hex[:6]}", "上犹县")
        for district, name in ((own, "照顾老人"), (far, "远方项目")):
            cat = district_catalog.add_district_category(s, district, "filial", "积孝", actor="t")
            district_catalog.add_district_rule(s, cat, name, 3, 1, 5, actor="t")
    with shop.connect() as conn:
        names = conn.execute(text("SELECT name FROM district_rules")).scalars().all()
        assert names == ["照顾老人"]
        mine = conn.execute(text("SELECT name FROM rules WHERE district_rule_id IS NOT NULL"))
        assert mine.scalars().all() == ["照顾老人"]
    with shop.begin() as conn:
        assert conn.execute(text("UPDATE district_rules SET points_max = 50")).rowcount == 0
        assert conn.execute(text("DELETE FROM district_rule_categories")).rowcount == 0
    with shop.begin() as conn, pytest.raises(DBAPIError):
        conn.execute(
            text(
                "INSERT INTO district_rule_categories (district_id, code, name, name_en,"
                " sort_order, changed_by, changed_at)"
                " SELECT district_id, 'x', 'x', '', 0, '', now() FROM district_rule_categories"
            )
        )


def test_kiosk_init_gives_the_shop_logins_the_tables_an_upgrade_added(district_db, tmp_path):
    """A migration adds a table; until its policy and grant reach the shop logins, a shop box
    stops at it. `kiosk init` on the district's server gives them to every shop login made."""
    from kiosk.app import create_app
    from kiosk.cli import register

    backend, shop, made = district_db
    role = shop.url.username
    with backend.engine.begin() as conn:  # district_rules as it was before its migration's grant
        conn.execute(text("DROP POLICY shop_village ON district_rules"))
        conn.execute(text(f'REVOKE ALL ON district_rules FROM "{role}"'))
    with shop.connect() as conn, pytest.raises(DBAPIError):
        conn.execute(text("SELECT count(*) FROM district_rules"))
    app = create_app(
        {"INSTANCE_PATH": str(tmp_path / "district"), "DATABASE_URL": backend.url, "TESTING": True}
    )
    register(app)
    result = app.test_cli_runner().invoke(args=["init"])
    assert result.exit_code == 0, result.output
    assert "1 shop logins given the upgraded tables" in result.output
    app.extensions["kiosk_db"].engine.dispose()
    with shop.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM district_rules")).scalar_one() == 0
        b_home = conn.execute(
            text("SELECT count(*) FROM households WHERE id = :h"), {"h": made["b"]["home"]}
        ).scalar_one()
        assert b_home == 0  # still confined to its village
