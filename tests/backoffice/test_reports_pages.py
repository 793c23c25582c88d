"""Issue 12's reports in the back-office: notice, ranking and year-end pages and files, the lists,
the donor report and the dashboard; by role, read-only for the supervisor, files typed and
disarmed."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
from sqlalchemy import func, select

from shop import clock, households, points, redemptions
from shop.models import Household, Journal, Kiosk, Village
from shop.stock import receiving

PAGES = [
    "/backoffice/reports",
    "/backoffice/reports/notice?month={month}",
    "/backoffice/reports/ranking?year={year}",
    "/backoffice/reports/year-end?year={year}&policy=cap&cap=50",
]
FILES = [
    ("/backoffice/reports/notice/{month}.pdf", "application/pdf"),
    ("/backoffice/reports/notice/{month}.xlsx", "spreadsheetml"),
    ("/backoffice/reports/ranking/{year}.pdf", "application/pdf"),
    ("/backoffice/reports/ranking/{year}.xlsx", "spreadsheetml"),
    ("/backoffice/reports/year-end/{year}.pdf?policy=expire", "application/pdf"),
    ("/backoffice/reports/year-end/{year}.xlsx?policy=expire", "spreadsheetml"),
    ("/backoffice/reports/balances.xlsx", "spreadsheetml"),
    ("/backoffice/reports/balances.csv", "text/csv"),
    ("/backoffice/reports/awards.xlsx?from=2000-01-01&to={today}", "spreadsheetml"),
    ("/backoffice/reports/awards.csv?from=2000-01-01&to={today}", "text/csv"),
    ("/backoffice/reports/redemptions.xlsx?from=2000-01-01&to={today}", "spreadsheetml"),
    ("/backoffice/reports/redemptions.csv?from=2000-01-01&to={today}", "text/csv"),
]


def _fill(path: str) -> str:
    today = clock.today()
    return path.format(month=f"{today.year}-{today.month:02d}", year=today.year, today=today)


def _book(response):
    return openpyxl.load_workbook(io.BytesIO(response.data))


def _journal_state(app):
    with app.extensions["kiosk_db"].reader() as db:
        return db.scalar(select(func.count(Journal.id))), db.scalar(select(func.max(Journal.hash)))


def test_the_supervisor_produces_every_report_and_changes_nothing(app, staff_client):
    before = _journal_state(app)
    supervisor = staff_client("supervisor")
    for path in PAGES:
        page = supervisor.get(_fill(path))
        assert page.status_code == 200, path
        assert "integrity" not in page.text and "Traceback" not in page.text
    for path, kind in FILES:
        got = supervisor.get(_fill(path))
        assert got.status_code == 200, path
        assert kind in got.content_type, (path, got.content_type)
        if kind == "application/pdf":
            assert got.data.startswith(b"%PDF"), path
        elif kind == "text/csv":
            assert got.data.startswith(b"\xef\xbb\xbf"), path
            assert "attachment" in got.headers["Content-Disposition"]
    assert _journal_state(app) == before  # read-only: not one ledger row more


def test_no_report_route_writes(app):
    from kiosk.backoffice import reports_views

    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        if getattr(view, "__module__", "") == reports_views.__name__:
            assert rule.methods - {"HEAD", "OPTIONS"} == {"GET"}, rule.rule


def test_a_volunteer_may_not_see_the_notice_files_and_the_signed_out_are_sent_to_sign_in(
    app, staff_client
):
    volunteer = staff_client("volunteer")
    for path, _kind in FILES:
        assert volunteer.get(_fill(path)).status_code == 403, path
    assert volunteer.get("/backoffice/reports").status_code == 200
    anonymous = staff_client(None)
    response = anonymous.get(_fill(FILES[0][0]))
    assert response.status_code == 302 and "/backoffice/login" in response.headers["Location"]


def test_the_notice_preview_and_its_xlsx_agree_with_the_service(app, staff_client):
    clerk = staff_client("clerk")
    today = clock.today()
    month = f"{today.year}-{today.month:02d}"
    with app.extensions["kiosk_db"].writer() as db:
        village = db.scalar(select(Village))
        home = db.scalar(select(Household).order_by(Household.number))
        points.award_points(db, home, delta=7, actor="staff:panel", memo="清理河道")
        db.commit()
        number = home.number
    page = clerk.get(f"/backoffice/reports/notice?month={month}")
    assert "清理河道" in page.text
    book = _book(clerk.get(f"/backoffice/reports/notice/{month}.xlsx"))
    assert book.sheetnames == ["公示明细", "户合计", "链头"]
    rows = [[c.value for c in r] for r in book["公示明细"].iter_rows(min_row=2)]
    mine = [r for r in rows if r[1] == number and r[5] == "清理河道"]
    assert mine and mine[0][6] == 7 and isinstance(mine[0][3], dt.datetime)
    with app.extensions["kiosk_db"].reader() as db:
        households_count = db.scalar(
            select(func.count(Household.id)).where(Household.village_id == village.id)
        )
    assert book["户合计"].max_row == households_count + 1  # every household, with or without


def test_the_year_end_page_previews_the_policy_and_the_file_says_the_same(app, staff_client):
    panel = staff_client("panel")
    year = clock.today().year
    with app.extensions["kiosk_db"].reader() as db:
        over = db.scalar(select(func.count(Household.id)).where(Household.balance > 10))
        lose = db.scalar(
            select(func.coalesce(func.sum(Household.balance - 10), 0)).where(Household.balance > 10)
        )
    page = panel.get(f"/backoffice/reports/year-end?year={year}&policy=cap&cap=10")
    assert 'data-state="preview"' in page.text
    assert f'id="year-end-total">{lose}<' in page.text
    book = _book(panel.get(f"/backoffice/reports/year-end/{year}.xlsx?policy=cap&cap=10"))
    summary = {r[0].value: r[1].value for r in book["汇总"].iter_rows(min_row=2)}
    assert summary["扣减积分合计"] == lose and summary["涉及户数"] == over
    assert book["各户明细"].max_row == over + 1


def test_balances_xlsx_has_every_household_with_numbers_and_disarmed_names(app, staff_client):
    with app.extensions["kiosk_db"].writer() as db:
        village = db.scalar(select(Village))
        evil = households.create_household(
            db, village, "99-001", '=HYPERLINK("http://evil.example","领奖")', actor="t"
        )
        points.award_points(db, evil, delta=12, actor="t")
        db.commit()
        total = db.scalar(
            select(func.sum(Household.balance)).where(Household.village_id == village.id)
        )
        count = db.scalar(
            select(func.count(Household.id)).where(Household.village_id == village.id)
        )
    book = _book(staff_client("clerk").get("/backoffice/reports/balances.xlsx"))
    ws = book["积分余额"]
    assert [c.value for c in ws[1]][:6] == ["村民小组", "户号", "户主", "人口", "状态", "积分余额"]
    rows = list(ws.iter_rows(min_row=2))
    assert len(rows) == count
    assert all(r[5].data_type == "n" for r in rows)
    assert sum(r[5].value for r in rows) == total
    evil_row = next(r for r in rows if r[1].value == "99-001")
    assert evil_row[2].value.startswith("'=") and evil_row[2].data_type == "s"
    assert evil_row[5].value == 12


def test_the_redemption_list_has_one_row_per_receipt_and_per_line_for_the_period(app, staff_client):
    with app.extensions["kiosk_db"].writer() as db:
        kiosk = db.scalar(select(Kiosk).order_by(Kiosk.id))
        home = db.scalar(select(Household).where(Household.balance > 40).order_by(Household.id))
        sale = redemptions.redeem(
            db, home, {"FZ-1": 2, "YG-1": 1}, kiosk=kiosk, idempotency_key="list-sale-001"
        )
        db.commit()
        receipt_no = sale.receipt_no
    today = clock.today().isoformat()
    book = _book(
        staff_client("clerk").get(f"/backoffice/reports/redemptions.xlsx?from={today}&to={today}")
    )
    receipts = [[c.value for c in r] for r in book["兑换小票"].iter_rows(min_row=2)]
    assert [r[0] for r in receipts].count(receipt_no) == 1
    lines = [[c.value for c in r] for r in book["兑换明细"].iter_rows(min_row=2)]
    mine = [r for r in lines if r[0] == receipt_no]
    assert sorted((r[3], r[6]) for r in mine) == [("FZ-1", 2), ("YG-1", 1)]
    assert sum(r[8] for r in mine) == sale.total


def test_a_partner_companys_goods_are_followed_to_the_households(app, staff_client):
    with app.extensions["kiosk_db"].writer() as db:
        village = db.scalar(select(Village))
        kiosk = db.scalar(select(Kiosk).order_by(Kiosk.id))
        before = db.scalar(select(func.count(Journal.id)))
        # Empty the shelf of towels first, so the partner's towels are the ones redeemed.
        from shop.models import Product

        towel = db.scalar(select(Product).where(Product.sku == "MJ-1"))
        if towel.on_hand:
            from shop import stock

            stock.adjust_stock(db, towel, -towel.on_hand, actor="t", reason="清空")
        receiving.receive_delivery(
            db,
            village,
            [("MJ-1", 10)],
            source_kind="partner",
            source_name="赣南日化有限公司",
            value_yuan=150,
            actor="staff:volunteer",
        )
        buyers = db.scalars(
            select(Household).where(Household.balance >= 30).order_by(Household.id).limit(3)
        ).all()
        sales = [
            redemptions.redeem(db, h, {"MJ-1": 1}, kiosk=kiosk, idempotency_key=f"donor-{i:04d}")
            for i, h in enumerate(buyers)
        ]
        redemptions.void_redemption(db, sales[2], reason="拿错了", actor="staff:clerk")
        db.commit()
        assert db.scalar(select(func.count(Journal.id))) > before
    page = staff_client("volunteer").get("/backoffice/reports/donor?name=赣南日化有限公司")
    assert page.status_code == 200
    assert 'id="donor-given">150.00<' in page.text
    assert 'id="donor-redeemed">30.00<' in page.text  # two towels at 15 元, one given back
    assert 'id="donor-households">2<' in page.text
    book = _book(
        staff_client("supervisor").get("/backoffice/reports/donor.xlsx?name=赣南日化有限公司")
    )
    goods = [[c.value for c in r] for r in book["去向"].iter_rows(min_row=2)]
    assert goods == [["MJ-1", "毛巾", "条", 10, 2, 8, 0, 150, 30, 120]]
    assert staff_client("clerk").get("/backoffice/reports/donor?name=没有这家").status_code == 404


def test_the_dashboard_shows_the_villages_figures_to_readers_only(app, staff_client):
    with app.extensions["kiosk_db"].reader() as db:
        outstanding = db.scalar(select(func.sum(Household.balance)))
    home = staff_client("supervisor").get("/backoffice/")
    assert 'id="dashboard"' in home.text
    assert f"<b>{outstanding}</b>" in home.text.split('id="dash-outstanding"')[1][:200]
    assert home.text.count("<svg") >= 4 and "<script" not in home.text.split('id="dashboard"')[1]
    assert 'id="dashboard"' not in staff_client("volunteer").get("/backoffice/").text


def test_the_dashboards_month_and_year_agree_with_the_ledger_summed_directly(app):
    from shop import reports

    with app.extensions["kiosk_db"].writer() as db:
        village = db.scalar(select(Village))
        kiosk = db.scalar(select(Kiosk).order_by(Kiosk.id))
        home = db.scalar(select(Household).where(Household.balance > 20).order_by(Household.id))
        points.award_points(db, home, delta=9, actor="t")
        points.award_points(db, home, delta=-4, actor="t")
        sale = redemptions.redeem(db, home, {"FZ-1": 1}, kiosk=kiosk, idempotency_key="dash-0001")
        redemptions.void_redemption(db, sale, reason="退回", actor="t")
        redemptions.redeem(db, home, {"YG-1": 1}, kiosk=kiosk, idempotency_key="dash-0002")
        db.commit()
        today = clock.today()
        dash = reports.dashboard(db, village, today=today)
        month = reports.points_between(db, village.id, *clock.month_bounds(today.year, today.month))
        year = reports.points_between(db, village.id, *clock.year_bounds(today.year))
        outstanding = db.scalar(
            select(func.sum(Household.balance)).where(Household.village_id == village.id)
        )
    assert dash.month == month and dash.year == year
    assert month.awarded >= 9 and month.deducted >= 4 and month.redeemed >= 3
    assert dash.outstanding == outstanding
    assert sum(a for _m, a, _r in dash.monthly) == year.awarded
