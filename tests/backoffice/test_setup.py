"""The first run in the back-office: an empty database opens the setup page; one form makes the
village, its groups, kiosks and first admin; after that the page is gone."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from kiosk.app import create_app
from shop import schema
from shop.models import Kiosk, StaffUser, Village, VillagerGroup


@pytest.fixture
def empty_app(tmp_path):
    app = create_app({"INSTANCE_PATH": str(tmp_path), "TESTING": True, "DEVICE": "GJG-K1"})
    schema.upgrade(app.extensions["kiosk_db"].engine)
    yield app
    app.extensions["kiosk_db"].engine.dispose()


def _csrf(page) -> str:
    return re.search(r'name="csrf-token" content="([^"]+)"', page.text).group(1)


FORM = {
    "village_name": "高尖沟村",
    "village_code": "GJG",
    "county": "喀左县",
    "township": "大城子镇",
    "groups": "第一村民小组\n第二村民小组、第三村民小组",
    "kiosk_code_0": "GJG-K1",
    "kiosk_prefix_0": "GJ1",
    "kiosk_name_0": "村委会积分超市",
    "kiosk_code_1": "GJG-K2",
    "admin_username": "boss",
    "admin_name": "王主任",
    "admin_password": "secret-pass-1",
    "admin_password2": "secret-pass-1",
}


def _rows(app, model):
    with app.extensions["kiosk_db"].reader() as s:
        return list(s.scalars(select(model)))


def test_the_first_visit_opens_the_village_and_signs_the_admin_in(empty_app):
    client = empty_app.test_client()
    first = client.get("/backoffice/login")
    assert first.status_code == 303 and first.location.endswith("/backoffice/setup")
    page = client.get("/backoffice/setup")
    assert page.status_code == 200 and "开通" in page.text
    assert 'value="GJG-K1"' in page.text  # this box's device code is offered
    assert "setup_code" not in page.text  # on the box itself no setup code is asked
    done = client.post("/backoffice/setup", data=FORM | {"csrf_token": _csrf(page)})
    assert done.status_code == 303 and done.location.endswith("/backoffice/setup/done")
    summary = client.get("/backoffice/setup/done")
    assert summary.status_code == 200
    assert (
        "高尖沟村" in summary.text
        and "GJ1-000001" in summary.text
        and "GJG-K2-000001" in summary.text
    )
    assert client.get("/backoffice/").status_code == 200  # signed in as the new admin
    (village,) = _rows(empty_app, Village)
    assert (village.code, village.county, village.township, village.is_demo) == (
        "GJG",
        "喀左县",
        "大城子镇",
        False,
    )
    assert [g.name for g in _rows(empty_app, VillagerGroup)] == [
        "第一村民小组",
        "第二村民小组",
        "第三村民小组",
    ]
    assert sorted(k.code for k in _rows(empty_app, Kiosk)) == ["GJG-K1", "GJG-K2"]
    assert [(u.username, u.role) for u in _rows(empty_app, StaffUser)] == [("boss", "admin")]
    # the page is gone once the village is open, for everyone
    again = empty_app.test_client().get("/backoffice/setup")
    assert again.status_code == 303 and again.location.endswith("/backoffice/login")
    assert empty_app.test_client().get("/backoffice/login").status_code == 200


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"admin_password2": "other-pass-1"}, "两次"),
        ({"admin_password": "short", "admin_password2": "short"}, "8"),
        ({"village_code": "高尖沟"}, "编号只能用字母"),
        ({"kiosk_code_0": "", "kiosk_code_1": ""}, "至少要有一台兑换机"),
        ({"village_name": ""}, "请填写名称"),
    ],
)
def test_a_wrong_form_says_why_keeps_what_was_typed_and_writes_nothing(empty_app, changes, words):
    client = empty_app.test_client()
    page = client.get("/backoffice/setup")
    refused = client.post("/backoffice/setup", data=FORM | changes | {"csrf_token": _csrf(page)})
    assert refused.status_code == 422
    assert words in refused.text
    assert 'value="喀左县"' in refused.text  # the clerk does not type it all again
    assert _rows(empty_app, Village) == [] and _rows(empty_app, StaffUser) == []


def test_another_machine_needs_the_setup_code_from_the_box(empty_app, tmp_path):
    lan = {"REMOTE_ADDR": "192.168.1.20"}
    client = empty_app.test_client()
    page = client.get("/backoffice/setup", environ_base=lan)
    assert 'name="setup_code"' in page.text
    code = (tmp_path / "setup-code").read_text().strip()
    assert oct((tmp_path / "setup-code").stat().st_mode)[-3:] == "600"
    data = FORM | {"csrf_token": _csrf(page)}
    wrong = client.post(
        "/backoffice/setup", data=data | {"setup_code": "00000000"}, environ_base=lan
    )
    assert wrong.status_code == 422 and _rows(empty_app, Village) == []
    right = client.post("/backoffice/setup", data=data | {"setup_code": code}, environ_base=lan)
    assert right.status_code == 303
    assert len(_rows(empty_app, Village)) == 1
    assert not (tmp_path / "setup-code").exists()


def test_a_forwarded_request_through_a_proxy_on_the_box_is_not_local(empty_app):
    page = empty_app.test_client().get(
        "/backoffice/setup", headers={"X-Forwarded-For": "192.168.1.20"}
    )
    assert 'name="setup_code"' in page.text


def test_a_demo_database_never_shows_the_setup_page(app):
    client = app.test_client()
    assert client.get("/backoffice/login").status_code == 200
    page = client.get("/backoffice/setup")
    assert page.status_code == 303 and page.location.endswith("/backoffice/login")


def test_the_demo_is_marked_and_its_history_needs_no_clerk(app, staff_client):
    from shop.models import DayClose, Redemption

    clerk = staff_client("clerk")
    page = clerk.get("/backoffice/clerk/receipts").text
    assert 'id="demo-mark"' in page and "演示" in page
    assert 'id="reprint-queue"' not in page  # the demo's receipts came out of the printer
    with app.extensions["kiosk_db"].reader() as db:
        assert {r.print_state for r in db.scalars(select(Redemption))} == {"printed"}
        sale_days = {r.created_at.date() for r in db.scalars(select(Redemption))}
        closed = set(db.scalars(select(DayClose.business_date)))
    assert sale_days and len(closed) == len(sale_days)  # every old shop day is closed
    kiosk = app.test_client().get("/").text
    assert 'id="demo-mark"' in kiosk


def test_every_slip_of_the_demo_says_demo(app):
    from kiosk.backoffice.printing import build_receipt
    from shop.models import Redemption

    with app.app_context(), app.extensions["kiosk_db"].reader() as db:
        receipt_id = db.scalar(select(Redemption.id).limit(1))
        zh = build_receipt(db, receipt_id, lang="zh")
        en = build_receipt(db, receipt_id, lang="en")
    assert zh.shop_name.endswith("（演示）") and en.shop_name.endswith("(DEMO)")
    assert any("演示" in line for line in zh.layout(32).text_lines())
