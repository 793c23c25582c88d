"""The API keeps the shop's PIN policy and lock (issue 14 item 7): the same rule as the kiosk's
keypad, from shop.households.pins, and `redeem` refuses a locked household whoever asks."""

from __future__ import annotations

import csv
import uuid

import pytest
from sqlalchemy import select

from kiosk.app import create_app
from shop import demo, schema
from shop.db import unit_of_work
from shop.households import pins
from shop.models import Household, Product, Redemption, Village
from shop.staff import create_api_token


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    instance = tmp_path_factory.mktemp("api-pins")
    app = create_app({"INSTANCE_PATH": str(instance), "PIN_POLICY": "above:5"})
    db = app.extensions["kiosk_db"]
    schema.upgrade(db.engine)
    with unit_of_work(db.writer) as s:
        demo.seed_demo(s, instance)
    yield app
    db.engine.dispose()


@pytest.fixture(scope="module")
def rows(app):
    with open(f"{app.instance_path}/demo-passbooks.csv", encoding="utf-8-sig") as f:
        return iter([r for r in csv.DictReader(f) if not r["说明"] and int(r["积分余额"]) >= 60])


@pytest.fixture(scope="module")
def token(app):
    with unit_of_work(app.extensions["kiosk_db"].writer) as s:
        return create_api_token(s, s.scalar(select(Village)), "kiosk", label="pins")[1]


@pytest.fixture(scope="module")
def sku(app):
    with unit_of_work(app.extensions["kiosk_db"].reader) as s:
        return s.scalar(select(Product.sku).where(Product.points >= 6).order_by(Product.id))


def _with_pin(app, row, pin="2468"):
    with unit_of_work(app.extensions["kiosk_db"].writer) as s:
        h = s.scalar(select(Household).where(Household.number == row["户号"]))
        pins.set_pin(s, h, pin, actor="test")


def _household(app, row):
    with unit_of_work(app.extensions["kiosk_db"].reader) as s:
        return s.scalar(select(Household).where(Household.number == row["户号"]))


def _redeem(app, token, row, sku, **extra):
    return app.test_client().post(
        "/api/v1/redemptions",
        json={
            "passbook": row["存折二维码"],
            "lines": [{"sku": sku, "qty": 1}],
            "idempotency_key": uuid.uuid4().hex,
        }
        | extra,
        headers={"Authorization": f"Bearer {token}"},
    )


def _receipts(app, row) -> int:
    with unit_of_work(app.extensions["kiosk_db"].reader) as s:
        h = s.scalar(select(Household).where(Household.number == row["户号"]))
        return len(s.scalars(select(Redemption).where(Redemption.household_id == h.id)).all())


def test_a_pin_locked_household_cannot_redeem_through_the_api(app, token, rows, sku):
    row = next(rows)
    _with_pin(app, row)
    before = _receipts(app, row)
    for _ in range(pins.MAX_FAILURES):
        _redeem(app, token, row, sku, pin="0000")
    assert _household(app, row).is_pin_locked
    refused = _redeem(app, token, row, sku, pin="2468")  # even with the right PIN
    assert refused.status_code == 423 and refused.json["error"]["code"] == "household_locked"
    assert _receipts(app, row) == before


def test_the_pin_policy_asks_above_its_threshold_and_counts_wrong_pins(app, token, rows, sku):
    row = next(rows)
    _with_pin(app, row)
    asked = _redeem(app, token, row, sku)
    assert asked.status_code == 403 and asked.json["error"]["code"] == "pin_required"
    wrong = _redeem(app, token, row, sku, pin="1111")
    assert wrong.status_code == 403 and wrong.json["error"]["code"] == "wrong_pin"
    assert _household(app, row).pin_failures == 1  # counted, not rolled back with the refusal
    right = _redeem(app, token, row, sku, pin="2468")
    assert right.status_code == 201
    assert _household(app, row).pin_failures == 0


def test_a_household_without_a_pin_is_never_asked(app, token, rows, sku):
    row = next(rows)
    assert _redeem(app, token, row, sku).status_code == 201


def test_the_policy_is_one_rule_for_every_edge():
    class H:
        pin_hash = "x"

    assert pins.pin_required(H(), 6, "above:5") and not pins.pin_required(H(), 5, "above:5")
    assert pins.pin_required(H(), 0, "always") and not pins.pin_required(H(), 99, "never")
    assert pins.pin_required(H(), 0, "above:five")  # a mistyped policy asks
    H.pin_hash = None
    assert not pins.pin_required(H(), 99, "always")  # only households that chose a PIN


def test_redeem_itself_refuses_a_locked_household(session, kiosk, create_household, create_product):
    from shop import redemptions
    from shop.errors import DomainError

    household = create_household(50)
    product = create_product(5, 10)
    pins.set_pin(session, household, "1357", actor="test")
    for _ in range(pins.MAX_FAILURES):
        pins.check_pin(session, household, "0000")
    with pytest.raises(DomainError) as refused:
        redemptions.redeem(
            session, household, {product.sku: 1}, kiosk=kiosk, idempotency_key="locked-key-1"
        )
    assert refused.value.code == "household_locked"
    pins.unlock_pin(session, household, actor="test")
    sale = redemptions.redeem(
        session, household, {product.sku: 1}, kiosk=kiosk, idempotency_key="locked-key-1"
    )
    assert sale.total == 5
