"""The family on the household page: members listed, corrected and removed, 户主变更, 分户 and
合户, each asking first and writing nothing until 确认; the ledger still verifies after."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import select

from shop.ledger.verify import verify_ledger
from shop.models import Household, Journal, Member, Passbook


def _households(app, n=2) -> list[Household]:
    with app.extensions["kiosk_db"].reader() as db:
        return list(
            db.scalars(
                select(Household)
                .where(Household.status == "active", Household.balance > 20)
                .order_by(Household.number)
                .limit(n)
            )
        )


def _get(app, model, ident):
    with app.extensions["kiosk_db"].reader() as db:
        return db.get(model, ident)


def _members(app, hid) -> dict[str, str]:
    with app.extensions["kiosk_db"].reader() as db:
        return {
            m.name: m.relation for m in db.scalars(select(Member).where(Member.household_id == hid))
        }


def _journal_rows(app) -> int:
    with app.extensions["kiosk_db"].reader() as db:
        return len(list(db.scalars(select(Journal.id))))


def _verify(app) -> None:
    with app.extensions["kiosk_db"].engine.connect() as conn:
        assert verify_ledger(conn).problems == []


def _member_id(app, hid, name) -> int:
    with app.extensions["kiosk_db"].reader() as db:
        return db.scalar(select(Member.id).where(Member.household_id == hid, Member.name == name))


def _shown(page) -> str:
    """The plan's fields as the confirmation page carries them (what 确认 confirms)."""
    return re.search(r'name="shown" value="([^"]*)"', page.text).group(1)


def _list_family(app, panel, hid) -> None:
    for name, relation in (("李秀英", "spouse"), ("王小明", "child"), ("陈芳", "child_in_law")):
        answer = panel.post(
            f"/backoffice/households/{hid}/members",
            {"name": name, "relation": relation, "phone": "", "may_redeem": "1"},
        )
        assert answer.status_code == 303


def test_the_panel_lists_a_family_and_the_count_follows(app, staff_client):
    home = _households(app, 1)[0]
    panel = staff_client("panel")
    page = panel.get(f"/backoffice/households/{home.id}").text
    assert "还没有登记家庭成员" in page and 'id="member-add"' in page
    _list_family(app, panel, home.id)
    page = panel.get(f"/backoffice/households/{home.id}").text
    assert re.search(r'id="household-members">4<', page)
    assert _members(app, home.id) == {
        home.head_name: "head", "李秀英": "spouse", "王小明": "child", "陈芳": "child_in_law",
    }  # fmt: skip
    bad = panel.post(
        f"/backoffice/households/{home.id}/members",
        {"name": "赵四", "relation": "child", "phone": "打电话"},
    )
    assert bad.status_code == 303
    assert "手机号只能写数字" in panel.get(f"/backoffice/households/{home.id}").text
    wife = _member_id(app, home.id, "李秀英")
    panel.post(
        f"/backoffice/members/{wife}/edit",
        {"name": "李秀英", "relation": "spouse", "phone": "13800138000"},
    )
    assert _get(app, Member, wife).phone == "13800138000"
    assert _get(app, Member, wife).may_redeem is False  # the box was left unticked
    # A clerk reads the family but not the phone numbers, and has no forms.
    clerk_page = staff_client("clerk").get(f"/backoffice/households/{home.id}").text
    assert "李秀英" in clerk_page and "13800138000" not in clerk_page
    assert 'id="member-add"' not in clerk_page
    # Removing asks first.
    before = _journal_rows(app)
    asked = panel.post(f"/backoffice/members/{wife}/remove", {})
    assert asked.status_code == 200 and "确认移出" in asked.text
    assert _journal_rows(app) == before
    panel.post(f"/backoffice/members/{wife}/remove", {"confirm": "1"})
    assert _get(app, Member, wife) is None
    assert _get(app, Household, home.id).members == 3


def test_a_change_of_head_asks_first_then_renames_the_household(app, staff_client):
    home = _households(app, 1)[0]
    panel = staff_client("panel")
    _list_family(app, panel, home.id)
    son = _member_id(app, home.id, "王小明")
    before = _journal_rows(app)
    asked = panel.post(
        f"/backoffice/households/{home.id}/head", {"member": son, "old_relation": "parent"}
    )
    assert "户主将由" in asked.text and "王小明" in asked.text and "确认变更" in asked.text
    assert _journal_rows(app) == before
    panel.post(
        f"/backoffice/households/{home.id}/head",
        {"member": son, "old_relation": "parent", "confirm": "1", "shown": _shown(asked)},
    )
    assert _get(app, Household, home.id).head_name == "王小明"
    assert _members(app, home.id)[home.head_name] == "parent"
    assert "王小明" in panel.get("/backoffice/households?q=wxm").text


def test_a_split_shows_what_will_happen_then_moves_people_and_points(app, staff_client):
    home = _households(app, 1)[0]
    panel = staff_client("panel")
    _list_family(app, panel, home.id)
    son, wife = _member_id(app, home.id, "王小明"), _member_id(app, home.id, "陈芳")
    form = {"member": [son, wife], "head": son, "number": "99-001", "points": 10}
    before = _journal_rows(app)
    asked = panel.post(f"/backoffice/households/{home.id}/split", form)
    assert asked.status_code == 200 and 'id="split-plan"' in asked.text
    assert "新户 99-001" in asked.text and "确认分户" in asked.text
    assert _journal_rows(app) == before
    too_many = panel.post(
        f"/backoffice/households/{home.id}/split", {**form, "points": home.balance + 1}
    )
    assert too_many.status_code == 422 and "不能超过" in too_many.text
    # A field changed after the plan was shown: the plan is shown again, nothing written.
    changed = panel.post(
        f"/backoffice/households/{home.id}/split",
        {**form, "points": 20, "confirm": "1", "shown": _shown(asked)},
    )
    assert changed.status_code == 200 and "20分从这户转给新户" in changed.text
    assert _journal_rows(app) == before
    done = panel.post(
        f"/backoffice/households/{home.id}/split", {**form, "confirm": "1", "shown": _shown(asked)}
    )
    assert done.status_code == 303
    new_id = int(done.headers["Location"].rstrip("/").split("/")[-1])
    new = _get(app, Household, new_id)
    assert (new.number, new.head_name, new.balance, new.members) == ("99-001", "王小明", 10, 2)
    assert _get(app, Household, home.id).balance == home.balance - 10
    assert _members(app, new_id) == {"王小明": "head", "陈芳": "spouse"}
    page = panel.get(f"/backoffice/households/{new_id}/statement").text
    assert "分户合户转移" in page
    _verify(app)


def test_a_merge_shows_what_will_happen_then_moves_the_balance_and_stops_the_passbook(
    app, staff_client
):
    keep, gone = _households(app, 2)
    panel = staff_client("panel")
    with app.extensions["kiosk_db"].reader() as db:
        books = list(
            db.scalars(
                select(Passbook.id).where(
                    Passbook.household_id == gone.id, Passbook.status == "active"
                )
            )
        )
    assert books
    before = _journal_rows(app)
    asked = panel.post(f"/backoffice/households/{keep.id}/merge", {"number": gone.number})
    assert asked.status_code == 200 and 'id="merge-plan"' in asked.text
    assert f"{keep.balance + gone.balance}分" in asked.text and "不能再用" in asked.text
    assert _journal_rows(app) == before
    unknown = panel.post(f"/backoffice/households/{keep.id}/merge", {"number": "no-such"})
    assert unknown.status_code == 422 and "没有这一户" in unknown.text
    stale = panel.post(
        f"/backoffice/households/{keep.id}/merge",
        {"number": gone.number, "confirm": "1", "expected_balance": gone.balance + 1,
         "shown": _shown(asked)},
    )  # fmt: skip
    assert stale.status_code == 303 and _get(app, Household, gone.id).merged_into_id is None
    panel.post(
        f"/backoffice/households/{keep.id}/merge",
        {"number": gone.number, "confirm": "1", "expected_balance": gone.balance,
         "shown": _shown(asked)},
    )  # fmt: skip
    merged = _get(app, Household, gone.id)
    assert merged.merged_into_id == keep.id and merged.balance == 0
    assert _get(app, Household, keep.id).balance == keep.balance + gone.balance
    assert all(_get(app, Passbook, b).status == "revoked" for b in books)
    page = panel.get(f"/backoffice/households/{gone.id}").text
    assert 'id="merged-into"' in page and "已并入另一户" in page
    assert 'id="member-add"' not in page and "发放存折" not in page and 'id="pin-set"' not in page
    rows = panel.get(f"/backoffice/households?q={gone.number}").text
    assert "已合户" in rows
    _verify(app)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_member_without_a_relation_is_refused_in_the_readers_language(app, staff_client, lang):
    home = _households(app, 1)[0]
    panel = staff_client("panel")
    if lang == "en":
        panel.post("/backoffice/lang", {"lang": "en", "next": "/backoffice/"})
    refused = panel.post(
        f"/backoffice/households/{home.id}/members", {"name": "赵四", "relation": ""}
    )
    assert refused.status_code == 303
    page = html.unescape(panel.get(f"/backoffice/households/{home.id}").text)
    if lang == "zh":
        assert "请从列表里选与户主关系。换户主请办户主变更。" in page
    else:
        assert "Choose the relation to the head from the list." in page
    assert "赵四" not in _members(app, home.id)


def test_the_family_pages_read_in_english(app, staff_client):
    home = _households(app, 1)[0]
    panel = staff_client("panel")
    panel.post("/backoffice/lang", {"lang": "en", "next": "/backoffice/"})
    _list_family(app, panel, home.id)
    page = panel.get(f"/backoffice/households/{home.id}").text
    assert "Family members" in page and "Spouse" in page
    split = panel.get(f"/backoffice/households/{home.id}/split").text
    assert "Split the household" in split


def test_a_roster_with_one_row_per_person_previews_each_family_then_lists_it(app, staff_client):
    import io

    from tests.backoffice.test_roster import as_csv

    panel = staff_client("panel")
    people = as_csv(
        [
            ["9101", "周大福", "户主", "第一村民小组"],
            ["9101", "吴秀兰", "妻", ""],
            ["9101", "周小宝", "长子", ""],
        ],  # fmt: skip
        header=["户号", "姓名", "与户主关系", "村民小组"],
    )
    page = panel.post(
        "/backoffice/households/import",
        {"file": (io.BytesIO(people), "roster.csv")},
        content_type="multipart/form-data",
    )
    assert "吴秀兰（配偶）" in page.text and "周小宝（子女）" in page.text
    form = dict(re.findall(r'name="(filename|payload|digest)" value="([^"]*)"', page.text))
    assert panel.post("/backoffice/households/import/apply", form).status_code == 303
    with app.extensions["kiosk_db"].reader() as db:
        hid = db.scalar(select(Household.id).where(Household.number == "9101"))
    assert _members(app, hid) == {"周大福": "head", "吴秀兰": "spouse", "周小宝": "child"}
    assert re.search(r'id="household-members">3<', panel.get(f"/backoffice/households/{hid}").text)


def test_who_came_is_switched_on_by_the_panel_and_named_on_the_clerks_receipt(app, staff_client):
    from shop import redemptions
    from shop.db import unit_of_work
    from shop.households import visitors
    from shop.models import Kiosk

    home = _households(app, 1)[0]
    panel = staff_client("panel")
    listing = panel.get("/backoffice/households").text
    assert 'id="who-came"' in listing and "兑换时问是谁来的" in listing
    panel.post("/backoffice/households/who-came", {"on": "1"})
    assert "不再问" in panel.get("/backoffice/households").text
    _list_family(app, panel, home.id)
    wife = _member_id(app, home.id, "李秀英")
    with unit_of_work(app.extensions["kiosk_db"].writer) as db:
        assert visitors.asks_who_came(db, home.village_id)
        kiosk = db.scalar(select(Kiosk).where(Kiosk.code == app.config["DEVICE"]))
        sold = redemptions.redeem(
            db, db.get(Household, home.id), {"FZ-1": 1}, kiosk=kiosk, idempotency_key="who-page-1"
        )
        visitors.record_visitor(db, sold.id, wife)
        receipt_no = sold.receipt_no
    page = staff_client("clerk").get(f"/backoffice/clerk/receipts/{receipt_no}").text
    assert "来兑换的人" in page and "李*英" in page and "李秀英" not in page
