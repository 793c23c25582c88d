"""The journal reads as sentences: every kind of row the shop writes, in Chinese and in English.

The journal keeps language-neutral facts (a typed reference, a memo in a fixed grammar); the
supervisor's page reads them as sentences (shop/ledger/sentences.py). Here the village does a day
of staff work through the domain, then the journal's pages are read as a person sees them: no
`household:02-006`, `create role clerk` or `staff:vol` in Chinese, no Chinese but the village's own
names in English. The village's own words (names, reasons, notes) are data and may stay.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import String, Text, select

from shop import clock, ledger, points, staff, stock, voice
from shop.db import unit_of_work
from shop.households import family, pins, query_codes, roster, split_merge, statements
from shop.households import operations as households
from shop.ledger import application_grammar, closing_grammar, review_grammar, sentences
from shop.models import (
    Base,
    Household,
    Journal,
    Kiosk,
    Passbook,
    Product,
    Redemption,
    Rule,
    RuleCategory,
    StaffUser,
    Township,
    Village,
)
from shop.points import (
    activities,
    applications,
    batches,
    catalog,
    district_catalog,
    district_edits,
    opening,
    review,
)
from shop.redemptions import limits
from shop.redemptions import operations as redemptions
from shop.regions import operations as regions
from shop.staff import accounts
from shop.stock import products, stocktake
from shop.transparency import year_end
from tests.shop.test_voice import wav_bytes

from .conftest import StaffClient
from .test_pages_postgres import pg_app  # noqa: F401  (the demo on PostgreSQL)
from .test_visible_text import ALLOWED_LATIN, CJK, MACHINE, _Visible

# The review's memos as they were written before they were structured (Chinese text): they stay
# in the chained journal and must read as the same sentences (shop/ledger/review_grammar.py).
OLD_REVIEW_MEMOS = (
    "审核范围=all 公示天数=7",
    "审核范围=deductions 公示天数=0",
    "录入 #1：清扫门前 +3 × 2户（09-001、09-002） 照片1张 门前扫得干净",
    "录入 #1：清扫门前 +3 × 1户（09-001） 照片0张",
    "自动通过（不需审核） #1：通过1户",
    "自动通过（不需审核） #1：通过1户（公示7天）",
    "审核 #1：通过1户（公示7天），退回1户：那天不在家",
    "审核 #1：通过2户（公示7天）",
    "审核 #1：通过0户，退回1户：那天不在家",
    "审核 #1：通过1户",
    "异议 #1（第2条）：扫的是别家门前",
    "异议 #1 处理：维持；核实无误",
    "异议 #1 处理：撤销；确实搞错了",
    "异议 #1 处理：更正为+2分（原+3）；只扫了一半",
    "公示期满 #1：2户计入积分",
)
OLD_POSTED_MEMOS = (
    "审核通过 录入#1 门前扫得干净",
    "审核通过 录入#1",
    "审核通过 录入#1 门前扫得干净（更正）",
    "审核通过 录入#1（更正）",
)
# What people wrote in the review (notes, reasons, objections, answers): data.
REVIEW_WORDS = [
    "门前扫得干净",
    "那天不在家",
    "扫的是别家门前",
    "只扫了一半",
    "核实无误",
    "确实搞错了",
]

# A reference as the journal stores it (batch:rv3f…, K01:2026-12-03, year_end:2026).
RAW_REF = re.compile(r"[A-Za-z][\w-]*:[\w-]+")
# The journal's own columns are what this test reads as words, so they are not "data".
JOURNAL_COLUMNS = {"memo", "ref", "actor", "kind", "hash", "prev_hash"}


def _staff_day(app) -> None:
    """A day of staff work, each step journaled by the domain as it is in the back-office."""
    with unit_of_work(app.extensions["kiosk_db"].writer) as db:
        village = db.scalar(select(Village).order_by(Village.id))
        actor = "staff:admin"
        clerk = staff.create_staff(db, "xiaoli", "clerk", "pass-word-1", village=village,
                                   display_name="李会计", actor=actor)  # fmt: skip
        accounts.set_staff_role(db, clerk, "volunteer", actor=actor)
        accounts.set_staff_active(db, clerk, False, actor=actor)
        accounts.set_staff_active(db, clerk, True, actor=actor)
        accounts.issue_badge(db, clerk, actor=actor, pin="1357")
        accounts.set_password(db, clerk, "pass-word-2", actor=actor)
        accounts.unlock_staff(db, clerk, actor=actor)
        token, _secret = staff.create_api_token(db, village, "kiosk", label="二号机", actor=actor)
        accounts.revoke_api_token(db, token.id, actor=actor)
        # a township's token reads this village's figures: its issue and revocation are here too
        township = db.get(Township, village.township_id)
        region_token, _secret = staff.create_region_token(
            db, township, label="镇财政所", actor="cli"
        )
        accounts.revoke_api_token(db, region_token.id, actor="cli")
        category = db.scalar(select(RuleCategory).where(RuleCategory.village_id == village.id))
        rule = catalog.add_rule(db, category, "清扫门前", 3, actor=actor)
        catalog.set_rule_active(db, rule, False, actor=actor)
        catalog.set_rule_active(db, rule, True, actor=actor)
        # The district's catalogue (区县统一积分项目) as the village receives it, and its own say.
        district = db.get(Township, village.township_id).district
        filial = district_catalog.add_district_category(db, district, "filial", "积孝",
                                                         actor="staff:nk-admin")  # fmt: skip
        elders = district_catalog.add_district_rule(db, filial, "照顾老人", 3, 1, 5,
                                                    actor="staff:nk-admin")  # fmt: skip
        inherited = db.scalar(select(Rule).where(Rule.district_rule_id == elders.id))
        district_catalog.adjust_rule_points(db, inherited, 5, actor=actor)
        district_catalog.follow_district_points(db, inherited, actor=actor)
        district_catalog.adjust_rule_points(db, inherited, 3, actor=actor)
        district_catalog.change_district_rule(db, elders, 2, 1, 4, actor="staff:nk-admin")
        district_edits.rename_district_rule(db, elders, "照料老人", actor="staff:nk-admin")
        district_edits.rename_district_rule(db, elders, "照料老人", "Elder care",
                                            actor="staff:nk-admin")  # fmt: skip
        district_edits.rename_district_category(db, filial, "孝老", actor="staff:nk-admin")
        district_edits.rename_district_category(db, filial, "孝老", "Filial care",
                                                actor="staff:nk-admin")  # fmt: skip
        catalog.set_rule_active(db, inherited, False, actor=actor)
        for _twice in range(2):  # back switched off by the village, then switched on
            district_catalog.retire_district_rule(db, elders, actor="staff:nk-admin")
            district_edits.restore_district_rule(db, elders, actor="staff:nk-admin")
            catalog.set_rule_active(db, inherited, True, actor=actor)
        district_catalog.retire_district_rule(db, elders, actor="staff:nk-admin")
        regions.rename_village(db, village, "幸福村", actor=actor)
        kiosk = regions.add_kiosk(db, village, "K09", "二号兑换机", actor=actor)
        regions.retire_kiosk(db, kiosk, actor=actor)
        home = roster.add_household(db, village, "09-001", "赵大山", group_name="第一村民小组",
                                    members=3, actor=actor)  # fmt: skip
        roster.update_household(db, home, head_name="赵大山", group_name="第二村民小组",
                                members=4, actor=actor)  # fmt: skip
        households.set_household_status(db, home, "inactive", actor=actor)
        households.set_household_status(db, home, "active", actor=actor)
        pins.set_pin(db, home, "2468", actor=actor)
        pins.clear_pin(db, home, actor=actor)
        households.issue_passbook(db, home, actor=actor)
        passbook = db.scalar(select(Passbook).where(Passbook.household_id == home.id))
        households.revoke_passbook(db, passbook, actor=actor, reason="damaged")
        deed = db.scalar(  # the first the village kept (PostgreSQL has no order of its own)
            select(Rule)
            .where(Rule.category_id == category.id, Rule.points > 0, Rule.is_active)
            .order_by(Rule.id)
        )
        application = applications.submit_application(
            db, home, deed, memo="帮邻居修路", actor="kiosk:K01"
        )
        applications.reject_application(
            db, village.id, application.id, reason="照片看不清", actor=actor
        )
        # Goods, limits and windows (finding 9): every change a row, read back as a sentence.
        knife = stock.create_product(db, village, "CD-9", "菜刀", 60, unit="把", actor=actor)
        products.update_product(db, knife, name="大菜刀", name_en="Big knife", points=55,
                                barcode="6909999000099", min_level=2, actor=actor)  # fmt: skip
        products.update_product(db, knife, barcode=None, is_active=False, actor=actor)
        products.update_product(db, knife, is_active=True, actor=actor)
        limits.set_limit(db, knife, 2, period="quarter", actor=actor)
        limits.set_limit(db, knife, None, actor=actor)
        limits.add_window(db, village, dt.date(2027, 5, 1), dt.date(2027, 5, 3), actor=actor)
        limits.add_window(db, village, dt.date(2027, 7, 1), dt.date(2027, 7, 7), label="夏季兑换",
                          actor=actor)  # fmt: skip
        limits.set_always_open(db, village, actor=actor)
        # A family (家庭成员), a change of head, a split and a merge (分户, 合户).
        points.award_points(db, home, delta=30, actor=actor, memo="清扫门前")
        wife = family.add_member(db, home, "钱秀英", "spouse", actor=actor)
        son = family.add_member(db, home, "赵小山", "child", actor=actor)
        bride = family.add_member(db, home, "孙丽", "child_in_law", actor=actor)
        aunt = family.add_member(db, home, "赵大姑", "other", actor=actor)
        family.edit_member(db, wife, name="钱秀英", relation="spouse", phone="13800138000",
                           may_redeem=False, actor=actor)  # fmt: skip
        family.remove_member(db, aunt, actor=actor)
        family.change_head(db, home, wife, old_head_relation="spouse", actor=actor)
        split_merge.split_household(db, home, number="09-002", member_ids=[son.id, bride.id],
                               head_id=son.id, points=10, actor=actor)  # fmt: skip
        other = roster.add_household(db, village, "09-003", "周大", actor=actor)
        points.award_points(db, other, delta=8, actor=actor, memo="清扫门前")
        households.issue_passbook(db, other, actor=actor)
        query_codes.issue_query_code(db, other, actor=actor)
        split_merge.merge_households(db, home, other, expected_balance=8, actor=actor)
        # Activities (活动): one with a place and places ends with nobody checked in, one
        # without is cancelled (the one sent for review reads as the review's rows below).
        tree_day = activities.create_activity(db, village.id, deed, name="植树",
                                              held_on=dt.date(2027, 3, 12), place="村口",
                                              capacity=30, actor=actor)  # fmt: skip
        activities.sign_up(db, tree_day, home, actor=actor)
        activities.close_activity(db, tree_day, actor=actor)
        patrol = activities.create_activity(db, village.id, deed, name="防火巡逻",
                                            held_on=dt.date(2027, 3, 13), actor=actor)  # fmt: skip
        activities.cancel_activity(db, patrol, "下大雨", actor=actor)
        _review_day(db, village, rule, actor)
        _every_reference(db, village, deed, actor, app.instance_path)
        assert db.scalar(select(Kiosk).where(Kiosk.code == "K09")) is not None
        assert db.scalar(select(Household).where(Household.number == "09-001")) is not None


def _review_day(db, village, rule, actor: str) -> None:
    """录入 -> 审核 -> 公示 -> 异议 -> 公示期满 with every kind of decision and answer, then the
    same steps' rows as they were written before (old memos stay readable)."""
    home, young = (
        db.scalar(select(Household).where(Household.number == n)) for n in ("09-001", "09-002")
    )
    both = [home.id, young.id]

    def entry(note: str = "", homes=both):
        return review.record_entry(db, village.id, rule, homes, actor=actor, groups=None,
                                   note=note)  # fmt: skip

    review.set_settings(db, village.id, review_policy="all", notice_days=3, actor=actor)
    first = entry("门前扫得干净")
    a, b = first.lines
    review.decide(db, village.id, first.id, approve=[a.id], reject=[b.id], reason="那天不在家",
                  actor=actor)  # fmt: skip
    objection = review.record_objection(db, village.id, a.id, "扫的是别家门前", actor=actor)
    review.resolve_objection(db, village.id, objection.id, points_after=2,
                             resolution="只扫了一半", actor=actor)  # fmt: skip
    second = entry()
    review.decide(db, village.id, second.id, approve=[x.id for x in second.lines], actor=actor)
    for line, after, answer in zip(
        second.lines, (None, 0), ("核实无误", "确实搞错了"), strict=True
    ):
        objection = review.record_objection(db, village.id, line.id, "扫的是别家门前", actor=actor)
        review.resolve_objection(db, village.id, objection.id, points_after=after,
                                 resolution=answer, actor=actor)  # fmt: skip
    later = clock.today() + dt.timedelta(days=10)
    assert review.post_matured(db, village_id=village.id, today=later, actor=actor) == 2
    review.set_settings(db, village.id, review_policy="all", notice_days=0, actor=actor)
    third = entry("门前扫得干净")
    review.decide(db, village.id, third.id, approve=[third.lines[0].id], actor=actor)
    review.decide(db, village.id, third.id, reject=[third.lines[1].id], reason="那天不在家",
                  actor=actor)  # fmt: skip
    review.set_settings(db, village.id, review_policy="deductions", notice_days=0, actor=actor)
    entry("门前扫得干净", [home.id])
    review.set_settings(db, village.id, review_policy="none", notice_days=3, actor=actor)
    last = entry(homes=[home.id])
    objection = review.record_objection(db, village.id, last.lines[0].id, "扫的是别家门前",
                                        actor=actor)  # fmt: skip
    review.resolve_objection(db, village.id, objection.id, points_after=2,
                             resolution="只扫了一半", actor=actor)  # fmt: skip
    assert review.post_matured(db, village_id=village.id, today=later, actor=actor) == 1
    for memo in OLD_REVIEW_MEMOS:
        ledger.append(db, village.id, "household_change", actor=actor, ref="review:1", memo=memo)
    for delta, memo in zip((3, -3, 2, -2), OLD_POSTED_MEMOS, strict=True):
        points.award_points(db, home, delta=delta, actor=actor, memo=memo)


def _every_reference(db, village, deed, actor: str, instance_path: str) -> None:
    """A write of each kind of reference the journal keeps (batch page, approved application,
    opening balance, stocktake, void, voice, year end); the demo wrote redemptions, day closes
    and deliveries. Each reads as words on the journal page (shop.ledger.references)."""
    home = db.scalar(select(Household).where(Household.number == "09-001"))
    newcomer = roster.add_household(db, village, "09-004", "吴老四", actor=actor)
    batches.apply_batch(db, village.id, deed, [home.id, newcomer.id], actor=actor,
                        batch_key="0f" * 16, memo="帮邻居修路")  # fmt: skip
    batches.apply_batch(db, village.id, deed, [home.id], actor=actor, batch_key="1e" * 16)
    for note in ("帮邻居修路", ""):
        application = applications.submit_application(db, home, deed, memo=note, actor=actor)
        applications.approve_application(db, village.id, application.id, actor=actor)
    for old in ("申请 #1 帮邻居修路", "申请 #2"):  # as approvals were written before
        points.award_points(db, home, delta=2, actor=actor, memo=old)
    opening.apply_opening(db, village, [{"户号": "09-004", "期初积分": "20"}], source="老账本",
                          actor=actor)  # fmt: skip
    soap = db.scalar(select(Product).where(Product.village_id == village.id, Product.on_hand > 2))
    take = stocktake.start_stocktake(db, village, actor=actor)
    stocktake.record_count(db, take, soap, soap.on_hand - 1, actor=actor)
    stocktake.finalise_stocktake(db, take, actor=actor)
    stock.adjust_stock(db, soap, -1, actor=actor, reason="摔破了")
    sold = db.scalar(select(Redemption).where(Redemption.state == "completed"))
    redemptions.void_redemption(db, sold, reason="拿错了", actor=actor)
    voice.record_clip(db, village.id, "points", wav_bytes(0.3), instance_path, actor=actor)
    today = clock.today()
    year_end.announce_year_end(db, village, today.year, "expire", today + dt.timedelta(days=1),
                               actor=actor, today=today)  # fmt: skip
    year_end.apply_year_end(db, village, today.year, actor=actor,
                            today=today + dt.timedelta(days=1))  # fmt: skip


def _data_outside_the_journal(app) -> set[str]:
    found: list[str] = []
    with app.extensions["kiosk_db"].engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            columns = [
                c
                for c in table.columns
                if isinstance(c.type, String | Text)
                and not (table.name == "journal" and c.name in JOURNAL_COLUMNS)
                and not c.name.endswith("_by")  # who did it: machine words, read here
            ]
            if columns:
                for row in conn.execute(select(*columns)):
                    found.extend(str(value) for value in row if value)
    # Reasons and notes a person typed are data too (they ride in the memo), and so is a memo or
    # a reference outside the shop's grammar (an award's note, a delivery's source).
    # So are a product's old name, a removed window's label and a removed family member's name,
    # kept only by the journal now.
    found += ["帮邻居修路", "照片看不清", "菜刀", "夏季兑换", "赵大姑", *REVIEW_WORDS]
    found += ["老账本", "摔破了", "拿错了"]
    found += ["照顾老人", "积孝"]  # a district item's and category's names before their rename
    found.append(voice.get("points").text)  # what the recording says, in the kiosk's Chinese
    with app.extensions["kiosk_db"].engine.connect() as conn:
        for kind, ref, memo in conn.execute(select(Journal.kind, Journal.ref, Journal.memo)):
            # A typed reference (kind:rest) is never data: it reads as words or the test fails.
            found += [ref] if ":" not in ref and sentences.ref_said(ref, kind) is None else []
            found += [memo] if sentences.say(kind, ref, memo) is None else []
    # Whole words and whole runs of Hanzi: a fragment of a longer value is not data.
    return {
        w for text in found for w in re.findall(r"[\w:-]+", text) + re.findall(r"[A-Za-z]+", text)
    } | {run for text in found for run in CJK.findall(text)}


def _journal_pages(app, lang: str) -> list[str]:
    client = StaffClient(app)
    assert client.login("supervisor").status_code == 303
    if lang == "en":
        client.post("/backoffice/lang", {"lang": "en", "next": "/backoffice/"})
    texts, offset = [], 0
    while True:
        page = client.get(f"/backoffice/journal?offset={offset}")
        assert page.status_code == 200
        parser = _Visible()
        parser.feed(page.get_data(as_text=True))
        texts.extend(parser.parts)
        if "较早" not in page.text and "Older" not in page.text:
            return texts
        offset += 50


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_journal_row_reads_as_a_sentence(app, lang):
    _staff_day(app)
    data = _data_outside_the_journal(app)
    strange: set[str] = set()
    for text in _journal_pages(app, lang):
        strange |= set(RAW_REF.findall(text))
        if lang == "zh":
            for pattern in MACHINE:
                strange |= {
                    m.group(0)
                    for m in pattern.finditer(text)
                    if m.group(0) not in ALLOWED_LATIN and m.group(0) not in data
                }
        else:
            strange |= {run for run in CJK.findall(text) if run not in data}
    assert not strange, sorted(strange)[:40]


def test_the_shops_memos_are_in_the_grammar(app):
    """Every memo the shop wrote above (not a person's note) is read by a sentence."""
    _staff_day(app)
    with app.extensions["kiosk_db"].reader() as db:
        rows = db.execute(select(Journal.kind, Journal.ref, Journal.memo)).all()
    unread = {
        (kind, memo)
        for kind, ref, memo in rows
        if memo and re.search(r"[A-Za-z]{3,}", memo) and sentences.say(kind, ref, memo) is None
    }
    assert not unread, sorted(unread)[:10]


# The kinds whose memo may be a person's own note (an award's, a delivery's, a loss's or a void's
# reason, an opening's source); every other memo is the shop's and reads as a sentence.
NOTE_KINDS = {"award", "deduction", "stock_receipt", "stock_adjustment", "genesis", "void"}


def test_only_peoples_notes_are_outside_the_grammar(app):
    """A memo the grammar does not read is a person's note, of a kind that carries one, and
    looks like one: no Chinese or structured text of the shop's own escapes the grammar (the
    page test counts an unread memo as data, so it cannot see one)."""
    _staff_day(app)
    with app.extensions["kiosk_db"].reader() as db:
        rows = db.execute(select(Journal.kind, Journal.ref, Journal.memo)).all()
    unread = {
        (kind, ref, memo)
        for kind, ref, memo in rows
        if memo
        and sentences.say(kind, ref, memo) is None
        and (
            kind not in NOTE_KINDS
            or ref.startswith("stocktake:")
            or re.search(r"[A-Za-z]{3,}|#\d", memo)
        )
    }
    assert not unread, sorted(unread)[:10]


def test_an_application_decision_reads_as_an_application(app):
    _staff_day(app)
    client = StaffClient(app)
    client.login("supervisor")
    page = client.get("/backoffice/journal?household=09-001").text
    assert "积分申请" in page and "申请未通过，理由：照片看不清" in page
    assert "新建农户，户主赵大山" in page and "修改户籍：小组 第二村民小组 · 人口 4" in page
    staff_page = client.get("/backoffice/journal?actor=staff:admin&kind=staff_change").text
    assert (
        "新增工作人员，角色：记账员" in staff_page
        and "staff:admin" not in staff_page.split("<table", 1)[1]
    )
    assert StaffUser is not None


def test_the_reviews_memos_read_as_sentences_old_and_new(app):
    """Every row the review writes (审核设置, 录入, 审核, 异议, 公示期满, the awards it posts),
    and each as it was written before in Chinese, is read by a sentence: none is shown as text."""
    _staff_day(app)
    with app.extensions["kiosk_db"].reader() as db:
        rows = db.execute(select(Journal.kind, Journal.ref, Journal.memo)).all()
    review_rows = [
        (kind, ref, memo)
        for kind, ref, memo in rows
        if ref.startswith("review:")
        or ref == "points-settings"
        or memo.startswith(("review #", "审核通过"))
    ]
    said = {memo: sentences.say(kind, ref, memo) for kind, ref, memo in review_rows}
    assert not [memo for memo, read in said.items() if read is None]
    old = set(OLD_REVIEW_MEMOS + OLD_POSTED_MEMOS)
    assert old <= set(said)
    # Each sentence of the review's grammar is reached, by the rows written now and by old ones.
    for memos in (set(said) - old, old):
        assert {row[2] for row in review_grammar.ROWS} <= {said[memo].text for memo in memos}
    assert sentences.ref_said("points-settings").text == "审核设置"


def test_batches_read_as_their_place_in_the_day_in_the_households_history(app):
    """A batch award's key (batch:0f0f…) is never shown: the household's journal says which
    batch of its day it was, and an approved application reads as one, in both languages."""
    _staff_day(app)
    _batches_read_as_words(app)


def _batches_read_as_words(app) -> None:
    client = StaffClient(app)
    client.login("supervisor")
    page = client.get("/backoffice/journal?household=09-001").text
    assert "批量记分，当天第1批 · 帮邻居修路" in page and "批量记分，当天第2批" in page
    assert "审核通过，一批计入，当天第1批" in page
    assert "村民申请，评定小组通过：帮邻居修路" in page and "batch:" not in page
    client.post("/backoffice/lang", {"lang": "en", "next": "/backoffice/"})
    page = client.get("/backoffice/journal?household=09-001").text
    assert "batch award, batch 2 of the day" in page
    assert "villager&#39;s application, approved by the panel: 帮邻居修路" in page


# Memos as they were written before they were structured, and as they are written now.
BEFORE_AND_NOW = [
    ("award", "申请 #7 帮邻居修路", application_grammar.memo_approved(7, "帮邻居修路")),
    ("award", "申请 #7", application_grammar.memo_approved(7, "")),
    ("deduction", "申请 #7 乱倒垃圾", application_grammar.memo_approved(7, "乱倒垃圾")),
    (
        "void",
        "拿错了 [原单2026-09-15已日结，作废记入2026-09-16 / "
        "receipt day 2026-09-15 closed, void booked to 2026-09-16]",
        closing_grammar.memo_void_moved("拿错了", dt.date(2026, 9, 15), dt.date(2026, 9, 16)),
    ),
    ("stock_adjustment", "盘点 3 种, 1 种有差异", closing_grammar.memo_stocktake(3, 1)),
    ("year_end", "2026年度积分清零", closing_grammar.memo_year_end(2026, "expire")),
    ("year_end", "2026年度积分保留", closing_grammar.memo_year_end(2026, "keep")),
    (
        "year_end",
        "2026年度积分封顶结转（上限100分）",
        closing_grammar.memo_year_end(2026, "cap", 100),
    ),
]


@pytest.mark.parametrize(("kind", "before", "now"), BEFORE_AND_NOW)
def test_a_memo_written_before_reads_as_the_one_written_now(kind, before, now):
    assert sentences.say(kind, "", now) is not None and sentences.say(kind, "", before) is not None
    for lang in ("zh", "en"):
        assert sentences.read(kind, "", before, lang) == sentences.read(kind, "", now, lang)
    english = sentences.read(kind, "", now, "en")
    assert not re.search(r"[\u4e00-\u9fff]", english.replace("帮邻居修路", "").replace(
        "乱倒垃圾", "").replace("拿错了", "")), english  # fmt: skip


def test_the_year_end_reads_in_the_readers_language():
    memo = closing_grammar.memo_year_end(2026, "cap", 100)
    assert sentences.read("year_end", "", memo) == "2026年度封顶结转（上限100分）"
    assert sentences.read("year_end", "", memo, "en") == (
        "year 2026: Carry over up to a cap (at most 100 pts)"
    )


def _walked(app):
    """The day above, then the household 09-001 as the statement, the awards file and the
    phone's history show it."""
    _staff_day(app)
    with app.extensions["kiosk_db"].reader() as db:
        return db.scalar(select(Household).where(Household.number == "09-001")).id


STRUCTURED = re.compile(r"\b(?:review|application|record|decide|objection) #\d|year end \d")


def _visible(html: str) -> str:
    parser = _Visible()
    parser.feed(html)
    return "\n".join(parser.parts)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_statements_and_the_awards_file_read_memos_in_the_readers_language(app, lang):
    """The statement page, its PDF's words and the awards file (加扣分明细) show a memo as its
    sentence in the reader's language: no structured memo, no Chinese sentence for English."""
    home = _walked(app)
    client = StaffClient(app)
    client.login("admin")
    if lang == "en":
        client.post("/backoffice/lang", {"lang": "en", "next": "/backoffice/"})
    statement = client.get(f"/backoffice/households/{home}/statement").text
    today = clock.today().isoformat()
    awards = client.get(f"/backoffice/reports/awards.csv?from=2000-01-01&to={today}")
    awards = awards.get_data().decode("utf-8-sig")
    for text in (_visible(statement), awards):
        assert not STRUCTURED.search(text) and not RAW_REF.search(text), text
    if lang == "zh":
        assert "村民申请，评定小组通过：帮邻居修路" in statement
        assert "审核通过（录入批次" in awards
    else:
        assert "villager&#39;s application, approved by the panel: 帮邻居修路" in statement
        assert "Approved in review (batch" in awards
        assert "审核通过" not in awards and "评定小组通过" not in statement


def test_the_statement_on_paper_is_in_the_slips_language(app):
    home = _walked(app)
    with app.extensions["kiosk_db"].reader() as db:
        household = db.get(Household, home)
        lines = statements.statement_lines(db, household)
        slip = statements.statement_slip(db, household, lines, tz=dt.UTC,
                                         now=dt.datetime.now(dt.UTC), lang="en")  # fmt: skip
        pdf_words = [line.memo_in("en") for line in lines]
    items = [row.item for row in slip.rows]
    assert "Award" in items and "加分" not in items  # an entry with no points item: its kind
    assert "villager's application, approved by the panel: 帮邻居修路" in pdf_words
    assert not [w for w in pdf_words if STRUCTURED.search(w)]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_phones_history_reads_memos_as_sentences(app, lang):
    from tests.phone.conftest import PhoneClient, issue_code

    _walked(app)
    code, _home = issue_code(app, "09-001")
    phone = PhoneClient(app)
    phone.sign_in(code)
    if lang == "en":
        phone.post("/m/lang", {"lang": "en", "next": "/m/history"})
    page = phone.get("/m/history").text
    assert not STRUCTURED.search(_visible(page)) and not RAW_REF.search(_visible(page))
    assert "申请 #" not in page
    if lang == "zh":
        assert "村民申请，评定小组通过：帮邻居修路" in page
    else:
        assert "villager&#39;s application, approved by the panel: 帮邻居修路" in page


@pytest.mark.postgres
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_journal_and_the_households_history_read_as_words_on_postgresql(pg_app, lang):  # noqa: F811
    """The same walk on PostgreSQL (the batches' places are counted by the day's bounds there)."""
    test_every_journal_row_reads_as_a_sentence(pg_app, lang)
    if lang == "zh":
        _batches_read_as_words(pg_app)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_monthly_notice_reads_the_year_end_in_the_readers_language(app, lang):
    """The notice (一月一公示) names an entry without a points item by its memo's sentence: the
    year end in the reader's language, never `year end 2026 expire`."""
    _staff_day(app)
    client = StaffClient(app)
    client.login("admin")
    if lang == "en":
        client.post("/backoffice/lang", {"lang": "en", "next": "/backoffice/"})
    page = _visible(client.get(f"/backoffice/reports/notice?month={clock.today():%Y-%m}").text)
    assert not STRUCTURED.search(page) and not RAW_REF.search(page)
    year = clock.today().year
    assert (f"{year}年度积分清零" if lang == "zh" else f"year {year}: Expire all points") in page
