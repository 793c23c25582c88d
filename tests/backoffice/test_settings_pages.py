"""Redemption windows and per-household limits, set in the back-office."""

from __future__ import annotations

import datetime as dt
import html

import pytest
from sqlalchemy import select

from shop.models import Product, ProductLimit, RedemptionWindow


def _windows(app):
    with app.extensions["kiosk_db"].reader() as db:
        return [
            (w.starts_on, w.ends_on, w.label)
            for w in db.scalars(select(RedemptionWindow).order_by(RedemptionWindow.starts_on))
        ]


def test_windows_are_added_by_range_and_by_quarter_and_removed_by_always_open(app, staff_client):
    panel = staff_client("panel")
    assert 'id="window-always"' in panel.get("/backoffice/settings/windows").text
    panel.post(
        "/backoffice/settings/windows",
        {"starts_on": "2027-05-01", "ends_on": "2027-05-03", "label": "劳动节"},
    )
    assert _windows(app) == [(dt.date(2027, 5, 1), dt.date(2027, 5, 3), "劳动节")]
    backwards = panel.post(
        "/backoffice/settings/windows", {"starts_on": "2027-06-09", "ends_on": "2027-06-01"}
    )
    assert backwards.status_code == 303 and len(_windows(app)) == 1
    panel.post("/backoffice/settings/windows/quarters", {"year": "2027", "days": "5"})
    assert [w[0] for w in _windows(app)] == [
        dt.date(2027, 1, 1),
        dt.date(2027, 4, 1),
        dt.date(2027, 5, 1),
        dt.date(2027, 7, 1),
        dt.date(2027, 10, 1),
    ]
    page = staff_client("supervisor").get("/backoffice/settings/windows")
    assert "2027年第3季度兑换" in page.text and 'id="window-add"' not in page.text
    panel.post("/backoffice/settings/windows/always-open")
    assert _windows(app) == []


def test_an_admin_limits_a_product_per_household_and_clears_it(app, staff_client):
    admin = staff_client("admin")
    with app.extensions["kiosk_db"].reader() as db:
        oil = db.scalar(select(Product.id).where(Product.sku == "JY-5L"))
    admin.post(
        "/backoffice/settings/limits", {"product_id": oil, "allowed": "2", "period": "quarter"}
    )
    with app.extensions["kiosk_db"].reader() as db:
        limit = db.scalar(select(ProductLimit).where(ProductLimit.product_id == oil))
        assert (limit.allowed, limit.period) == (2, "quarter")
    bad = admin.post("/backoffice/settings/limits", {"product_id": oil, "allowed": "0"})
    assert bad.status_code == 303
    admin.post("/backoffice/settings/limits", {"product_id": oil, "allowed": "", "period": "month"})
    with app.extensions["kiosk_db"].reader() as db:
        assert db.scalar(select(ProductLimit).where(ProductLimit.product_id == oil)) is None


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_refused_window_or_limit_says_what_to_fix_in_the_readers_language(
    app, staff_client, lang
):
    admin = staff_client("admin")
    if lang == "en":
        admin.post("/backoffice/lang", {"lang": "en", "next": "/backoffice/"})
    with app.extensions["kiosk_db"].reader() as db:
        oil = db.scalar(select(Product.id).where(Product.sku == "JY-5L"))
    for path, form, page, zh, en in [
        (
            "/backoffice/settings/windows/quarters",
            {"year": "2027", "days": "91"},
            "/backoffice/settings/windows",
            "兑换期要写1到90天。",
            "A redemption period must be 1 to 90 days.",
        ),
        (
            "/backoffice/settings/windows",
            {"starts_on": "2027-05-01", "ends_on": "5月3日"},
            "/backoffice/settings/windows",
            "日期格式不对，请写成2026-12-01这样。",
            "The date is not right: write it like 2026-12-01.",
        ),
        (
            "/backoffice/settings/limits",
            {"product_id": oil, "allowed": "2", "period": "week"},
            "/backoffice/settings/limits",
            "请选限兑的周期：每月、每季度或每年。",
            "Choose the limit's period: month, quarter or year.",
        ),
    ]:
        assert admin.post(path, form).status_code == 303
        assert (zh if lang == "zh" else en) in html.unescape(admin.get(page).text), path
    assert _windows(app) == []
    with app.extensions["kiosk_db"].reader() as db:
        assert db.scalar(select(ProductLimit).where(ProductLimit.product_id == oil)) is None
