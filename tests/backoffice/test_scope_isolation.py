"""Village A's staff and API tokens read and change nothing of village B, by id in URLs, forms and
JSON, on SQLite and PostgreSQL (issue: security, finding 1; the district issue's isolation).

The app runs on a database with two villages. Every page, export and API call below is tried by A's
admin (who may use every page) with B's ids; each must answer 404 (or show nothing of B) and B's
rows must be exactly as before: a fingerprint of every table B owns is compared at the end.
"""

from __future__ import annotations

import io

import pytest
from PIL import Image
from sqlalchemy import select

from kiosk.app import create_app
from shop import households, points, redemptions, regions, schema, staff, stock
from shop.db import unit_of_work
from shop.models import (
    ApiToken,
    DayClose,
    Household,
    LedgerHead,
    Passbook,
    PointsApplication,
    PrintJob,
    Product,
    ProductLimit,
    Redemption,
    Rule,
    RuleCategory,
    StaffUser,
    Stocktake,
)
from shop.redemptions.limits import local_date
from shop.stock import receiving, stocktake
from tests.conftest import new_backend

from .conftest import PASSWORD, StaffClient, seed_staff

SECRET = "乙村秘密"  # in every visible name of village B: no page of A may show it


def _seed(session) -> dict:
    a = regions.create_village(session, "VA", "甲村")
    regions.create_kiosk(session, a, "K01", "甲村 1号机")
    seed_staff(session, a)
    ha = households.create_household(session, a, "01-001", "甲户主", actor="test")
    points.award_points(session, ha, delta=100, actor="test", memo="opening")
    stock.create_product(session, a, "A-1", "甲村肥皂", 5, unit="块")
    _, token_a = staff.create_api_token(session, a, "admin", label="a-admin")

    b = regions.create_village(session, "VB", "乙村")
    kb = regions.create_kiosk(session, b, "K77", "乙村 1号机")
    b_admin = staff.create_staff(
        session, "b-admin", "admin", PASSWORD, village=b, display_name=f"{SECRET}管理员"
    )
    b_clerk = staff.create_staff(
        session, "b-clerk", "clerk", PASSWORD, village=b, display_name=f"{SECRET}记账员"
    )
    session.flush()
    b_clerk.is_locked = True
    hb = households.create_household(session, b, "01-001", f"{SECRET}户", actor="test")
    _, code_b = households.issue_passbook(session, hb, actor="test")
    points.award_points(session, hb, delta=500, actor="test", memo=f"{SECRET}评定")
    lost = households.create_household(session, b, "01-002", f"{SECRET}二户", actor="test")
    _, lost_code = households.issue_passbook(session, lost, actor="test")
    households.reissue_passbook(session, lost, actor="test", reason="遗失补办")
    cat = points.add_category(session, b, "BX", f"{SECRET}类", actor="test")
    rule = points.add_rule(session, cat, f"{SECRET}项目", 10, actor="test")
    application = points.submit_application(session, hb, rule, actor="test")
    pb = stock.create_product(session, b, "B-1", f"{SECRET}洗衣液", 7, unit="瓶")
    stock.receive_stock(session, pb, 50, actor="test", source="区财政预算")
    receipt = redemptions.redeem(
        session, hb, {"B-1": 2}, kiosk=kb, idempotency_key="scope-b-0001", actor="test"
    )
    doc = receiving.receive_delivery(
        session, b, [("B-1", 3)], source_kind="budget", actor="test", memo=SECRET
    )
    take = stocktake.start_stocktake(session, b, actor="test")
    award = points.award_points(session, hb, delta=20, actor="test", memo=f"{SECRET}加分")
    session.flush()
    return {
        "a": a.id,
        "b": b.id,
        "token_a": token_a,
        "b_admin": b_admin.id,
        "b_clerk": b_clerk.id,
        "hb": hb.id,
        "hb_number": hb.number,
        "code_b": code_b,
        "lost_code_b": lost_code,
        "passbook_b": session.scalar(select(Passbook.id).where(Passbook.household_id == hb.id)),
        "category_b": cat.id,
        "rule_b": rule.id,
        "application_b": application.id,
        "pb": pb.id,
        "receipt_b": receipt.receipt_no,
        "doc_b": doc.doc_no,
        "take_b": take.id,
        "award_b": award.id,
        "day": local_date(receipt.created_at).isoformat(),
    }


@pytest.fixture
def world(backend_name, tmp_path):
    backend = new_backend(backend_name, tmp_path, create=False)
    folder = tmp_path / "instance"
    folder.mkdir()
    app = create_app(
        {
            "INSTANCE_PATH": str(folder),
            "SECRET_KEY": "scope",
            "TESTING": True,
            "PRINTER": "preview",
            "DATABASE_URL": backend.url,
        }
    )
    db = app.extensions["kiosk_db"]
    schema.upgrade(db.engine)
    with unit_of_work(db.writer) as session:
        ids = _seed(session)
    yield app, ids
    db.engine.dispose()
    backend.dispose()


def fingerprint(app, village_id: int) -> dict:
    """Everything of one village a page could change, read without any scope."""
    with unit_of_work(app.extensions["kiosk_db"].reader) as s:

        def rows(stmt):
            return sorted(tuple(r) for r in s.execute(stmt))

        products = select(Product.id).where(Product.village_id == village_id)
        receipts = select(Redemption.id).where(Redemption.village_id == village_id)
        return {
            "head": rows(select(LedgerHead.seq).where(LedgerHead.village_id == village_id)),
            "staff": rows(
                select(
                    StaffUser.username,
                    StaffUser.role,
                    StaffUser.is_active,
                    StaffUser.is_locked,
                    StaffUser.badge_hash,
                    StaffUser.pin_hash,
                    StaffUser.password_hash,
                    StaffUser.session_version,
                ).where(StaffUser.village_id == village_id)
            ),
            "households": rows(
                select(
                    Household.number,
                    Household.head_name,
                    Household.group_name,
                    Household.members,
                    Household.status,
                    Household.balance,
                ).where(Household.village_id == village_id)
            ),
            "passbooks": rows(
                select(Passbook.serial, Passbook.status).where(Passbook.village_id == village_id)
            ),
            "products": rows(
                select(
                    Product.sku,
                    Product.name,
                    Product.points,
                    Product.is_active,
                    Product.picture,
                    Product.on_hand,
                ).where(Product.village_id == village_id)
            ),
            "limits": rows(select(ProductLimit.id).where(ProductLimit.product_id.in_(products))),
            "rules": rows(
                select(Rule.name, Rule.is_active, Rule.points)
                .join(RuleCategory)
                .where(RuleCategory.village_id == village_id)
            ),
            "applications": rows(
                select(PointsApplication.state).where(PointsApplication.village_id == village_id)
            ),
            "receipts": rows(
                select(Redemption.receipt_no, Redemption.state).where(
                    Redemption.village_id == village_id
                )
            ),
            "print_jobs": rows(select(PrintJob.id).where(PrintJob.redemption_id.in_(receipts))),
            "stocktakes": rows(
                select(Stocktake.id, Stocktake.state).where(Stocktake.village_id == village_id)
            ),
            "day_closes": rows(select(DayClose.id).where(DayClose.village_id == village_id)),
            "tokens": rows(
                select(ApiToken.id, ApiToken.is_active).where(ApiToken.village_id == village_id)
            ),
        }


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(out, "PNG")
    return out.getvalue()


def _pages(w: dict) -> list[tuple[str, str, dict]]:
    """(method, path, form) with B's ids in the URL or the form."""
    hb, pb, rule, day = w["hb"], w["pb"], w["rule_b"], w["day"]
    bo = "/backoffice"
    return [
        # staff (finding 1 as reported)
        ("POST", f"{bo}/staff/{w['b_admin']}/badge", {"pin": "2468"}),
        ("POST", f"{bo}/staff/{w['b_admin']}/role", {"role": "volunteer"}),
        ("POST", f"{bo}/staff/{w['b_admin']}/active", {"active": "0"}),
        ("POST", f"{bo}/staff/{w['b_clerk']}/unlock", {}),
        # households and passbooks
        ("GET", f"{bo}/households/{hb}", {}),
        ("POST", f"{bo}/households/{hb}/edit", {"head_name": "改名", "members": "3"}),
        ("POST", f"{bo}/households/{hb}/status", {"status": "inactive"}),
        ("POST", f"{bo}/households/{hb}/passbooks", {"reissue": "1", "reason": "x"}),
        ("POST", f"{bo}/passbooks/issue", {"household": str(hb)}),
        ("POST", f"{bo}/passbooks/{w['passbook_b']}/revoke", {"reason": "x"}),
        ("GET", f"{bo}/households/{hb}/statement", {}),
        ("GET", f"{bo}/households/{hb}/statement.pdf", {}),
        ("POST", f"{bo}/households/{hb}/statement/print", {}),
        # points
        ("POST", f"{bo}/rules/{rule}/active", {"active": "0"}),
        ("POST", f"{bo}/rules", {"category_id": str(w["category_b"]), "name": "x", "points": "5"}),
        ("POST", f"{bo}/awards/preview", {"rule_id": str(rule), "household": str(hb)}),
        (
            "POST",
            f"{bo}/awards",
            {"rule_id": str(rule), "household": str(hb), "batch_key": "scope-batch-000001"},
        ),
        ("POST", f"{bo}/awards/{w['award_b']}/reverse", {"household_id": str(hb), "reason": "x"}),
        ("POST", f"{bo}/applications", {"number": w["hb_number"], "rule_id": str(rule)}),
        ("POST", f"{bo}/applications/{w['application_b']}/decide", {"decision": "approve"}),
        # goods, limits, receiving, stocktake
        ("GET", f"{bo}/stock/products/{pb}", {}),
        ("POST", f"{bo}/stock/products/{pb}", {"name": "改名", "points": "1", "unit": "瓶"}),
        ("GET", f"{bo}/stock/products/{pb}/picture", {}),
        ("POST", f"{bo}/settings/limits", {"product_id": str(pb), "allowed": "1"}),
        ("GET", f"{bo}/stock/receiving/{w['doc_b']}", {}),
        ("GET", f"{bo}/stock/receiving/{w['doc_b']}/pdf", {}),
        ("POST", f"{bo}/stock/receiving/{w['doc_b']}/print", {}),
        ("GET", f"{bo}/stock/stocktake/{w['take_b']}", {}),
        ("POST", f"{bo}/stock/stocktake/{w['take_b']}/count", {"code": "B-1", "counted": "1"}),
        ("POST", f"{bo}/stock/stocktake/{w['take_b']}/cancel", {}),
        ("POST", f"{bo}/stock/stocktake/{w['take_b']}/finalise", {}),
        # receipts, day close and its exports
        ("GET", f"{bo}/clerk/receipts?kiosk=K77&day={day}", {}),
        ("GET", f"{bo}/clerk/receipts/{w['receipt_b']}", {}),
        ("POST", f"{bo}/clerk/receipts/{w['receipt_b']}/reprint", {}),
        ("POST", f"{bo}/clerk/receipts/{w['receipt_b']}/void", {"reason": "作废"}),
        ("GET", f"{bo}/clerk/dayclose?kiosk=K77&day={day}", {}),
        ("POST", f"{bo}/clerk/dayclose", {"kiosk": "K77", "day": day}),
        ("GET", f"{bo}/clerk/dayclose/K77/{day}/csv", {}),
        ("GET", f"{bo}/clerk/dayclose/K77/{day}/xlsx", {}),
        ("POST", f"{bo}/clerk/dayclose/K77/{day}/print", {}),
    ]


LISTS = (
    "/backoffice/staff",
    "/backoffice/households",
    "/backoffice/households?q=%E4%B9%99",
    "/backoffice/applications",
    "/backoffice/rules",
    "/backoffice/journal",
    "/backoffice/stock/products",
    "/backoffice/stock/low",
    "/backoffice/stock/receiving",
    "/backoffice/stock/stocktake",
    "/backoffice/settings/limits",
    "/backoffice/clerk/receipts",
    "/backoffice/clerk/dayclose",
)


def test_village_a_staff_read_and_change_nothing_of_village_b(world):
    app, w = world
    before = fingerprint(app, w["b"])
    admin = StaffClient(app)
    assert admin.login("admin").status_code == 303

    for path in LISTS:
        page = admin.get(path)
        assert page.status_code in (200, 404), path
        assert SECRET not in page.get_data(as_text=True), path

    for method, path, form in _pages(w):
        if method == "GET":
            answer = admin.get(path)
            assert answer.status_code == 404, (path, answer.status_code)
        else:
            answer = admin.post(path, form)
            assert answer.status_code in (303, 200, 404, 422), (path, answer.status_code)
            followed = admin.get(answer.location) if answer.status_code == 303 else answer
            assert SECRET not in followed.get_data(as_text=True), path
    upload = admin.client.post(
        f"/backoffice/stock/products/{w['pb']}/picture",
        data={"csrf_token": admin.csrf, "picture": (io.BytesIO(_png()), "x.png")},
        content_type="multipart/form-data",
    )
    assert upload.status_code in (303, 404)

    assert fingerprint(app, w["b"]) == before

    # The attack as reported: A's admin badges B's admin, then tries to sign in as them.
    with unit_of_work(app.extensions["kiosk_db"].reader) as s:
        assert s.get(StaffUser, w["b_admin"]).badge_hash is None


def test_village_a_api_token_reads_and_changes_nothing_of_village_b(world):
    app, w = world
    with unit_of_work(app.extensions["kiosk_db"].writer) as s:
        home = s.scalar(select(Household).where(Household.village_id == w["a"]))
        _, code_a = households.issue_passbook(s, home, actor="test")
        stock.receive_stock(s, s.scalar(select(Product).where(Product.sku == "A-1")), 5, actor="t")
    before = fingerprint(app, w["b"])
    api = app.test_client()
    auth = {"Authorization": f"Bearer {w['token_a']}"}

    for code in (w["code_b"], w["lost_code_b"]):
        # Another village's revoked passbook looks unknown, not "reported lost" (finding 25).
        answer = api.get(f"/api/v1/passbooks/{code}", headers=auth)
        assert answer.status_code == 404, answer.get_json()
        assert answer.get_json()["error"]["code"] == "unknown_code"
    listed = api.get("/api/v1/products", headers=auth)
    assert listed.status_code == 200 and SECRET not in listed.get_data(as_text=True)

    bodies = [
        (
            "/api/v1/redemptions",
            {
                "passbook": w["code_b"],
                "lines": [{"sku": "B-1", "qty": 1}],
                "idempotency_key": "scope-api-000001",
            },
        ),
        (
            "/api/v1/redemptions",
            {
                "passbook": w["code_b"],
                "lines": [{"sku": "B-1", "qty": 1}],
                "idempotency_key": "scope-api-000002",
                "kiosk": "K77",
            },
        ),
        # A's own passbook with B's goods, B's kiosk (by code) and B's rule (by id)
        (
            "/api/v1/redemptions",
            {
                "passbook": code_a,
                "lines": [{"sku": "B-1", "qty": 1}],
                "idempotency_key": "scope-api-000003",
                "kiosk": "K01",
            },
        ),
        (
            "/api/v1/redemptions",
            {
                "passbook": code_a,
                "lines": [{"sku": "A-1", "qty": 1}],
                "idempotency_key": "scope-api-000004",
                "kiosk": "K77",
            },
        ),
        ("/api/v1/awards", {"passbook": code_a, "rule_id": w["rule_b"]}),
        ("/api/v1/awards", {"passbook": w["code_b"], "points": 50}),
        ("/api/v1/awards", {"household": w["hb_number"] + "x", "points": 50}),
        ("/api/v1/awards", {"household": "01-001", "rule_id": w["rule_b"]}),
        (f"/api/v1/redemptions/{w['receipt_b']}/void", {"reason": "作废"}),
    ]
    for path, body in bodies:
        answer = api.post(path, json=body, headers=auth)
        assert answer.status_code == 404, (path, answer.status_code, answer.get_json())

    # nor the region's figures: a village's token reaches no region route
    for path in ("/api/v1/region/villages?village=VB", "/api/v1/region/villages.xlsx"):
        answer = api.get(path, headers=auth)
        assert answer.status_code == 403 and SECRET not in answer.get_data(as_text=True)
        assert answer.get_json()["error"]["code"] == "token_for_village"
    assert fingerprint(app, w["b"]) == before
