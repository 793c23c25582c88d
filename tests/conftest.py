"""Shared fixtures: a real SQLite file and a real PostgreSQL server, each test in a rolled-back
transaction (SQLAlchemy's create_savepoint recipe), and `create_*` factories over the services.

PostgreSQL: KIOSK_TEST_PG_URL or postgresql://postgres@127.0.0.1:5432/test. Every test run works
in a schema of its own, so runs never see each other. In CI (CI=true) the server is required.
"""

from __future__ import annotations

import itertools
import os
import uuid
from dataclasses import dataclass

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session

from shop import households, points, regions, stock
from shop.db import make_engine
from shop.models import Base, Rule, RuleCategory

PG_URL = os.environ.get("KIOSK_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _pg_reachable() -> str | None:
    try:
        engine = create_engine(PG_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
        return None
    except Exception as exc:
        return str(exc).splitlines()[0]


@pytest.fixture(scope="session")
def pg_available() -> bool:
    problem = _pg_reachable()
    if problem and IN_CI:
        pytest.fail(f"PostgreSQL is required in CI but not reachable at {PG_URL}: {problem}")
    return problem is None


@dataclass
class Backend:
    """A database for tests: its URL (with the schema baked in for PostgreSQL) and an engine."""

    name: str
    url: str
    engine: Engine
    drop: callable = None

    def dispose(self) -> None:
        self.engine.dispose()
        if self.drop:
            self.drop()


def pg_schema_url(schema: str) -> str:
    sep = "&" if "?" in PG_URL else "?"
    return f"{PG_URL}{sep}options=-csearch_path%3D{schema}"


def new_backend(name: str, tmp_path, *, create: bool = True) -> Backend:
    if name == "sqlite":
        url = f"sqlite:///{tmp_path / f'kiosk-{uuid.uuid4().hex[:8]}.db'}"
        backend = Backend(name, url, make_engine(url))
    else:
        schema = f"t_{uuid.uuid4().hex[:12]}"
        admin = create_engine(PG_URL)
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))

        def drop():
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()

        url = pg_schema_url(schema)
        backend = Backend(name, url, make_engine(url), drop)
    if create:
        Base.metadata.create_all(backend.engine)
    return backend


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend_name(request, pg_available) -> str:
    if request.param == "postgres" and not pg_available:
        pytest.skip("PostgreSQL not reachable (required in CI)")
    return request.param


@pytest.fixture(scope="session")
def _shared_backends(tmp_path_factory):
    made: dict[str, Backend] = {}

    def get(name: str) -> Backend:
        if name not in made:
            made[name] = new_backend(name, tmp_path_factory.mktemp(name))
        return made[name]

    yield get
    for backend in made.values():
        backend.dispose()


@pytest.fixture
def backend(backend_name, _shared_backends) -> Backend:
    """A database shared by the test session; use with `session` for rollback isolation."""
    return _shared_backends(backend_name)


@pytest.fixture
def fresh_backend(backend_name, tmp_path):
    """A database of this test's own, for tests where other processes must see commits."""
    made = new_backend(backend_name, tmp_path)
    yield made
    made.dispose()


@pytest.fixture
def session(backend):
    """A session whose commits are savepoints inside one transaction rolled back at the end."""
    connection = backend.engine.connect()
    outer = connection.begin()
    db = Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
    yield db
    db.close()
    outer.rollback()
    connection.close()


_counter = itertools.count(1)


@pytest.fixture
def create_village(session):
    def make(name: str = "测试村"):
        n = next(_counter)
        village = regions.create_village(session, f"V{uuid.uuid4().hex[:8]}", f"{name}{n}")
        return village

    return make


@pytest.fixture
def village(create_village):
    return create_village()


@pytest.fixture
def kiosk(session, village):
    return regions.create_kiosk(session, village, f"K{uuid.uuid4().hex[:6]}", "测试机")


@pytest.fixture
def create_household(session, village):
    def make(balance: int = 0, *, status: str = "active", target=None, name: str = "张三"):
        target_village = target or village
        number = f"{next(_counter):05d}"
        household = households.create_household(
            session, target_village, number, name, group_name="第一村民小组", actor="test"
        )
        if balance:
            points.award_points(session, household, delta=balance, actor="test", memo="opening")
        if status != "active":
            households.set_household_status(session, household, status, actor="test")
        session.refresh(household)
        return household

    return make


@pytest.fixture
def create_product(session, village):
    def make(points_price: int = 7, on_hand: int = 100, *, sku: str | None = None, target=None):
        target_village = target or village
        product = stock.create_product(
            session,
            target_village,
            sku or f"SKU{next(_counter)}",
            "洗衣液",
            points_price,
            unit="瓶",
        )
        if on_hand:
            stock.receive_stock(session, product, on_hand, actor="test", source="区财政预算")
        session.refresh(product)
        return product

    return make


@pytest.fixture
def create_rule(session, village):
    def make(points_value: int = 10, name: str = "庭院整洁"):
        category = RuleCategory(village_id=village.id, code=f"c{next(_counter)}", name="积美")
        session.add(category)
        session.flush()
        rule = Rule(category_id=category.id, name=name, points=points_value)
        session.add(rule)
        session.flush()
        return rule

    return make


@pytest.fixture(scope="session")
def browser():
    """Debian's chromium driven by Playwright, one for the whole run (two sync Playwright
    instances cannot be open at once)."""
    from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS

    if not os.path.exists(CHROMIUM):
        if IN_CI:
            pytest.fail(f"chromium is required in CI but not installed at {CHROMIUM}")
        pytest.skip(f"chromium not installed at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
