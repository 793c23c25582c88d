"""A roster with one row per person (户籍花名册): folded into households, its people listed as
each household's family when it has none yet, bad rows named and nothing half-written."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from shop.errors import DomainError
from shop.households import family, roster, roster_import
from shop.models import Household, Journal, Member
from shop.tabular import read_table
from tests.backoffice.test_roster import FORMATS

HEADER = ["户号", "姓名", "与户主关系", "村民小组", "手机号", "可以兑换"]
PEOPLE = [
    ["0101", "王建国", "户主", "第一村民小组", "13800138000", "是"],
    ["0101", "李秀英", "妻", "", "", ""],
    ["0101", "王小明", "长子", "", "", ""],
    ["0101", "王乐乐", "孙子", "", "", "否"],
    ["0102", "张桂兰", "本人", "第二村民小组", "", ""],
    ["0102", "张大伟", "侄子", "", "", ""],
]


def _household(session, village, number) -> Household:
    return session.scalar(
        select(Household).where(Household.village_id == village.id, Household.number == number)
    )


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_one_row_per_person_makes_households_and_lists_their_families(session, village, fmt):
    rows = read_table(f"roster.{fmt}", FORMATS[fmt](PEOPLE, header=HEADER))
    preview = roster_import.preview_roster(session, village, rows)
    assert preview.ok
    assert [(r.number, r.head_name, r.group_name, r.members) for r in preview.creates] == [
        ("0101", "王建国", "第一村民小组", 4),
        ("0102", "张桂兰", "第二村民小组", 2),
    ]
    assert [p.written for p in preview.creates[1].people] == ["", "侄子"]  # shown as 其他亲属
    assert _household(session, village, "0101") is None  # the preview wrote nothing
    roster_import.apply_roster(session, village, rows, actor="staff:panel")
    home = _household(session, village, "0101")
    listed = family.members_of(session, home)
    assert [(m.name, m.relation, m.may_redeem) for m in listed] == [
        ("王建国", "head", True),
        ("李秀英", "spouse", True),
        ("王小明", "child", True),
        ("王乐乐", "grandchild", False),
    ]
    assert listed[0].phone == "13800138000" and home.members == 4
    other = _household(session, village, "0102")
    assert {m.name: m.relation for m in family.members_of(session, other)}["张大伟"] == "other"
    memos = list(
        session.scalars(
            select(Journal.memo).where(Journal.ref == "household:0101").order_by(Journal.seq)
        )
    )
    assert memos[-1] == "members imported 4"
    again = roster_import.preview_roster(session, village, rows)
    assert (len(again.creates), len(again.changes)) == (0, 0)


def test_an_existing_household_gets_its_list_once_and_a_listed_one_is_left_alone(session, village):
    roster.add_household(session, village, "0101", "王建国", members=6, actor="t")
    listed = roster.add_household(session, village, "0102", "张桂兰", actor="t")
    family.add_member(session, listed, "张小花", "child", actor="t")
    rows = read_table("roster.csv", FORMATS["csv"](PEOPLE, header=HEADER))
    preview = roster_import.preview_roster(session, village, rows)
    by_number = {r.number: r for r in preview.rows}
    assert by_number["0101"].lists_family and "登记家庭成员4人" in by_number["0101"].changes
    assert not by_number["0102"].lists_family
    roster_import.apply_roster(session, village, rows, actor="t")
    assert _household(session, village, "0101").members == 4
    kept = family.members_of(session, _household(session, village, "0102"))
    assert [m.name for m in kept] == ["张桂兰", "张小花"]


def test_a_household_without_one_head_or_a_bad_phone_refuses_the_file(session, village):
    bad = [
        ["0201", "赵一", "妻", "", "", ""],  # no head
        ["0202", "钱二", "户主", "", "", ""],
        ["0202", "孙三", "户主", "", "", ""],  # two heads
        ["0203", "李四", "户主", "", "打我电话", ""],
    ]
    rows = read_table("roster.csv", FORMATS["csv"](bad, header=HEADER))
    preview = roster_import.preview_roster(session, village, rows)
    reasons = dict(preview.errors)
    assert "没有与户主关系写“户主”的人" in reasons[2]
    assert "有两位户主" in reasons[4]
    assert "手机号只能写数字" in reasons[5]
    with pytest.raises(DomainError) as refused:
        roster_import.apply_roster(session, village, rows, actor="t")
    assert refused.value.code == "file_has_bad_rows"
    assert session.scalar(select(Member.id).where(Member.village_id == village.id)) is None


def test_an_english_register_writes_relations_and_yes_no_in_english():
    from shop.households.family_roster import fold_people

    rows = [
        {"户号": "05-001", "name": "Li Ming", "relation": "head", "may_redeem": "yes"},
        {"户号": "05-001", "name": "Wang Fang", "relation": "spouse", "may_redeem": "no"},
    ]
    households, people, errors = fold_people(rows, ("户号",), ("村民小组",))
    assert errors == []
    assert [p.relation for p in people["05-001"]] == ["head", "spouse"]
    assert [p.may_redeem for p in people["05-001"]] == [True, False]
