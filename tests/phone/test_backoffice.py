"""The back-office's side: the query code with its QR on the household page, issued, reissued
and stopped by the panel (journaled); the phone settings; both QRs on the printed card and the
statement, read back from paper."""

from __future__ import annotations

import datetime as dt
import re
import subprocess

import numpy as np
import zxingcpp
from PIL import Image
from sqlalchemy import select

from shop.db import unit_of_work
from shop.households import cards, statements
from shop.households.codes import new_code
from shop.models import Household, Journal, QueryCode
from tests.phone.conftest import issue_code


def _first_household(app) -> int:
    with unit_of_work(app.extensions["kiosk_db"].reader) as session:
        return session.scalars(select(Household.id).order_by(Household.number)).first()


def _active_codes(app, household_id: int) -> list[str]:
    with unit_of_work(app.extensions["kiosk_db"].reader) as session:
        return list(
            session.scalars(
                select(QueryCode.code).where(
                    QueryCode.household_id == household_id, QueryCode.revoked_at.is_(None)
                )
            )
        )


def test_the_panel_issues_reissues_and_stops_a_query_code_from_the_household_page(
    app, staff_client, phone
):
    household_id = _first_household(app)
    panel = staff_client("panel")
    page = f"/backoffice/households/{household_id}"
    assert 'id="query-none"' in panel.get(page).text
    action = f"/backoffice/households/{household_id}/query-code"
    assert panel.post(action, {"action": "issue"}).status_code == 303
    (first,) = _active_codes(app, household_id)
    shown = panel.get(page).text
    assert f"/m/c/{first}" in shown and "<svg" in shown  # the link and its QR
    p = phone()
    assert p.sign_in(first).status_code == 303
    panel.post(action, {"action": "issue"})  # 补发: the old one stops
    (second,) = _active_codes(app, household_id)
    assert second != first and p.get("/m/").status_code == 401
    panel.post(action, {"action": "revoke"})
    assert _active_codes(app, household_id) == []
    assert phone().sign_in(second).status_code == 410
    with unit_of_work(app.extensions["kiosk_db"].reader) as session:
        memos = list(
            session.scalars(
                select(Journal.memo).where(Journal.memo.like("query code%")).order_by(Journal.seq)
            )
        )
    assert memos == ["query code issued", "query code reissued", "query code revoked"]
    journal = staff_client("admin").get("/backoffice/journal").text
    assert "补发手机查询码" in journal and "query code" not in journal


def test_a_clerk_sees_but_cannot_issue_a_query_code(app, staff_client):
    household_id = _first_household(app)
    clerk = staff_client("clerk")
    assert "手机查询码" in clerk.get(f"/backoffice/households/{household_id}").text
    refused = clerk.post(f"/backoffice/households/{household_id}/query-code", {"action": "issue"})
    assert refused.status_code == 403 and _active_codes(app, household_id) == []


def test_the_admin_opens_the_public_pages_and_the_supervisor_only_reads(app, staff_client):
    admin = staff_client("admin")
    assert admin.post("/backoffice/settings/phone", {"is_public": "1"}).status_code == 303
    with unit_of_work(app.extensions["kiosk_db"].reader) as session:
        from shop.models import Village
        from shop.phone import phone_settings

        village = session.scalars(select(Village)).first()
        setting = phone_settings(session, village.id)
        assert setting.is_public and not setting.is_masked
        code = village.code
    assert app.test_client().get(f"/m/v/{code}/ranking").status_code == 200
    supervisor = staff_client("supervisor")
    assert 'id="phone-settings"' in supervisor.get("/backoffice/settings/phone").text
    assert supervisor.post("/backoffice/settings/phone", {}).status_code == 403


def _qr_codes_in_pdf(pdf: bytes, folder) -> list[str]:
    (folder / "paper.pdf").write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", "200", "-png", str(folder / "paper.pdf"), str(folder / "page")],
        check=True,
        timeout=60,
    )
    found: list[str] = []
    for png in sorted(folder.glob("page*.png")):
        image = np.asarray(Image.open(png).convert("L"))
        found += [r.text for r in zxingcpp.read_barcodes(image) if r.valid]
    return found


def test_the_card_and_the_statement_carry_the_phone_qr_beside_the_passbook_qr(app, tmp_path):
    spend = new_code()
    link = "http://192.168.1.10:8000/m/c/" + new_code("CX1")
    card = cards.Card(
        "幸福村", "01-002", "谢秀英", "第一村民小组", dt.date(2026, 12, 3), 3, spend, link
    )
    font = app.config["CJK_FONT"]
    assert sorted(_qr_codes_in_pdf(cards.cards_pdf([card], font_path=font), tmp_path)) == sorted(
        [spend, link]
    )
    code, household_id = issue_code(app)
    with unit_of_work(app.extensions["kiosk_db"].reader) as session:
        h = session.get(Household, household_id)
        lines = statements.statement_lines(session, h, tz=dt.UTC)
        pdf = statements.statement_pdf(
            session,
            h,
            lines,
            tz=dt.UTC,
            now=dt.datetime.now(dt.UTC),
            font_path=font,
            phone_link=f"http://x/m/c/{code}",
        )
        slip = statements.statement_slip(
            session, h, lines, tz=dt.UTC, now=dt.datetime.now(dt.UTC), phone_link="http://x/m/c/Q"
        )
    folder = tmp_path / "statement"
    folder.mkdir()
    assert _qr_codes_in_pdf(pdf, folder) == [f"http://x/m/c/{code}"]
    assert slip.layout(32).qr_payloads == ["http://x/m/c/Q"]
    assert re.search("手机扫码查积分", "\n".join(slip.layout(32).text_lines()))
