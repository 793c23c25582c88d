"""On the household page: the household's PIN (set, clear, unlock, by role, journaled, shown in
the list) and passbook reissue and revoke that ask first and name the reason the kiosk shows."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from shop import households
from shop.db import unit_of_work
from shop.errors import DomainError
from shop.households import pins
from shop.models import Household, Journal, Passbook


def _row(app, skip=0):
    with (Path(app.instance_path) / "demo-passbooks.csv").open(encoding="utf-8-sig") as f:
        return [r for r in csv.DictReader(f) if not r["说明"]][skip]


def _hid(app, row) -> int:
    with app.extensions["kiosk_db"].reader() as db:
        return db.scalar(select(Household.id).where(Household.number == row["户号"]))


def _household(app, hid) -> Household:
    with app.extensions["kiosk_db"].reader() as db:
        return db.get(Household, hid)


def _memos(app, number) -> list[str]:
    with app.extensions["kiosk_db"].reader() as db:
        return list(
            db.scalars(
                select(Journal.memo)
                .where(Journal.ref == f"household:{number}", Journal.kind == "household_change")
                .order_by(Journal.seq)
            )
        )


def test_the_panel_sets_changes_and_clears_a_pin_and_each_change_is_journaled(app, staff_client):
    row = _row(app)
    hid = _hid(app, row)
    panel = staff_client("panel")
    page = panel.get(f"/backoffice/households/{hid}")
    assert "未设密码" in page.text and 'id="pin-set"' in page.text
    mismatch = panel.post(
        f"/backoffice/households/{hid}/pin", {"action": "set", "pin": "2468", "pin2": "2469"}
    )
    assert mismatch.status_code == 303 and _household(app, hid).pin_hash is None
    assert "两次输入的户密码不一样" in panel.get(f"/backoffice/households/{hid}").text
    short = panel.post(
        f"/backoffice/households/{hid}/pin", {"action": "set", "pin": "12", "pin2": "12"}
    )
    assert short.status_code == 303 and _household(app, hid).pin_hash is None
    panel.post(
        f"/backoffice/households/{hid}/pin", {"action": "set", "pin": "2468", "pin2": "2468"}
    )
    assert _household(app, hid).pin_hash
    listed = panel.get(f"/backoffice/households?q={row['户号']}")
    assert re.search(r'<td class="pin">已设</td>', listed.text)
    panel.post(f"/backoffice/households/{hid}/pin", {"action": "clear"})
    assert _household(app, hid).pin_hash is None
    assert _memos(app, row["户号"])[-2:] == ["pin set", "pin cleared"]


def test_a_locked_household_shows_locked_in_the_list_and_the_clerk_unlocks_it(app, staff_client):
    row = _row(app, 1)
    hid = _hid(app, row)
    with app.extensions["kiosk_db"].writer() as db:
        h = db.get(Household, hid)
        pins.set_pin(db, h, "1357", actor="test")
        for _ in range(pins.MAX_FAILURES):
            pins.check_pin(db, h, "0000")
        db.commit()
    clerk = staff_client("clerk")
    listed = clerk.get(f"/backoffice/households?q={row['户号']}")
    assert '<td class="pin"><span class="tag bad">已锁定</span></td>' in listed.text
    page = clerk.get(f"/backoffice/households/{hid}")
    assert 'id="pin-unlock"' in page.text and 'id="pin-set"' not in page.text  # clerk: unlock only
    assert clerk.post(f"/backoffice/households/{hid}/pin", {"action": "clear"}).status_code == 403
    assert clerk.post(f"/backoffice/households/{hid}/pin/unlock").status_code == 303
    unlocked = _household(app, hid)
    assert not unlocked.is_pin_locked and unlocked.pin_failures == 0 and unlocked.pin_hash
    assert _memos(app, row["户号"])[-1] == "pin unlocked"
    assert (
        staff_client("supervisor").post(f"/backoffice/households/{hid}/pin/unlock").status_code
        == 403
    )


def _active(app, hid) -> list[Passbook]:
    with app.extensions["kiosk_db"].reader() as db:
        return list(
            db.scalars(
                select(Passbook).where(Passbook.household_id == hid, Passbook.status == "active")
            )
        )


def test_reissue_asks_first_and_nothing_changes_until_confirmed(app, staff_client):
    row = _row(app, 2)
    hid = _hid(app, row)
    panel = staff_client("panel")
    (book,) = _active(app, hid)
    asked = panel.post(f"/backoffice/households/{hid}/passbooks", {"reissue": "1", "output": "a4"})
    assert asked.status_code == 200 and 'id="passbook-confirm"' in asked.text
    assert "旧存折将不能再用" in asked.text and "已挂失" in asked.text and "已作废" in asked.text
    assert [b.id for b in _active(app, hid)] == [book.id]  # nothing written yet
    no_reason = panel.post(
        f"/backoffice/households/{hid}/passbooks", {"reissue": "1", "output": "a4", "confirm": "1"}
    )
    assert no_reason.status_code == 422 and "请选择原因" in no_reason.text
    assert [b.id for b in _active(app, hid)] == [book.id]
    done = panel.post(
        f"/backoffice/households/{hid}/passbooks",
        {"reissue": "1", "output": "a4", "confirm": "1", "reason": "damaged"},
    )
    assert done.status_code == 200 and "cards-download" in done.text
    with app.extensions["kiosk_db"].reader() as db, pytest.raises(DomainError) as old:
        households.lookup_passbook(db, row["存折二维码"])
    assert old.value.code == "passbook_void"  # damaged: 已作废, not 已挂失


@pytest.mark.parametrize(
    ("reason", "code", "words"),
    [
        ("lost", "passbook_revoked", "已挂失"),
        ("head_died", "passbook_void", "已作废"),
        ("moved_away", "passbook_void", "已作废"),
    ],
)
def test_revoke_names_its_reason_and_the_kiosk_words_follow_it(
    app, staff_client, kiosk_words, reason, code, words
):
    row = _row(app, 3)
    hid = _hid(app, row)
    panel = staff_client("panel")
    (book,) = _active(app, hid)
    asked = panel.post(f"/backoffice/passbooks/{book.id}/revoke", {})
    assert asked.status_code == 200 and "确认作废" in asked.text
    for label in ("遗失", "损坏", "户主去世", "户已迁出"):
        assert label in asked.text
    assert _active(app, hid)  # still active until confirmed
    done = panel.post(f"/backoffice/passbooks/{book.id}/revoke", {"confirm": "1", "reason": reason})
    assert done.status_code == 303 and not _active(app, hid)
    with app.extensions["kiosk_db"].reader() as db, pytest.raises(DomainError) as refused:
        households.lookup_passbook(db, row["存折二维码"])
    assert refused.value.code == code
    assert words in kiosk_words(code)
    page = panel.get(f"/backoffice/households/{hid}").text
    assert households.REVOKE_REASONS[reason] in page  # the reason in words, not its key
    assert f">{reason}<" not in page


@pytest.fixture
def kiosk_words(app):
    """The title the kiosk's error screen shows for a refusal code, in Chinese."""

    def words(code: str) -> str:
        with app.test_request_context("/"):
            from flask import render_template

            return render_template(
                "kiosk/_error.html", code=code, picture="problem", way_back="start", visit=None
            )

    return words


def test_a_household_number_with_a_space_is_refused_in_words_that_say_what_a_number_may_hold(
    app, staff_client
):
    panel = staff_client("panel")
    refused = panel.post("/backoffice/households", {"number": "09 001", "head_name": "王五"})
    page = (
        refused.text if refused.status_code != 303 else panel.get(refused.headers["Location"]).text
    )
    assert "户号只能用汉字、字母、数字和 - _ . / # ( )，最多32个字，不能有空格。" in page
    assert "填写的内容不对" not in page
    with unit_of_work(app.extensions["kiosk_db"].reader) as session:
        assert session.scalar(select(Household).where(Household.head_name == "王五")) is None
