"""Through the API, on SQLite and PostgreSQL: a key village B used means nothing to village A's
token (issue 14, finding 25). Before, A's redemption with B's key failed (a 500 on SQLite, where
A's confined session could not see B's receipt but hit the district-wide unique index; a 409 on
PostgreSQL, where it was taken for B's request)."""

from __future__ import annotations

from sqlalchemy import select

from shop import households, staff, stock
from shop.db import unit_of_work
from shop.models import Household, Product, Village
from tests.backoffice.test_scope_isolation import world  # noqa: F401 (two villages, both engines)

B_KEY = "scope-b-0001"  # the key village B's kiosk used in the seed


def _setup_a(app) -> tuple[str, str]:
    with unit_of_work(app.extensions["kiosk_db"].writer) as s:
        a = s.scalar(select(Village).where(Village.code == "VA"))
        home = s.scalar(select(Household).where(Household.village_id == a.id))
        _, code = households.issue_passbook(s, home, actor="test")
        soap = s.scalar(select(Product).where(Product.village_id == a.id))
        stock.receive_stock(s, soap, 10, actor="test")
        b = s.scalar(select(Village).where(Village.code == "VB"))
        _, token_b = staff.create_api_token(s, b, "admin", label="b-admin")
    return code, token_b


def test_a_key_of_village_b_redeems_and_awards_in_village_a(world):  # noqa: F811
    app, w = world
    code_a, token_b = _setup_a(app)
    api = app.test_client()
    a_auth = {"Authorization": f"Bearer {w['token_a']}"}
    b_auth = {"Authorization": f"Bearer {token_b}"}
    body = {"passbook": code_a, "lines": [{"sku": "A-1", "qty": 2}], "idempotency_key": B_KEY,
            "kiosk": "K01"}  # fmt: skip
    first = api.post("/api/v1/redemptions", json=body, headers=a_auth)
    assert first.status_code == 201, first.get_json()
    assert first.get_json()["receipt_no"] != w["receipt_b"]
    assert first.get_json()["balance_after"] == 90
    again = api.post("/api/v1/redemptions", json=body, headers=a_auth)
    assert again.status_code == 201 and again.get_json() == first.get_json()
    changed = api.post("/api/v1/redemptions", json={**body, "lines": [{"sku": "A-1", "qty": 1}]},
                       headers=a_auth)  # fmt: skip
    assert changed.status_code == 409
    assert changed.get_json()["error"]["code"] == "idempotency_conflict"

    award = {"household": "01-001", "points": 5, "idempotency_key": "award-key-000001"}
    in_a = api.post("/api/v1/awards", json=award, headers=a_auth)
    in_b = api.post("/api/v1/awards", json=award, headers=b_auth)
    assert in_a.status_code == in_b.status_code == 201, (in_a.get_json(), in_b.get_json())
    assert in_b.get_json()["balance_after"] == 511  # 500 + 20 - 2 x 7 + 5: awarded once
    repeat_b = api.post("/api/v1/awards", json=award, headers=b_auth)
    assert repeat_b.get_json() == in_b.get_json()
