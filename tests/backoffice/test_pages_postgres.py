"""The volunteer's and the clerk's committing pages once more on PostgreSQL: receiving with a
resubmit, void, and the day close (its figures are dayclose.day_report's)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from kiosk.app import create_app
from shop import demo, schema
from shop.db import unit_of_work
from shop.households import roster
from shop.models import DayClose, Kiosk, Product, ReceivingDoc, utcnow
from shop.redemptions import dayclose
from shop.redemptions.limits import local_date
from tests.conftest import new_backend

from .conftest import StaffClient, seed_staff
from .test_clerk_pages import _row, sell

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_app(pg_available, tmp_path):
    if not pg_available:
        pytest.skip("PostgreSQL not reachable (required in CI)")
    backend = new_backend("postgres", tmp_path, create=False)
    folder = tmp_path / "instance"
    folder.mkdir()
    app = create_app(
        {
            "INSTANCE_PATH": str(folder),
            "SECRET_KEY": "bo-pg",
            "TESTING": True,
            "PRINTER": "preview",
            "DATABASE_URL": backend.url,
        }
    )
    db = app.extensions["kiosk_db"]
    schema.upgrade(db.engine)
    with unit_of_work(db.writer) as session:
        seeded = demo.seed_demo(session, folder, kiosk_code=app.config["DEVICE"])
        seed_staff(session, seeded["village"])
        roster.reindex_missing(session)
    yield app
    db.engine.dispose()
    backend.dispose()


def test_receiving_void_and_day_close_on_postgresql(pg_app):
    app = pg_app
    assert app.extensions["kiosk_db"].engine.dialect.name == "postgresql"
    volunteer = StaffClient(app)
    assert volunteer.login("volunteer").status_code == 303
    with app.extensions["kiosk_db"].reader() as db:
        soap = db.scalar(select(Product.on_hand).where(Product.sku == "FZ-1"))
    form = {
        "idempotency_key": "pg-delivery-000001",
        "code": ["FZ-1"],
        "qty": ["12"],
        "source_kind": "budget",
        "value_yuan": "60",
    }
    assert volunteer.post("/backoffice/stock/receiving", form).status_code == 303
    assert volunteer.post("/backoffice/stock/receiving", form).status_code == 303
    with app.extensions["kiosk_db"].reader() as db:
        assert db.scalar(select(func.count(ReceivingDoc.id))) == 1
        assert db.scalar(select(Product.on_hand).where(Product.sku == "FZ-1")) == soap + 12

    clerk = StaffClient(app)
    assert clerk.login("clerk").status_code == 303
    first, second = sell(app, {"FZ-1": 2}), sell(app, {"YG-1": 1}, household_index=1)
    _state, balance, _ = _row(app, first)
    clerk.post(f"/backoffice/clerk/receipts/{first}/void", {"reason": "退货"})
    assert _row(app, first)[:2] == ("voided", balance + 10)
    assert _row(app, second)[0] == "completed"

    day = local_date(utcnow())
    with app.extensions["kiosk_db"].reader() as db:
        kiosk = db.scalar(select(Kiosk).where(Kiosk.code == app.config["DEVICE"]))
        expected = dayclose.day_report(db, kiosk, day)
    closed = clerk.post("/backoffice/clerk/dayclose", {"kiosk": kiosk.code, "day": day.isoformat()})
    assert closed.status_code == 303
    page = clerk.get(closed.headers["Location"]).text
    assert f'id="dc-points-net">{expected["points"]["net"]}<' in page
    assert f'id="dc-issued">{expected["receipts"]["issued"]}<' in page
    clerk.post("/backoffice/clerk/dayclose", {"kiosk": kiosk.code, "day": day.isoformat()})
    with app.extensions["kiosk_db"].reader() as db:
        closes = select(func.count(DayClose.id)).where(
            DayClose.kiosk_id == kiosk.id, DayClose.business_date == day
        )
        assert db.scalar(closes) == 1  # the second close of the same day changed nothing


def test_every_report_and_the_dashboard_on_postgresql(pg_app):
    """The reports' grouped queries (months by bounds, the goods walk) on PostgreSQL."""
    from .test_reports_pages import FILES, PAGES, _fill

    app = pg_app
    with app.extensions["kiosk_db"].writer() as db:
        from shop import redemptions
        from shop.models import Household, Village
        from shop.stock import receiving

        village = db.scalar(select(Village))
        kiosk = db.scalar(select(Kiosk).order_by(Kiosk.id))
        receiving.receive_delivery(
            db,
            village,
            [("MJ-1", 5)],
            source_kind="partner",
            source_name="某公司",
            value_yuan=50,
            actor="t",
        )
        home = db.scalar(select(Household).where(Household.balance > 40).order_by(Household.id))
        redemptions.redeem(db, home, {"MJ-1": 1}, kiosk=kiosk, idempotency_key="pg-report-01")
        db.commit()
    supervisor = StaffClient(app)
    assert supervisor.login("supervisor").status_code == 303
    home_page = supervisor.get("/backoffice/")
    assert 'id="dashboard"' in home_page.text
    for path in PAGES:
        assert supervisor.get(_fill(path)).status_code == 200, path
    for path, _kind in FILES:
        assert supervisor.get(_fill(path)).status_code == 200, path
    donor = supervisor.get("/backoffice/reports/donor?name=某公司")
    assert donor.status_code == 200 and 'id="donor-given">50.00<' in donor.text
