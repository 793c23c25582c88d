"""Issue 14.6: control characters are refused where names and reasons are typed (product names,
void reasons, staff names), with a message in the user's language; nothing is written."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from shop import redemptions, staff
from shop.errors import DomainError
from shop.models import Household, Kiosk, Product, Redemption, StaffUser
from shop.text import plain_text

HX = {"HX-Request": "true"}
BAD = ["洗衣液\x1b[2J", "肥皂\x00", "毛巾\n=1+1", "牙\u2028膏"]


@pytest.mark.parametrize("text", BAD)
def test_the_validator_refuses_control_characters_and_keeps_plain_chinese(text):
    with pytest.raises(DomainError) as refused:
        plain_text(text, "name")
    assert refused.value.code == "invalid_characters"
    assert plain_text("  洗衣液 2kg (薰衣草) ", "name") == "洗衣液 2kg (薰衣草)"


def test_a_product_name_with_a_control_character_is_refused_by_the_form(app, staff_client):
    client = staff_client("volunteer")
    refused = client.post(
        "/backoffice/stock/products",
        {"sku": "CD-9", "name": "菜刀\x1b", "unit": "把", "points": "60", "is_active": "1"},
        headers=HX,
    )
    assert 'data-code="invalid_characters"' in refused.text
    assert "特殊字符" in refused.text
    with app.extensions["kiosk_db"].reader() as db:
        assert db.scalar(select(Product).where(Product.sku == "CD-9")) is None
        soap = db.scalar(select(Product).where(Product.sku == "FZ-1"))
    renamed = client.post(
        f"/backoffice/stock/products/{soap.id}",
        {"name": "肥皂\x07", "unit": "块", "points": "5", "min_level": "0", "reorder_level": "0"},
        headers=HX,
    )
    assert 'data-code="invalid_characters"' in renamed.text
    with app.extensions["kiosk_db"].reader() as db:
        assert db.get(Product, soap.id).name == "肥皂"


def test_a_void_reason_with_a_control_character_is_refused_and_the_receipt_stands(
    app, staff_client
):
    db_ = app.extensions["kiosk_db"]
    with db_.writer() as db:
        kiosk = db.scalar(select(Kiosk).order_by(Kiosk.id))
        home = db.scalar(select(Household).where(Household.balance > 50).order_by(Household.id))
        sold = redemptions.redeem(db, home, {"FZ-1": 1}, kiosk=kiosk, idempotency_key="cc-void-01")
        db.commit()
        number = sold.receipt_no
    client = staff_client("clerk")
    refused = client.post(
        f"/backoffice/clerk/receipts/{number}/void", {"reason": "=HYPERLINK(1)\r\n退回"}
    )
    assert refused.status_code in (303, 422)
    with db_.reader() as db:
        assert db.scalar(select(Redemption.state).where(Redemption.receipt_no == number)) == (
            "completed"
        )


def test_a_staff_name_with_a_control_character_is_refused(app):
    with app.extensions["kiosk_db"].writer() as db:
        before = db.scalar(select(func.count(StaffUser.id)))
        with pytest.raises(DomainError) as refused:
            staff.create_staff(db, "newclerk", "clerk", "long-password-1", display_name="王\t会计")
        assert refused.value.code == "invalid_characters"
        db.rollback()
        assert db.scalar(select(func.count(StaffUser.id))) == before
