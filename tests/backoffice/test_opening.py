"""导入期初积分: opening balances from the paper passbooks, one journaled entry per household with
its source, previewed first, all or nothing, never twice."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from shop import households, points, regions
from shop.db import unit_of_work
from shop.errors import DomainError
from shop.ledger.verify import verify_ledger
from shop.models import Household, Journal


def _csv(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode("utf-8-sig")


def _rows(text: bytes):
    from shop.tabular import read_table

    return read_table("opening.csv", text)


def test_preview_names_every_bad_row_and_apply_refuses_the_whole_file(session, village):
    for number, name in (("1-1", "张三"), ("1-2", "李四"), ("1-3", "王五"), ("1-4", "钱八")):
        households.create_household(session, village, number, name, actor="test")
    table = _rows(
        _csv(
            "户号,户主,期初积分",
            "1-1,张三,120",
            "1-2,李四,5万",
            "1-3,王六,30",
            "9-9,赵七,10",
            "1-1,张三,1",
            "1-4,钱八,十",
        )
    )
    preview = points.preview_opening(session, village, table, source="纸质积分存折")
    assert [line for line, _ in preview.errors] == [3, 4, 5, 6, 7]
    reasons = dict(preview.errors)
    assert reasons[3] == "期初积分不是整数" and reasons[4] == "户主和名册不一致"
    assert reasons[5].startswith("没有这一户") and reasons[6] == "户号在文件里重复"
    assert reasons[7] == "期初积分不是整数"
    before = session.scalar(select(Journal.seq).order_by(Journal.seq.desc()).limit(1))
    with pytest.raises(DomainError) as refused:
        points.apply_opening(session, village, table, source="纸质积分存折", actor="test")
    assert refused.value.code == "file_has_bad_rows"
    assert session.scalar(select(Journal.seq).order_by(Journal.seq.desc()).limit(1)) == before


def test_one_opening_entry_per_household_with_its_source_and_never_twice(fresh_backend):
    from shop.db import session_factory

    sessions = session_factory(fresh_backend.engine)
    with unit_of_work(sessions) as s:
        village = regions.create_village(s, "OPEN", "期初村")
        for number, name in (("1-1", "张三"), ("1-2", "李四"), ("1-3", "王五")):
            households.create_household(s, village, number, name, actor="test")
    table = _rows(_csv("户号,户主,期初积分", "1-1,张三,120", "1-2,李四,0", "1-3,,-35"))
    with unit_of_work(sessions) as s:
        village = regions.get_village(s, "OPEN")
        done = points.apply_opening(s, village, table, source="纸质积分存折", actor="staff:boss")
        assert (len(done.to_open), done.total) == (2, 85)
    with unit_of_work(sessions) as s:
        balances = dict(s.execute(select(Household.number, Household.balance)).all())
        # a passbook below zero after deductions opens below zero
        assert balances == {"1-1": 120, "1-2": 0, "1-3": -35}
        rows = s.execute(
            select(Journal.kind, Journal.ref, Journal.memo, Journal.actor).where(
                Journal.ref.like("opening:%")
            )
        ).all()
        assert sorted(rows) == [
            ("genesis", "opening:1-1", "纸质积分存折", "staff:boss"),
            ("genesis", "opening:1-3", "纸质积分存折", "staff:boss"),
        ]
        again = points.preview_opening(
            s, regions.get_village(s, "OPEN"), table, source="纸质积分存折"
        )
        assert [r.action for r in again.rows] == ["already", "zero", "already"]
        assert again.to_open == []
        points.apply_opening(s, regions.get_village(s, "OPEN"), table, source="x", actor="t")
    with unit_of_work(sessions) as s:
        assert dict(s.execute(select(Household.number, Household.balance)).all())["1-1"] == 120
    with fresh_backend.engine.connect() as conn:
        assert verify_ledger(conn).ok  # the opening entries are in the chain and the balances


def test_the_source_must_be_named(session, village):
    households.create_household(session, village, "2-1", "张三", actor="test")
    with pytest.raises(DomainError) as refused:
        points.preview_opening(session, village, _rows(_csv("户号,期初积分", "2-1,5")), source=" ")
    assert refused.value.code == "source_required"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_file_without_the_two_columns_is_refused_in_words_that_say_which(app, staff_client, lang):
    client = staff_client("panel")
    if lang == "en":
        client.post("/backoffice/lang", {"lang": "en", "next": "/backoffice/"})
    data = {
        "source": "纸质积分存折",
        "file": (__import__("io").BytesIO(_csv("编号,分数", "1-1,40")), "o.csv"),
    }
    page = client.post("/backoffice/households/opening", data, content_type="multipart/form-data")
    assert page.status_code == 422
    if lang == "zh":
        assert "文件里要有“户号”和“期初积分”两列。请按模板改好后重新上传。" in page.text
    else:
        assert "The file needs the columns 户号 (household no.) and 期初积分" in page.text
    assert "填写的内容不对" not in page.text


def test_the_page_previews_then_imports(app, staff_client):
    client = staff_client("panel")
    with app.extensions["kiosk_db"].reader() as db:
        h = db.scalar(select(Household).where(Household.status == "active").order_by(Household.id))
        number, name, balance = h.number, h.head_name, h.balance
    data = {
        "source": "纸质积分存折",
        "file": (
            __import__("io").BytesIO(_csv("户号,户主,期初积分", f"{number},{name},40")),
            "o.csv",
        ),
    }
    page = client.post("/backoffice/households/opening", data, content_type="multipart/form-data")
    assert page.status_code == 200 and 'id="opening-preview"' in page.text
    assert 'id="opening-total">40<' in page.text and f">{balance + 40}<" in page.text
    with app.extensions["kiosk_db"].reader() as db:
        assert db.scalar(select(Household.balance).where(Household.number == number)) == balance
    form = dict(re.findall(r'name="(filename|payload|digest|source)" value="([^"]*)"', page.text))
    done = client.post("/backoffice/households/opening/apply", form)
    assert done.status_code == 303
    with app.extensions["kiosk_db"].reader() as db:
        assert (
            db.scalar(select(Household.balance).where(Household.number == number)) == balance + 40
        )
    statement = client.get(f"/backoffice/households/{h.id}/statement").text
    assert "期初积分" in statement and "opening balance" not in statement
