"""What a query code (查询码) can never do: redeem at the kiosk or through the API, become the
spend code, work after it is revoked or reissued, or read another household or village."""

from __future__ import annotations

import csv
import uuid

import pytest
from sqlalchemy import select

from kiosk.phone import access
from shop import households, regions
from shop.db import unit_of_work
from shop.errors import DomainError
from shop.households import codes
from shop.models import Household, Passbook, ScanEvent, Village
from shop.staff import create_api_token
from tests.kiosk.conftest import KioskClient, screen_of
from tests.phone.conftest import issue_code


def _db(app):
    return app.extensions["kiosk_db"]


def _passbook_code(app, household_id: int) -> str:
    with open(f"{app.instance_path}/demo-passbooks.csv", encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    with unit_of_work(_db(app).reader) as session:
        number = session.get(Household, household_id).number
    return next(r["存折二维码"] for r in rows if r["户号"] == number and not r["说明"])


def test_the_kiosk_refuses_a_query_code_with_its_own_words_and_records_it(app):
    code, _ = issue_code(app)
    kiosk = KioskClient(app)
    response = kiosk.scan(code)
    assert response.status_code == 403
    assert screen_of(response) == ("error", "query_code_cannot_redeem")
    assert "手机查询码" in response.text and "不能兑换" in response.text
    with unit_of_work(_db(app).reader) as session:
        event = session.scalars(select(ScanEvent).order_by(ScanEvent.id.desc())).first()
    assert event.outcome == "query_code_cannot_redeem"


def test_the_api_refuses_to_redeem_or_look_up_with_a_query_code(app):
    code, _ = issue_code(app)
    with unit_of_work(_db(app).writer) as session:
        token = create_api_token(session, session.scalars(select(Village)).first(), "kiosk")[1]
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    looked = client.get(f"/api/v1/passbooks/{code}", headers=headers)
    assert looked.status_code == 403 and looked.json["error"]["code"] == "query_code_cannot_redeem"
    body = {
        "passbook": code,
        "idempotency_key": uuid.uuid4().hex,
        "kiosk": "K01",
        "lines": [{"sku": "FZ-1", "qty": 1}],
    }
    sold = client.post("/api/v1/redemptions", json=body, headers=headers)
    assert sold.status_code == 403 and sold.json["error"]["code"] == "query_code_cannot_redeem"


def test_a_query_code_is_its_own_secret_never_the_spend_code(app, phone):
    code, household_id = issue_code(app)
    spend = _passbook_code(app, household_id)
    assert code.startswith("CX1") and spend.startswith("JF1")
    assert code[3:-1] != spend[3:-1]  # not the same secret under another prefix
    # The spend code's prefix on the query code's secret is damaged or unknown, never a passbook.
    body = "JF1" + code[3:-1]
    forged = body + codes._check_char(body)
    with unit_of_work(_db(app).reader) as session:
        with pytest.raises(DomainError) as refused:
            households.lookup_passbook(session, forged)
        assert refused.value.code == "unknown_code"
        assert (
            session.scalar(select(Passbook).where(Passbook.code_hash == codes.code_hash(code)))
            is None
        )
    # No phone page ever shows the spend code.
    p = phone()
    p.sign_in(code)
    for path in ("/m/", "/m/history", "/m/applications", "/m/apply", "/m/goods"):
        assert spend not in p.get(path).text
    # And the spend code does not sign a phone in.
    refused_page = phone().sign_in(spend)
    assert refused_page.status_code == 404 and "认不出来" in refused_page.text


def test_a_revoked_code_signs_every_phone_out_and_no_longer_signs_in(app, phone):
    code, household_id = issue_code(app)
    p = phone()
    p.sign_in(code)
    assert p.get("/m/").status_code == 200
    with unit_of_work(_db(app).writer) as session:
        households.revoke_query_code(
            session, session.get(Household, household_id), actor="staff:panel"
        )
    assert p.get("/m/").status_code == 401
    again = phone().sign_in(code)
    assert again.status_code == 410 and "已经停用" in again.text


def test_a_reissued_code_stops_the_old_one(app, phone):
    old, household_id = issue_code(app)
    new, same = issue_code(app)
    assert same == household_id and new != old
    p = phone()
    assert p.sign_in(old).status_code == 410
    assert p.sign_in(new).status_code == 303


def test_a_forged_cookie_for_another_household_is_refused(app, phone):
    code, household_id = issue_code(app)
    with unit_of_work(_db(app).reader) as session:
        other_id = session.scalars(select(Household.id).where(Household.id != household_id)).first()
    p = phone()
    p.sign_in(code)
    with app.test_request_context():
        forged = access.URLSafeSerializer("not-the-secret", salt="phone-household").dumps(
            [1, other_id, 1]
        )
    p.client.set_cookie(access.COOKIE, forged, path="/m")
    assert p.get("/m/").status_code == 401


def test_a_phone_of_another_village_sees_only_its_own_village(app, phone):
    with unit_of_work(_db(app).writer) as session:
        demo_village = session.scalars(select(Village)).first()
        other = regions.create_village(
            session, f"T{uuid.uuid4().hex[:6]}", "另一个村", is_demo=demo_village.is_demo
        )
        stranger = households.create_household(session, other, "9-001", "外村人", actor="test")
        other_code = households.issue_query_code(session, stranger, actor="test").code
        demo_heads = [
            h.head_name for h in session.scalars(select(Household)) if h.id != stranger.id
        ]
    p = phone()
    assert p.sign_in(other_code).status_code == 303
    for path in ("/m/notice", "/m/ranking"):
        text = p.get(path).text
        assert not any(name in text for name in demo_heads[:20]), path
    home = p.get("/m/").text
    assert "外村人" in home and "另一个村" in home
    # The demo village's goods are not this village's goods.
    assert "洗衣液" not in p.get("/m/goods").text
