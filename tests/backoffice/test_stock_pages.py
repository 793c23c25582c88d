"""The volunteer's pages over a real SQLite database: goods with pictures, receiving by barcode
(idempotent), low stock, and the stocktake from start to finalise or cancel."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select

from shop.demo import GOODS
from shop.models import Product, ReceivingDoc, Stocktake

HX = {"HX-Request": "true"}
BARCODES = {sku: barcode for sku, *_rest, barcode in GOODS}


def _on_hand(app, sku: str) -> int:
    with app.extensions["kiosk_db"].reader() as db:
        return db.scalar(select(Product.on_hand).where(Product.sku == sku))


def _product_id(app, sku: str) -> int:
    with app.extensions["kiosk_db"].reader() as db:
        return db.scalar(select(Product.id).where(Product.sku == sku))


def _key(page_text: str) -> str:
    return re.search(r'name="idempotency_key" value="([^"]+)"', page_text).group(1)


def test_scanning_barcodes_builds_lines_and_a_second_scan_adds_one(app, staff_client):
    client = staff_client("volunteer")
    first = client.post("/backoffice/stock/receiving/lines", {"scan": BARCODES["FZ-1"]}, headers=HX)
    assert first.status_code == 200
    assert 'id="receiving-lines"' in first.text and 'id="line-FZ-1"' in first.text
    assert 'hx-swap-oob="true"' in first.text  # the scan field comes back empty and focused
    again = client.post(
        "/backoffice/stock/receiving/lines",
        {"code": ["FZ-1"], "qty": ["1"], "scan": BARCODES["FZ-1"]},
        headers=HX,
    )
    assert re.search(r'name="qty"[^>]*value="2"', again.text)
    stepped = client.post(
        "/backoffice/stock/receiving/lines",
        {"code": ["FZ-1", "YG-1"], "qty": ["2", "1"], "step": "1:-1"},
        headers=HX,
    )
    assert 'id="line-FZ-1"' in stepped.text and 'id="line-YG-1"' not in stepped.text
    unknown = client.post("/backoffice/stock/receiving/lines", {"scan": "0000"}, headers=HX)
    assert 'data-code="unknown_product"' in unknown.text


def test_a_delivery_books_one_document_and_submitting_it_again_books_nothing_more(
    app, staff_client
):
    client = staff_client("volunteer")
    key = _key(client.get("/backoffice/stock/receiving/new").text)
    soap, salt = _on_hand(app, "FZ-1"), _on_hand(app, "Y-500")
    form = {
        "idempotency_key": key,
        "code": ["FZ-1", "Y-500"],
        "qty": ["24", "10"],
        "source_kind": "partner",
        "source_name": "赣南脐橙合作社",
        "value_yuan": "356.50",
    }
    booked = client.post("/backoffice/stock/receiving", form)
    assert booked.status_code == 303
    assert booked.headers["Location"].endswith("/backoffice/stock/receiving/RK00001")
    again = client.post("/backoffice/stock/receiving", form, headers=HX)  # a double tap
    assert again.headers["HX-Redirect"].endswith("/backoffice/stock/receiving/RK00001")
    assert (_on_hand(app, "FZ-1"), _on_hand(app, "Y-500")) == (soap + 24, salt + 10)
    with app.extensions["kiosk_db"].reader() as db:
        docs = db.scalars(select(ReceivingDoc)).all()
        assert [(d.doc_no, d.source_kind, d.source_name, d.value_fen) for d in docs] == [
            ("RK00001", "partner", "赣南脐橙合作社", 35650)
        ]
    page = client.get("/backoffice/stock/receiving/RK00001")
    assert 'id="doc-line-FZ-1"' in page.text and "356.50" in page.text
    pdf = client.get("/backoffice/stock/receiving/RK00001/pdf")
    assert pdf.content_type == "application/pdf" and pdf.data.startswith(b"%PDF")
    printed = client.post("/backoffice/stock/receiving/RK00001/print")
    assert printed.status_code == 303
    assert "已打印" in client.get(printed.headers["Location"]).text
    # A fresh form has a fresh key: the next delivery is a new document.
    assert _key(client.get("/backoffice/stock/receiving/new").text) != key


def test_a_refused_delivery_says_why_and_books_nothing(app, staff_client):
    client = staff_client("volunteer")
    before = _on_hand(app, "FZ-1")
    no_partner = client.post(
        "/backoffice/stock/receiving",
        {"idempotency_key": "k" * 20, "code": ["FZ-1"], "qty": ["5"], "source_kind": "partner"},
    )
    assert no_partner.status_code == 422 and 'data-code="partner_name_required"' in no_partner.text
    assert "请填写结对企业的名称。" in no_partner.text
    assert 'id="line-FZ-1"' in no_partner.text  # the lines survive for a retry
    empty = client.post("/backoffice/stock/receiving", {"source_kind": "budget"}, headers=HX)
    assert empty.status_code == 200 and 'data-code="empty_basket"' in empty.text
    assert _on_hand(app, "FZ-1") == before


# What a volunteer typed wrong, and the words the page answers with in each language.
PRODUCT_REFUSALS = [
    ({"sku": ""}, "sku_required", "请填写商品编号。", "Fill in the product code."),
    (
        {"min_level": "-1"},
        "invalid_stock_level",
        "最低库存、建议库存和排序要写0或更大的整数。",
        "Minimum stock, suggested stock and order must be whole numbers, 0 or more.",
    ),
    (
        {"reorder_level": "两箱"},
        "invalid_stock_level",
        "最低库存、建议库存和排序要写0或更大的整数。",
        "Minimum stock, suggested stock and order must be whole numbers, 0 or more.",
    ),
    (
        {"name": "香" * 101},
        "text_too_long",
        "写的字太多了，请删短一些再保存。",
        "That is too long: shorten it and save again.",
    ),
    (
        {"sort_order": "99999999999"},
        "number_too_large",
        "数字太大了，请检查是不是多写了几位。",
        "That number is too large: check for extra digits.",
    ),
]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_refused_product_says_what_is_wrong_in_the_readers_language(app, staff_client, lang):
    client = staff_client("volunteer")
    if lang == "en":
        client.post("/backoffice/lang", {"lang": "en", "next": "/backoffice/"})
    for change, code, zh, en in PRODUCT_REFUSALS:
        form = {"sku": "XZ-9", "name": "香皂", "unit": "块", "points": "5", **change}
        refused = client.post("/backoffice/stock/products", form)
        assert refused.status_code == 422, code
        assert f'data-code="{code}"' in refused.text
        assert (zh if lang == "zh" else en) in refused.text
        assert "填写的内容不对" not in refused.text and "not right" not in refused.text
    with app.extensions["kiosk_db"].reader() as db:
        assert db.scalar(select(Product).where(Product.sku == "XZ-9")) is None


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_refused_delivery_says_what_to_fix_in_the_readers_language(app, staff_client, lang):
    client = staff_client("volunteer")
    if lang == "en":
        client.post("/backoffice/lang", {"lang": "en", "next": "/backoffice/"})
    before = _on_hand(app, "FZ-1")
    line = {"idempotency_key": "k" * 20, "code": ["FZ-1"], "qty": ["5"]}
    for change, code, zh, en in [
        (
            {"source_kind": "budget", "value_yuan": "1.005"},
            "invalid_value_yuan",
            "价值要写成多少元，例如 1234.50：不能是负数，最多两位小数。",
            "Write the value in yuan, for example 1234.50: not negative, at most two decimals.",
        ),
        (
            {},
            "source_kind_required",
            "请选这批货从哪里来：区财政预算、村企结对或捐赠。",
            "Choose where the goods came from: district budget, partner company or donation.",
        ),
        (
            {"source_kind": "budget", "idempotency_key": "short"},
            "reload_page",
            "这一页缺了内容，可能打开太久了。请刷新页面，再做一次。",
            "This page is missing something; it may have been open too long. Reload it and try",
        ),
    ]:
        refused = client.post("/backoffice/stock/receiving", {**line, **change})
        assert refused.status_code == 422 and f'data-code="{code}"' in refused.text
        assert (zh if lang == "zh" else en) in refused.text
    assert _on_hand(app, "FZ-1") == before


def _png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", (width, height), (200, 30, 30, 128)).save(out, "PNG")
    return out.getvalue()


def test_a_picture_is_stored_resized_in_the_instance_folder_and_served(app, staff_client):
    client = staff_client("volunteer")
    pid = _product_id(app, "MJ-1")
    uploaded = client.post(
        f"/backoffice/stock/products/{pid}/picture",
        {"picture": (io.BytesIO(_png(1200, 800)), "towel.png")},
        content_type="multipart/form-data",
    )
    assert uploaded.status_code == 303
    with app.extensions["kiosk_db"].reader() as db:
        stored = db.scalar(select(Product.picture).where(Product.id == pid))
    path = app.instance_path + "/" + stored
    with Image.open(path) as image:
        assert max(image.size) == 480 and image.format == "PNG"
    served = client.get(f"/backoffice/stock/products/{pid}/picture")
    assert served.status_code == 200 and served.content_type == "image/png"
    assert staff_client("clerk").get(f"/backoffice/stock/products/{pid}/picture").status_code == 403


def test_a_file_that_is_not_a_picture_is_refused_with_invalid_picture(app, staff_client):
    client = staff_client("volunteer")
    pid = _product_id(app, "MJ-1")
    with app.extensions["kiosk_db"].reader() as db:
        before = db.scalar(select(Product.picture).where(Product.id == pid))
    refused = client.post(
        f"/backoffice/stock/products/{pid}/picture",
        {"picture": (io.BytesIO(b"%PDF-1.4 not a picture"), "towel.png")},
        content_type="multipart/form-data",
    )
    assert refused.status_code == 422 and 'data-code="invalid_picture"' in refused.text
    with app.extensions["kiosk_db"].reader() as db:
        assert db.scalar(select(Product.picture).where(Product.id == pid)) == before
    assert not list((Path(app.instance_path) / "pictures").glob("*/MJ-1.*"))


def test_a_product_is_created_with_its_picture_and_edited(app, staff_client):
    client = staff_client("volunteer")
    created = client.post(
        "/backoffice/stock/products",
        {
            "sku": "CD-1",
            "name": "菜刀",
            "unit": "把",
            "category": "厨具",
            "barcode": "6909999000012",
            "points": "60",
            "min_level": "2",
            "reorder_level": "6",
            "is_active": "1",
            "picture": (io.BytesIO(_png(600, 600)), "knife.png"),
        },
        content_type="multipart/form-data",
    )
    assert created.status_code == 303
    with app.extensions["kiosk_db"].reader() as db:
        knife = db.scalar(select(Product).where(Product.sku == "CD-1"))
        assert (knife.points, knife.barcode, knife.min_level, knife.is_active) == (
            60,
            "6909999000012",
            2,
            True,
        )
        # Named by the product's id, never its code (COL.1 and COL_1 would share a file).
        assert knife.picture == f"pictures/{knife.village_id}/{knife.id}.png"
        assert (Path(app.instance_path) / knife.picture).is_file()
    edit = {
        "name": "菜刀",
        "unit": "把",
        "points": "55",
        "min_level": "1",
        "reorder_level": "4",
        "barcode": BARCODES["FZ-1"],  # already the soap's
    }
    duplicate = client.post(f"/backoffice/stock/products/{knife.id}", edit)
    assert duplicate.status_code == 422 and 'data-code="barcode_taken"' in duplicate.text
    edit["barcode"] = "6909999000012"
    assert client.post(f"/backoffice/stock/products/{knife.id}", edit).status_code == 303
    with app.extensions["kiosk_db"].reader() as db:
        knife = db.get(Product, knife.id)
        assert (knife.points, knife.is_active) == (55, False)  # unchecked box: not on sale
    supervisor = staff_client("supervisor").get(f"/backoffice/stock/products/{knife.id}")
    assert supervisor.status_code == 200 and 'id="product-save"' not in supervisor.text


def test_low_stock_shows_on_its_page_and_as_the_home_card(app, staff_client):
    client = staff_client("volunteer")
    broom = _product_id(app, "SZ-1")
    client.post(
        f"/backoffice/stock/products/{broom}",
        {
            "name": "扫帚",
            "unit": "把",
            "points": "15",
            "min_level": "50",
            "reorder_level": "60",
            "is_active": "1",
        },
    )
    page = client.get("/backoffice/stock/low")
    assert 'id="low-SZ-1"' in page.text
    assert 'hx-get="/backoffice/stock/low?card=1"' in client.get("/backoffice/").text
    card = client.get("/backoffice/stock/low?card=1", headers=HX)
    assert card.text.lstrip().startswith('<section id="low-stock"') and "low-SZ-1" in card.text


def test_a_stocktake_counts_by_scan_and_by_typing_then_finalises_and_locks(app, staff_client):
    client = staff_client("volunteer")
    assert client.post("/backoffice/stock/stocktake").status_code == 303
    with app.extensions["kiosk_db"].reader() as db:
        take_id = db.scalar(select(Stocktake.id).where(Stocktake.state == "open"))
    oil, soap = _on_hand(app, "JY-5L"), _on_hand(app, "FZ-1")
    url = f"/backoffice/stock/stocktake/{take_id}/count"
    for _ in range(3):  # three bottles scanned one by one
        scanned = client.post(url, {"scan": BARCODES["JY-5L"]}, headers=HX)
    assert scanned.text.lstrip().startswith('<section id="stocktake-lines"')
    typed = client.post(
        url, {"product_id": _product_id(app, "FZ-1"), "counted": soap + 2}, headers=HX
    )
    # a blind count: what was counted shows, the books and the difference do not
    assert re.search(rf'id="count-FZ-1".*?value="{soap + 2}"', typed.text, re.S)
    assert re.search(r'id="count-JY-5L".*?value="3"', typed.text, re.S)
    assert '<th class="num">账面' not in typed.text and f'placeholder="{oil}"' not in typed.text
    refused = client.post(url, {"scan": "no-such-code"}, headers=HX)
    assert 'data-code="unknown_product"' in refused.text
    review = client.post(f"/backoffice/stock/stocktake/{take_id}/finalise")
    assert review.status_code == 200 and 'id="stocktake-finish"' in review.text
    assert _on_hand(app, "JY-5L") == oil  # nothing written before the second press
    done = client.post(
        f"/backoffice/stock/stocktake/{take_id}/finalise", {"confirm": "1"}, headers=HX
    )
    assert done.headers["HX-Redirect"].endswith(f"/backoffice/stock/stocktake/{take_id}")
    assert (_on_hand(app, "JY-5L"), _on_hand(app, "FZ-1")) == (3, soap + 2)
    page = client.get(f"/backoffice/stock/stocktake/{take_id}")
    assert 'data-state="finalised"' in page.text and 'id="count-scan"' not in page.text
    locked = client.post(url, {"scan": BARCODES["JY-5L"]}, headers=HX)
    assert 'data-code="stocktake_closed"' in locked.text
    assert _on_hand(app, "JY-5L") == 3


def test_a_cancelled_stocktake_changes_no_stock(app, staff_client):
    client = staff_client("admin")
    client.post("/backoffice/stock/stocktake")
    with app.extensions["kiosk_db"].reader() as db:
        take_id = db.scalar(select(Stocktake.id).where(Stocktake.state == "open"))
    before = _on_hand(app, "YG-1")
    client.post(f"/backoffice/stock/stocktake/{take_id}/count", {"scan": BARCODES["YG-1"]})
    assert client.post(f"/backoffice/stock/stocktake/{take_id}/cancel").status_code == 303
    assert _on_hand(app, "YG-1") == before
    with app.extensions["kiosk_db"].reader() as db:
        assert db.scalar(select(Stocktake.state).where(Stocktake.id == take_id)) == "cancelled"
        assert db.scalar(select(func.count(Stocktake.id)).where(Stocktake.state == "open")) == 0
    assert 'id="stocktake-begin"' in client.get("/backoffice/stock/stocktake").text


def test_finishing_a_stocktake_names_the_uncounted_and_each_large_difference(app, staff_client):
    client = staff_client("volunteer")
    client.post("/backoffice/stock/stocktake")
    with app.extensions["kiosk_db"].reader() as db:
        take_id = db.scalar(select(Stocktake.id).where(Stocktake.state == "open"))
    url = f"/backoffice/stock/stocktake/{take_id}/count"
    soap, oil = _on_hand(app, "FZ-1"), _on_hand(app, "JY-5L")
    assert soap >= 1 and oil >= 1
    client.post(url, {"product_id": _product_id(app, "FZ-1"), "counted": soap}, headers=HX)
    client.post(url, {"product_id": _product_id(app, "JY-5L"), "counted": oil + 11}, headers=HX)
    review = client.post(f"/backoffice/stock/stocktake/{take_id}/finalise")
    uncounted = re.search(r'id="stocktake-uncounted">(.*?)</ul>', review.text, re.S).group(1)
    large = re.search(r'id="stocktake-large">(.*?)</table>', review.text, re.S).group(1)
    with app.extensions["kiosk_db"].reader() as db:
        names = dict(db.execute(select(Product.sku, Product.name)).all())
    assert names["JY-5L"] in large and "+11" in large  # more than 10 units
    assert names["FZ-1"] not in large and names["FZ-1"] not in uncounted  # counted, no difference
    others = [sku for sku in names if sku not in ("FZ-1", "JY-5L")]
    assert all(names[sku] in uncounted for sku in others)
    assert _on_hand(app, "JY-5L") == oil
    client.post(f"/backoffice/stock/stocktake/{take_id}/finalise", {"confirm": "1"})
    assert _on_hand(app, "JY-5L") == oil + 11


def test_a_large_difference_is_more_than_a_fifth_of_the_books_or_ten_units():
    from shop.stock.stocktake import is_large_difference

    class Line:
        def __init__(self, books, counted):
            self.on_hand_at_count, self.counted = books, counted
            self.difference = counted - books

    assert not is_large_difference(Line(10, 8))  # 20%: not more than a fifth
    assert is_large_difference(Line(10, 7))  # 30%
    assert not is_large_difference(Line(100, 90))  # 10 units, 10%
    assert is_large_difference(Line(100, 89))  # 11 units
    assert is_large_difference(Line(0, 1))  # found where the books say none
    assert not is_large_difference(Line(5, 5))
