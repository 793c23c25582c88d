"""A township's and the district's pages on SQLite and PostgreSQL: a township admin sees and
changes only their township's villages (their region page, a picked village's pages, exports,
opening a village), the district sees every township, a village's staff reach no region page.

Village B of tests/backoffice/test_scope_isolation.py is moved to another township; the township
admin of village A's township then runs the very same attack on B's ids that A's own admin ran."""

from __future__ import annotations

import io

import openpyxl
import pytest
from sqlalchemy import select, update

from kiosk.app import create_app
from shop import regions, schema, staff
from shop.db import unit_of_work
from shop.models import Household, StaffUser, Township, Village
from tests.backoffice.conftest import PASSWORD, StaffClient
from tests.backoffice.test_scope_isolation import (
    LISTS,
    SECRET,
    _pages,
    _png,
    _seed,
    fingerprint,
)
from tests.conftest import new_backend


@pytest.fixture
def world(backend_name, tmp_path):
    backend = new_backend(backend_name, tmp_path, create=False)
    folder = tmp_path / "instance"
    folder.mkdir()
    app = create_app(
        {
            "INSTANCE_PATH": str(folder),
            "SECRET_KEY": "region",
            "TESTING": True,
            "PRINTER": "preview",
            "DATABASE_URL": backend.url,
        }
    )
    db = app.extensions["kiosk_db"]
    schema.upgrade(db.engine)
    with unit_of_work(db.writer) as session:
        ids = _seed(session)
        district = regions.create_district(session, "NK", "南康区")
        north = regions.create_township(session, district, "NK-TJ", "唐江镇")
        south = regions.create_township(session, district, "NK-LL", f"{SECRET}镇")
        session.execute(update(Village).where(Village.id == ids["a"]).values(township_id=north.id))
        session.execute(update(Village).where(Village.id == ids["b"]).values(township_id=south.id))
        staff.create_staff(session, "tj-admin", "township_admin", PASSWORD, township=north)
        staff.create_staff(session, "tj-view", "township_viewer", PASSWORD, township=north)
        staff.create_staff(session, "nk-view", "district_viewer", PASSWORD, district=district)
        ids.update(north=north.id, south=south.id, district=district.id)
    yield app, ids
    db.engine.dispose()
    backend.dispose()


def _signed_in(app, username: str, password: str = PASSWORD) -> StaffClient:
    client = StaffClient(app)
    answer = client.login(username, password)
    assert answer.status_code == 303, answer.get_data(as_text=True)[:3000]
    return client


def test_a_township_admin_sees_their_villages_and_nothing_of_another_township(world):
    app, w = world
    admin = _signed_in(app, "tj-admin")
    home = admin.get("/backoffice/")
    assert home.status_code == 302 and home.location.endswith("/backoffice/region")
    page = admin.get("/backoffice/region")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "甲村" in text and "乙村" not in text and SECRET not in text
    sheet = admin.get(f"/backoffice/region/villages-{_this_month()}.xlsx")
    assert sheet.status_code == 200
    cells = [
        str(c.value)
        for row in openpyxl.load_workbook(io.BytesIO(sheet.data)).active.iter_rows()
        for c in row
    ]
    assert "甲村" in cells and "乙村" not in cells
    assert admin.post("/backoffice/region/pick", {"village_id": w["b"]}).status_code == 404
    ranking = admin.get("/backoffice/region/ranking").get_data(as_text=True)
    assert SECRET not in ranking


def _this_month() -> str:
    from shop import clock

    today = clock.today()
    return f"{today.year}-{today.month:02d}"


def test_a_township_admin_in_a_picked_village_changes_nothing_of_another_township(world):
    app, w = world
    before = fingerprint(app, w["b"])
    admin = _signed_in(app, "tj-admin")
    assert admin.post("/backoffice/region/pick", {"village_id": w["a"]}).status_code == 303
    households = admin.get("/backoffice/households").get_data(as_text=True)
    assert "甲户主" in households
    for path in LISTS:
        page = admin.get(path)
        assert page.status_code in (200, 404), path
        assert SECRET not in page.get_data(as_text=True), path
    for method, path, form in _pages(w):
        if method == "GET":
            assert admin.get(path).status_code == 404, path
        else:
            answer = admin.post(path, form)
            assert answer.status_code in (303, 200, 404, 422), (path, answer.status_code)
            followed = admin.get(answer.location) if answer.status_code == 303 else answer
            assert SECRET not in followed.get_data(as_text=True), path
    upload = admin.client.post(
        f"/backoffice/stock/products/{w['pb']}/picture",
        data={"csrf_token": admin.csrf, "picture": (io.BytesIO(_png()), "x.png")},
        content_type="multipart/form-data",
    )
    assert upload.status_code in (303, 404)
    assert fingerprint(app, w["b"]) == before


def _open_form(township_id: int, code: str) -> dict:
    return {
        "village_name": "新开村",
        "village_code": code,
        "township_id": township_id,
        "groups": "一组\n二组",
        "kiosk_code_0": f"{code}-K1",
        "admin_username": f"{code.lower()}-admin",
        "admin_password": "new-village-1",
        "admin_password2": "new-village-1",
    }


def test_a_township_admin_opens_a_village_in_their_township_only(world):
    app, w = world
    admin = _signed_in(app, "tj-admin")
    assert admin.get("/backoffice/region/open").status_code == 200
    refused = admin.post("/backoffice/region/open", _open_form(w["south"], "XX"))
    assert refused.status_code == 422
    opened = admin.post("/backoffice/region/open", _open_form(w["north"], "XK"))
    assert opened.status_code == 303, opened.get_data(as_text=True)
    with unit_of_work(app.extensions["kiosk_db"].reader) as s:
        assert s.scalar(select(Village.id).where(Village.code == "XX")) is None
        village = s.scalar(select(Village).where(Village.code == "XK"))
        assert village.township_id == w["north"]
        boss = s.scalar(select(StaffUser).where(StaffUser.username == "xk-admin"))
        assert (boss.role, boss.village_id) == ("admin", village.id)
    # the new village's admin signs in and works in the new village alone
    newcomer = _signed_in(app, "xk-admin", "new-village-1")
    assert "甲户主" not in newcomer.get("/backoffice/households").get_data(as_text=True)
    assert "新开村" in admin.get("/backoffice/region").get_data(as_text=True)


def test_viewers_read_the_region_but_open_nothing_and_village_staff_reach_no_region_page(world):
    app, w = world
    district = _signed_in(app, "nk-view")
    text = district.get("/backoffice/region").get_data(as_text=True)
    assert "甲村" in text and "乙村" in text
    assert district.get("/backoffice/region/open").status_code == 403
    viewer = _signed_in(app, "tj-view")
    assert viewer.post("/backoffice/region/open", _open_form(w["north"], "YY")).status_code == 403
    assert viewer.post("/backoffice/region/pick", {"village_id": w["a"]}).status_code == 303
    # a viewer looking at a village acts as its supervisor: reads, changes nothing
    assert viewer.get("/backoffice/households").status_code == 200
    assert viewer.get("/backoffice/staff").status_code == 403
    village_admin = _signed_in(app, "admin")
    assert village_admin.get("/backoffice/region").status_code == 403
    with unit_of_work(app.extensions["kiosk_db"].reader) as s:
        assert s.scalar(select(Township.id).where(Township.id == w["north"])) is not None
        assert s.scalar(select(Household.id).where(Household.village_id == w["a"])) is not None


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_region_pages_speak_plain_words(world, lang, backend_name):
    from tests.backoffice.test_visible_text import _data_text, _export_text, _strange, _Visible

    if backend_name != "sqlite":
        pytest.skip("words do not depend on the engine")
    app, w = world
    admin = _signed_in(app, "tj-admin")
    if lang == "en":
        admin.post("/backoffice/lang", {"lang": "en", "next": "/backoffice/region"})
    data = _data_text(app)
    problems = []
    for path in (
        "/backoffice/region",
        "/backoffice/region/ranking",
        "/backoffice/region/open",
        "/backoffice/region/tokens",
        f"/backoffice/region/villages-{_this_month()}.xlsx",
        f"/backoffice/region/ranking-{_this_month()[:4]}.xlsx",
    ):
        answer = admin.get(path)
        assert answer.status_code == 200, path
        if answer.mimetype == "text/html":
            parser = _Visible()
            parser.feed(answer.get_data(as_text=True))
            texts = parser.parts
        else:
            texts = _export_text(answer)
        strange = sorted({word for text in texts for word in _strange(text, lang, data)})
        if strange:
            problems.append(f"{path}: {strange[:8]}")
    assert not problems, problems
