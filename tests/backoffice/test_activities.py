"""Activities (活动): sign-up (报名), attendance (签到) by scan or tick, and closing into ONE review
batch that counts only when the panel approves it (and its notice period ends), on SQLite and
PostgreSQL."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from PIL import Image
from sqlalchemy import select

from shop import households
from shop.errors import DomainError
from shop.households import query_codes
from shop.ledger import sentences
from shop.ledger.verify import verify_ledger
from shop.models import Journal, PointsEntry, ReviewBatch, ReviewPhoto
from shop.points import activities, review

DAY = dt.date(2026, 12, 6)


def _jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (2400, 1600), (40, 160, 60))
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (39.0, 54.0, 20.0)}  # GPS
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def _balance(session, household) -> int:
    session.refresh(household)
    return household.balance


def _greening(session, village, create_rule, **kw):
    rule = create_rule(5, name="村屯绿化")
    return activities.create_activity(
        session,
        village.id,
        rule,
        name="植树",
        held_on=DAY,
        place="村口",
        actor="staff:panel1",
        **kw,
    )


def test_an_activity_from_sign_up_to_points_goes_through_review_as_one_batch(
    session, village, create_household, create_rule
):
    activity = _greening(session, village, create_rule)
    homes = [create_household(3) for _ in range(4)]
    for home in homes[:3]:
        signup, is_new = activities.sign_up(session, activity, home, actor="staff:clerk1")
        assert is_new
    assert activities.sign_up(session, activity, homes[0], actor="staff:clerk1")[1] is False
    _, code_a = households.issue_passbook(session, homes[0], actor="t")
    _, code_b = households.issue_passbook(session, homes[1], actor="t")
    first = activities.attend_by_code(session, activity, code_a, actor="staff:leader1")
    assert first.is_new and first.household.id == homes[0].id and not first.is_walk_in
    again = activities.attend_by_code(session, activity, code_a.lower(), actor="staff:leader1")
    assert again.is_new is False  # a second scan is harmless
    activities.attend_by_code(session, activity, code_b, actor="staff:leader1")
    # The fourth household came without signing up: its phone query code signs it up as it comes.
    code_c = query_codes.issue_query_code(session, homes[3], actor="t").code
    link = f"https://cun.example/m/c/{code_c}"  # what the phone QR carries
    walk_in = activities.attend_by_code(session, activity, link, actor="staff:leader1")
    assert walk_in.is_walk_in and walk_in.household.id == homes[3].id
    assert activities.counts(session, [activity.id])[activity.id] == activities.Counts(4, 3)
    activities.add_photos(session, activity, [_jpeg_with_gps()], actor="staff:leader1")

    batch = activities.close_activity(session, activity, actor="staff:panel1")
    assert activity.state == "closed" and activity.batch_id == batch.id
    assert sorted(line.household_id for line in batch.lines) == sorted(
        h.id for h in (homes[0], homes[1], homes[3])
    )
    assert [line.state for line in batch.lines] == ["pending"] * 3
    assert [_balance(session, h) for h in homes] == [3, 3, 3, 3]  # nothing counts yet
    photos = session.scalars(select(ReviewPhoto).where(ReviewPhoto.batch_id == batch.id)).all()
    assert (
        len(photos) == 1
        and b"GPS" not in photos[0].content
        and max(photos[0].width, photos[0].height) <= 1280
    )
    assert "植树" in batch.note
    with pytest.raises(DomainError) as closed:
        activities.attend_by_code(session, activity, code_b, actor="staff:leader1")
    assert closed.value.code == "activity_closed"

    review.decide(
        session, village.id, batch.id, approve=[line.id for line in batch.lines], actor="p"
    )
    assert [_balance(session, h) for h in homes] == [8, 8, 3, 8]
    entries = session.scalars(
        select(PointsEntry).where(PointsEntry.journal_id == batch.lines[0].journal_id)
    ).all()
    assert len(entries) == 3  # one award event for the whole activity
    assert verify_ledger(session.connection(), village.id).problems == []


def test_with_a_notice_period_the_activity_counts_when_it_ends(
    session, village, create_household, create_rule
):
    review.set_settings(session, village.id, review_policy="all", notice_days=5, actor="t")
    activity = _greening(session, village, create_rule)
    home = create_household()
    activities.sign_up(session, activity, home, actor="t")
    activities.mark_attended(session, activity, home, actor="t", how="tick")
    batch = activities.close_activity(session, activity, actor="staff:panel1")
    review.decide(session, village.id, batch.id, approve=[batch.lines[0].id], actor="p", today=DAY)
    assert _balance(session, home) == 0 and review.pending_points(session, home.id) == 5
    assert review.post_matured(session, today=DAY + dt.timedelta(days=4), actor="s") == 0
    assert review.post_matured(session, today=DAY + dt.timedelta(days=5), actor="s") == 1
    assert _balance(session, home) == 5


def test_capacity_ticks_and_refusals(session, village, create_household, create_rule):
    activity = _greening(session, village, create_rule, capacity=2)
    a, b, c = (create_household() for _ in range(3))
    paused = create_household(status="inactive")
    one, _ = activities.sign_up(session, activity, a, actor="t")
    two, _ = activities.sign_up(session, activity, b, actor="t")
    with pytest.raises(DomainError) as full:
        activities.sign_up(session, activity, c, actor="t")
    assert full.value.code == "activity_full"
    with pytest.raises(DomainError) as full_at_the_door:
        activities.mark_attended(session, activity, c, actor="t", how="scan")
    assert full_at_the_door.value.code == "activity_full"
    activities.cancel_signup(session, activity, two.id, actor="t")
    with pytest.raises(DomainError) as inactive:
        activities.sign_up(session, activity, paused, actor="t")
    assert inactive.value.code == "household_inactive"
    # Ticks: both present, then one unticked (a mistaken scan undone).
    activities.sign_up(session, activity, c, actor="t")
    signed = activities.signups(session, activity)
    assert activities.set_ticks(session, activity, {s.id for s in signed}, actor="t") == (2, 0)
    assert activities.set_ticks(session, activity, {one.id}, actor="t") == (0, 1)
    with pytest.raises(DomainError) as attended:
        activities.cancel_signup(session, activity, one.id, actor="t")
    assert attended.value.code == "already_attended"
    for bad, code in (("JF1NOTACODE", "unknown_code"), ("", "unknown_code")):
        with pytest.raises(DomainError) as refused:
            activities.attend_by_code(session, activity, bad, actor="t")
        assert refused.value.code == code
    home_d = create_household()
    passbook, code = households.issue_passbook(session, home_d, actor="t")
    households.revoke_passbook(session, passbook, actor="t", reason="lost")
    with pytest.raises(DomainError) as lost:
        activities.attend_by_code(session, activity, code, actor="t")
    assert lost.value.code == "passbook_revoked"
    # A household paused after attending is left out of the batch, and the journal says so.
    households.set_household_status(session, a, "inactive", actor="t")
    activities.set_ticks(session, activity, {one.id}, actor="t")
    assert activities.close_activity(session, activity, actor="t") is None
    memo = session.scalars(
        select(Journal.memo).where(Journal.ref == f"activity:{activity.id}").order_by(Journal.seq)
    ).all()[-1]
    assert memo == "activity close: attended 1, left out 1, review none"


def test_an_activity_awards_a_deed_and_another_village_cannot_see_it(
    session, village, create_village, create_household, create_rule
):
    litter = create_rule(-10, name="乱倒垃圾")
    with pytest.raises(DomainError) as deduction:
        activities.create_activity(
            session, village.id, litter, name="x", held_on=DAY, actor="staff:panel1"
        )
    assert deduction.value.code == "activity_needs_award"
    rule = create_rule(5)
    with pytest.raises(DomainError) as places:
        activities.create_activity(
            session, village.id, rule, name="x", held_on=DAY, capacity=0, actor="p"
        )
    assert places.value.code == "invalid_capacity"
    activity = _greening(session, village, create_rule)
    other = create_village()
    with pytest.raises(DomainError) as hidden:
        activities.get_activity(session, other.id, activity.id)
    assert hidden.value.code == "not_found"
    stranger = create_household(target=other)
    with pytest.raises(DomainError) as foreign:
        activities.sign_up(session, activity, stranger, actor="t")
    assert foreign.value.code == "unknown_household"


def test_cancelling_sends_nothing_and_every_step_reads_as_a_sentence(
    session, village, create_household, create_rule
):
    activity = _greening(session, village, create_rule, capacity=20)
    home = create_household()
    activities.mark_attended(session, activity, home, actor="t", how="scan")
    activities.add_photos(session, activity, [_jpeg_with_gps()], actor="t")
    with pytest.raises(DomainError) as no_reason:
        activities.cancel_activity(session, activity, "", actor="t")
    assert no_reason.value.code == "reason_required"
    activities.cancel_activity(session, activity, "下大雨", actor="staff:panel1")
    assert activity.state == "cancelled" and activity.batch_id is None
    assert session.scalar(select(ReviewBatch).where(ReviewBatch.village_id == village.id)) is None
    rows = session.execute(
        select(Journal.kind, Journal.ref, Journal.memo)
        .where(Journal.ref == f"activity:{activity.id}")
        .order_by(Journal.seq)
    ).all()
    said = [sentences.say(*row) for row in rows]
    assert [s.text for s in said] == [
        "新建活动：{name}，{date}，{place}，每户{points}分，名额{places}",
        "添加活动照片{count}张",
        "取消活动，理由：{why}",
    ]
    assert said[0].fields == {
        "date": "2026-12-06",
        "points": "+5",
        "places": "20",
        "name": "植树",
        "place": "村口",
    }
    assert sentences.ref_said(rows[0][1]).text == "活动 {ref}"
