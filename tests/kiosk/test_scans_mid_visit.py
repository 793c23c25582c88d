"""Scans that arrive while a villager is choosing: a stray code keeps the visit, another
household's passbook asks first, a staff badge leads to the back-office, and a closed shop still
shows the balance and the why (issue 11, defects 3, 4, 5 and 8)."""

from __future__ import annotations

import datetime as dt
import json
import re

from sqlalchemy import select

from shop import staff
from shop.households import codes
from shop.models import Kiosk, Village
from shop.redemptions import dayclose, limits
from shop.staff import accounts

from .conftest import screen_of
from .test_screens import _db, _product_id


def _basket_count(response) -> str:
    return re.search(r'<dd id="basket-count">(\d+)</dd>', response.text).group(1)


def _with_soap(app, kiosk, row, n: int = 2) -> str:
    visit = kiosk.nonce(kiosk.scan(row["存折二维码"]))
    for _ in range(n):
        kiosk.take(visit, _product_id(app, "FZ-1"))
    return visit


def _notice(response) -> dict:
    return json.loads(response.headers["HX-Trigger"])


def test_a_stray_code_mid_visit_says_so_and_keeps_the_basket(app, kiosk, passbooks):
    row = passbooks["rich"]
    _with_soap(app, kiosk, row)
    for stray in ("6901234567892", codes.new_code()):  # a goods barcode; no passbook has this
        response = kiosk.scan(stray)
        assert response.status_code == 204  # the screen stays as it is
        said = _notice(response)
        assert said["kiosk-notice"] == "这不是本村的积分存折，没有改动。"
        assert said["kiosk-sound"] == "error"
    page = kiosk.get("/")
    assert screen_of(page) == ("household", None)
    assert f'data-household="{row["户号"]}"' in page.text
    assert _basket_count(page) == "2"


def test_a_damaged_passbook_mid_visit_keeps_the_visit_but_a_lost_one_ends_it(app, kiosk, passbooks):
    row = passbooks["rich"]
    _with_soap(app, kiosk, row)
    good = passbooks["poor"]["存折二维码"]
    damaged = good[:-1] + ("0" if good[-1] != "0" else "1")
    response = kiosk.scan(damaged)
    assert response.status_code == 204
    assert _notice(response)["kiosk-notice"].startswith("没扫清楚")
    assert _basket_count(kiosk.get("/")) == "2"
    # A lost passbook is somebody at the kiosk with a card that must be seen to: its own screen.
    assert screen_of(kiosk.scan(passbooks["lost"]["存折二维码"])) == ("error", "passbook_revoked")
    assert screen_of(kiosk.get("/")) == ("waiting", None)


def test_another_passbook_with_goods_chosen_asks_before_changing(app, kiosk, passbooks):
    first, second = passbooks["active"][0], passbooks["active"][1]
    visit = _with_soap(app, kiosk, first)
    asked = kiosk.scan(second["存折二维码"])
    assert screen_of(asked) == ("switch", None)
    assert f"换成 {second['户号']} {second['户主']} 家吗？" in asked.text
    assert f"{first['户主']}家篮子里有2件东西。" in asked.text
    assert screen_of(kiosk.get("/")) == ("switch", None)  # a reload asks again

    kept = kiosk.post("/switch", {"visit": visit, "answer": "no"})
    assert screen_of(kept) == ("household", None)
    assert f'data-household="{first["户号"]}"' in kept.text
    assert _basket_count(kept) == "2"

    kiosk.scan(second["存折二维码"])
    changed = kiosk.post("/switch", {"visit": visit, "answer": "yes"})
    assert screen_of(changed) == ("household", None)
    assert f'data-household="{second["户号"]}"' in changed.text
    assert _basket_count(changed) == "0"
    # The old visit's forms no longer act: its nonce is gone.
    stale = kiosk.post("/switch", {"visit": visit, "answer": "yes"})
    assert f'data-household="{second["户号"]}"' in stale.text


def test_another_passbook_with_nothing_chosen_changes_at_once(app, kiosk, passbooks):
    first, second = passbooks["active"][0], passbooks["active"][1]
    kiosk.scan(first["存折二维码"])
    response = kiosk.scan(second["存折二维码"])
    assert screen_of(response) == ("household", None)
    assert f'data-household="{second["户号"]}"' in response.text


def test_the_switch_question_on_the_confirm_screen_keeps_the_confirm(app, kiosk, passbooks):
    first, second = passbooks["active"][0], passbooks["active"][1]
    visit = _with_soap(app, kiosk, first, 1)
    assert screen_of(kiosk.post("/review", {"visit": visit})) == ("confirm", None)
    assert screen_of(kiosk.scan(second["存折二维码"])) == ("switch", None)
    assert screen_of(kiosk.post("/switch", {"visit": visit, "answer": "no"})) == ("confirm", None)


def test_a_scan_the_scanner_typed_in_the_wrong_keyboard_layout_says_which_setting(kiosk):
    junk = "ＪＦ１；ＱＷＥＲＴＹＵＩＯＰ＃＄％＆ＡＳＤＦＧ"
    response = kiosk.post("/scan", {"code": junk, "source": "wedge", "layout": "wrong"})
    assert screen_of(response) == ("error", "scanner_layout")
    assert "扫码枪设置不对" in response.text
    assert "美式键盘" in response.text
    # Without the page's layout mark the same junk is just an unknown card.
    assert screen_of(kiosk.scan(junk)) == ("error", "unknown_code")


def test_outside_a_window_the_household_sees_its_points_and_can_apply_but_not_choose(
    app, kiosk, passbooks
):
    opens = dt.date.today() + dt.timedelta(days=40)
    with _db(app).writer() as session, session.begin():
        village = session.scalar(select(Village))
        limits.add_window(session, village, opens, opens + dt.timedelta(days=6), actor="test")
    row = passbooks["rich"]
    response = kiosk.scan(row["存折二维码"])
    assert screen_of(response) == ("household", "outside_window")
    assert re.search(rf'id="balance"[^>]*>{row["积分余额"]}</p>', response.text)
    assert "现在不是兑换的日子" in response.text
    assert f"下次兑换日：{opens.year}年{opens.month}月{opens.day}日" in response.text
    assert 'id="goods-area"' not in response.text
    assert 'id="basket-count"' not in response.text
    visit = kiosk.nonce(response)
    assert screen_of(kiosk.post("/apply", {"visit": visit})) == ("apply", None)


def test_after_the_day_close_the_scan_says_come_back_tomorrow(app, kiosk, passbooks):
    with _db(app).writer() as session, session.begin():
        this = session.scalar(select(Kiosk).where(Kiosk.code == app.config["DEVICE"]))
        dayclose.close_day(session, this, dayclose.local_date(dt.datetime.now(dt.UTC)), actor="t")
    response = kiosk.scan(passbooks["rich"]["存折二维码"])
    assert screen_of(response) == ("household", "day_closed")
    assert "今天的兑换已经结束" in response.text
    assert "请明天再来" in response.text
    assert 'id="goods-area"' not in response.text


def test_a_staff_badge_at_the_kiosk_opens_the_pin_pad_and_then_the_back_office(
    app, kiosk, passbooks
):
    with _db(app).writer() as session, session.begin():
        village = session.scalar(select(Village))
        clerk = staff.create_staff(
            session, "clerk-k", "clerk", "clerk-pass-123", village=village, actor="test"
        )
        badge = accounts.issue_badge(session, clerk, actor="test", pin="2468")
    _with_soap(app, kiosk, passbooks["rich"])  # a villager's visit was on the screen
    response = kiosk.scan(badge)
    assert response.status_code == 204
    target = response.headers["HX-Redirect"]
    assert target.startswith("/backoffice/badge?t=")
    assert badge not in target  # the badge's code never travels; a one-time token does
    t = target.split("=", 1)[1]
    page = kiosk.client.get(target)
    assert "工作证已扫好，请输入密码" in page.text
    assert 'name="badge"' not in page.text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    wrong = kiosk.client.post(
        "/backoffice/badge", data={"csrf_token": token, "t": t, "pin": "1111"}
    )
    assert wrong.status_code == 401
    assert "工作证已扫好" in wrong.text  # asked again for the PIN, the badge still read
    signed = kiosk.client.post(
        "/backoffice/badge", data={"csrf_token": token, "t": t, "pin": "2468"}
    )
    assert signed.status_code == 303
    # The token worked once: the same link no longer signs anyone in.
    assert "工作证已扫好" not in kiosk.client.get(target).text
    home = kiosk.client.get("/backoffice/")
    assert home.status_code == 200
    assert "退出，回到兑换屏" in home.text
    token = re.search(r'name="csrf_token" value="([^"]+)"', home.text).group(1)
    out = kiosk.client.post("/backoffice/logout", data={"csrf_token": token, "to": "kiosk"})
    assert out.headers["Location"].endswith("/")
    assert screen_of(kiosk.client.get("/")) == ("waiting", None)  # the villager's visit is gone


def test_when_the_village_asks_who_came_the_member_goes_on_the_receipt(app, kiosk, passbooks):
    from shop.households import family, visitors
    from shop.models import Household, Redemption

    row = passbooks["active"][3]
    with _db(app).writer() as session, session.begin():
        village = session.scalar(select(Village))
        household = session.scalar(select(Household).where(Household.number == row["户号"]))
        visitors.set_asks_who_came(session, village, True, actor="test")
        wife = family.add_member(session, household, "李秀英", "spouse", actor="test")
        family.add_member(session, household, "王乐乐", "grandchild", may_redeem=False, actor="t")
        wife_id = wife.id
    asked = kiosk.scan(row["存折二维码"])
    assert screen_of(asked) == ("who", None)
    assert "是谁来兑换？" in asked.text
    assert "李秀英" in asked.text and "配偶" in asked.text
    assert "王乐乐" not in asked.text  # may not redeem: not offered
    visit = kiosk.nonce(asked)
    assert screen_of(kiosk.post("/who", {"visit": visit, "member": "999999"})) == ("who", None)
    chosen = kiosk.post("/who", {"visit": visit, "member": str(wife_id)})
    assert screen_of(chosen) == ("household", None)
    kiosk.take(visit, _product_id(app, "FZ-1"))
    review = kiosk.post("/review", {"visit": visit})
    signature = re.search(r'name="basket" value="(\w+)"', review.text).group(1)
    done = kiosk.post("/confirm", {"visit": visit, "key": "kq-who-0001", "basket": signature})
    assert screen_of(done) == ("done", None)
    with _db(app).reader() as session:
        redemption = session.scalar(
            select(Redemption).where(Redemption.idempotency_key == "kq-who-0001")
        )
        assert visitors.visitor_name(session, redemption.id) == "李秀英"


def test_a_village_that_does_not_ask_goes_straight_to_the_goods(app, kiosk, passbooks):
    from shop.households import family
    from shop.models import Household

    row = passbooks["active"][4]
    with _db(app).writer() as session, session.begin():
        household = session.scalar(select(Household).where(Household.number == row["户号"]))
        family.add_member(session, household, "李秀英", "spouse", actor="test")
    assert screen_of(kiosk.scan(row["存折二维码"])) == ("household", None)
