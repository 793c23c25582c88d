"""The waiting screen shows the village's notices: last month's public notice, last year's
ranking and an announced year-end, in Chinese, matching the ledger."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from sqlalchemy import select

from shop import points, transparency
from shop.models import Household, Village

from .conftest import screen_of
from .test_screens import _db

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def test_waiting_screen_shows_last_months_notice_the_ranking_and_a_year_end(app, kiosk):
    today = dt.datetime.now(SHANGHAI).date()
    last_month_day = today.replace(day=1) - dt.timedelta(days=3)
    last_year_day = dt.date(today.year - 1, 6, 15)
    with _db(app).writer() as session, session.begin():
        village = session.scalar(select(Village))
        homes = session.scalars(select(Household).order_by(Household.number).limit(3)).all()
        at = dt.datetime.combine(last_month_day, dt.time(10), SHANGHAI)
        points.award_points(session, homes[0], delta=7, actor="panel:t", memo="志愿服务", at=at)
        old = dt.datetime.combine(last_year_day, dt.time(10), SHANGHAI)
        points.award_points(session, homes[1], delta=500, actor="panel:t", memo="见义勇为", at=old)
        transparency.announce_year_end(
            session,
            village,
            today.year,
            "expire",
            today + dt.timedelta(days=20),
            actor="panel:t",
            today=today,
        )
        first_number, first_name, champion = homes[0].number, homes[0].head_name, homes[1].head_name
    app.extensions.pop("kiosk_notices", None)
    page = kiosk.get("/", htmx=False)
    assert screen_of(page) == ("waiting", None)
    assert f"{last_month_day.year}年{last_month_day.month}月积分公示" in page.text
    assert first_number in page.text and first_name in page.text
    assert "核对码：第" in page.text
    assert f"{today.year - 1}年积分排名" in page.text and champion in page.text
    assert "年终积分处理公告" in page.text and "清零" in page.text


def test_waiting_screen_still_invites_a_scan_without_notices(make_app):
    app = make_app(DEVICE="K99")  # a kiosk the database does not know: no village, no notices
    page = app.test_client().get("/")
    assert screen_of(page) == ("waiting", None)
    assert 'id="notice-slides"' not in page.text
