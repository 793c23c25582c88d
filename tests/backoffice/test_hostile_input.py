"""Bad input never becomes a 500, on SQLite and PostgreSQL (issue: security, finding 4): NUL
bytes, strings longer than their column, integers beyond int4/int8, dates out of range, in forms,
query strings, URLs and JSON, signed in and not."""

from __future__ import annotations

from sqlalchemy import select

from shop.db import unit_of_work
from shop.models import Household, Product

from .conftest import StaffClient
from .test_scope_isolation import world  # noqa: F401 (the two-village app on both engines)

HUGE = 2**70
INT4_PLUS = 2**31 + 5


def _form_probes(ha: int) -> list[tuple[str, str, dict]]:
    bo = "/backoffice"
    return [
        ("POST", f"{bo}/households", {"number": "9\x00", "head_name": "张三"}),
        ("POST", f"{bo}/households", {"number": "N" * 200, "head_name": "张三"}),
        ("POST", f"{bo}/households", {"number": "77-1", "head_name": "张" * 300}),
        ("POST", f"{bo}/households", {"number": "77-2", "head_name": "李四", "members": str(HUGE)}),
        ("POST", f"{bo}/households", {"number": "77-3", "head_name": "李四", "members": INT4_PLUS}),
        ("POST", f"{bo}/households/{ha}/edit", {"head_name": "王" * 500, "members": "2"}),
        ("POST", f"{bo}/households/{ha}/edit", {"head_name": "王\x00五", "members": "2"}),
        ("GET", f"{bo}/households?page={HUGE}", {}),
        ("GET", f"{bo}/households?q=%00", {}),
        ("GET", f"{bo}/households/{HUGE}", {}),
        ("GET", f"{bo}/households/{HUGE}/statement?from=99999-01-01&to=0000-00-00", {}),
        ("GET", f"{bo}/clerk/receipts?day=99999-12-31", {}),
        ("GET", f"{bo}/journal?page={HUGE}&since=0001-01-01", {}),
        ("POST", f"{bo}/stock/products", {"sku": "S" * 300, "name": "皂", "points": "5"}),
        ("POST", f"{bo}/stock/products", {"sku": "S-HUGE", "name": "皂", "points": str(HUGE)}),
        ("POST", f"{bo}/stock/products", {"sku": "S-4", "name": "皂", "points": str(INT4_PLUS)}),
        ("POST", f"{bo}/rules/categories", {"code": "C" * 100, "name": "类"}),
        ("POST", f"{bo}/rules", {"category_id": str(HUGE), "name": "x", "points": "5"}),
        (
            "POST",
            f"{bo}/awards",
            {"rule_id": str(HUGE), "household": str(HUGE), "on": "0001-01-01"},
        ),
        ("POST", f"{bo}/stock/receiving", {"code": "A-1", "qty": str(HUGE), "source_kind": "x"}),
        ("POST", f"{bo}/settings/limits", {"product_id": str(HUGE), "allowed": str(HUGE)}),
        ("POST", f"{bo}/clerk/dayclose", {"kiosk": "K01", "day": "99999-01-01"}),
        ("POST", f"{bo}/staff", {"username": "u\x00", "role": "clerk", "password": "x" * 12}),
        ("POST", f"{bo}/staff", {"username": "u" * 300, "role": "clerk", "password": "x" * 12}),
    ]


def test_hostile_forms_get_an_answer_never_a_500(world):  # noqa: F811
    app, w = world
    with unit_of_work(app.extensions["kiosk_db"].reader) as s:
        ha = s.scalar(select(Household.id).where(Household.village_id == w["a"]))
    anonymous = StaffClient(app)
    answer = anonymous.post("/backoffice/login", {"username": "\x00admin", "password": "x"})
    assert answer.status_code in (401, 422)
    admin = StaffClient(app)
    assert admin.login("admin").status_code == 303
    failures = []
    for method, path, form in _form_probes(ha):
        answer = admin.get(path) if method == "GET" else admin.post(path, form)
        if answer.status_code >= 500:
            failures.append((path, form, answer.status_code))
    assert failures == []
    with unit_of_work(app.extensions["kiosk_db"].reader) as s:
        # Nothing that did not fit was stored (SQLite would have kept it).
        assert s.scalar(select(Household).where(Household.number.like("NNNN%"))) is None
        assert s.scalar(select(Product).where(Product.sku.like("SSSS%"))) is None
        names = s.scalars(select(Household.head_name).where(Household.village_id == w["a"]))
        assert all(len(n) <= 64 and "\x00" not in n for n in names)


def test_hostile_json_gets_a_4xx_never_a_500(world):  # noqa: F811
    app, w = world
    api = app.test_client()
    auth = {"Authorization": f"Bearer {w['token_a']}"}
    bodies = [
        ("/api/v1/awards", {"household": "01-001", "points": HUGE}),
        ("/api/v1/awards", {"household": "01-001", "points": INT4_PLUS}),
        ("/api/v1/awards", {"household": "01-001", "rule_id": HUGE}),
        ("/api/v1/awards", {"household": "01-001", "rule_id": INT4_PLUS}),
        ("/api/v1/awards", {"household": "0\x001", "points": 5}),
        ("/api/v1/awards", {"household": "01-001", "points": 5, "memo": "m" * 100_000}),
        ("/api/v1/awards", {"household": "01-001", "points": 5, "idempotency_key": "k" * 500}),
        ("/api/v1/redemptions", {"passbook": "JF1\x00", "lines": [], "idempotency_key": "x"}),
        (
            "/api/v1/redemptions",
            {
                "passbook": "JF1" + "0" * 21,
                "lines": [{"sku": "A-1", "qty": HUGE}],
                "idempotency_key": "hostile-0001",
            },
        ),
        ("/api/v1/redemptions/K01-000001/void", {"reason": "r" * 100_000}),
        ("/api/v1/redemptions/" + "K" * 300 + "/void", {"reason": "x"}),
    ]
    failures = []
    for path, body in bodies:
        answer = api.post(path, json=body, headers=auth)
        if answer.status_code >= 500 or answer.get_json() is None:
            failures.append((path, answer.status_code, answer.get_data(as_text=True)[:200]))
    assert failures == []
    answer = api.get("/api/v1/passbooks/%00", headers=auth)
    assert 400 <= answer.status_code < 500


def test_a_download_name_is_never_a_header(app, staff_client):
    """Finding 20: a household number with a quote and a line break (stored before numbers were
    checked) still gives one well-formed Content-Disposition with the exact name."""
    from werkzeug.http import parse_options_header

    number = '01"x\r\nSet-Cookie: a=b'
    with app.extensions["kiosk_db"].writer() as db:
        hid = db.scalar(select(Household.id).order_by(Household.id).limit(1))
        db.execute(Household.__table__.update().where(Household.id == hid).values(number=number))
        db.commit()
    answer = staff_client("clerk").get(f"/backoffice/households/{hid}/statement.pdf")
    assert answer.status_code == 200
    header = answer.headers["Content-Disposition"]
    assert "\r" not in header and "\n" not in header
    assert not any(c.startswith("a=b") for c in answer.headers.getlist("Set-Cookie"))
    expected = number.replace("\r", "_").replace("\n", "_")
    assert parse_options_header(header)[1]["filename"] == f"statement-{expected}.pdf"


def test_no_page_can_be_framed_by_another_site(app, staff_client):
    """Finding 15: frame-ancestors and X-Frame-Options on every response, back-office included."""
    admin = staff_client("admin")
    for path in ("/backoffice/login", "/backoffice/", "/backoffice/staff", "/healthz", "/"):
        answer = admin.get(path)
        assert answer.headers.get("X-Frame-Options") == "DENY", path
        assert "frame-ancestors 'none'" in answer.headers.get("Content-Security-Policy", ""), path
