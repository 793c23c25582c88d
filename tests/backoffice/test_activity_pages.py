"""Activities (活动) through the back-office's pages: the panel creates one, the clerk signs
households up, a group recorder scans passbooks at the activity, the panel closes it and finds
one batch in its review; another village's staff see and change nothing of it."""

from __future__ import annotations

import csv
import functools
import re

import pytest
from sqlalchemy import func, select

from shop import staff
from shop.db import unit_of_work
from shop.models import ActivitySignup, Household, ReviewBatch, Rule, Village
from shop.regions import operations as regions

from .conftest import PASSWORD, StaffClient
from .test_pages_postgres import pg_app  # noqa: F401  (the demo instance on PostgreSQL)


def _passbooks(app) -> list[dict]:
    with open(f"{app.instance_path}/demo-passbooks.csv", encoding="utf-8-sig") as f:
        return [r for r in csv.DictReader(f) if not r["说明"]]


def _deed(app) -> tuple[int, int]:
    with app.extensions["kiosk_db"].reader() as s:
        rule = s.scalar(select(Rule).where(Rule.points > 0).order_by(Rule.id).limit(1))
        return rule.id, rule.points


def _ids(app, numbers) -> list[int]:
    with app.extensions["kiosk_db"].reader() as s:
        return list(s.scalars(select(Household.id).where(Household.number.in_(numbers))))


def _create(panel, rule_id: int, **extra) -> int:
    made = panel.post(
        "/backoffice/activities",
        {"name": "村屯绿化", "rule_id": rule_id, "held_on": "2026-12-06", "place": "村口", **extra},
    )
    assert made.status_code == 303, made.text
    return int(re.search(r"/activities/(\d+)", made.headers["Location"]).group(1))


def _recorder(app, username: str = "leader7") -> None:
    with unit_of_work(app.extensions["kiosk_db"].writer) as s:
        village = s.scalar(select(Village).order_by(Village.id).limit(1))
        staff.create_staff(s, username, "recorder", PASSWORD, village=village)


def _signed_in(app, role: str | None = None) -> StaffClient:
    client = StaffClient(app)
    if role:
        assert client.login(role).status_code == 303
    return client


def test_an_activity_from_the_pages_to_one_batch_in_review(app):
    _walk(app)


@pytest.mark.postgres
def test_an_activity_from_the_pages_on_postgresql(pg_app):  # noqa: F811
    assert pg_app.extensions["kiosk_db"].engine.dialect.name == "postgresql"
    _walk(pg_app)


def _walk(app) -> None:
    staff_client = functools.partial(_signed_in, app)
    rows = _passbooks(app)[:3]
    rule_id, deed_points = _deed(app)
    panel = staff_client("panel")
    activity_id = _create(panel, rule_id, capacity="40")
    page = panel.get(f"/backoffice/activities/{activity_id}")
    assert page.status_code == 200 and "村屯绿化" in page.text and "村口" in page.text
    assert "0</b> / 40" in page.text

    clerk = staff_client("clerk")
    signed = clerk.post(
        f"/backoffice/activities/{activity_id}/signup",
        {"household": [str(i) for i in _ids(app, [r["户号"] for r in rows])]},
        follow_redirects=True,
    )
    assert "已报名3户" in signed.text
    assert clerk.post(f"/backoffice/activities/{activity_id}/close").status_code == 403

    _recorder(app)
    leader = staff_client()
    assert leader.login("leader7").status_code == 303
    for row in rows[:2]:
        scanned = leader.post(
            f"/backoffice/activities/{activity_id}/scan",
            {"code": row["存折二维码"]},
            follow_redirects=True,
        )
        assert f"{row['户号']} {row['户主']} 签到成功" in scanned.text
    again = leader.post(
        f"/backoffice/activities/{activity_id}/scan",
        {"code": rows[0]["存折二维码"]},
        follow_redirects=True,
    )
    assert "已经签到过了" in again.text
    wrong = leader.post(
        f"/backoffice/activities/{activity_id}/scan", {"code": "hello"}, follow_redirects=True
    )
    assert "这张卡认不出来" in wrong.text
    page = leader.get(f"/backoffice/activities/{activity_id}").text
    assert re.search(r'id="attended-count">2<', page)
    assert 'id="activity-close"' not in page  # the recorder takes attendance; the panel closes

    closed = panel.post(f"/backoffice/activities/{activity_id}/close", follow_redirects=True)
    assert "2户送评定小组审核" in closed.text
    review = panel.get("/backoffice/review").text
    with app.extensions["kiosk_db"].reader() as s:
        batch = s.scalar(select(ReviewBatch).order_by(ReviewBatch.id.desc()).limit(1))
        assert (len(batch.lines), batch.points) == (2, deed_points)
    assert f'data-batch="{batch.id}"' in review and "活动：村屯绿化 2026-12-06 村口" in review
    # Closed: no more scans, and the journal reads as sentences.
    late = leader.post(
        f"/backoffice/activities/{activity_id}/scan",
        {"code": rows[2]["存折二维码"]},
        follow_redirects=True,
    )
    assert "这个活动已经结束或取消了" in late.text
    supervisor = staff_client("supervisor")
    journal = supervisor.get("/backoffice/journal").text
    assert "新建活动：村屯绿化，2026-12-06，村口" in journal
    assert f"活动结束：签到2户，送评定小组审核（录入批次 {batch.id}）" in journal


def test_ticks_and_the_list_page_in_english(app, staff_client):
    rows = _passbooks(app)[3:5]
    rule_id, _ = _deed(app)
    panel = staff_client("panel")
    activity_id = _create(panel, rule_id)
    panel.post(
        f"/backoffice/activities/{activity_id}/signup",
        {"household": [str(i) for i in _ids(app, [r["户号"] for r in rows])]},
    )
    with app.extensions["kiosk_db"].reader() as s:
        first = s.scalar(
            select(ActivitySignup.id)
            .where(ActivitySignup.activity_id == activity_id)
            .order_by(ActivitySignup.id)
            .limit(1)
        )
    ticked = panel.post(
        f"/backoffice/activities/{activity_id}/ticks",
        {"present": str(first)},
        follow_redirects=True,
    )
    assert "新签到1户" in ticked.text
    panel.post("/backoffice/lang", {"lang": "en", "next": "/backoffice/"})
    listing = panel.get("/backoffice/activities").text
    assert "Activities" in listing and "New activity" in listing
    assert re.search(rf'data-activity="{activity_id}"', listing)


def test_a_cancelled_activity_and_refusals_in_plain_words(app, staff_client):
    rule_id, _ = _deed(app)
    panel = staff_client("panel")
    refused = panel.post(
        "/backoffice/activities",
        {"name": "x", "rule_id": rule_id, "held_on": "", "place": ""},
        follow_redirects=True,
    )
    assert "请填写活动日期。" in refused.text
    mistyped = panel.post(
        "/backoffice/activities",
        {"name": "x", "rule_id": rule_id, "held_on": "12月6日", "place": ""},
        follow_redirects=True,
    )
    assert "日期格式不对，请写成2026-12-01这样。" in mistyped.text
    too_many = panel.post(
        "/backoffice/activities",
        {"name": "x", "rule_id": rule_id, "held_on": "2026-12-06", "capacity": "9999"},
        follow_redirects=True,
    )
    assert "人数上限要写1到300之间的数字" in too_many.text
    activity_id = _create(panel, rule_id)
    no_reason = panel.post(f"/backoffice/activities/{activity_id}/cancel", follow_redirects=True)
    assert "请" in no_reason.text and "进行中" in no_reason.text
    done = panel.post(
        f"/backoffice/activities/{activity_id}/cancel",
        {"reason": "下大雨"},
        follow_redirects=True,
    )
    assert "活动已取消" in done.text and "已取消：下大雨" in done.text


def test_another_villages_staff_see_and_change_nothing_of_an_activity(app, staff_client):
    rule_id, _ = _deed(app)
    rows = _passbooks(app)[:1]
    panel = staff_client("panel")
    activity_id = _create(panel, rule_id)
    with unit_of_work(app.extensions["kiosk_db"].writer) as s:
        other = regions.create_village(s, "VX", "乙村", is_demo=True)
        staff.create_staff(s, "panelx", "panel", PASSWORD, village=other)
    stranger = staff_client()
    assert stranger.login("panelx").status_code == 303
    assert stranger.get(f"/backoffice/activities/{activity_id}").status_code == 404
    assert f'data-activity="{activity_id}"' not in stranger.get("/backoffice/activities").text
    stranger.post(f"/backoffice/activities/{activity_id}/scan", {"code": rows[0]["存折二维码"]})
    stranger.post(f"/backoffice/activities/{activity_id}/close")
    with app.extensions["kiosk_db"].reader() as s:
        assert s.scalar(select(func.count(ActivitySignup.id))) == 0
    page = panel.get(f"/backoffice/activities/{activity_id}").text
    assert "进行中" in page
