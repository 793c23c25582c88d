"""Every change of a product, a per-household limit or a redemption window is a journal row
with who made it (issue 14, finding 9), read back on the journal page as a sentence.

Before, a price, a product taken off sale, a limit or the windows (「随时可兑换」 deletes them all)
changed with no trace: the supervision panel could not see who made soap cost 1 point.
"""

from __future__ import annotations

from sqlalchemy import select

from shop.models import Journal, Product


def _head(app) -> int:
    with app.extensions["kiosk_db"].reader() as db:
        return db.scalar(select(Journal.seq).order_by(Journal.seq.desc()).limit(1)) or 0


def _since(app, seq: int) -> list[tuple[str, str, str]]:
    with app.extensions["kiosk_db"].reader() as db:
        rows = db.execute(
            select(Journal.actor, Journal.ref, Journal.memo)
            .where(Journal.seq > seq)
            .order_by(Journal.seq)
        ).all()
    return [tuple(row) for row in rows]


def _journal_page(staff_client, **query) -> str:
    supervisor = staff_client("supervisor")
    page = supervisor.get("/backoffice/journal", query_string=query)
    assert page.status_code == 200
    return page.text


def test_a_product_created_and_edited_leaves_a_row_per_change_with_who(app, staff_client):
    volunteer = staff_client("volunteer")
    head = _head(app)
    form = {"sku": "CD-1", "name": "菜刀", "unit": "把", "points": "60", "is_active": "1"}
    assert volunteer.post("/backoffice/stock/products", form).status_code == 303
    with app.extensions["kiosk_db"].reader() as db:
        knife = db.scalar(select(Product.id).where(Product.sku == "CD-1"))
    edit = {"name": "大菜刀", "unit": "把", "points": "55", "barcode": "6909999000012"}
    assert volunteer.post(f"/backoffice/stock/products/{knife}", edit).status_code == 303
    assert _since(app, head) == [
        ("staff:volunteer", "product:CD-1", "product create 60 points per 把, on sale: 菜刀"),
        ("staff:volunteer", "product:CD-1", "product name 菜刀 -> 大菜刀"),
        ("staff:volunteer", "product:CD-1", "product barcode -> 6909999000012"),
        ("staff:volunteer", "product:CD-1", "product points 60 -> 55"),
        ("staff:volunteer", "product:CD-1", "product off sale"),  # the box left unticked
    ]
    # Saving the same form again changes nothing, so it writes nothing.
    after = _head(app)
    assert volunteer.post(f"/backoffice/stock/products/{knife}", edit).status_code == 303
    assert _since(app, after) == []
    edit["is_active"] = "1"
    volunteer.post(f"/backoffice/stock/products/{knife}", edit)
    assert _since(app, after) == [("staff:volunteer", "product:CD-1", "product on sale")]

    page = _journal_page(staff_client, actor="staff:volunteer")
    for sentence in (
        "新增商品「菜刀」，每把60分，上架",
        "商品名称由「菜刀」改为「大菜刀」",
        "条码设为「6909999000012」",
        "兑换价由60分改为55分",
        "商品下架，暂停兑换",
        "商品上架，可以兑换",
        "商品设置",
        "volunteer-name",
    ):
        assert sentence in page, sentence
    assert "product:CD-1" not in page and "off sale" not in page


def test_a_refused_product_edit_journals_nothing(app, staff_client):
    volunteer = staff_client("volunteer")
    with app.extensions["kiosk_db"].reader() as db:
        soap = db.scalar(select(Product).where(Product.sku == "FZ-1"))
        soap_id, name = soap.id, soap.name
    head = _head(app)
    refused = volunteer.post(
        f"/backoffice/stock/products/{soap_id}", {"name": "香皂", "unit": "块", "points": "0"}
    )
    assert refused.status_code == 422 and 'data-code="invalid_points"' in refused.text
    assert _since(app, head) == []
    with app.extensions["kiosk_db"].reader() as db:
        assert db.get(Product, soap_id).name == name


def test_limits_are_journaled_when_set_changed_and_removed(app, staff_client):
    admin = staff_client("admin")
    with app.extensions["kiosk_db"].reader() as db:
        oil = db.scalar(select(Product.id).where(Product.sku == "JY-5L"))
    head = _head(app)
    url = "/backoffice/settings/limits"
    admin.post(url, {"product_id": oil, "allowed": "2", "period": "quarter"})
    admin.post(url, {"product_id": oil, "allowed": "2", "period": "quarter"})  # unchanged
    admin.post(url, {"product_id": oil, "allowed": "3", "period": "month"})
    admin.post(url, {"product_id": oil, "allowed": "", "period": "month"})
    admin.post(url, {"product_id": oil, "allowed": "", "period": "month"})  # already none
    assert _since(app, head) == [
        ("staff:admin", "product:JY-5L", "limit quarter 2 桶"),
        ("staff:admin", "product:JY-5L", "limit month 3 桶"),
        ("staff:admin", "product:JY-5L", "limit removed"),
    ]
    page = _journal_page(staff_client, actor="staff:admin")
    for sentence in (
        "每户限兑：每季度最多2桶",
        "每户限兑：每月最多3桶",
        "取消每户限兑",
        "商品 JY-5L",
        "admin-name",
    ):
        assert sentence in page, sentence


def test_windows_and_always_open_are_journaled_with_what_was_removed(app, staff_client):
    panel = staff_client("panel")
    head = _head(app)
    panel.post(
        "/backoffice/settings/windows",
        {"starts_on": "2027-05-01", "ends_on": "2027-05-03", "label": "劳动节"},
    )
    panel.post("/backoffice/settings/windows/quarters", {"year": "2027", "days": "5"})
    panel.post("/backoffice/settings/windows/always-open")
    panel.post("/backoffice/settings/windows/always-open")  # nothing left to remove
    rows = _since(app, head)
    assert [memo for _, _, memo in rows] == [
        "window 2027-05-01 2027-05-03 劳动节",
        "window 2027-01-01 2027-01-05 2027年第1季度兑换",
        "window 2027-04-01 2027-04-05 2027年第2季度兑换",
        "window 2027-07-01 2027-07-05 2027年第3季度兑换",
        "window 2027-10-01 2027-10-05 2027年第4季度兑换",
        "always open, windows removed 5: 2027-01-01..2027-01-05 2027-04-01..2027-04-05 "
        "2027-05-01..2027-05-03 2027-07-01..2027-07-05 2027-10-01..2027-10-05",
    ]
    assert {actor for actor, _, _ in rows} == {"staff:panel"}
    page = _journal_page(staff_client, actor="staff:panel")
    for sentence in (
        "开放兑换期「劳动节」：2027-05-01至2027-05-03",
        "开放兑换期「2027年第3季度兑换」：2027-07-01至2027-07-05",
        "改为随时可以兑换，取消5个兑换期：2027-01-01~2027-01-05",
        "兑换期设置",
        "panel-name",
    ):
        assert sentence in page, sentence
