"""The supervision panel (监督小组): the journal browser, staff actions with their actors, and a
button that runs the full verification and shows what it found."""

from __future__ import annotations

from sqlalchemy import text


def test_supervisor_browses_the_journal_by_household_actor_and_kind(staff_client):
    supervisor = staff_client("supervisor")
    page = supervisor.get("/backoffice/journal")
    assert page.status_code == 200
    assert 'data-seq="' in page.text and "工作人员操作" in page.text
    one = supervisor.get("/backoffice/journal?household=01-001")
    assert "01-001" in one.text and 'data-seq="' in one.text
    redemptions = supervisor.get(
        "/backoffice/journal?kind=redemption", headers={"HX-Request": "true"}
    )
    assert redemptions.text.lstrip().startswith('<section id="journal-rows">')  # the rows alone
    assert redemptions.text.count('data-seq="') > 5 and "K01-" in redemptions.text
    by_staff = supervisor.get("/backoffice/journal?actor=staff:nobody")
    assert "没有符合条件的记录" in by_staff.text
    unknown = supervisor.get("/backoffice/journal?household=99-999")
    assert "没有这一户" in unknown.text


def test_the_journal_is_for_the_supervisor_and_the_admin_only(staff_client):
    for role, status in [("volunteer", 403), ("clerk", 403), ("panel", 403), ("admin", 200)]:
        assert staff_client(role).get("/backoffice/journal").status_code == status, role
    anonymous = staff_client().get("/backoffice/journal")
    assert anonymous.status_code in (302, 401)


def test_supervisor_runs_verification_and_sees_a_tampered_row(app, staff_client):
    supervisor = staff_client("supervisor")
    good = supervisor.post("/backoffice/verify", headers={"HX-Request": "true"})
    assert good.status_code == 200 and 'data-verify="ok"' in good.text and "账本完好" in good.text
    with app.extensions["kiosk_db"].engine.begin() as conn:
        conn.execute(text("UPDATE journal SET memo = '改过' WHERE seq = 30"))
    bad = supervisor.post("/backoffice/verify", headers={"HX-Request": "true"})
    assert 'data-verify="bad"' in bad.text and "seq 30 " in bad.text
    refused = supervisor.post("/backoffice/verify", csrf=False)
    assert refused.status_code == 400  # a form without its CSRF token is refused
