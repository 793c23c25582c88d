"""Households: pinyin search, and roster import from CSV and XLSX with a preview, where bad or
duplicate rows refuse the whole file and nothing is half-written."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from shop.errors import DomainError
from shop.households import roster, roster_import
from shop.models import Household, Journal
from shop.tabular import read_table

HEADER = ["户号", "户主", "村民小组", "人口"]


def as_csv(rows, header=HEADER) -> bytes:
    lines = [",".join(header)] + [",".join(str(c) for c in r) for r in rows]
    return ("\n".join(lines) + "\n").encode("utf-8-sig")


def as_xlsx(rows, header=HEADER) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for r in rows:
        sheet.append(list(r))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


FORMATS = {"csv": as_csv, "xlsx": as_xlsx}


def _count(session, village) -> int:
    return session.scalar(
        select(func.count(Household.id)).where(Household.village_id == village.id)
    )


def test_search_finds_by_pinyin_initials_full_pinyin_name_and_number(session, village):
    zhang = roster.add_household(
        session, village, "0101", "张三", group_name="第一村民小组", actor="t"
    )
    roster.add_household(session, village, "0102", "李四", group_name="第二村民小组", actor="t")
    assert [h.id for h in roster.search_households(session, village.id, "zs")] == [zhang.id]
    assert [h.id for h in roster.search_households(session, village.id, "ZhangS")] == [zhang.id]
    assert [h.id for h in roster.search_households(session, village.id, "张")] == [zhang.id]
    assert [h.id for h in roster.search_households(session, village.id, "0101")] == [zhang.id]
    assert len(roster.search_households(session, village.id, "01")) == 2
    assert len(roster.search_households(session, village.id, "", group="第二村民小组")) == 1
    assert roster.search_households(session, village.id, "%") == []


def test_search_filters_by_status(session, village, create_household):
    active = create_household()
    paused = create_household(status="inactive")
    roster.reindex_missing(session, village.id)
    assert paused.id in {
        h.id for h in roster.search_households(session, village.id, status="inactive")
    }
    assert active.id not in {
        h.id for h in roster.search_households(session, village.id, status="inactive")
    }


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_good_roster_previews_then_creates_and_changes(session, village, fmt):
    roster.add_household(session, village, "0001", "王建国", group_name="第一村民小组", actor="t")
    data = FORMATS[fmt](
        [
            ["0001", "王建国", "第二村民小组", 4],
            ["0002", "李秀英", "第一村民小组", 3],
            ["0003", "张桂兰", "", ""],
        ]
    )
    rows = read_table(f"roster.{fmt}", data)
    preview = roster_import.preview_roster(session, village, rows)
    assert preview.ok
    assert [r.number for r in preview.creates] == ["0002", "0003"]
    assert [r.number for r in preview.changes] == ["0001"]
    assert _count(session, village) == 1  # the preview wrote nothing
    roster_import.apply_roster(session, village, rows, actor="staff:panel")
    assert _count(session, village) == 3
    changed = session.scalar(
        select(Household).where(Household.number == "0001", Household.village_id == village.id)
    )
    assert (changed.group_name, changed.members) == ("第二村民小组", 4)
    assert [h.number for h in roster.search_households(session, village.id, "lxy")] == ["0002"]
    assert (
        session.scalar(
            select(func.count(Journal.id)).where(
                Journal.village_id == village.id, Journal.actor == "staff:panel"
            )
        )
        == 3
    )
    again = roster_import.preview_roster(session, village, rows)
    assert (len(again.creates), len(again.changes), len(again.unchanged)) == (0, 0, 3)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_bad_and_duplicate_rows_are_listed_and_nothing_is_written(session, village, fmt):
    data = FORMATS[fmt](
        [
            ["0001", "王建国", "第一村民小组", 4],
            ["0002", "", "第一村民小组", 3],  # no head
            ["", "李四", "", 1],  # no number
            ["0004", "赵六", "", "两"],  # members not a number
            ["0001", "王建国", "第一村民小组", 4],  # duplicate of line 2
            ["0006", "孙七", "", 2],
        ]
    )
    rows = read_table(f"roster.{fmt}", data)
    preview = roster_import.preview_roster(session, village, rows)
    assert [line for line, _ in preview.errors] == [3, 4, 5, 6]
    assert "重复" in preview.errors[-1][1]
    before_journal = session.scalar(select(func.count(Journal.id)))
    with pytest.raises(DomainError) as refused:
        roster_import.apply_roster(session, village, rows, actor="t")
    assert refused.value.code == "file_has_bad_rows"
    assert refused.value.text == "文件里有问题的行，没有导入：请改好后重新上传。"
    assert _count(session, village) == 0
    assert session.scalar(select(func.count(Journal.id))) == before_journal


def test_an_unreadable_file_is_refused(session, village):
    with pytest.raises(DomainError) as refused:
        read_table("roster.xlsx", b"not a workbook")
    assert refused.value.code == "unreadable_file"
    with pytest.raises(DomainError):
        read_table("roster.pdf", b"%PDF")


def test_gbk_csv_is_read(session, village):
    data = "户号,户主\n0009,钟满堂\n".encode("gbk")
    assert read_table("r.csv", data) == [{"户号": "0009", "户主": "钟满堂"}]


def test_roster_import_through_the_pages_is_all_or_nothing(app, staff_client):
    import base64
    import re

    client = staff_client("panel")
    bad = as_csv([["9001", "新户一", "第一村民小组", 2], ["9001", "新户一", "第一村民小组", 2]])
    page = client.post(
        "/backoffice/households/import",
        {"file": (io.BytesIO(bad), "roster.csv")},
        content_type="multipart/form-data",
    )
    assert page.status_code == 200
    assert 'id="roster-errors-count">1<' in page.text
    assert "确认导入" not in page.text
    # Forcing the apply anyway is refused as a whole.
    digest = __import__("hashlib").sha256(bad).hexdigest()
    forced = client.post(
        "/backoffice/households/import/apply",
        {"filename": "roster.csv", "payload": base64.b64encode(bad).decode(), "digest": digest},
    )
    assert forced.status_code == 303
    assert "9001" not in client.get("/backoffice/households?q=9001").text.split("<tbody>")[1]

    good = as_xlsx([["9001", "新户一", "第一村民小组", 2], ["9002", "新户二", "第二村民小组", 3]])
    page = client.post(
        "/backoffice/households/import",
        {"file": (io.BytesIO(good), "roster.xlsx")},
        content_type="multipart/form-data",
    )
    form = dict(re.findall(r'name="(filename|payload|digest)" value="([^"]*)"', page.text))
    done = client.post("/backoffice/households/import/apply", form)
    assert done.status_code == 303
    listing = client.get("/backoffice/households?q=xh").text
    assert "新户一" in listing and "新户二" in listing


def test_households_added_by_other_paths_are_indexed_at_the_first_search(app, staff_client):
    from shop import households
    from shop.models import Village

    with app.extensions["kiosk_db"].writer() as db:
        v = db.scalar(select(Village))
        households.create_household(db, v, "9999", "欧阳春梅", actor="test")
        db.commit()
    client = staff_client("clerk")
    assert "欧阳春梅" in client.get("/backoffice/households?q=oycm").text
