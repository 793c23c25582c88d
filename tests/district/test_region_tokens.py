"""API tokens of a township and of the district (issue 16), on SQLite and PostgreSQL.

The world of tests/district/test_region_pages.py: village A (甲村) in 唐江镇, village B (乙村, every
name of it holding SECRET) in another township, both in 南康区. A township token of 唐江镇 reads
A's figures and nothing of B, whatever it asks: B's code, any month, query strings the routes do
not read; it reaches no village route at all. A district token reads both townships. A revoked
token is refused. The township admin makes, sees and revokes their tokens on a region page; the
command line does the same; every issue and revocation is in the journal of each village the token
reads.
"""

from __future__ import annotations

import io

import openpyxl
import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from kiosk.cli import register
from shop import households, staff
from shop.db import unit_of_work
from shop.models import ApiToken, District, Household, Journal, Township, Village
from shop.staff import accounts
from tests.backoffice.conftest import PASSWORD
from tests.backoffice.test_scope_isolation import SECRET, fingerprint
from tests.district.test_region_pages import _signed_in, _this_month, world  # noqa: F401

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _token(app, *, township: int | None = None, district: int | None = None, label="财政所"):
    with unit_of_work(app.extensions["kiosk_db"].writer) as s:
        region = s.get(Township, township) if township else s.get(District, district)
        row, secret = staff.create_region_token(s, region, label=label, actor="test")
        return row.id, secret


def _auth(secret: str) -> dict:
    return {"Authorization": f"Bearer {secret}"}


def _cells(data: bytes) -> list[list[str]]:
    book = openpyxl.load_workbook(io.BytesIO(data))
    return [
        [str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None]
        for sheet in book.worksheets
    ]


def test_a_township_token_reads_its_villages_and_never_another_townships(world):  # noqa: F811
    app, w = world
    _, secret = _token(app, township=w["north"])
    api, auth = app.test_client(), _auth(secret)
    month = _this_month()

    answer = api.get(f"/api/v1/region/villages?month={month}", headers=auth)
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert body["region"] == {"kind": "township", "code": "NK-TJ", "name": "唐江镇"}
    assert [v["code"] for v in body["villages"]] == ["VA"]
    assert body["villages"][0]["awarded"] == 100 and body["total"]["households"] == 1
    # B by its code, alone or beside A's: not there, as a code that does not exist
    for query in ("village=VB", f"village=VB&month={month}", "village=NOPE", "village=%20VB"):
        refused = api.get(f"/api/v1/region/villages?{query}", headers=auth)
        assert refused.status_code == 404, query
        assert refused.get_json()["error"]["code"] == "unknown_village"
    # query strings the route does not read widen nothing; every month is A's alone
    forged = (
        f"village_id={w['b']}",
        f"township_id={w['south']}&township=NK-LL",
        f"district={w['district']}&district_id={w['district']}&scope=all",
        "village=VA&village=VB",
        "month=2020-01",
        "month=2100-12",
    )
    for query in forged:
        for path in ("/api/v1/region/villages", "/api/v1/region/ranking"):
            answer = api.get(f"{path}?{query}", headers=auth)
            text = answer.get_data(as_text=True)
            assert answer.status_code == 200, (path, query, text)
            assert SECRET not in text and "乙村" not in text and "VB" not in text, (path, query)
    ranking = api.get("/api/v1/region/ranking", headers=auth).get_json()
    assert [r["village"] for r in ranking["ranking"]] == ["甲村"]

    sheet = api.get(f"/api/v1/region/villages.xlsx?month={month}", headers=auth)
    assert sheet.status_code == 200 and sheet.mimetype == XLSX
    cells = _cells(sheet.data)
    assert cells[0][:3] == ["乡镇", "村编号", "村名"]  # Chinese headers by default
    flat = [c for sheet_cells in cells for c in sheet_cells]
    assert "甲村" in flat and not any("乙村" in c or SECRET in c for c in flat)
    english = api.get(
        f"/api/v1/region/villages.xlsx?month={month}",
        headers=auth | {"Accept-Language": "en"},
    )
    assert _cells(english.data)[0][:3] == ["Township", "Village code", "Village name"]
    assert api.get("/api/v1/region/villages.xlsx?village=VB", headers=auth).status_code == 404


def test_a_region_token_reaches_no_village_route_and_changes_nothing(world):  # noqa: F811
    app, w = world
    api = app.test_client()
    with unit_of_work(app.extensions["kiosk_db"].writer) as s:
        home = s.scalar(select(Household).where(Household.village_id == w["a"]))
        _, code_a = households.issue_passbook(s, home, actor="test")
    tokens = (_token(app, township=w["north"])[1], _token(app, district=w["district"])[1])
    before = fingerprint(app, w["b"])  # the district's token is in B's journal: B's rows since
    for token in tokens:
        auth = _auth(token)
        calls = [
            ("GET", f"/api/v1/passbooks/{code_a}", None),
            ("GET", f"/api/v1/passbooks/{w['code_b']}", None),
            ("GET", "/api/v1/products", None),
            (
                "POST",
                "/api/v1/redemptions",
                {"passbook": w["code_b"], "lines": [{"sku": "B-1", "qty": 1}],
                 "idempotency_key": "region-token-01", "kiosk": "K77"},
            ),
            ("POST", "/api/v1/awards", {"household": w["hb_number"], "points": 50}),
            ("POST", "/api/v1/awards", {"passbook": code_a, "points": 50}),
            ("POST", f"/api/v1/redemptions/{w['receipt_b']}/void", {"reason": "作废"}),
        ]  # fmt: skip
        for method, path, body in calls:
            answer = api.open(path, method=method, json=body, headers=auth)
            assert answer.status_code == 403, (path, answer.get_json())
            assert answer.get_json()["error"]["code"] == "token_for_region"
            assert "乡镇或区县" in answer.get_json()["error"]["message"]
    assert fingerprint(app, w["b"]) == before


def test_a_village_token_reaches_no_region_route(world):  # noqa: F811
    app, w = world
    api, auth = app.test_client(), _auth(w["token_a"])
    for path in (
        "/api/v1/region/villages",
        "/api/v1/region/villages.xlsx",
        "/api/v1/region/ranking",
    ):
        answer = api.get(path, headers=auth | {"Accept-Language": "en"})
        assert answer.status_code == 403
        assert answer.get_json()["error"]["code"] == "token_for_village"
        assert "village's token" in answer.get_json()["error"]["message"]


def test_a_district_token_reads_every_township_and_follows_a_moved_village(world):  # noqa: F811
    app, w = world
    api = app.test_client()
    district = _auth(_token(app, district=w["district"])[1])
    township = _auth(_token(app, township=w["south"])[1])
    body = api.get("/api/v1/region/villages", headers=district).get_json()
    assert body["region"]["kind"] == "district"
    assert sorted(v["code"] for v in body["villages"]) == ["VA", "VB"]
    assert body["total"]["households"] == sum(v["households"] for v in body["villages"])
    assert api.get("/api/v1/region/villages?village=VB", headers=district).status_code == 200
    south = api.get("/api/v1/region/villages", headers=township).get_json()
    assert [v["code"] for v in south["villages"]] == ["VB"]
    # The scope is computed at each call: B moved to A's township leaves the south's token
    with unit_of_work(app.extensions["kiosk_db"].writer) as s:
        s.execute(update(Village).where(Village.id == w["b"]).values(township_id=w["north"]))
    assert api.get("/api/v1/region/villages", headers=township).get_json()["villages"] == []
    assert api.get("/api/v1/region/villages?village=VB", headers=township).status_code == 404


def test_revoked_tokens_are_refused_from_their_next_call(world):  # noqa: F811
    app, w = world
    api = app.test_client()
    token_id, secret = _token(app, township=w["north"])
    assert api.get("/api/v1/region/villages", headers=_auth(secret)).status_code == 200
    with unit_of_work(app.extensions["kiosk_db"].writer) as s:
        village_token = s.scalar(select(ApiToken.id).where(ApiToken.village_id == w["a"]))
        accounts.revoke_api_token(s, token_id, actor="test")
        accounts.revoke_api_token(s, village_token, actor="test")
    for path, secret_used in (
        ("/api/v1/region/villages", secret),
        ("/api/v1/region/villages.xlsx", secret),
        ("/api/v1/products", w["token_a"]),
    ):
        answer = api.get(path, headers=_auth(secret_used))
        assert answer.status_code == 401, path
        assert answer.get_json()["error"]["code"] == "unauthorized"


def test_a_token_belongs_to_exactly_one_place(world):  # noqa: F811
    app, w = world
    with unit_of_work(app.extensions["kiosk_db"].writer) as s:
        for place in (
            {"village_id": w["a"], "township_id": w["north"], "role": "admin"},
            {"township_id": w["north"], "district_id": w["district"], "role": "township_viewer"},
            {"role": "district_viewer"},
            {"township_id": w["north"], "role": "admin"},
            {"village_id": w["a"], "role": "district_viewer"},
        ):
            with pytest.raises(IntegrityError), s.begin_nested():
                s.add(ApiToken(token_hash=f"x{len(place)}{place['role']}", **place))
                s.flush()


def test_a_township_admin_makes_sees_and_revokes_their_tokens_on_a_region_page(world):  # noqa: F811
    app, w = world
    admin = _signed_in(app, "tj-admin")
    _, south_secret = _token(app, township=w["south"], label=f"{SECRET}财政所")
    assert admin.post("/backoffice/region/tokens", {"label": " "}).status_code == 422
    made = admin.post("/backoffice/region/tokens", {"label": "镇财政所"})
    assert made.status_code == 200
    page = made.get_data(as_text=True)
    secret = page.split('<code id="token-secret">')[1].split("</code>")[0]
    assert secret.startswith("jft_") and "只显示这一次" in page
    assert (
        app.test_client().get("/api/v1/region/villages", headers=_auth(secret)).status_code == 200
    )
    listed = admin.get("/backoffice/region/tokens").get_data(as_text=True)
    assert "镇财政所" in listed and "乡镇查看" in listed
    assert secret not in listed and SECRET not in listed  # shown once; the south's not at all
    with unit_of_work(app.extensions["kiosk_db"].reader) as s:
        mine, south = (
            s.scalar(select(ApiToken.id).where(ApiToken.label == label))
            for label in ("镇财政所", f"{SECRET}财政所")
        )
        memos = list(s.scalars(select(Journal.memo).where(Journal.ref == f"token:{mine}")))
    assert memos == ["create api token role township_viewer 镇财政所"]  # A's journal, B's not
    # another township's token, and a village's token, are not found here
    assert admin.post(f"/backoffice/region/tokens/{south}/revoke").status_code == 404
    with unit_of_work(app.extensions["kiosk_db"].reader) as s:
        village_token = s.scalar(select(ApiToken.id).where(ApiToken.village_id == w["a"]))
    assert admin.post(f"/backoffice/region/tokens/{village_token}/revoke").status_code == 404
    assert app.test_client().get("/api/v1/products", headers=_auth(w["token_a"])).status_code == 200
    assert (
        app.test_client().get("/api/v1/region/villages", headers=_auth(south_secret)).status_code
        == 200
    )
    assert admin.post(f"/backoffice/region/tokens/{mine}/revoke").status_code == 303
    assert (
        app.test_client().get("/api/v1/region/villages", headers=_auth(secret)).status_code == 401
    )
    with unit_of_work(app.extensions["kiosk_db"].reader) as s:
        rows = s.execute(
            select(Journal.village_id, Journal.memo).where(Journal.ref == f"token:{mine}")
        ).all()
    assert sorted(rows) == [
        (w["a"], "create api token role township_viewer 镇财政所"),
        (w["a"], "revoke api token 镇财政所"),
    ]
    # a viewer reads the region but handles no token
    viewer = _signed_in(app, "tj-view")
    assert viewer.get("/backoffice/region/tokens").status_code == 403
    assert viewer.post("/backoffice/region/tokens", {"label": "x"}).status_code == 403


def test_the_command_line_makes_lists_and_revokes_a_region_token(world):  # noqa: F811
    app, w = world
    register(app)
    runner = app.test_cli_runner()
    made = runner.invoke(
        args=[
            "token",
            "create",
            "--role",
            "district_viewer",
            "--district",
            "NK",
            "--label",
            "区财政局",
        ]
    )
    assert made.exit_code == 0, made.output
    secret = made.output.strip()
    body = app.test_client().get("/api/v1/region/villages", headers=_auth(secret)).get_json()
    assert sorted(v["code"] for v in body["villages"]) == ["VA", "VB"]
    refused = runner.invoke(
        args=["token", "create", "--role", "township_viewer", "--village", "VA"]
    )
    assert refused.exit_code != 0 and "--township" in refused.output
    listed = runner.invoke(args=["token", "list", "--district", "NK"])
    assert "district_viewer\t区财政局" in listed.output and "a-admin" not in listed.output
    token_id = listed.output.split("\t")[0]
    # the village's list shows no region token; a village cannot revoke it
    assert "区财政局" not in runner.invoke(args=["token", "list", "--village", "VA"]).output
    assert runner.invoke(args=["token", "revoke", token_id, "--village", "VA"]).exit_code != 0
    revoked = runner.invoke(args=["token", "revoke", token_id, "--district", "NK"])
    assert revoked.exit_code == 0, revoked.output
    assert (
        app.test_client().get("/api/v1/region/villages", headers=_auth(secret)).status_code == 401
    )
    with unit_of_work(app.extensions["kiosk_db"].reader) as s:
        journaled = s.scalars(
            select(Journal.village_id).where(Journal.ref == f"token:{token_id}")
        ).all()
    assert sorted(journaled) == sorted([w["a"], w["b"]] * 2)  # issued and revoked, in each


def test_a_district_admin_makes_the_districts_token_and_sees_its_townships(world):  # noqa: F811
    app, w = world
    with unit_of_work(app.extensions["kiosk_db"].writer) as s:
        staff.create_staff(
            s, "nk-admin", "district_admin", PASSWORD, district=s.get(District, w["district"])
        )
    north_id, _ = _token(app, township=w["north"], label="唐江镇财政所")
    admin = _signed_in(app, "nk-admin")
    made = admin.post("/backoffice/region/tokens", {"label": "区财政局"})
    assert made.status_code == 200
    secret = made.get_data(as_text=True).split('<code id="token-secret">')[1].split("</code>")[0]
    body = app.test_client().get("/api/v1/region/villages", headers=_auth(secret)).get_json()
    assert body["region"]["kind"] == "district"
    assert sorted(v["code"] for v in body["villages"]) == ["VA", "VB"]
    listed = admin.get("/backoffice/region/tokens").get_data(as_text=True)
    assert "区财政局" in listed and "区县查看" in listed
    assert "唐江镇财政所" in listed and "<td>唐江镇</td>" in listed  # a township token, its place
    # the district's admin may revoke a township's token of the district
    assert admin.post(f"/backoffice/region/tokens/{north_id}/revoke").status_code == 303
    with unit_of_work(app.extensions["kiosk_db"].reader) as s:
        assert s.get(ApiToken, north_id).is_active is False
