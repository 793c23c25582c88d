"""Points in the back-office: batch awards all or nothing, reversals once with a reason,
applications, award import that re-imports harmlessly, statements and passbook cards."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import func, select

from shop import households, points
from shop.errors import DomainError
from shop.households import cards, statements
from shop.models import Household, Journal, PointsEntry
from shop.tabular import read_table

from .test_roster import FORMATS

FONT = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"


def _balances(session, ids):
    return [session.get(Household, i).balance for i in ids]


def test_batch_award_previews_totals_then_awards_every_household(
    session, village, create_household, create_rule
):
    rule = create_rule(5)
    homes = [create_household(), create_household(balance=10), create_household()]
    ids = [h.id for h in homes]
    preview = points.preview_batch(session, village.id, rule, ids)
    assert preview.ok and preview.total == 15
    assert _balances(session, ids) == [0, 10, 0]
    points.apply_batch(
        session, village.id, rule, ids, actor="staff:panel", batch_key="k1", memo="十一月评比"
    )
    for h in homes:
        session.refresh(h)
    assert _balances(session, ids) == [5, 15, 5]
    # A double submit of the same batch awards nothing more.
    points.apply_batch(
        session, village.id, rule, ids, actor="staff:panel", batch_key="k1", memo="十一月评比"
    )
    for h in homes:
        session.refresh(h)
    assert _balances(session, ids) == [5, 15, 5]
    # One decision, one journal event, a posting per household.
    (row,) = session.scalars(select(Journal).where(Journal.memo == "十一月评比")).all()
    assert row.actor == "staff:panel" and row.kind == "award"
    postings = session.scalars(select(PointsEntry).where(PointsEntry.journal_id == row.id)).all()
    assert sorted((p.household_id, p.delta, p.balance_after) for p in postings) == sorted(
        zip(ids, [5, 5, 5], [5, 15, 5], strict=True)
    )
    # The same key with other content is refused.
    with pytest.raises(DomainError) as conflict:
        points.apply_batch(
            session,
            village.id,
            rule,
            ids[:2],
            actor="staff:panel",
            batch_key="k1",
            memo="十一月评比",
        )
    assert conflict.value.code == "idempotency_conflict"
    # One household's entry of the batch can be reversed; the others stay.
    points.reverse_award(
        session, village.id, row.id, reason="不该给", actor="staff:panel", household_id=ids[1]
    )
    with pytest.raises(DomainError) as unnamed:
        points.reverse_award(session, village.id, row.id, reason="x", actor="staff:panel")
    assert unnamed.value.code == "choose_household"
    for h in homes:
        session.refresh(h)
    assert _balances(session, ids) == [5, 10, 5]


def test_a_batch_deduction_applies_at_any_balance(session, village, create_household, create_rule):
    deduction = create_rule(-10, name="乱倒垃圾")
    rich, poor = create_household(balance=50), create_household(balance=3)
    preview = points.preview_batch(session, village.id, deduction, [rich.id, poor.id])
    assert preview.ok
    assert [(line.before, line.after) for line in preview.lines] == [(50, 40), (3, -7)]
    points.apply_batch(
        session, village.id, deduction, [rich.id, poor.id], actor="t", batch_key="k2"
    )
    assert _balances(session, [rich.id, poor.id]) == [40, -7]


def test_a_batch_with_one_unknown_household_awards_none(
    session, village, create_household, create_rule
):
    deduction = create_rule(-10, name="乱倒垃圾")
    rich = create_household(balance=50)
    with pytest.raises(DomainError) as refused:
        points.apply_batch(
            session, village.id, deduction, [rich.id, 987654], actor="t", batch_key="k3"
        )
    assert refused.value.code == "unknown_household"
    session.refresh(rich)
    assert rich.balance == 50


def test_a_wrong_award_is_reversed_once_with_a_reason(
    session, village, create_household, create_rule
):
    rule = create_rule(20)
    h = create_household()
    points.apply_batch(session, village.id, rule, [h.id], actor="staff:panel", batch_key="k3")
    journal_id = session.scalar(
        select(PointsEntry.journal_id).where(PointsEntry.household_id == h.id)
    )
    with pytest.raises(DomainError) as no_reason:
        points.reverse_award(session, village.id, journal_id, reason=" ", actor="staff:panel")
    assert no_reason.value.code == "reason_required"
    points.reverse_award(session, village.id, journal_id, reason="评错了户", actor="staff:panel")
    session.refresh(h)
    assert h.balance == 0
    with pytest.raises(DomainError) as twice:
        points.reverse_award(session, village.id, journal_id, reason="again", actor="t")
    assert twice.value.code == "already_reversed"
    lines = statements.statement_lines(session, h)
    assert [(x.delta, x.balance) for x in lines] == [(20, 20), (-20, 0)]
    assert "评错了户" in lines[-1].memo
    other = select(Journal.id).where(
        Journal.village_id == village.id, Journal.kind.not_in(("award", "deduction"))
    )
    with pytest.raises(DomainError) as not_award:
        points.reverse_award(
            session, village.id, session.scalar(other.limit(1)), reason="x", actor="t"
        )
    assert not_award.value.code == "not_an_award"
    assert not_award.value.text == "这一条不是加分或扣分，不能这样更正。"


def test_applications_are_approved_into_awards_or_rejected_with_a_reason(
    session, village, create_household, create_rule
):
    rule = create_rule(8, name="参加志愿服务一次")
    h = create_household()
    first = points.submit_application(session, h, rule, memo="清理河道", actor="staff:clerk")
    second = points.submit_application(session, h, rule, actor="staff:clerk")
    assert {a.id for a in points.pending_applications(session, village.id)} >= {first.id, second.id}
    points.approve_application(session, village.id, first.id, actor="staff:panel")
    session.refresh(h)
    assert h.balance == 8 and first.state == "approved" and first.decided_by == "staff:panel"
    with pytest.raises(DomainError) as again:
        points.approve_application(session, village.id, first.id, actor="staff:panel")
    assert again.value.code == "already_decided"
    with pytest.raises(DomainError) as bare:
        points.reject_application(session, village.id, second.id, reason="", actor="staff:panel")
    assert bare.value.code == "reason_required"
    points.reject_application(
        session, village.id, second.id, reason="没有证明", actor="staff:panel"
    )
    assert second.state == "rejected" and second.reason == "没有证明"
    session.refresh(h)
    assert h.balance == 8
    with pytest.raises(DomainError) as unknown:
        points.approve_application(session, village.id, 987654321, actor="staff:panel")
    assert unknown.value.code == "unknown_application"
    assert unknown.value.text == "没有这条申请。"


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_award_import_previews_refuses_bad_rows_and_reimports_harmlessly(
    session, village, create_household, create_rule, fmt
):
    rule = create_rule(5, name=f"庭院整洁{fmt}")
    a, b = create_household(), create_household(balance=2)
    header = ["户号", "积分项目", "分值", "说明"]
    good = [
        [a.number, rule.name, "", "11月"],
        [b.number, "", "-2", "扣分"],
        [a.number, "", "7", "另加"],
    ]
    rows = read_table(f"a.{fmt}", FORMATS[fmt](good, header))
    preview = points.preview_award_import(session, village.id, rows)
    assert preview.ok and preview.total == 10
    points.apply_award_import(session, village.id, rows, actor="staff:panel")
    session.refresh(a)
    session.refresh(b)
    assert (a.balance, b.balance) == (12, 0)
    count = session.scalar(select(func.count(Journal.id)))
    again = points.preview_award_import(session, village.id, rows)
    assert again.ok and again.new_lines == []
    points.apply_award_import(session, village.id, rows, actor="staff:panel")
    assert session.scalar(select(func.count(Journal.id))) == count

    bad = read_table(
        f"b.{fmt}",
        FORMATS[fmt](
            [
                [a.number, rule.name, "", "12月"],  # fine
                ["no-such", rule.name, "", ""],  # unknown household
                [a.number, "没有这个项目", "", ""],  # unknown rule
                [a.number, "", "abc", ""],  # not a number
                [a.number, rule.name, "", "12月"],  # duplicate of line 2
                [b.number, "", "-5", "扣"],  # more than b has: a deduction applies anyway
            ],
            header,
        ),
    )
    preview = points.preview_award_import(session, village.id, bad)
    assert [line for line, _ in preview.errors] == [3, 4, 5, 6]
    with pytest.raises(DomainError) as refused:
        points.apply_award_import(session, village.id, bad, actor="t")
    assert refused.value.code == "file_has_bad_rows"
    assert session.scalar(select(func.count(Journal.id))) == count
    session.refresh(a)
    assert a.balance == 12
    below = read_table(f"c.{fmt}", FORMATS[fmt]([[b.number, "", "-5", "扣"]], header))
    assert points.preview_award_import(session, village.id, below).ok
    points.apply_award_import(session, village.id, below, actor="staff:panel")
    session.refresh(b)
    assert b.balance == -5


def test_statement_filters_by_date_and_prints_as_slip_and_pdf(session, village, create_household):
    h = create_household(balance=30)
    from shop import points

    old = dt.datetime(2025, 3, 1, 12, tzinfo=dt.UTC)
    points.award_points(session, h, delta=5, actor="t", memo="old", at=old)
    everything = statements.statement_lines(session, h)
    assert [x.balance for x in everything] == [30, 35]
    only_old = statements.statement_lines(
        session, h, date_from=dt.date(2025, 3, 1), date_to=dt.date(2025, 3, 1)
    )
    assert [x.memo for x in only_old] == ["old"]
    now = dt.datetime.now(dt.UTC)
    slip = statements.statement_slip(session, h, everything, tz=dt.UTC, now=now)
    assert "35" in "\n".join(slip.layout(32).text_lines())
    pdf = statements.statement_pdf(session, h, everything, tz=dt.UTC, now=now, font_path=FONT)
    assert pdf.startswith(b"%PDF")


def test_cards_sheet_holds_ten_cards_a_page_and_a_card_prints_on_receipt_paper(
    session, village, create_household
):
    h = create_household()
    book, code = households.issue_passbook(session, h, actor="staff:panel")
    card = cards.Card(
        village.name, h.number, h.head_name, h.group_name, dt.date.today(), book.serial, code
    )
    pdf = cards.cards_pdf([card] * 11, font_path=FONT)
    assert pdf.startswith(b"%PDF") and len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf)) == 2
    layout = card.layout(32)
    assert layout.qr_payloads == [code]
    assert any(h.number in line for line in layout.text_lines())


def test_reissue_through_the_page_gives_a_one_time_card_sheet_and_the_old_code_scans_lost(
    app, staff_client
):
    import csv
    import re
    from pathlib import Path

    folder = Path(app.instance_path)
    with (folder / "demo-passbooks.csv").open(encoding="utf-8-sig") as f:
        row = next(r for r in csv.DictReader(f) if not r["说明"])
    with app.extensions["kiosk_db"].reader() as db:
        hid = db.scalar(select(Household.id).where(Household.number == row["户号"]))
    client = staff_client("panel")
    page = client.post(
        f"/backoffice/households/{hid}/passbooks",
        {"reissue": "1", "output": "a4", "confirm": "1", "reason": "lost"},
    )
    assert page.status_code == 200
    link = re.search(r'href="(/backoffice/cards/[^"]+\.pdf)"', page.text).group(1)
    sheet = client.get(link)
    assert sheet.status_code == 200 and sheet.data.startswith(b"%PDF")
    # A GET changes nothing (finding 26: a prefetch must not destroy the only copy of the codes)
    assert client.get(link).status_code == 200
    token = link.rsplit("/", 1)[1].removesuffix(".pdf")
    assert client.post(f"/backoffice/cards/{token}/discard").status_code == 303
    assert client.get(link).status_code == 404  # deleted when the clerk says so
    with app.extensions["kiosk_db"].reader() as db, pytest.raises(DomainError) as lost:
        households.lookup_passbook(db, row["存折二维码"])
    assert lost.value.code == "passbook_revoked"


def test_batch_award_through_the_pages(app, staff_client):
    import re

    client = staff_client("panel")
    form_page = client.get("/backoffice/awards/new").text
    batch_key = re.search(r'name="batch_key" value="([^"]+)"', form_page).group(1)
    rule_id = re.search(r'<option value="(\d+)">庭院整洁', form_page).group(1)
    ids = re.findall(r'name="household" value="(\d+)"', form_page)[:3]
    data = {"rule_id": rule_id, "batch_key": batch_key, "memo": "评比", "household": ids}
    preview = client.post("/backoffice/awards/preview", data, headers={"HX-Request": "true"})
    assert preview.text.startswith('<section id="award-preview"')
    assert 'id="award-total">+15<' in preview.text
    with app.extensions["kiosk_db"].reader() as db:
        before = [db.get(Household, int(i)).balance for i in ids]
    assert client.post("/backoffice/awards", data).status_code == 303
    assert client.post("/backoffice/awards", data).status_code == 303  # double submit
    with app.extensions["kiosk_db"].reader() as db:
        after = [db.get(Household, int(i)).balance for i in ids]
    assert [b - a for a, b in zip(before, after, strict=True)] == [5, 5, 5]
    from shop.ledger.verify import verify_ledger

    with app.extensions["kiosk_db"].engine.connect() as conn:
        assert verify_ledger(conn).ok


def test_card_and_statement_go_to_the_receipt_printer(app, staff_client):
    from pathlib import Path

    client = staff_client("panel")
    with app.extensions["kiosk_db"].reader() as db:
        hid = db.scalar(select(Household.id).where(Household.status == "active").limit(1))
    issued = client.post(
        f"/backoffice/households/{hid}/passbooks",
        {"reissue": "1", "output": "thermal", "confirm": "1", "reason": "damaged"},
    )
    assert issued.status_code == 200 and "存折卡已打印" in issued.text
    assert "cards-download" not in issued.text  # no sheet kept for a thermal card
    printed = client.post(f"/backoffice/households/{hid}/statement/print", {})
    assert printed.status_code == 303
    previews = list((Path(app.instance_path) / "receipts").glob("*"))
    assert any("passbook" in p.name for p in previews)
    assert any("statement" in p.name for p in previews)
    pdf = client.get(f"/backoffice/households/{hid}/statement.pdf?from=2020-01-01")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")


def test_a_retired_rule_cannot_be_awarded_and_comes_back_when_restored(
    session, village, create_household, create_rule
):
    rule = create_rule(5)
    h = create_household()
    points.set_rule_active(session, rule, False, actor="staff:panel")
    preview = points.preview_batch(session, village.id, rule, [h.id])
    assert [line.problem for line in preview.lines] == ["rule_retired"]
    with pytest.raises(DomainError) as refused:
        points.apply_batch(session, village.id, rule, [h.id], actor="t", batch_key="r1")
    assert refused.value.code == "rule_retired"
    assert rule not in dict(points.rules_catalog(session, village.id)).get(rule.category, [])
    points.set_rule_active(session, rule, True, actor="staff:panel")
    points.apply_batch(session, village.id, rule, [h.id], actor="t", batch_key="r2")
    session.refresh(h)
    assert h.balance == 5


def test_household_search_swaps_only_the_rows_for_htmx(app, staff_client):
    client = staff_client("supervisor")
    partial = client.get("/backoffice/households?q=01", headers={"HX-Request": "true"})
    assert partial.text.startswith('<div id="household-rows">')
    assert "HX-Request" in partial.headers["Vary"]
    full = client.get("/backoffice/households?q=01")
    assert full.text.lstrip().startswith("<!doctype html>")
    # A supervisor reads but sees no buttons that change anything.
    assert "新增一户" not in full.text and "为选中的户发放存折" not in full.text


def test_batch_ticks_survive_a_search_and_a_rule_change_and_pick_all_or_a_group(app, staff_client):
    import re

    client = staff_client("panel")
    page = client.get("/backoffice/awards/new").text
    assert "change from:select[name=group]" in page  # choosing another item never reloads rows
    ids = re.findall(r'name="household" value="(\d+)"', page)
    ticked = ids[:2]
    hx = {"HX-Request": "true"}
    # a search for a household that is not ticked keeps the ticked ones, listed first and ticked
    with app.extensions["kiosk_db"].reader() as db:
        other = db.get(Household, int(ids[-1]))
    rows = client.get(
        "/backoffice/awards/new",
        query_string={"q": other.number, "household": ticked},
        headers=hx,
    ).text
    for i in ticked:
        assert re.search(rf'value="{i}" id="pick-{i}" checked', rows)
    assert f'value="{other.id}" id="pick-{other.id}" >' in rows or f'id="pick-{other.id}" >' in rows
    assert re.search(r'id="award-chosen">[^<]*<b>2</b>', rows)
    with app.extensions["kiosk_db"].reader() as db:
        groups = sorted({h.group_name for h in db.scalars(select(Household))})
        in_group = {
            h.id
            for h in db.scalars(
                select(Household).where(
                    Household.group_name == groups[0], Household.status == "active"
                )
            )
        }
    group_rows = client.get(
        "/backoffice/awards/new", query_string={"group": groups[0], "pick": "group"}, headers=hx
    ).text
    assert {
        int(i) for i in re.findall(r'value="(\d+)" id="pick-\d+" checked', group_rows)
    } == in_group
    shown = client.get(
        "/backoffice/awards/new", query_string={"q": other.number, "pick": "shown"}, headers=hx
    ).text
    assert re.findall(r'value="(\d+)" id="pick-\d+" checked', shown) == [str(other.id)]
    none = client.get(
        "/backoffice/awards/new", query_string={"household": ticked, "pick": "none"}, headers=hx
    ).text
    assert "checked" not in none


def test_a_batch_with_no_household_ticked_says_so_instead_of_times_zero(app, staff_client):
    import re

    client = staff_client("panel")
    page = client.get("/backoffice/awards/new").text
    rule_id = re.search(r'<option value="(\d+)">', page).group(1)
    preview = client.post(
        "/backoffice/awards/preview", {"rule_id": rule_id}, headers={"HX-Request": "true"}
    )
    assert "请先勾选农户" in preview.text and "× 0" not in preview.text
    applied = client.post("/backoffice/awards", {"rule_id": rule_id, "batch_key": "k" * 32})
    assert applied.status_code == 303
    assert "请先勾选农户" in client.get("/backoffice/awards/new").text


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_batch_from_a_page_without_its_key_says_to_reload_in_the_readers_language(
    app, staff_client, lang
):
    """填写的内容不对。（batch key） was what staff read; now the page says what to do."""
    client = staff_client("panel")
    if lang == "en":
        client.post("/backoffice/lang", {"lang": "en", "next": "/backoffice/"})
    page = client.get("/backoffice/awards/new").text
    rule_id = re.search(r'<option value="(\d+)">', page).group(1)
    ids = re.findall(r'name="household" value="(\d+)"', page)[:2]
    with app.extensions["kiosk_db"].reader() as db:
        before = [db.get(Household, int(i)).balance for i in ids]
    applied = client.post("/backoffice/awards", {"rule_id": rule_id, "household": ids})
    assert applied.status_code == 303
    shown = client.get("/backoffice/awards/new").text
    if lang == "zh":
        assert "这一页缺了内容，可能打开太久了。请刷新页面，再做一次。" in shown
    else:
        assert "This page is missing something; it may have been open too long." in shown
    assert "填写的内容不对" not in shown and "batch key" not in shown
    with app.extensions["kiosk_db"].reader() as db:
        assert [db.get(Household, int(i)).balance for i in ids] == before
