"""Families (家庭成员), 户主变更, 分户 and 合户 through the domain, on SQLite and PostgreSQL: the
balances move as journaled transfers that `kiosk verify` reconciles, nothing half-written."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from shop import households, points, redemptions
from shop.errors import DomainError
from shop.households import family, query_codes, roster, split_merge
from shop.ledger import sentences
from shop.ledger.verify import verify_ledger
from shop.models import Household, Journal, Member, Passbook, PointsEntry


def _clean(session, village):
    report = verify_ledger(session.connection(), village.id)
    assert report.problems == []


def _family(session, create_household, balance=0):
    home = create_household(balance, name="王大山")
    wife = family.add_member(session, home, "李秀英", "spouse", phone="13800138000", actor="t")
    son = family.add_member(session, home, "王小明", "child", actor="t")
    daughter_in_law = family.add_member(session, home, "陈芳", "child_in_law", actor="t")
    grandson = family.add_member(session, home, "王乐乐", "grandchild", may_redeem=False, actor="t")
    return home, wife, son, daughter_in_law, grandson


def test_listing_members_starts_with_the_head_and_the_count_follows_the_list(
    session, create_household
):
    home, wife, *_ = _family(session, create_household)
    listed = family.members_of(session, home)
    assert [(m.name, m.relation) for m in listed] == [
        ("王大山", "head"),
        ("李秀英", "spouse"),
        ("王小明", "child"),
        ("陈芳", "child_in_law"),
        ("王乐乐", "grandchild"),
    ]
    assert home.members == 5
    assert listed[-1].may_redeem is False and wife.phone == "13800138000"
    family.remove_member(session, listed[-1], actor="t")
    assert home.members == 4


def test_the_head_cannot_be_removed_and_a_bad_phone_or_relation_is_refused(
    session, create_household
):
    home, *_ = _family(session, create_household)
    head = family.members_of(session, home)[0]
    with pytest.raises(DomainError) as refused:
        family.remove_member(session, head, actor="t")
    assert refused.value.code == "member_is_head"
    with pytest.raises(DomainError) as refused:
        family.add_member(session, home, "赵四", "spouse", phone="call me", actor="t")
    assert refused.value.code == "invalid_phone"
    with pytest.raises(DomainError) as refused:
        family.add_member(session, home, "赵四", "head", actor="t")
    assert refused.value.code == "invalid_relation"
    assert home.members == 5


def test_a_change_of_head_renames_the_household_and_keeps_its_passbook(session, create_household):
    home, wife, son, *_ = _family(session, create_household)
    book, _code = households.issue_passbook(session, home, actor="t")
    family.change_head(session, home, son, old_head_relation="parent", actor="t")
    assert home.head_name == "王小明"
    relations = {m.name: m.relation for m in family.members_of(session, home)}
    assert relations["王小明"] == "head" and relations["王大山"] == "parent"
    found = roster.search_households(session, home.village_id, "王小明")
    assert [h.id for h in found] == [home.id]
    assert households.lookup_passbook(session, _code).household.id == home.id
    memo = session.scalar(
        select(Journal.memo)
        .where(Journal.ref == f"household:{home.number}")
        .order_by(Journal.id.desc())
    )
    said = sentences.say("household_change", "", memo)
    assert said.text == "户主变更：{old}改为{new}"
    assert said.fields == {"old": "王大山", "new": "王小明"}
    assert book.status == "active"


def test_a_new_head_comes_from_the_households_other_members(session, create_household):
    home, *_ = _family(session, create_household)
    head = family.members_of(session, home)[0]
    neighbour = family.add_member(session, create_household(0), "钱二", "spouse", actor="t")
    for chosen in (head, neighbour):
        with pytest.raises(DomainError) as refused:
            family.change_head(session, home, chosen, old_head_relation="parent", actor="t")
        assert refused.value.code == "new_head_not_member"
        assert refused.value.text == "新户主要从这户的其他家庭成员里选。"
    assert home.head_name == "王大山"


def test_a_head_who_died_leaves_the_list_at_the_change(session, create_household):
    home, wife, *_ = _family(session, create_household)
    family.change_head(session, home, wife, old_head_relation="", actor="t")
    assert home.head_name == "李秀英" and home.members == 4


def test_a_split_moves_members_and_points_as_one_transfer_and_verify_reconciles(
    session, village, create_household
):
    home, wife, son, daughter_in_law, grandson = _family(session, create_household, 100)
    new = split_merge.split_household(
        session,
        home,
        number="09-100",
        member_ids=[son.id, daughter_in_law.id, grandson.id],
        head_id=son.id,
        points=30,
        actor="t",
    )
    session.refresh(home)
    session.refresh(new)
    assert (home.balance, new.balance) == (70, 30)
    assert (home.members, new.members) == (2, 3)
    assert new.head_name == "王小明"
    assert {m.name: m.relation for m in family.members_of(session, new)} == {
        "王小明": "head",
        "陈芳": "spouse",
        "王乐乐": "child",
    }
    transfer = session.scalar(select(Journal).where(Journal.kind == "transfer"))
    assert [(e.household_id, e.delta, e.balance_after) for e in transfer.points_entries] == [
        (home.id, -30, 70),
        (new.id, 30, 30),
    ]
    said = sentences.say("transfer", transfer.ref, transfer.memo)
    assert said.fields == {"source": home.number, "target": "09-100"}
    _clean(session, village)


def test_a_split_never_takes_more_than_the_household_holds(session, create_household):
    home, wife, son, *_ = _family(session, create_household, 20)
    entries = session.scalar(select(PointsEntry.id).order_by(PointsEntry.id.desc()))
    with pytest.raises(DomainError) as refused:
        split_merge.split_household(
            session, home, number="09-101", member_ids=[son.id], head_id=son.id, points=21,
            actor="t",
        )  # fmt: skip
    assert refused.value.code == "split_too_many_points"
    assert session.scalar(select(Household.id).where(Household.number == "09-101")) is None
    assert session.scalar(select(PointsEntry.id).order_by(PointsEntry.id.desc())) == entries


@pytest.mark.parametrize(
    "choose, code",
    [
        (lambda head, son: ([], son.id), "split_needs_member"),
        (lambda head, son: ([head.id, son.id], son.id), "head_cannot_leave"),
        (lambda head, son: ([son.id], None), "head_required"),
    ],
)
def test_a_split_refuses_what_cannot_be(session, create_household, choose, code):
    home, wife, son, *_ = _family(session, create_household, 20)
    head = family.members_of(session, home)[0]
    member_ids, head_id = choose(head, son)
    with pytest.raises(DomainError) as refused:
        split_merge.plan_split(
            session, home, number="09-102", member_ids=member_ids, head_id=head_id, points=0
        )
    assert refused.value.code == code


def test_a_merge_moves_the_balance_members_and_stops_the_old_passbook(
    session, village, kiosk, create_household, create_product
):
    keep, *_ = _family(session, create_household, 50)
    gone = create_household(12, name="王二山")
    family.add_member(session, gone, "刘梅", "spouse", actor="t")
    book, code = households.issue_passbook(session, gone, actor="t")
    query_codes.issue_query_code(session, gone, actor="t")
    plan = split_merge.plan_merge(session, keep, gone)
    assert plan.balance == 12 and [b.id for b in plan.passbooks] == [book.id]
    split_merge.merge_households(session, keep, gone, expected_balance=12, actor="t")
    session.refresh(keep)
    session.refresh(gone)
    assert (keep.balance, gone.balance) == (62, 0)
    assert keep.members == 7 and gone.merged_into_id == keep.id and gone.status == "inactive"
    assert {m.name: m.relation for m in family.members_of(session, keep)}["王二山"] == "other"
    assert session.get(Passbook, book.id).revoke_reason == "merged"
    with pytest.raises(DomainError) as refused:
        households.lookup_passbook(session, code)
    assert refused.value.code == "passbook_void"
    assert query_codes.active_query_code(session, gone) is None
    for again in (
        lambda: households.set_household_status(session, gone, "active", actor="t"),
        lambda: households.issue_passbook(session, gone, actor="t"),
        lambda: query_codes.issue_query_code(session, gone, actor="t"),
        lambda: family.add_member(session, gone, "新人", "child", actor="t"),
        lambda: split_merge.plan_merge(session, keep, gone),
    ):
        with pytest.raises(DomainError) as refused:
            again()
        assert refused.value.code == "household_merged"
    # The history stays with the merged household; the points are spendable where they went.
    assert [e.delta for e in session.scalars(
        select(PointsEntry).where(PointsEntry.household_id == gone.id).order_by(PointsEntry.id)
    )] == [12, -12]  # fmt: skip
    redemptions.redeem(
        session, keep, {create_product(60).sku: 1}, kiosk=kiosk, idempotency_key="merge-0001"
    )
    session.refresh(keep)
    assert keep.balance == 2
    _clean(session, village)


def test_a_merge_takes_a_debt_with_the_household(session, village, create_household):
    keep = create_household(40, name="赵一")
    gone = create_household(5, name="赵二")
    points.award_points(session, gone, delta=-20, actor="t", memo="乱倒垃圾")
    session.refresh(gone)
    split_merge.merge_households(session, keep, gone, expected_balance=-15, actor="t")
    session.refresh(keep)
    assert keep.balance == 25
    _clean(session, village)


def test_a_merge_refuses_when_the_balance_changed_since_the_confirmation(session, create_household):
    keep = create_household(40, name="赵一")
    gone = create_household(9, name="赵二")
    with pytest.raises(DomainError) as refused:
        split_merge.merge_households(session, keep, gone, expected_balance=10, actor="t")
    assert refused.value.code == "household_changed"
    session.refresh(gone)
    assert gone.merged_into_id is None and gone.balance == 9


def test_a_merge_waits_for_points_under_review(session, create_household, create_rule):
    from shop.points import applications

    keep = create_household(40, name="赵一")
    gone = create_household(9, name="赵二")
    applications.submit_application(session, gone, create_rule(5), actor="t")
    with pytest.raises(DomainError) as refused:
        split_merge.plan_merge(session, keep, gone)
    assert refused.value.code == "pending_points"
    with pytest.raises(DomainError) as refused:
        split_merge.plan_merge(session, keep, keep)
    assert refused.value.code == "merge_same"


def test_a_listed_household_keeps_its_count_through_a_roster_edit(session, create_household):
    home, *_ = _family(session, create_household)
    roster.update_household(
        session, home, head_name="王大善", group_name="第二村民小组", members=9, actor="t"
    )
    assert home.members == 5
    assert (
        session.scalar(
            select(Member.name).where(Member.household_id == home.id, Member.relation == "head")
        )
        == "王大善"
    )


def test_an_exported_ledger_with_transfers_verifies_without_this_software(
    session, village, create_household, tmp_path
):
    """tools/verify_ledger.py (standard library only) rebuilds both balances of a split and a
    merge, and a transfer whose amount is changed on one side is caught."""
    import io
    import json
    import subprocess
    import sys
    from pathlib import Path

    from shop.ledger.export import export_ledger

    home, wife, son, *_ = _family(session, create_household, 100)
    new = split_merge.split_household(
        session, home, number="09-200", member_ids=[son.id], head_id=son.id, points=40, actor="t"
    )
    split_merge.merge_households(session, home, new, expected_balance=40, actor="t")
    out = io.StringIO()
    export_ledger(session.connection(), out, village.id)
    lines = out.getvalue().splitlines()
    tool = Path(__file__).resolve().parents[2] / "tools" / "verify_ledger.py"

    def check(rows) -> int:
        path = tmp_path / "ledger.jsonl"
        path.write_text("\n".join(rows) + "\n", encoding="utf-8")
        command = [sys.executable, "-S", "-I", str(tool), str(path)]
        return subprocess.run(command, capture_output=True, timeout=120).returncode

    assert check(lines) == 0
    forged = []
    for line in lines:
        obj = json.loads(line)
        if obj.get("type") == "row" and obj.get("kind") == "transfer":
            obj["points"][1][1] += 1  # the target gets one point more than the source gave
            line = json.dumps(obj, ensure_ascii=False)
        forged.append(line)
    assert check(forged) != 0


def test_verify_names_a_transfer_changed_behind_the_app(session, village, create_household):
    """A tamper drill on a transfer: one side's posting edited in the database (the target got
    more than the source gave) is named by kiosk verify."""
    from sqlalchemy import update

    home, wife, son, *_ = _family(session, create_household, 60)
    split_merge.split_household(
        session, home, number="09-300", member_ids=[son.id], head_id=son.id, points=25, actor="t"
    )
    transfer = session.scalar(select(Journal).where(Journal.kind == "transfer"))
    target = transfer.points_entries[1]
    session.execute(
        update(PointsEntry)
        .where(PointsEntry.id == target.id)
        .values(delta=26, balance_after=26)
        .execution_options(synchronize_session=False)
    )
    session.execute(update(Household).where(Household.id == target.household_id).values(balance=26))
    report = verify_ledger(session.connection(), village.id)
    assert report.problems and f"seq {transfer.seq}" in report.problems[0]
