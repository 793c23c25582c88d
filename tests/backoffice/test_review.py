"""Two-step review (录入 -> 审核) and the notice period (公示期), on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from PIL import Image
from sqlalchemy import select

from shop import households
from shop.errors import DomainError
from shop.ledger import review_grammar, sentences
from shop.ledger.verify import verify_ledger
from shop.models import Journal, ReviewLine
from shop.points import review

GROUP = ["第一村民小组"]


def _jpeg_with_gps(size=(3000, 2000)) -> bytes:
    image = Image.new("RGB", size, (200, 80, 40))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0112] = 6  # orientation: rotate 90
    exif[0x8825] = {1: "N", 2: (39.0, 54.0, 20.0)}  # GPS
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def _journal(session, village, batch):
    return list(
        session.scalars(
            select(Journal)
            .where(Journal.village_id == village.id, Journal.ref == f"review:{batch.id}")
            .order_by(Journal.seq)
        )
    )


def _balance(session, household) -> int:
    session.refresh(household)
    return household.balance


def test_a_recorded_deduction_waits_for_the_panel_then_bites_below_zero(
    session, village, create_household, create_rule
):
    litter = create_rule(-20, name="乱倒垃圾")
    home = create_household(5)
    batch = review.record_entry(
        session,
        village.id,
        litter,
        [home.id],
        actor="staff:leader1",
        groups=GROUP,
        note="河边倒垃圾",
        photos=[_jpeg_with_gps()],
    )
    assert [line.state for line in batch.lines] == ["pending"]
    assert _balance(session, home) == 5  # nothing counts before the panel decides
    assert [b.id for b in review.pending_batches(session, village.id)] == [batch.id]

    result = review.decide(
        session, village.id, batch.id, approve=[batch.lines[0].id], actor="staff:panel1"
    )
    assert (result.posted, result.noticed, result.rejected) == (1, 0, 0)
    assert _balance(session, home) == -15
    assert batch.state == "decided" and batch.lines[0].state == "posted"
    posted = session.get(Journal, batch.lines[0].journal_id)
    assert (posted.kind, posted.actor) == ("deduction", "staff:panel1")
    steps = _journal(session, village, batch)
    read = [(j.actor, sentences.say(j.kind, j.ref, j.memo)) for j in steps]
    assert [(actor, said.text, said.fields["batch"]) for actor, said in read] == [
        ("staff:leader1", review_grammar.RECORD_NOTE, str(batch.id)),
        ("staff:panel1", review_grammar.DECIDE, str(batch.id)),
    ]
    assert read[0][1].fields["note"] == "河边倒垃圾" and read[1][1].fields["approved"] == "1"
    assert verify_ledger(session.connection(), village.id).problems == []
    with pytest.raises(DomainError) as again:
        review.decide(
            session, village.id, batch.id, approve=[batch.lines[0].id], actor="staff:panel1"
        )
    assert again.value.code == "already_decided"


def test_a_batch_is_decided_line_by_line_and_a_rejection_needs_a_reason(
    session, village, create_household, create_rule
):
    sweep = create_rule(5, name="打扫公共区域")
    homes = [create_household() for _ in range(3)]
    batch = review.record_entry(
        session, village.id, sweep, [h.id for h in homes], actor="staff:leader1", groups=GROUP
    )
    first, second, third = batch.lines
    with pytest.raises(DomainError) as no_reason:
        review.decide(session, village.id, batch.id, reject=[third.id], actor="staff:panel1")
    assert no_reason.value.code == "reason_required"
    review.decide(
        session,
        village.id,
        batch.id,
        approve=[first.id, second.id],
        reject=[third.id],
        reason="当天没有参加",
        actor="staff:panel1",
    )
    assert [line.state for line in batch.lines] == ["posted", "posted", "rejected"]
    assert [_balance(session, h) for h in homes] == [5, 5, 0]
    assert first.journal_id == second.journal_id  # one batch award for the approved lines
    mine = review.recorded_by(session, village.id, "staff:leader1")
    assert mine[0].lines[2].reason == "当天没有参加"


def test_a_recorder_cannot_record_outside_their_groups(
    session, village, create_household, create_rule
):
    rule = create_rule(5)
    home = create_household()
    with pytest.raises(DomainError) as refused:
        review.record_entry(
            session, village.id, rule, [home.id], actor="staff:leader2", groups=["第二村民小组"]
        )
    assert refused.value.code == "outside_groups"
    assert review.pending_batches(session, village.id) == []
    assert review.recorder_households(session, village.id, ["第二村民小组"]) == []
    assert home in review.recorder_households(session, village.id, GROUP)


def test_the_village_setting_decides_what_waits_for_review(
    session, village, create_household, create_rule
):
    good, bad = create_rule(5, name="好人好事"), create_rule(-5, name="乱堆乱放")
    home = create_household(10)
    review.set_settings(
        session, village.id, review_policy="deductions", notice_days=0, actor="staff:admin"
    )
    award = review.record_entry(
        session, village.id, good, [home.id], actor="staff:leader1", groups=GROUP
    )
    deduction = review.record_entry(
        session, village.id, bad, [home.id], actor="staff:leader1", groups=GROUP
    )
    assert award.lines[0].state == "posted" and deduction.lines[0].state == "pending"
    assert _balance(session, home) == 15
    review.set_settings(
        session, village.id, review_policy="none", notice_days=0, actor="staff:admin"
    )
    now = review.record_entry(
        session, village.id, bad, [home.id], actor="staff:leader1", groups=GROUP
    )
    assert now.lines[0].state == "posted" and _balance(session, home) == 10


def test_a_double_submit_records_one_batch(session, village, create_household, create_rule):
    rule = create_rule(5)
    home = create_household()
    kw = dict(actor="staff:leader1", groups=GROUP, client_key="page-key-0001")
    first = review.record_entry(session, village.id, rule, [home.id], **kw)
    second = review.record_entry(session, village.id, rule, [home.id], **kw)
    assert first.id == second.id
    assert len(review.pending_batches(session, village.id)) == 1


def test_photos_are_resized_and_stripped_and_hostile_files_refused(
    session, village, create_household, create_rule
):
    rule = create_rule(-5)
    home = create_household()
    batch = review.record_entry(
        session,
        village.id,
        rule,
        [home.id],
        actor="staff:leader1",
        groups=GROUP,
        photos=[_jpeg_with_gps()],
    )
    stored = batch.photos[0]
    with Image.open(io.BytesIO(stored.content)) as img:
        assert img.format == "JPEG"
        assert max(img.size) == 1280 and img.size == (853, 1280)  # turned upright, shrunk
        assert dict(img.getexif()) == {}
    assert b"PhoneMaker" not in stored.content

    def refused(data_list):
        with pytest.raises(DomainError) as caught:
            review.record_entry(
                session,
                village.id,
                rule,
                [home.id],
                actor="staff:leader1",
                groups=GROUP,
                photos=data_list,
            )
        return caught.value.code

    assert refused([b"<html><script>alert(1)</script></html>"]) == "invalid_picture"
    assert refused([_jpeg_with_gps()[:200]]) == "invalid_picture"  # cut off
    assert refused([b"\x00" * (13 * 1024 * 1024)]) == "photo_too_large"
    assert refused([_jpeg_with_gps((40, 40))] * 5) == "too_many_photos"
    bomb = io.BytesIO()
    Image.new("1", (12000, 12000)).save(bomb, "PNG")  # ~20 kB that opens to 144 megapixels
    assert refused([bomb.getvalue()]) == "invalid_picture"
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    assert refused([svg]) == "invalid_picture"
    assert len(review.pending_batches(session, village.id)) == 1  # nothing half-written


def test_with_a_notice_period_points_count_only_when_it_ends(
    session, village, create_household, create_rule
):
    rule = create_rule(10, name="义务劳动")
    a, b = create_household(), create_household()
    review.set_settings(session, village.id, review_policy="all", notice_days=7, actor="t")
    batch = review.record_entry(
        session, village.id, rule, [a.id, b.id], actor="staff:leader1", groups=GROUP
    )
    day = dt.date(2026, 12, 1)
    review.decide(
        session,
        village.id,
        batch.id,
        approve=[line.id for line in batch.lines],
        actor="staff:panel1",
        today=day,
    )
    line_a, line_b = batch.lines
    assert (line_a.state, line_a.effective_on) == ("noticed", dt.date(2026, 12, 8))
    assert _balance(session, a) == 0 and review.pending_points(session, a.id) == 10
    objection = review.record_objection(
        session, village.id, line_b.id, "他那天在外地", actor="staff:clerk1"
    )
    assert review.post_matured(session, today=dt.date(2026, 12, 7), actor="system") == 0
    assert review.post_matured(session, today=dt.date(2026, 12, 8), actor="system") == 1
    assert _balance(session, a) == 10 and review.pending_points(session, a.id) == 0
    assert line_b.state == "noticed" and _balance(session, b) == 0  # its objection is open
    review.resolve_objection(
        session, village.id, objection.id, points_after=5, resolution="只干了半天", actor="p"
    )
    assert review.post_matured(session, today=dt.date(2026, 12, 9), actor="system") == 1
    assert _balance(session, b) == 5
    corrected = session.get(Journal, line_b.journal_id)
    said = sentences.say(corrected.kind, corrected.ref, corrected.memo)
    assert (said.text, said.fields["batch"]) == (review_grammar.POSTED_CORRECTED, str(batch.id))
    assert review.post_matured(session, today=dt.date(2026, 12, 30), actor="system") == 0
    assert verify_ledger(session.connection(), village.id).problems == []


def test_an_objection_may_withdraw_a_line(session, village, create_household, create_rule):
    rule = create_rule(-10, name="违规焚烧")
    home = create_household(3)
    review.set_settings(session, village.id, review_policy="all", notice_days=3, actor="t")
    batch = review.record_entry(
        session, village.id, rule, [home.id], actor="staff:leader1", groups=GROUP
    )
    review.decide(session, village.id, batch.id, approve=[batch.lines[0].id], actor="p")
    objection = review.record_objection(
        session, village.id, batch.lines[0].id, "烧的是自家落叶", actor="staff:clerk1"
    )
    review.resolve_objection(
        session, village.id, objection.id, points_after=0, resolution="核实属实", actor="p"
    )
    assert batch.lines[0].state == "rejected"
    assert review.post_matured(session, today=dt.date(2099, 1, 1), actor="system") == 0
    assert _balance(session, home) == 3
    states = session.scalars(
        select(ReviewLine.state).where(ReviewLine.household_id == home.id)
    ).all()
    assert states == ["rejected"]


def test_an_inactive_household_or_another_villages_is_refused(
    session, village, create_village, create_household, create_rule
):
    rule = create_rule(5)
    paused = create_household(status="inactive")
    with pytest.raises(DomainError) as refused:
        review.record_entry(session, village.id, rule, [paused.id], actor="x", groups=GROUP)
    assert refused.value.code == "household_inactive"
    other = create_village("别村")
    stranger = households.create_household(
        session, other, "99-001", "外人", group_name=GROUP[0], actor="t"
    )
    with pytest.raises(DomainError) as refused:
        review.record_entry(session, village.id, rule, [stranger.id], actor="x", groups=GROUP)
    assert refused.value.code == "unknown_household"


def test_each_refusal_of_the_review_has_its_own_code(
    session, village, create_village, create_household, create_rule
):
    """Not the catch-all invalid_input: each refusal says what went wrong."""
    rule = create_rule(10)
    home = create_household()
    review.set_settings(session, village.id, review_policy="all", notice_days=3, actor="t")
    batch, other = (
        review.record_entry(session, village.id, rule, [home.id], actor="x", groups=GROUP)
        for _ in range(2)
    )
    line = batch.lines[0]

    def code(call, *args, **kwargs) -> str:
        with pytest.raises(DomainError) as refused:
            call(session, *args, **kwargs)
        return refused.value.code

    def settings(policy, days):
        return code(review.set_settings, village.id, review_policy=policy, notice_days=days,
                    actor="t")  # fmt: skip

    assert settings("some", 3) == "invalid_review_policy"
    assert settings("all", 61) == "invalid_notice_days"
    assert settings("all", -1) == "invalid_notice_days"
    stale = code(review.record_entry, village.id, rule, [home.id], actor="x", groups=GROUP,
                 client_key="k" * 65)  # fmt: skip
    assert stale == "reload_page"
    assert code(review.get_batch, village.id, other.id + 1000) == "unknown_batch"
    assert code(review.get_batch, create_village("别村").id, batch.id) == "unknown_batch"
    assert code(review.photo, village.id, 10**9) == "unknown_photo"
    both = code(review.decide, village.id, batch.id, approve=[line.id], reject=[line.id],
                reason="重复", actor="p")  # fmt: skip
    assert both == "approved_and_rejected"
    elsewhere = code(review.decide, village.id, batch.id, approve=[other.lines[0].id], actor="p")
    assert elsewhere == "line_not_in_batch"
    assert code(review.record_objection, village.id, 10**9, "不对", actor="c") == (
        "unknown_review_line"
    )
    answer = code(review.resolve_objection, village.id, 10**9, points_after=None,
                  resolution="核实", actor="p")  # fmt: skip
    assert answer == "unknown_objection"
    assert line.state == "pending" and review.settings(session, village.id).notice_days == 3


# --- the pages --------------------------------------------------------------------------------


def _recorder(app, username="leader1", groups=("第一村民小组",)):
    from shop import staff
    from shop.db import unit_of_work
    from shop.models import StaffUser, Village
    from shop.staff import accounts

    db = app.extensions["kiosk_db"]
    with unit_of_work(db.writer) as s:
        village = s.scalar(select(Village).order_by(Village.id).limit(1))
        staff.create_staff(s, username, "recorder", "village-pass-1", village=village)
        user = s.scalar(select(StaffUser).where(StaffUser.username == username))
        accounts.set_staff_groups(s, user, list(groups), actor="test")


def _a_household_of(app, group):
    from shop.models import Household

    db = app.extensions["kiosk_db"]
    with db.reader() as s:
        home = s.scalar(
            select(Household)
            .where(Household.group_name == group, Household.status == "active")
            .order_by(Household.number)
            .limit(1)
        )
        return home.id, home.number, home.balance


def _a_rule(app, negative=True):
    from shop.models import Rule

    db = app.extensions["kiosk_db"]
    with db.reader() as s:
        rule = s.scalar(
            select(Rule).where(Rule.points < 0 if negative else Rule.points > 0).limit(1)
        )
        return rule.id, rule.points


def test_a_recorder_records_from_the_phone_page_and_the_panel_approves(app, staff_client):
    from shop.models import Household

    group = _group_of_first_household(app)
    _recorder(app, groups=(group,))
    home_id, number, before = _a_household_of(app, group)
    rule_id, delta = _a_rule(app)
    leader = staff_client()
    assert leader.login("leader1").status_code == 303
    assert leader.get("/backoffice/").headers["Location"].endswith("/backoffice/record")
    page = leader.get("/backoffice/record")
    assert page.status_code == 200 and number in page.text and group in page.text
    assert leader.get("/backoffice/review").status_code == 403
    assert leader.get("/backoffice/households").status_code == 403
    sent = leader.post(
        "/backoffice/record",
        {
            "rule_id": rule_id,
            "household": str(home_id),
            "note": "乱倒垃圾",
            "key": "route-key-000001",
            "photos": (io.BytesIO(_jpeg_with_gps()), "IMG_0001.jpg"),
        },
        content_type="multipart/form-data",
    )
    assert sent.status_code == 303
    mine = leader.get("/backoffice/record")
    assert "待审核" in mine.text and 'data-line-state="pending"' in mine.text

    panel = staff_client("panel")
    queue = panel.get("/backoffice/review")
    batch_id = int(re.search(r'data-batch="(\d+)"', queue.text).group(1))
    photo_url = re.search(r'src="(/backoffice/review/photo/\d+)"', queue.text).group(1)
    shown = panel.get(photo_url)
    assert shown.mimetype == "image/jpeg" and b"Exif" not in shown.data[:64]
    decided = panel.post(f"/backoffice/review/{batch_id}", {"action": "approve_all"})
    assert decided.status_code == 303
    db = app.extensions["kiosk_db"]
    with db.reader() as s:
        assert s.get(Household, home_id).balance == before + delta
    assert "已通过" in leader.get("/backoffice/record").text


def test_a_rejection_from_the_page_needs_a_reason_and_reaches_the_recorder(app, staff_client):
    group = _group_of_first_household(app)
    _recorder(app, "leader2", groups=(group,))
    home_id, _, _ = _a_household_of(app, group)
    rule_id, _ = _a_rule(app, negative=False)
    leader = staff_client()
    leader.login("leader2")
    leader.post("/backoffice/record", {"rule_id": rule_id, "household": str(home_id)})
    panel = staff_client("panel")
    batch_id = int(re.search(r'data-batch="(\d+)"', panel.get("/backoffice/review").text).group(1))
    refused = panel.post(
        f"/backoffice/review/{batch_id}", {"action": "reject_all"}, follow_redirects=True
    )
    assert "请写明原因" in refused.text
    panel.post(f"/backoffice/review/{batch_id}", {"action": "reject_all", "reason": "没有照片"})
    assert "已退回：没有照片" in leader.get("/backoffice/record").text


def test_a_hostile_upload_is_refused_in_plain_words(app, staff_client):
    group = _group_of_first_household(app)
    _recorder(app, "leader3", groups=(group,))
    home_id, _, _ = _a_household_of(app, group)
    rule_id, _ = _a_rule(app)
    leader = staff_client()
    leader.login("leader3")
    answer = leader.post(
        "/backoffice/record",
        {
            "rule_id": rule_id,
            "household": str(home_id),
            "photos": (io.BytesIO(b"MZ\x90\x00 not a picture"), "photo.jpg"),
        },
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "图片无法识别" in answer.text
    assert "还没有记录" in answer.text


def _group_of_first_household(app) -> str:
    from shop.models import Household

    db = app.extensions["kiosk_db"]
    with db.reader() as s:
        return s.scalar(
            select(Household.group_name)
            .where(Household.status == "active", Household.group_name != "")
            .order_by(Household.number)
            .limit(1)
        )


def test_kiosk_post_matured_posts_what_the_notice_period_let_through(app, staff_client):
    """The daily command: a line whose 公示期 ended counts; one still in its period does not."""
    from kiosk.cli import register
    from shop.db import unit_of_work
    from shop.models import Household, Rule, Village

    db = app.extensions["kiosk_db"]
    with unit_of_work(db.writer) as s:
        village = s.scalar(select(Village).order_by(Village.id).limit(1))
        home = s.scalar(
            select(Household)
            .where(Household.village_id == village.id, Household.status == "active")
            .limit(1)
        )
        rule = s.scalar(select(Rule).where(Rule.points > 0).limit(1))
        review.set_settings(s, village.id, review_policy="all", notice_days=3, actor="t")
        early = review.record_entry(s, village.id, rule, [home.id], actor="x", groups=None)
        review.decide(
            s,
            village.id,
            early.id,
            approve=[early.lines[0].id],
            actor="p",
            today=dt.date.today() - dt.timedelta(days=5),
        )
        late = review.record_entry(s, village.id, rule, [home.id], actor="x", groups=None)
        review.decide(s, village.id, late.id, approve=[late.lines[0].id], actor="p")
        home_id, before = home.id, home.balance
    register(app)
    result = app.test_cli_runner().invoke(args=["post-matured"])
    assert result.exit_code == 0, result.output
    assert "1 lines posted" in result.output
    with db.reader() as s:
        assert s.get(Household, home_id).balance == before + rule.points
        assert review.pending_points(s, home_id) == rule.points


def test_a_recorder_reaches_only_the_recording_pages(app, staff_client):
    """记分员 are group leaders, not the panel: every other back-office page refuses them."""
    from .test_security import EXPECTED, PUBLIC, _visit, backoffice_routes

    _recorder(app, "leader9")
    leader = staff_client()
    assert leader.login("leader9").status_code == 303
    for endpoint, method, path in backoffice_routes(app):
        allowed = EXPECTED[endpoint]
        if allowed == PUBLIC or endpoint == "backoffice.logout":
            continue
        response = _visit(leader, method, path)
        if "recorder" in allowed or endpoint == "backoffice.home":
            assert response.status_code not in (401, 403), (endpoint, response.status_code)
        else:
            assert response.status_code == 403, (endpoint, response.status_code)
