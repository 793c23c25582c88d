"""A form that names something the village has already says what (这个户号已经有了, 这个商品编号,
这个条码, 这个类别编号, 这个用户名) in the reader's language and writes nothing: on SQLite and on
PostgreSQL, through the pages a clerk, the panel or the admin meets."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from shop.models import Household, Member, Product, RuleCategory, StaffUser

from .test_missing_fields import _a_household, _count, _panel, _said, any_app  # noqa: F401
from .test_pages_postgres import pg_app  # noqa: F401  (the demo instance on PostgreSQL)

# What every one of these said before (duplicate), in both languages: never again here.
VAGUE = ("已经有了，不能重复", "That already exists")
NUMBER = ("这个户号已经有了，请换一个户号。", "This household number is already taken.")


def _client(app, role: str, lang: str):
    if role == "panel":
        return _panel(app, lang)
    from .conftest import StaffClient

    client = StaffClient(app)
    assert client.login(role).status_code == 303
    if lang == "en":
        client.post("/backoffice/lang", {"lang": "en", "next": "/backoffice/"})
    return client


def _assert_says(page: str, lang: str, zh: str, en: str) -> None:
    assert (zh if lang == "zh" else en) in page
    assert not any(vague in page for vague in VAGUE)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_new_household_or_a_split_with_a_number_in_use_says_the_number_is_taken(any_app, lang):  # noqa: F811
    app = any_app
    home = _a_household(app)
    panel = _panel(app, lang)
    before = _count(app, Household.id)
    form = {"number": home.number, "head_name": "王五", "group_name": "", "members": "2"}
    refused = panel.post("/backoffice/households", form)
    assert refused.status_code == 422
    _assert_says(_said(panel, refused), lang, *NUMBER)
    # The number is shown as typed, letters and all (marked as the village's data, not the log's).
    form["number"] = "GJG-001"
    assert panel.post("/backoffice/households", form).status_code == 303
    again = _said(panel, panel.post("/backoffice/households", form))
    assert ("（GJG-001）" if lang == "zh" else " (GJG-001)") in again
    before += 1

    added = panel.post(
        f"/backoffice/households/{home.id}/members", {"name": "王小明", "relation": "child"}
    )
    assert added.status_code == 303
    with app.extensions["kiosk_db"].reader() as db:
        son = db.scalar(select(Member.id).where(Member.name == "王小明"))
        other = db.scalar(
            select(Household.number).where(Household.id != home.id).order_by(Household.number)
        )
    split = panel.post(
        f"/backoffice/households/{home.id}/split",
        {"number": other, "member": [str(son)], "head": str(son), "points": "0"},
    )
    assert split.status_code == 422
    _assert_says(_said(panel, split), lang, *NUMBER)
    assert _count(app, Household.id) == before


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_product_code_or_barcode_in_use_says_which(any_app, lang):  # noqa: F811
    app = any_app
    volunteer = _client(app, "volunteer", lang)
    with app.extensions["kiosk_db"].reader() as db:
        first, second = db.scalars(select(Product).order_by(Product.id).limit(2))
    products = _count(app, Product.id)
    taken = volunteer.post(
        "/backoffice/stock/products",
        {"sku": first.sku, "name": "新肥皂", "unit": "块", "points": "5"},
    )
    assert taken.status_code == 422 and 'data-code="sku_taken"' in taken.text
    sku = ("这个商品编号已经有了，请换一个编号。", "This product code is already taken.")
    _assert_says(_said(volunteer, taken), lang, *sku)
    assert _count(app, Product.id) == products

    edit = {"name": second.name, "unit": second.unit, "points": str(second.points),
            "min_level": "0", "reorder_level": "0"}  # fmt: skip
    assert volunteer.post(f"/backoffice/stock/products/{first.id}", {
        **edit, "name": first.name, "unit": first.unit, "points": str(first.points),
        "barcode": "6909999000029"}).status_code == 303  # fmt: skip
    clash = volunteer.post(
        f"/backoffice/stock/products/{second.id}", {**edit, "barcode": "6909999000029"}
    )
    assert clash.status_code == 422 and 'data-code="barcode_taken"' in clash.text
    barcode = ("这个条码已经用在本村另一件商品上了。", "This barcode is already on another product")
    _assert_says(_said(volunteer, clash), lang, *barcode)
    with app.extensions["kiosk_db"].reader() as db:
        assert db.get(Product, second.id).barcode == second.barcode


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_category_code_or_a_username_in_use_or_a_username_left_empty_says_which(any_app, lang):  # noqa: F811
    app = any_app
    panel = _panel(app, lang)
    with app.extensions["kiosk_db"].reader() as db:
        code = db.scalar(select(RuleCategory.code).order_by(RuleCategory.id))
    categories = _count(app, RuleCategory.id)
    taken = panel.post("/backoffice/rules/categories", {"code": code, "name": "又一类"})
    category = ("这个类别编号已经有了，请换一个编号。", "This category code is already taken.")
    _assert_says(_said(panel, taken), lang, *category)
    assert _count(app, RuleCategory.id) == categories

    admin = _client(app, "admin", lang)
    staff = _count(app, StaffUser.id)
    same = admin.post(
        "/backoffice/staff",
        {"username": "clerk", "display_name": "另一位", "role": "clerk", "password": "pass-word-9"},
    )
    username = ("这个用户名已经有人用了，请换一个。", "This username is already taken.")
    _assert_says(_said(admin, same), lang, *username)
    nameless = admin.post(
        "/backoffice/staff",
        {"username": "", "display_name": "另一位", "role": "clerk", "password": "pass-word-9"},
    )
    _assert_says(_said(admin, nameless), lang, "请填写用户名。", "Fill in the username.")
    assert "请把必填的内容填完整" not in _said(admin, nameless)
    assert _count(app, StaffUser.id) == staff
    with app.extensions["kiosk_db"].reader() as db:
        assert db.scalar(select(func.count()).where(StaffUser.display_name == "另一位")) == 0
