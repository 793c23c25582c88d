"""The JSON API v1: thin routes over the services, bearer tokens, errors as codes."""

from __future__ import annotations

import csv
import uuid

import pytest

from kiosk.app import create_app
from shop import demo, schema
from shop.db import unit_of_work
from shop.models import Village
from shop.staff import create_api_token


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    instance = tmp_path_factory.mktemp("api")
    app = create_app(
        {"INSTANCE_PATH": str(instance), "DATABASE_URL": f"sqlite:///{instance / 'k.db'}"}
    )
    db = app.extensions["kiosk_db"]
    schema.upgrade(db.engine)
    with unit_of_work(db.writer) as s:
        demo.seed_demo(s, instance)
    yield app
    db.engine.dispose()


@pytest.fixture(scope="module")
def passbooks(app):
    with open(f"{app.instance_path}/demo-passbooks.csv", encoding="utf-8-sig") as f:
        return list(csv.DictReader(f))


def _token(app, role):
    with unit_of_work(app.extensions["kiosk_db"].writer) as s:
        village = s.query(Village).one()
        return create_api_token(s, village, role, label=f"test-{role}")[1]


@pytest.fixture(scope="module")
def tokens(app):
    return {role: _token(app, role) for role in ("kiosk", "panel", "admin")}


@pytest.fixture
def client(app):
    return app.test_client()


def auth(token):
    return {"Authorization": f"Bearer {token}"}


def active(passbooks, minimum=0):
    return next(p for p in passbooks if not p["说明"] and int(p["积分余额"]) >= minimum)


def test_healthz_reports_the_database(client):
    resp = client.get("/healthz")
    assert resp.status_code == 200 and resp.json["database"] == "ok"


def test_openapi_document_lists_every_route(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    assert set(paths) == {
        "/passbooks/{code}",
        "/products",
        "/redemptions",
        "/redemptions/{receipt_no}/void",
        "/awards",
        "/region/villages",
        "/region/villages.xlsx",
        "/region/ranking",
    }


def test_no_token_is_401_and_the_wrong_role_is_403(client, tokens, passbooks):
    code = active(passbooks)["存折二维码"]
    assert client.get(f"/api/v1/passbooks/{code}").status_code == 401
    assert client.get(f"/api/v1/passbooks/{code}", headers=auth("jft_forged")).status_code == 401
    resp = client.post(
        "/api/v1/awards", json={"household": "01-001", "points": 5}, headers=auth(tokens["kiosk"])
    )
    assert resp.status_code == 403 and resp.json["error"]["code"] == "forbidden"


def test_passbook_lookup_shows_household_balance_and_why(client, tokens, passbooks):
    row = active(passbooks)
    resp = client.get(f"/api/v1/passbooks/{row['存折二维码']}", headers=auth(tokens["kiosk"]))
    assert resp.status_code == 200
    body = resp.json
    assert body["household"]["number"] == row["户号"] and body["household"]["name"] == row["户主"]
    assert body["balance"] == int(row["积分余额"])
    assert body["recent"] and all(
        {"at", "item", "delta", "balance_after"} <= set(e) for e in body["recent"]
    )


def test_unknown_and_lost_passbooks_have_their_own_codes(client, tokens, passbooks):
    lost = next(p for p in passbooks if p["说明"] == "已挂失的旧存折")
    resp = client.get(f"/api/v1/passbooks/{lost['存折二维码']}", headers=auth(tokens["kiosk"]))
    assert resp.status_code == 410 and resp.json["error"]["code"] == "passbook_revoked"
    resp = client.get("/api/v1/passbooks/JF1AAAAAAAAAAAAAAAAAAAAA", headers=auth(tokens["kiosk"]))
    assert resp.status_code in (404, 422) and resp.json["error"]["code"] in (
        "unknown_code",
        "damaged_code",
    )
    resp = client.get(
        "/api/v1/passbooks/hello", headers=auth(tokens["kiosk"]) | {"Accept-Language": "en"}
    )
    assert resp.status_code == 404 and resp.json["error"] == {
        "code": "unknown_code",
        "message": "This card is not recognised. Please ask the staff.",
    }


def test_products_list(client, tokens):
    items = client.get("/api/v1/products", headers=auth(tokens["kiosk"])).json
    assert len(items) == 12 and {"sku", "name", "unit", "points", "on_hand"} == set(items[0])


def test_redemption_is_created_once_per_key(client, tokens, passbooks):
    row = active(passbooks, 10)
    body = {
        "passbook": row["存折二维码"],
        "lines": [{"sku": "FZ-1", "qty": 2}],
        "idempotency_key": uuid.uuid4().hex,
    }
    first = client.post("/api/v1/redemptions", json=body, headers=auth(tokens["kiosk"]))
    assert first.status_code == 201
    assert first.json["total"] == 10 and len(first.json["journal_hash"]) == 64
    again = client.post("/api/v1/redemptions", json=body, headers=auth(tokens["kiosk"]))
    assert again.status_code == 201 and again.json == first.json
    other = dict(body, lines=[{"sku": "FZ-1", "qty": 1}])
    conflict = client.post("/api/v1/redemptions", json=other, headers=auth(tokens["kiosk"]))
    assert conflict.status_code == 409 and conflict.json["error"]["code"] == "idempotency_conflict"
    looked = client.get(
        f"/api/v1/passbooks/{row['存折二维码']}", headers=auth(tokens["kiosk"])
    ).json
    assert looked["balance"] == first.json["balance_after"]


def test_redemption_refusals(client, tokens, passbooks):
    row = active(passbooks)
    code = row["存折二维码"]

    def post(lines, key=None):
        body = {"passbook": code, "lines": lines, "idempotency_key": key or uuid.uuid4().hex}
        return client.post("/api/v1/redemptions", json=body, headers=auth(tokens["kiosk"]))

    too_much = post([{"sku": "JY-5L", "qty": 99}])
    assert too_much.status_code == 409 and too_much.json["error"]["code"] in (
        "insufficient_points",
        "out_of_stock",
    )
    for lines, status, error in [
        ([{"sku": "FZ-1", "qty": -1}], 422, "invalid_quantity"),
        ([{"sku": "FZ-1", "qty": 0}], 422, "invalid_quantity"),
        ([{"sku": "FZ-1", "qty": "2"}], 422, "invalid_quantity"),
        ([{"sku": "FZ-1"}], 422, "invalid_quantity"),
        ([], 422, "empty_basket"),
        ([{"qty": 1}], 422, "invalid_input"),
        ("FZ-1", 422, "invalid_input"),
        ([{"sku": "NOPE", "qty": 1}], 404, "unknown_product"),
    ]:
        resp = post(lines)
        assert (resp.status_code, resp.json["error"]["code"]) == (status, error), lines
    resp = post([{"sku": "FZ-1", "qty": 1}], key="bad key!")
    assert resp.status_code == 422


@pytest.mark.parametrize("payload", [None, "[]", "not json", '{"passbook": 5}', '{"lines": {}}'])
def test_malformed_bodies_are_422_never_500(client, tokens, payload):
    resp = client.post(
        "/api/v1/redemptions",
        data=payload,
        content_type="application/json",
        headers=auth(tokens["kiosk"]),
    )
    assert 400 <= resp.status_code < 500 and "error" in resp.json


def test_void_returns_the_points(client, tokens, passbooks):
    row = active(passbooks, 25)
    code = row["存折二维码"]
    made = client.post(
        "/api/v1/redemptions",
        json={
            "passbook": code,
            "lines": [{"sku": "XJJ-500", "qty": 1}],
            "idempotency_key": uuid.uuid4().hex,
        },
        headers=auth(tokens["kiosk"]),
    ).json
    before = client.get(f"/api/v1/passbooks/{code}", headers=auth(tokens["kiosk"])).json["balance"]
    no_reason = client.post(
        f"/api/v1/redemptions/{made['receipt_no']}/void", json={}, headers=auth(tokens["admin"])
    )
    assert no_reason.status_code == 422 and no_reason.json["error"]["code"] == "reason_required"
    assert (
        client.post(
            f"/api/v1/redemptions/{made['receipt_no']}/void",
            json={"reason": "x"},
            headers=auth(tokens["kiosk"]),
        ).status_code
        == 403
    )
    voided = client.post(
        f"/api/v1/redemptions/{made['receipt_no']}/void",
        json={"reason": "拿错了"},
        headers=auth(tokens["admin"]),
    )
    assert voided.status_code == 200
    after = client.get(f"/api/v1/passbooks/{code}", headers=auth(tokens["kiosk"])).json["balance"]
    assert after == before + made["total"]
    twice = client.post(
        f"/api/v1/redemptions/{made['receipt_no']}/void",
        json={"reason": "again"},
        headers=auth(tokens["admin"]),
    )
    assert twice.status_code == 409 and twice.json["error"]["code"] == "already_voided"
    assert (
        client.post(
            "/api/v1/redemptions/K01-999999/void",
            json={"reason": "x"},
            headers=auth(tokens["admin"]),
        ).status_code
        == 404
    )


def test_awards_by_household_or_passbook_idempotently(client, tokens, passbooks):
    row = active(passbooks)
    key = uuid.uuid4().hex
    body = {"household": row["户号"], "points": 12, "memo": "防溺水宣传", "idempotency_key": key}
    first = client.post("/api/v1/awards", json=body, headers=auth(tokens["panel"]))
    assert first.status_code == 201
    again = client.post("/api/v1/awards", json=body, headers=auth(tokens["panel"]))
    assert again.json["journal_hash"] == first.json["journal_hash"]
    by_passbook = client.post(
        "/api/v1/awards",
        json={"passbook": row["存折二维码"], "points": -2, "memo": "乱倒垃圾"},
        headers=auth(tokens["panel"]),
    )
    assert by_passbook.status_code == 201
    assert by_passbook.json["balance_after"] == first.json["balance_after"] - 2
    for bad, error in [
        ({"household": "99-999", "points": 5}, "unknown_household"),
        ({"household": row["户号"], "points": 0}, "invalid_points"),
        ({"household": row["户号"], "points": "5"}, "invalid_points"),
        ({"household": row["户号"], "rule_id": 99999}, "unknown_rule"),
        ({"household": row["户号"]}, "invalid_input"),
        ({"points": 5}, "invalid_input"),
        ({"household": row["户号"], "points": -100001}, "invalid_points"),
    ]:
        resp = client.post("/api/v1/awards", json=bad, headers=auth(tokens["panel"]))
        assert resp.json["error"]["code"] == error, bad


def test_unknown_paths_and_methods_under_the_api_answer_in_json(client, tokens):
    missing = client.get("/api/v1/nothing-here", headers=auth(tokens["kiosk"]))
    assert missing.status_code == 404 and missing.json["error"]["code"] == "not_found"
    wrong = client.delete("/api/v1/products", headers=auth(tokens["kiosk"]))
    assert wrong.status_code == 405 and wrong.json["error"]["code"] == "method_not_allowed"
    page = client.get("/no-such-page")
    assert page.status_code == 404 and not page.is_json  # the kiosk's own pages stay HTML
