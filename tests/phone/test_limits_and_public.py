"""Sign-in limits (per client address, per household), elder mode, and the public pages a
village may open, with names masked."""

from __future__ import annotations

import re

from sqlalchemy import select

from shop.db import unit_of_work
from shop.households import codes
from shop.models import Household, Village
from shop.phone import set_phone_settings
from tests.phone.conftest import issue_code


def test_ten_wrong_codes_from_one_address_lock_that_address_out_for_a_while(app, phone):
    code, _ = issue_code(app)
    p = phone()
    for _ in range(10):
        assert p.sign_in(codes.new_code(codes.QUERY_PREFIX)).status_code == 404
    refused = p.sign_in(code)  # even the right code waits now
    assert refused.status_code == 429 and "试的次数太多了" in refused.text
    other_address = app.test_client()
    assert (
        other_address.get(f"/m/c/{code}", environ_base={"REMOTE_ADDR": "10.0.0.9"}).status_code
        == 303
    )


def test_one_household_cannot_be_signed_in_without_end(make_app, phone):
    app = make_app(PHONE_SIGNINS_PER_HOUSEHOLD=3)
    code, _ = issue_code(app)
    client = app.test_client()
    for n in range(3):
        assert (
            client.get(f"/m/c/{code}", environ_base={"REMOTE_ADDR": f"10.0.1.{n}"}).status_code
            == 303
        )
    refused = client.get(f"/m/c/{code}", environ_base={"REMOTE_ADDR": "10.0.1.99"})
    assert refused.status_code == 429


def test_elder_mode_shows_three_things_in_large_type_and_can_read_the_balance(app, phone):
    code, household_id = issue_code(app)
    p = phone()
    p.sign_in(code)
    assert p.post("/m/elder", {"on": "1"}).status_code == 303
    page = p.get("/m/").text
    assert 'class="elder"' in page
    with unit_of_work(app.extensions["kiosk_db"].reader) as session:
        balance = session.get(Household, household_id).balance
    assert f'data-say="您家现在有{balance}分"' in page
    assert "最近一笔" in page and "兑换日子" in page
    assert "怎样得积分" not in page  # only the three things
    p.post("/m/elder", {"on": "0"})
    assert 'class="elder"' not in p.get("/m/").text


def _village(app):
    with unit_of_work(app.extensions["kiosk_db"].reader) as session:
        v = session.scalars(select(Village)).first()
        return v.id, v.code


def _set(app, *, public: bool, masked: bool) -> None:
    village_id, _ = _village(app)
    with unit_of_work(app.extensions["kiosk_db"].writer) as session:
        set_phone_settings(session, village_id, is_public=public, is_masked=masked, actor="test")


def test_public_pages_are_closed_until_the_village_opens_them(app):
    _, code = _village(app)
    client = app.test_client()
    for page in ("notice", "ranking", "honour"):
        closed = client.get(f"/m/v/{code}/{page}")
        assert closed.status_code == 404 and "没有开放" in closed.text
    assert client.get("/m/v/NO-SUCH/notice").status_code == 404


def test_public_pages_mask_names_unless_the_village_shows_them(app):
    _, code = _village(app)
    with unit_of_work(app.extensions["kiosk_db"].reader) as session:
        heads = [h.head_name for h in session.scalars(select(Household))]
    _set(app, public=True, masked=True)
    client = app.test_client()
    for page in ("notice?last=1", "ranking", "honour"):
        response = client.get(f"/m/v/{code}/{page}")
        assert response.status_code == 200, page
        three = [h for h in heads if len(h) == 3]
        assert not any(h in response.text for h in three), page
    honour = client.get(f"/m/v/{code}/honour").text
    assert re.search(r"[\u4e00-\u9fff]\*[\u4e00-\u9fff]", honour)  # 王*明
    _set(app, public=True, masked=False)
    shown = client.get(f"/m/v/{code}/ranking").text
    assert any(h in shown for h in heads)
