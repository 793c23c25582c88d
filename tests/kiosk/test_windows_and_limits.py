"""一季一兑换 and per-household limits, as the villager meets them at the kiosk."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from shop import households, redemptions, regions
from shop.models import Product, Village
from shop.redemptions import limits

from .conftest import screen_of
from .test_screens import _db, _household, _redemptions, _tile, _to_confirm


def test_outside_a_window_the_household_screen_says_when_the_next_one_opens(app, kiosk, passbooks):
    today = dt.date.today()
    opens = today + dt.timedelta(days=40)
    with _db(app).writer() as session, session.begin():
        village = session.scalar(select(Village))
        limits.add_window(session, village, opens, opens + dt.timedelta(days=6), actor="test")
    response = kiosk.scan(passbooks["rich"]["存折二维码"])
    assert screen_of(response) == ("household", "outside_window")
    assert f"下次兑换日：{opens.year}年{opens.month}月{opens.day}日" in response.text
    assert 'id="exit"' in response.text  # 结束: the way back to the start


def test_dates_are_written_the_way_each_language_writes_them(app):
    from flask import session

    from kiosk import i18n

    with app.test_request_context():
        assert i18n.day(dt.date(2027, 1, 5)) == "2027年1月5日"
        session[i18n.SESSION_KEY] = "en"
        assert i18n.day(dt.date(2027, 1, 5)) == "5 January 2027"


def test_inside_a_window_the_shop_redeems(app, kiosk, passbooks):
    today = dt.date.today()
    with _db(app).writer() as session, session.begin():
        village = session.scalar(select(Village))
        limits.add_window(
            session, village, today - dt.timedelta(days=1), today + dt.timedelta(days=1)
        )
    response = kiosk.scan(passbooks["rich"]["存折二维码"])
    assert screen_of(response) == ("household", None)


def test_a_limit_used_up_meanwhile_at_another_kiosk_has_its_own_screen(app, kiosk, passbooks):
    row = passbooks["rich"]
    with _db(app).writer() as session, session.begin():
        soap = session.scalar(select(Product).where(Product.sku == "FZ-1"))
        limits.set_limit(session, soap, 1, period="quarter", actor="test")
    visit, signature = _to_confirm(app, kiosk, row, ("FZ-1",))
    with _db(app).writer() as session, session.begin():  # the same passbook, another kiosk
        other = regions.create_kiosk(session, session.scalar(select(Village)), "K02", "二号机")
        household = households.lookup_passbook(session, row["存折二维码"]).household
        redemptions.redeem(session, household, {"FZ-1": 1}, kiosk=other, idempotency_key="k02-0001")
    response = kiosk.post("/confirm", {"visit": visit, "key": "kq-limit-0001", "basket": signature})
    assert screen_of(response) == ("household", None)
    assert "肥皂本期已换满，已从篮子里拿掉" in response.text
    assert '<dd id="basket-count">0</dd>' in response.text
    assert all(r.idempotency_key != "kq-limit-0001" for r in _redemptions(app, row["户号"]))
    assert _household(app, row["户号"]).balance == int(row["积分余额"]) - 5


def test_a_limited_item_shows_used_of_allowed_and_stops_at_the_allowance(app, kiosk, passbooks):
    row = passbooks["rich"]
    with _db(app).writer() as session, session.begin():
        detergent = session.scalar(select(Product).where(Product.sku == "XYY-2KG"))
        limits.set_limit(session, detergent, 2, period="quarter", actor="test")
        detergent_id = detergent.id
    visit = kiosk.nonce(kiosk.scan(row["存折二维码"]))
    first = kiosk.take(visit, detergent_id)
    assert "本季度限2瓶，已换0瓶" in first.text
    second = kiosk.take(visit, detergent_id)
    assert 'data-qty="2"' in _tile(second, "XYY-2KG")
    plus = f'id="goods-{detergent_id}-plus"'
    assert plus in second.text
    assert "disabled" in second.text.split(plus, 1)[1].split(">", 1)[0]
    third = kiosk.take(visit, detergent_id)
    assert 'data-qty="2"' in _tile(third, "XYY-2KG")
    assert "这件商品本期每户限兑的数量已经用完了" in third.text
